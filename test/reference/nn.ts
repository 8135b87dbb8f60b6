/**
 * Float64 references for the U-Net's normalisation, attention and small ops: GroupNorm (+ SiLU), softmax,
 * attention, permute, the timestep embedding, dropout and the MSE loss. Plain loops, written for clarity.
 */
import { matmul, silu } from "./ops.js";
import { philoxWords } from "./philox.js";
import { coords, type Ref, sizeOf, strides } from "./tensor.js";

/** torch.nn.functional.group_norm (biased variance), then an optional SiLU. */
export function groupNorm(x: Ref, groups: number, weight: Ref | null, bias: Ref | null, eps: number, applySilu = false): Ref {
  const [batch, channels] = x.shape;
  const spatial = sizeOf(x.shape.slice(2));
  const perGroup = channels / groups;
  const count = perGroup * spatial;
  const data = new Float64Array(x.data.length);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < groups; g++) {
      const start = (n * channels + g * perGroup) * spatial; // a group is contiguous in [N, C, S]
      let mean = 0;
      for (let i = 0; i < count; i++) mean += x.data[start + i];
      mean /= count;
      let variance = 0;
      for (let i = 0; i < count; i++) variance += (x.data[start + i] - mean) ** 2;
      variance /= count;
      const rstd = 1 / Math.sqrt(variance + eps);
      for (let i = 0; i < count; i++) {
        const c = g * perGroup + Math.floor(i / spatial);
        const z = (x.data[start + i] - mean) * rstd * (weight ? weight.data[c] : 1) + (bias ? bias.data[c] : 0);
        data[start + i] = applySilu ? silu(z) : z;
      }
    }
  }
  return { data, shape: [...x.shape] };
}

/** softmax(scale·x) along `axis`, with the maximum subtracted. */
export function softmax(x: Ref, axis = -1, scale = 1): Ref {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const len = x.shape[a];
  const inner = sizeOf(x.shape.slice(a + 1));
  const outer = sizeOf(x.shape.slice(0, a));
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const at = (j: number) => (o * len + j) * inner + r;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, scale * x.data[at(j)]);
      let total = 0;
      for (let j = 0; j < len; j++) total += Math.exp(scale * x.data[at(j)] - max);
      for (let j = 0; j < len; j++) data[at(j)] = Math.exp(scale * x.data[at(j)] - max) / total;
    }
  }
  return { data, shape: [...x.shape] };
}

/** softmax(q·kᵀ·scale)·v over [B, L, d] operands. */
export function attention(q: Ref, k: Ref, v: Ref, scale: number): Ref {
  return matmul(softmax(matmul(q, k, false, true), -1, scale), v);
}

/** torch.permute materialised: output axis i is input axis dims[i]. */
export function permute(x: Ref, dims: number[]): Ref {
  const shape = dims.map((d) => x.shape[d]);
  const inStrides = strides(x.shape);
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, shape);
    let offset = 0;
    for (let k = 0; k < dims.length; k++) offset += c[k] * inStrides[dims[k]];
    data[i] = x.data[offset];
  }
  return { data, shape };
}

export interface TimestepOptions {
  flipSinToCos?: boolean;
  downscaleFreqShift?: number;
  maxPeriod?: number;
  scale?: number;
}

/**
 * diffusers' get_timestep_embedding as torch computes it in float32: every intermediate (−ln maxPeriod, the
 * exponent, its quotient, exp, t·freq, scale·arg) is rounded to f32 as torch's float32 ops round it, and
 * only sin/cos of the final f32 argument are evaluated in float64. (Evaluating the whole formula in float64
 * instead differs from diffusers itself by up to ~6e-5 at t = 999: an f32 argument near 1000 is only
 * known to 2^-15.) Torch's exp may differ from the correctly rounded f32 result by one ulp on some inputs,
 * which this reference cannot know.
 */
export function timestepEmbedding(timesteps: number[], dim: number, options: TimestepOptions = {}): Ref {
  const f32 = Math.fround;
  const shift = options.downscaleFreqShift ?? 1;
  const maxPeriod = options.maxPeriod ?? 10000;
  const scale = options.scale ?? 1;
  const half = Math.floor(dim / 2);
  const frequencies: number[] = [];
  for (let j = 0; j < half; j++) {
    const exponent = f32(f32(f32(-Math.log(maxPeriod)) * j) / f32(half - shift));
    frequencies.push(f32(Math.exp(exponent)));
  }
  const data = new Float64Array(timesteps.length * dim);
  timesteps.forEach((t, n) => {
    for (let j = 0; j < half; j++) {
      const arg = f32(f32(scale) * f32(f32(t) * frequencies[j]));
      const [first, second] = options.flipSinToCos ? [Math.cos(arg), Math.sin(arg)] : [Math.sin(arg), Math.cos(arg)];
      data[n * dim + j] = first;
      data[n * dim + half + j] = second;
    }
  });
  return { data, shape: [timesteps.length, dim] };
}

/** The Philox counter word the engine's dropout uses (src/ops/misc.ts). */
export const DROPOUT_STREAM = 0x64726f70;

/** The engine's dropout mask: element e is kept iff (Philox word e) >> 8 ≥ ⌈p·2^24⌉. */
export function dropoutMask(n: number, p: number, seed: number): boolean[] {
  const threshold = Math.ceil(p * 2 ** 24);
  return Array.from(philoxWords(n, seed, DROPOUT_STREAM), (word) => word >>> 8 >= threshold);
}

/** Inverted dropout with the engine's mask: kept elements scaled by 1/(1 − p). */
export function dropout(x: Ref, p: number, seed: number): Ref {
  const mask = dropoutMask(x.data.length, p, seed);
  const scale = p === 1 ? 0 : 1 / (1 - p);
  return { data: x.data.map((v, i) => (mask[i] ? v * scale : 0)), shape: [...x.shape] };
}

/** mean((a − b)²) as a scalar. */
export function mseLoss(a: Ref, b: Ref): Ref {
  let total = 0;
  for (let i = 0; i < a.data.length; i++) total += (a.data[i] - b.data[i]) ** 2;
  return { data: Float64Array.of(total / a.data.length), shape: [] };
}
