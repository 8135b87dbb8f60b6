/** Float64 CPU tensors for the references: plain loops, written for clarity (llm.c's train_gpt2.c is the model). */

export interface Ref {
  data: Float64Array;
  shape: number[];
}

export function ref(data: ArrayLike<number>, shape: number[]): Ref {
  const size = shape.reduce((p, d) => p * d, 1);
  if (data.length !== size) throw new Error(`ref: ${data.length} values for shape [${shape}]`);
  return { data: Float64Array.from(data), shape: [...shape] };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Coordinates of flat index i in shape. */
export function coords(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return c;
}

/** Deterministic pseudo-random numbers (mulberry32) for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values uniform in [low, high), rounded to f32 so GPU and CPU see the same inputs. */
export function uniformData(n: number, random: () => number, low = -1, high = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(low + (high - low) * random());
  return out;
}
