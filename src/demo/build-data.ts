/**
 * Node side of the demo's build (scripts/demo.mjs): the MNIST train split exactly as the CLI trains on it
 * (src/io/mnist.ts: padded, 2×2-averaged for 16×16, mapped to [-1, 1], the same deterministic split), written in
 * the compact exact form of ./dataset-file.ts for the page to fetch.
 */
import { writeFile } from "node:fs/promises";
import { loadMnist } from "../io/mnist.js";
import { encodeDataset } from "./dataset-file.js";

/** Writes the MNIST train split at `size` to `path`; returns the file's size in bytes and the digit count. */
export async function writeMnistFile(path: string, size: 16 | 28 | 32): Promise<{ bytes: number; count: number }> {
  const data = await loadMnist({ size, split: "train" });
  const encoded = encodeDataset(data);
  await writeFile(path, encoded);
  return { bytes: encoded.length, count: data.count };
}
