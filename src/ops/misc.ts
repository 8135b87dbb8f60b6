/**
 * Small ops of the DDPM U-Net (shaders/misc.wgsl): permute, the sinusoidal timestep embedding, inverted
 * dropout with an in-kernel Philox mask, and the mean-squared-error loss.
 */
import { type Engine, record, type Tensor } from "../engine.js";
import { coalesce, grid1d, MAX_RANK, sameShape, shapeString, stridesOf } from "../shape.js";
import { square, sub } from "./elementwise.js";
import { mean } from "./reduce.js";

// ---------------------------------------------------------------- permute

function permuteForward(op: string, x: Tensor, dims: readonly number[]): Tensor {
  const strides = stridesOf(x.shape);
  const outShape = dims.map((d) => x.shape[d]);
  const out = x.engine.empty(outShape, op);
  const packed = coalesce(outShape, [dims.map((d) => strides[d])]);
  if (packed.shape.length <= 4) {
    // Scalar uniforms for up to 4 (coalesced) dimensions: dynamically indexed uniform arrays are slow on CPU adapters.
    const pad = 4 - packed.shape.length;
    const sizes = [...new Array(pad).fill(1), ...packed.shape];
    const inStrides = [...new Array(pad).fill(0), ...packed.strides[0]];
    x.engine.run(
      "misc/permute_rank4",
      { permuteIn: x, permuteOut: out },
      {
        n: out.size,
        size1: sizes[1],
        size2: sizes[2],
        size3: sizes[3],
        stride0: inStrides[0],
        stride1: inStrides[1],
        stride2: inStrides[2],
        stride3: inStrides[3],
      },
      grid1d(out.size),
    );
    return out;
  }
  x.engine.run(
    "misc/permute",
    { permuteIn: x, permuteOut: out },
    { n: out.size, rank: packed.shape.length, outShape: packed.shape, inStrides: packed.strides[0] },
    grid1d(out.size),
  );
  return out;
}

/**
 * x with its axes reordered: output axis i is input axis dims[i] (torch.permute), materialised as a dense
 * tensor (an identity order returns a view). Negative axes count from the end. Rank ≤ 8.
 * Backward: the gradient permuted by the inverse order.
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const op = "permute";
  const rank = x.rank;
  const order = dims.map((d) => (d < 0 ? d + rank : d));
  if (dims.length !== rank || order.some((d) => !Number.isInteger(d) || d < 0 || d >= rank) || new Set(order).size !== rank) {
    throw new Error(`${op}: [${dims.join(", ")}] is not a permutation of the ${rank} axes of ${shapeString(x.shape)}`);
  }
  if (rank > MAX_RANK) throw new Error(`${op}: rank ${rank} of ${shapeString(x.shape)} exceeds the supported ${MAX_RANK}`);
  if (order.every((d, i) => d === i)) {
    const view = x.engine.view(x, x.shape, op);
    return record(op, view, [x], (g) => [g.engine.view(g, x.shape, `${op} backward`)]);
  }
  const out = permuteForward(op, x, order);
  const inverse = new Array<number>(rank);
  for (const [i, d] of order.entries()) inverse[d] = i;
  return record(op, out, [x], (g) => [permuteForward(`${op} backward`, g, inverse)]);
}

// ---------------------------------------------------------------- timestep embedding

export interface TimestepEmbeddingOptions {
  /** Output [cos, sin] instead of [sin, cos]. Default false. */
  flipSinToCos?: boolean;
  /** freq_j = exp(−ln(maxPeriod)·j / (dim/2 − downscaleFreqShift)). Default 1. */
  downscaleFreqShift?: number;
  /** Default 10000. */
  maxPeriod?: number;
  /** Multiplies the arguments t·freq. Default 1. */
  scale?: number;
}

/**
 * The frequencies exp(−ln(maxPeriod)·j / (half − shift)), j < half, rounded after every step to f32 as
 * torch's float32 ops round them (the ln(maxPeriod) constant, the product, the quotient, the exp).
 */
export function timestepFrequencies(half: number, shift: number, maxPeriod: number): Float32Array {
  const f32 = Math.fround;
  const negLogPeriod = f32(-Math.log(maxPeriod));
  const divisor = f32(half - shift);
  const frequencies = new Float32Array(Math.max(half, 1));
  for (let j = 0; j < half; j++) frequencies[j] = f32(Math.exp(f32(f32(negLogPeriod * j) / divisor)));
  return frequencies;
}

/**
 * Sinusoidal timestep embedding [N, dim] of timesteps [N] (float values of t, possibly fractional), exactly
 * diffusers' get_timestep_embedding: half = ⌊dim/2⌋, freq_j = exp(−ln(maxPeriod)·j / (half −
 * downscaleFreqShift)), arg = scale·t·freq, embedding = [sin(arg), cos(arg)] (or [cos, sin] with
 * flipSinToCos), with one zero column appended when dim is odd.
 *
 * Frequencies are computed on the CPU in float64 and rounded to f32 as torch rounds them; the kernel
 * range-reduces the f32 arguments (up to ~1000 rad) before sin/cos, so results match a float64 evaluation
 * of the same f32 arguments to ~1e-7. No backward: timesteps are data, not trained.
 */
