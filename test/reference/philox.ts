/**
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11) on the CPU,
 * in 32-bit integer arithmetic only (no BigInt, no 64-bit float products), as the reference for shaders/rng.wgsl.
 * Checked against the known-answer vectors of the Random123 distribution in test/random.test.ts.
 */

/** Philox4x32 round multipliers and Weyl key increments (the paper's constants). */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32s, by schoolbook multiplication on 16-bit limbs. */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  // Each partial product of two 16-bit limbs fits in 32 bits.
  const lowLow = Math.imul(aLo, bLo) >>> 0;
  const lowHigh = Math.imul(aLo, bHi) >>> 0;
  const highLow = Math.imul(aHi, bLo) >>> 0;
  const highHigh = Math.imul(aHi, bHi) >>> 0;
  // Bits 16..47 of the product: carry out of the middle column into the high word.
  const middle = (lowLow >>> 16) + (lowHigh & 0xffff) + (highLow & 0xffff);
  return (highHigh + (lowHigh >>> 16) + (highLow >>> 16) + (middle >>> 16)) >>> 0;
}

/** Low 32 bits of the product of two u32s. */
export function mullo32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/**
 * Encrypt a 128-bit counter (four u32 words) under a 64-bit key (two u32 words) with 10 Philox rounds.
 * Returns four u32 words.
 */
export function philox4x32_10(counter: readonly number[], key: readonly number[]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((w) => w >>> 0);
  let [k0, k1] = key.map((w) => w >>> 0);
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0);
    const lo0 = mullo32(M0, c0);
    const hi1 = mulhi32(M1, c2);
    const lo1 = mullo32(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/**
 * The words the engine's RNG produces for `n` outputs: output 4i + j is word j of Philox block
 * (counter (i, stream, 0, 0), key (seed mod 2³², ⌊seed / 2³²⌋)).
 */
export function philoxWords(n: number, seed: number, stream: number): Uint32Array {
  const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  const words = new Uint32Array(n);
  for (let i = 0; 4 * i < n; i++) {
    const block = philox4x32_10([i, stream, 0, 0], key);
    for (let j = 0; j < 4 && 4 * i + j < n; j++) words[4 * i + j] = block[j];
  }
  return words;
}

/** Uniform in [0, 1) from the top 24 bits of a word (exact in f32). */
export function unitInterval(word: number): number {
  return (word >>> 8) / 2 ** 24;
}

/**
 * Standard normals by Box–Muller (float64) from an even number of words: words (x, y) give r·cos θ, r·sin θ
 * with r = √(−2 ln u₁), θ = 2π u₂, u₁ = (top 24 bits of x + 1) / 2²⁴ ∈ (0, 1] so the logarithm is finite,
 * u₂ = top 24 bits of y / 2²⁴.
 */
export function boxMuller(words: Uint32Array): Float64Array {
  if (words.length % 2) throw new Error("boxMuller: needs an even number of words");
  const out = new Float64Array(words.length);
  for (let i = 0; i < words.length; i += 2) {
    const u1 = ((words[i] >>> 8) + 1) / 2 ** 24;
    const u2 = unitInterval(words[i + 1]);
    const radius = Math.sqrt(-2 * Math.log(u1));
    out[i] = radius * Math.cos(2 * Math.PI * u2);
    out[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** The engine's `n` normal outputs for (seed, stream): whole Philox blocks are transformed, then cut to n. */
export function philoxNormals(n: number, seed: number, stream: number): Float64Array {
  return boxMuller(philoxWords(4 * Math.ceil(n / 4), seed, stream)).slice(0, n);
}
