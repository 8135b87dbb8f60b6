/**
 * The digit evaluator ranks sets of images as a reader would: real held-out digits best; noisy, blurred and
 * single-class digits worse; random blobs and pure noise far away. Loads the committed 16 px weights (never
 * trains here, except a few steps to check that training is deterministic).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DigitClassifier } from "../src/evaluate/classifier.js";
import { type DigitEvaluation, DigitEvaluator, formatDigitEvaluation } from "../src/evaluate/evaluate.js";
import { digitsFromRaster } from "../src/evaluate/images.js";
import { trainDigitClassifier } from "../src/evaluate/train-classifier.js";
import { imageGrid, writePng } from "../src/io/images.js";
import { loadMnist } from "../src/io/mnist.js";
import { evaluateSamplesJob } from "../src/jobs/evaluate-samples.js";
import { digitValidationSets } from "./helpers/digit-sets.js";
import { testEngine } from "./helpers/engine.js";

const N = 64;
const SIZE = 16;
const PER = SIZE * SIZE;

let evaluator: DigitEvaluator;
/** Held-out digits 0..63, [64, 1, 16, 16], and their labels. */
let real: Float32Array;
let realLabels: number[];
const results = new Map<string, DigitEvaluation>();

beforeAll(async () => {
  evaluator = await DigitEvaluator.create(await testEngine(), SIZE);
  const heldOut = evaluator.heldOutDigits;
  real = heldOut.images.slice(0, N * PER);
  realLabels = Array.from(heldOut.labels!.subarray(0, N));
  for (const { name, images, labels } of digitValidationSets(heldOut, N)) {
    // "one class" is scored without labels: the histogram and the distance must catch it on their own.
    results.set(name, await evaluator.evaluate(images, N, name === "one class" ? null : labels));
  }
  for (const [name, e] of results) console.log([`— ${name}`, ...formatDigitEvaluation(e)].join("\n"));
});

const frechet = (name: string) => results.get(name)!.samples.frechet!;

describe("the digit evaluator (16 px)", () => {
  it("its classifier reads at least 98% of the held-out digits correctly", () => {
    expect(evaluator.classifierAccuracy).toBeGreaterThanOrEqual(0.98);
  });

  it("reads 64 real held-out digits as real: within the real draws' range on every figure", () => {
    const { samples, real: range } = results.get("real")!;
    expect(range!.draws).toBe(15);
    expect(samples.accuracy!).toBeGreaterThanOrEqual(0.95);
    expect(samples.confidentRate).toBeGreaterThanOrEqual(0.9);
    expect(samples.entropyBits).toBeGreaterThan(3.0);
    expect(samples.frechet!).toBeLessThanOrEqual(range!.frechet.mean + 2 * range!.frechet.sd);
    // The real draws themselves: accurate and confident.
    expect(range!.accuracy.mean).toBeGreaterThanOrEqual(0.97);
    expect(range!.confidentRate.mean).toBeGreaterThanOrEqual(0.9);
  });

  it("ranks every corruption behind the real digits, outside the real draws' range", () => {
    const range = results.get("real")!.real!.frechet;
    for (const name of ["noisy", "blurred", "one class", "blobs", "pure noise"]) {
      expect(frechet(name), name).toBeGreaterThan(frechet("real"));
      expect(frechet(name), name).toBeGreaterThan(range.mean + 3 * range.sd);
    }
  });

  it("is less sure of noisy and blurred digits than of the same digits clean", () => {
    const clean = results.get("real")!.samples;
    for (const name of ["noisy", "blurred"]) {
      const { samples } = results.get(name)!;
      expect(samples.confidentRate, name).toBeLessThan(clean.confidentRate);
    }
  });

  it("catches 64 digits of one class by the histogram's entropy and by the distance", () => {
    const { samples, real: range } = results.get("one class")!;
    expect(samples.histogram[3]).toBeGreaterThanOrEqual(60);
    expect(samples.entropyBits).toBeLessThan(0.5);
    expect(samples.entropyBits).toBeLessThan(range!.entropyBits.mean - 5 * range!.entropyBits.sd);
    expect(samples.frechet!).toBeGreaterThan(5 * range!.frechet.mean);
  });

  it("puts random blobs and pure noise far away", () => {
    const range = results.get("real")!.real!.frechet;
    for (const name of ["blobs", "pure noise"]) {
      expect(frechet(name), name).toBeGreaterThan(5 * range.mean);
      expect(frechet(name), name).toBeGreaterThan(frechet("noisy"));
      expect(results.get(name)!.samples.confidentRate, name).toBeLessThan(0.5);
    }
  });

  it("refuses values outside [-1, 1] and warns below 16 images", async () => {
    await expect(
      evaluator.evaluate(
        real.map((v) => (v + 1) * 127.5),
        N,
      ),
    ).rejects.toThrow(/expects values in \[-1, 1\]/);
    await expect(evaluator.evaluate(real.subarray(0, 10 * PER), 9)).rejects.toThrow(/need 2304 values, got 2560/);
    const few = await evaluator.evaluate(real.subarray(0, 8 * PER), 8, realLabels.slice(0, 8));
    expect(few.samples.frechet).not.toBeNull();
    expect(few.real!.draws).toBe(20);
    expect(few.warnings.join(" ")).toMatch(/unreliable below 16/);
  });
});

