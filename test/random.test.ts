/**
 * The counter-based RNG (shaders/rng.wgsl): the raw Philox4x32-10 words must equal a CPU implementation bit for
 * bit (that is what makes "same seed, same numbers on any adapter" true), normals must be the Box–Muller
 * transform of those words, and the samples must have the right distribution.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../src/index.js";
import { testEngine } from "./helpers/engine.js";
import { hexWords as hex, take, takeWords } from "./helpers/readback.js";
import { philox4x32_10, philoxNormals, philoxWords, unitInterval } from "./reference/philox.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

function moments(data: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  const mean = sum / data.length;
  let squares = 0;
  for (let i = 0; i < data.length; i++) squares += (data[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / data.length) };
}

describe("CPU Philox4x32-10 reference", () => {
  // Known-answer vectors from the Random123 distribution's kat_vectors file: counter, key → output.
  const kat: [number[], number[], string[]][] = [
    [
      [0, 0, 0, 0],
      [0, 0],
      ["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      ["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      ["d16cfe09", "94fdcceb", "5001e420", "24126ea1"],
    ],
  ];
  for (const [counter, key, expected] of kat) {
    it(`matches Random123's known answer for counter ${hex(counter).join(" ")}`, () => {
      expect(hex(philox4x32_10(counter, key))).toEqual(expected);
    });
  }
});

describe("GPU raw Philox words", () => {
  it("equal the Random123 known answer for counter 0, key 0", async () => {
    const words = await takeWords(engine.draw("raw_bits", [4], 0, 0));
    expect(hex(words)).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]);
  });

  // Seeds above 2³² exercise the key's high word; streams exercise the counter's second word.
  const cases: [number, number, number][] = [
    [1, 0, 0],
    [3, 7, 0],
    [17, 42, 5],
    [65, 2 ** 32 + 12345, 1],
    [4099, 2 ** 52 + 3, 0xffffffff],
  ];
  for (const [n, seed, stream] of cases) {
    it(`n=${n} seed=${seed} stream=${stream}: every word equals the CPU's exactly`, async () => {
      const words = await takeWords(engine.draw("raw_bits", [n], seed, stream));
      const expected = philoxWords(n, seed, stream);
      let mismatches = 0;
      for (let i = 0; i < n; i++) if (words[i] !== expected[i]) mismatches++;
      expect(mismatches, `first words got ${hex(words.slice(0, 4))}, expected ${hex(expected.slice(0, 4))}`).toBe(0);
    });
  }

  it("writes nothing past n when n is not a multiple of 4", async () => {
    // A 64-element buffer of 7s; the kernel is told n = 17, so elements 17.. must keep their 7s.
    const target = engine.full([64], 7);
    engine.run("rng/raw_bits", { out: target }, { n: 17, seedLo: 9, seedHi: 0, stream: 0, mean: 0, scale: 1 }, [1]);
    const data = await take(target);
    const words = new Uint32Array(data.buffer, 0, 17);
    expect(hex(words)).toEqual(hex(philoxWords(17, 9, 0)));
    expect(Array.from(data.slice(17))).toEqual(new Array(47).fill(7));
  });
});

describe("normal", () => {
  // Box–Muller in f32 on the GPU vs float64 on the CPU from the same exact words: the difference is the
  // adapter's log/sqrt/cos/sin rounding, |z| ≤ 5.8 for 24-bit inputs.
  const BOX_MULLER_TOL = 1e-5;
  for (const [n, seed, stream] of [
    [1, 5, 0],
    [3, 5, 0],
    [17, 123, 2],
    [4097, 2 ** 33 + 1, 9],
  ] as const) {
    it(`n=${n}: values are the Box–Muller transform of the CPU's words within ${BOX_MULLER_TOL}`, async () => {
      const values = await take(engine.draw("normal", [n], seed, stream, 0, 1));
      const expected = philoxNormals(n, seed, stream);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(values[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(BOX_MULLER_TOL);
    });
  }

  it("a prefix of a longer draw (sizes not a multiple of 4 cut blocks, they do not shift them)", async () => {
    const long = await take(engine.randn([20], { seed: 77 }));
    for (const n of [1, 3, 5, 17]) {
      const short = await take(engine.randn([n], { seed: 77 }));
      expect(Array.from(short)).toEqual(Array.from(long.slice(0, n)));
    }
  });

  it("100k samples have mean 0 ± 0.015 and std 1 ± 0.01 (about 4.5 standard errors)", async () => {
    const values = await take(engine.randn([100_000], { seed: 2024 }));
    const { mean, std } = moments(values);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    // Tails: P(|z| > 3) = 0.27%, so ~270 of 100k; the 24-bit u₁ bounds |z| by √(2·24·ln 2) ≈ 5.77.
    let beyond3 = 0;
    let largest = 0;
    for (const v of values) {
      if (Math.abs(v) > 3) beyond3++;
      largest = Math.max(largest, Math.abs(v));
    }
    expect(beyond3).toBeGreaterThan(200);
    expect(beyond3).toBeLessThan(340);
    expect(largest).toBeLessThan(5.8);
  });

  it("mean and std options shift and scale the same numbers", async () => {
    const standard = await take(engine.randn([1000], { seed: 8 }));
    const shifted = await take(engine.randn([1000], { seed: 8, mean: 2, std: 0.5 }));
    let worst = 0;
    for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(shifted[i] - (2 + 0.5 * standard[i])));
    expect(worst).toBeLessThan(1e-6);
  });

  it("same seed → identical arrays; different seeds or streams → different arrays", async () => {
    const a = await take(engine.randn([1001], { seed: 31 }));
    const b = await take(engine.randn([1001], { seed: 31 }));
    const c = await take(engine.randn([1001], { seed: 32 }));
    const d = await take(engine.draw("normal", [1001], 31, 1, 0, 1));
    expect(Array.from(a)).toEqual(Array.from(b));
    const differing = (x: Float32Array, y: Float32Array) => x.filter((v, i) => v !== y[i]).length;
    expect(differing(a, c)).toBeGreaterThan(990);
    expect(differing(a, d)).toBeGreaterThan(990);
  });

  it("without a seed, successive draws come from successive streams of the engine's seed", async () => {
    const first = await take(engine.randn([64]));
    const second = await take(engine.randn([64]));
    expect(first.filter((v, i) => v !== second[i]).length).toBeGreaterThan(60);
  });
});

describe("uniform", () => {
  for (const [n, low, high] of [
    [1, 0, 1],
    [3, -1, 3],
    [65, 0.25, 0.5],
    [4099, -2, -1],
  ] as const) {
    it(`n=${n} in [${low}, ${high}): equals low + (high − low)·u of the CPU's words`, async () => {
      const values = await take(engine.draw("uniform01", [n], 99, 4, low, high - low));
      const words = philoxWords(n, 99, 4);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        expect(values[i]).toBeGreaterThanOrEqual(low);
        expect(values[i]).toBeLessThan(high);
        worst = Math.max(worst, Math.abs(values[i] - (low + (high - low) * unitInterval(words[i]))));
      }
      // One f32 rounding of the product and one of the sum.
      expect(worst).toBeLessThanOrEqual(2 * 2 ** -24 * Math.max(Math.abs(low), Math.abs(high)));
    });
  }

  it("100k samples in [0, 1) have mean 0.5 ± 0.005 and variance 1/12 ± 0.002", async () => {
    const values = await take(engine.rand([100_000], { seed: 5 }));
    const { mean, std } = moments(values);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(std * std - 1 / 12)).toBeLessThan(0.002);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it("rejects a negative or fractional seed", () => {
    expect(() => engine.randn([4], { seed: -1 })).toThrow(/seed/);
    expect(() => engine.rand([4], { seed: 1.5 })).toThrow(/seed/);
  });
});