export function timestepEmbedding(engine: Engine, timesteps: Tensor, dim: number, options: TimestepEmbeddingOptions = {}): Tensor {
  const op = "timestepEmbedding";
  if (timesteps.engine !== engine) throw new Error(`${op}: timesteps belong to a different engine`);
  if (timesteps.rank !== 1) throw new Error(`${op}: timesteps must be 1-D [N], got ${shapeString(timesteps.shape)}`);
  if (!Number.isInteger(dim) || dim < 0) throw new Error(`${op}: dim must be an integer ≥ 0, got ${dim}`);
  const shift = options.downscaleFreqShift ?? 1;
  const maxPeriod = options.maxPeriod ?? 10000;
  const scale = options.scale ?? 1;
  if (!(maxPeriod > 0) || !Number.isFinite(maxPeriod)) throw new Error(`${op}: maxPeriod must be a finite number > 0, got ${maxPeriod}`);
  if (!Number.isFinite(shift) || !Number.isFinite(scale)) throw new Error(`${op}: downscaleFreqShift and scale must be finite`);
  const half = Math.floor(dim / 2);
  if (half >= 1 && Math.fround(half - shift) === 0) {
    throw new Error(`${op}: dim/2 − downscaleFreqShift = ${half} − ${shift} = 0 divides by zero (diffusers would return NaN)`);
  }
  const rows = timesteps.shape[0];
  const frequencies = engine.tensor(timestepFrequencies(half, shift, maxPeriod), [Math.max(half, 1)]);
  const out = engine.empty([rows, dim], op);
  engine.run(
    "misc/timestep_embedding",
    { timesteps, frequencies, embedding: out },
    { rows, half, dim, flip: options.flipSinToCos ? 1 : 0, scale },
    grid1d(rows * dim),
  );
  frequencies.dispose();
  return out;
}

// ---------------------------------------------------------------- dropout

/** Philox counter word 1 for dropout masks, so a mask never repeats randn/rand draws made with the same seed. */
const DROPOUT_STREAM = 0x64726f70; // "drop"

function dropoutMask(x: Tensor, seed: number, threshold: number, scale: number, origin: string): Tensor {
  const out = x.engine.empty(x.shape, origin);
  x.engine.run(
    "misc/dropout",
    { dropoutIn: x, dropoutOut: out },
    { n: x.size, seedLo: seed % 2 ** 32, seedHi: Math.floor(seed / 2 ** 32), stream: DROPOUT_STREAM, threshold, scale },
    grid1d(Math.ceil(x.size / 4)),
  );
  return out;
}

/**
 * Inverted dropout: each element is kept with probability 1 − p and scaled by 1/(1 − p), or zeroed. The mask
 * is a function of (seed, element index) only: element 4i + j is kept iff (word j of Philox4x32-10 of counter
 * (i, 0x64726f70, 0, 0) under key (seed mod 2^32, ⌊seed / 2^32⌋)) >> 8 ≥ ⌈p·2^24⌉. Use a new seed per step
 * and per layer. When `training` is false or p = 0, returns x itself (no copy), like torch.
 * Backward: the gradient times the same mask (regenerated from the seed).
 */
export function dropout(x: Tensor, p: number, seed: number, training: boolean): Tensor {
  const op = "dropout";
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: p must be in [0, 1], got ${p}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${op}: seed must be an integer in [0, 2^53), got ${seed}`);
  if (!training || p === 0) return x;
  const threshold = Math.ceil(p * 2 ** 24);
  const scale = p === 1 ? 0 : Math.fround(1 / (1 - p));
  const out = dropoutMask(x, seed, threshold, scale, op);
  return record(op, out, [x], (g) => [dropoutMask(g, seed, threshold, scale, `${op} backward`)]);
}

// ---------------------------------------------------------------- loss

/**
 * mean((prediction − target)²) over every element, as a scalar [] tensor (torch.nn.functional.mse_loss with
 * reduction "mean"). Shapes must match (no broadcasting). Gradients flow to both inputs.
 */
export function mseLoss(prediction: Tensor, target: Tensor): Tensor {
  const op = "mseLoss";
  if (!sameShape(prediction.shape, target.shape)) {
    throw new Error(`${op}: prediction ${shapeString(prediction.shape)} and target ${shapeString(target.shape)} differ`);
  }
  if (prediction.size === 0) throw new Error(`${op}: no elements in ${shapeString(prediction.shape)}`);
  const difference = sub(prediction, target);
  const squared = square(difference);
  const loss = mean(squared);
  if (!loss.node) {
    difference.dispose();
    squared.dispose();
  }
  return loss;
}