describe("the digit evaluator (32 px)", () => {
  it("its classifier reads at least 98% of the held-out digits; real digits within range, one class and pure noise far out", async () => {
    const evaluator32 = await DigitEvaluator.create(await testEngine(), 32);
    try {
      expect(evaluator32.classifierAccuracy).toBeGreaterThanOrEqual(0.98);
      const sets = new Map(digitValidationSets(evaluator32.heldOutDigits, N).map((set) => [set.name, set]));
      const evaluate = (name: string) => evaluator32.evaluate(sets.get(name)!.images, N, null);
      const real = await evaluate("real");
      const range = real.real!.frechet;
      expect(real.samples.frechet!).toBeLessThanOrEqual(range.mean + 2 * range.sd);
      expect(real.samples.confidentRate).toBeGreaterThanOrEqual(0.9);
      for (const name of ["one class", "pure noise"]) expect((await evaluate(name)).samples.frechet!, name).toBeGreaterThan(5 * range.mean);
    } finally {
      evaluator32.dispose();
    }
  });
});

describe("digits from PNG grids", () => {
  it("recovers a samples.png-style grid (16 px tiles magnified 2×, 2 px gaps, a short last row) exactly", () => {
    const count = 10;
    const raster = imageGrid(real, count, 1, SIZE, SIZE, { columns: 4, upscale: 2 });
    const digits = digitsFromRaster(raster, "grid.png");
    expect(digits.size).toBe(16);
    expect(digits.count).toBe(count);
    // Held-out digits are already on the 8-bit grid, so the round trip through bytes is exact to f32 rounding.
    let worst = 0;
    for (let i = 0; i < count * PER; i++) worst = Math.max(worst, Math.abs(digits.images[i] - real[i]));
    expect(worst).toBeLessThan(1e-6);
  });

  it("says what it expected for a colour image and for a size that is no grid of digits", () => {
    const colour = imageGrid(real, 4, 1, SIZE, SIZE, { upscale: 2 });
    const rgb = { ...colour, channels: 3 as const, pixels: new Uint8Array(colour.pixels.length * 3) };
    colour.pixels.forEach((v, i) => {
      rgb.pixels.set([v, v, i === 100 ? 0 : v], i * 3);
    });
    expect(() => digitsFromRaster(rgb, "colour.png")).toThrow(/in colour; the digit evaluator expects gray images/);
    const odd = { pixels: new Uint8Array(23 * 17), width: 23, height: 17, channels: 1 as const };
    expect(() => digitsFromRaster(odd, "odd.png")).toThrow(/23×17 image is neither a 16 or 32 px digit nor a grid/);
  });

  it("evaluateSamplesJob reads a PNG grid with cycling labels and reports beside the real digits", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddpm-evaluate-"));
    try {
      // 20 held-out digits arranged so image i is digit i mod 10, as a class-conditional grid is.
      const heldOut = evaluator.heldOutDigits;
      const images = new Float32Array(20 * PER);
      const used = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const index = [...heldOut.labels!.keys()].find((j) => heldOut.labels![j] === i % 10 && !used.has(j))!;
        used.add(index);
        images.set(heldOut.images.subarray(index * PER, (index + 1) * PER), i * PER);
      }
      const file = join(dir, "samples.png");
      await writePng(file, imageGrid(images, 20, 1, SIZE, SIZE, { columns: 5, upscale: 2 }));
      const lines: string[] = [];
      const evaluation = await evaluateSamplesJob({
        engine: await testEngine(),
        samples: file,
        labels: "cycle",
        log: (l) => lines.push(l),
      });
      expect(evaluation.samples.count).toBe(20);
      expect(evaluation.samples.accuracy!).toBeGreaterThanOrEqual(0.9);
      expect(evaluation.real!.draws).toBe(20);
      expect(lines.join("\n")).toMatch(/Fréchet distance/);
      expect(lines.join("\n")).toMatch(/20 draws of 20 real held-out digits/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("training the classifier", () => {
  it("gives the same weights, byte for byte, from the same seed (2 steps of 8)", async () => {
    const engine = await testEngine();
    const train = await loadMnist({ size: 32, split: "train", limit: 16 });
    const run = async () => {
      const result = await trainDigitClassifier({
        engine,
        size: 16,
        train,
        epochs: 1,
        batchSize: 8,
        learningRate: 3e-3,
        weightDecay: 1e-4,
        warmupSteps: 2,
        seed: 5,
        maxShift: 2,
        blurProbability: 0.5,
        maxBlur: 1,
      });
      result.model.dispose();
      return result;
    };
    const [a, b] = [await run(), await run()];
    expect(a.steps).toBe(2);
    for (const [name, { data }] of a.state)
      expect(Buffer.from(b.state.get(name)!.data.buffer).equals(Buffer.from(data.buffer)), name).toBe(true);
    // …and training moved the weights away from their initialisation.
    const fresh = new DigitClassifier(engine, 16, 5);
    const initial = await fresh.stateDict();
    fresh.dispose();
    expect(a.state.get("head.weight")!.data).not.toEqual(initial.get("head.weight")!.data);
  });
});
