/** A training run small enough for a test: a folder of random 8×8 grey PNGs and a preset for a tiny U-Net. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodePng } from "../../src/io/images.js";
import type { Preset } from "../../src/presets.js";
import { rng } from "../reference/tensor.js";
import { tinyUNet } from "./unet-configs.js";

/** `count` random 8×8 single-channel PNGs in `dir` (created), the same for the same seed. */
export function writePngFolder(dir: string, seed: number, count = 6): string {
  mkdirSync(dir, { recursive: true });
  const random = rng(seed);
  for (let i = 0; i < count; i++) {
    const pixels = new Uint8Array(8 * 8).map(() => Math.floor(random() * 256));
    writeFileSync(join(dir, `img${i}.png`), encodePng(pixels, 8, 8, 1));
  }
  return dir;
}

/** 8×8 images, the two-level 8-channel U-Net, batch 3, a loss read every step. */
export const TINY_PRESET: Preset = {
  size: 8,
  model: tinyUNet(),
  train: { batchSize: 3, learningRate: 1e-3, warmupSteps: 2, emaDecay: 0.9, logEvery: 1 },
};
