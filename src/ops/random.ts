/** Random tensors drawn on the GPU (shaders/rng.wgsl, Philox4x32-10). */
import type { Engine } from "../engine.js";
import type { Shape, Tensor } from "../tensor.js";
import { grid1d } from "./shape.js";

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`random: seed must be an integer in [0, 2^53), got ${seed}`);
}

function draw(engine: Engine, entry: string, shape: Shape, seed: number, stream: number, mean: number, std: number): Tensor {
  checkSeed(seed);
  const out = engine.empty(shape, entry);
  engine.run(
    `rng/${entry}`,
    { out },
    { n: out.size, seedLo: seed % 2 ** 32, seedHi: Math.floor(seed / 2 ** 32), stream: stream >>> 0, mean, scale: std },
    grid1d(Math.ceil(out.size / 4)),
  );
  return out;
}

/** N(mean, std²) samples; element 4i..4i+3 come from Philox block (i, stream) under key seed. */
export function normal(engine: Engine, shape: Shape, seed: number, stream: number, mean: number, std: number): Tensor {
  return draw(engine, "normal", shape, seed, stream, mean, std);
}

/** Uniform samples in [low, low + width). */
export function uniform(engine: Engine, shape: Shape, seed: number, stream: number, low: number, width: number): Tensor {
  return draw(engine, "uniform01", shape, seed, stream, low, width);
}

/** The raw Philox words as f32 bit patterns (for exactness tests). */
export function rawBits(engine: Engine, shape: Shape, seed: number, stream: number): Tensor {
  return draw(engine, "raw_bits", shape, seed, stream, 0, 1);
}
