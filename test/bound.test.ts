/**
 * The variational bound (src/diffusion/bound.ts, shaders/bound.wgsl) against the float64 reference written as
 * Ho et al.'s code computes it (test/reference/bound.ts).
 *
 * Tolerances: the kernel evaluates in float32 with coefficients rounded to float32, and the reference uses the plain
 * formulas in float64, so per element (each image's terms compared on their own scale):
 *   KL terms: |a − b| ≤ 3e-6·max|b| + 3e-5·|b| (+1e-14: at t = T − 1 the fixed_large terms are ~1e-13 nats, where
 *     the reference's own float64 cancellation in −1 + Δ + e^{−Δ} is ~1e-3 relative);
 *   decoder NLL (nats, up to 27.6): |a − b| ≤ 5e-5·max(1, |b|) (the CDF's argument is (x₀ − μ)/σ with 1/σ ≈ 135
 *     at t = 0, so float32 rounding of x̂₀ moves it by ~1e-5, and log Φ by ~|argument|·1e-5 in a tail).
 *   Measured worst: 0.14 of the KL tolerance, 0.16 of the decoder's.
 *   posterior_mean KL terms, in addition: the sensitivity of ½d²/σ_p² to float32 rounding of the mean gap
 *     d = c₁·(x₀ − x̂₀): a model output μ̃ ≈ 1 is resolved to ~6e-8 while d at t = T − 1 is as small as c₁·0.03 ≈ 4e-6,
 *     so the term is only as accurate as d·δd/σ_p² with δd = 4·2⁻²⁴·(|x₀| + |x_t| + |m|).
 *   whole bound (bits/dim): relative 1e-4 (sums of the above).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  boundTermCoefficients,
  boundTerms,
  hybridLoss,
  hybridPerImage,
  priorTermCoefficients,
  variationalBound,
  variationalBoundLoss,
  variationalBoundPerImage,
} from "../src/diffusion/bound.js";
import type { PredictionType } from "../src/diffusion/config.js";
import { DDPMScheduler } from "../src/diffusion/schedulers.js";
import { type Engine, ops, type Tensor } from "../src/index.js";
import { checkOp, expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import { ReferenceDiffusion, type ReferenceVarianceType } from "./reference/bound.js";
import { type Ref, rng } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

/** Data in [−1, 1] on 256 levels, with both edge values present. */
function quantisedData(n: number, random: () => number): Float64Array {
  const out = Float64Array.from({ length: n }, () => Math.floor(random() * 256) / 127.5 - 1);
  out[0] = -1;
  if (n > 1) out[n - 1] = 1;
  return out;
}

/** Standard normals (Box–Muller), rounded to float32. */
function normals(n: number, random: () => number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

function expectTermsClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  decoder: boolean,
  what: string,
  extra: (i: number) => number = () => 0,
): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const allowed = (decoder ? 5e-5 * Math.max(1, Math.abs(expected[i])) : 3e-6 * scale + 3e-5 * Math.abs(expected[i]) + 1e-14) + extra(i);
    const ratio = Math.abs(actual[i] - expected[i]) / allowed;
    if (!(ratio <= worst)) [worst, at] = [ratio, i];
  }
  expect(worst, `${what}: at [${at}] got ${actual[at]}, expected ${expected[at]}`).toBeLessThanOrEqual(1);
}

describe("bound kernel: per-element terms against the float64 reference", () => {
  const T = 1000;
  const cases: [ReferenceVarianceType, PredictionType][] = [
    ["fixed_small", "epsilon"],
    ["fixed_large", "epsilon"],
    ["fixed_small", "v_prediction"],
    ["fixed_large", "sample"],
    ["fixed_small", "posterior_mean"],
    ["fixed_large", "posterior_mean"],
  ];
  // one timestep per image: the decoder and KL terms side by side in one dispatch, t = 0 and T − 1 included
  const all = [0, 1, 2, 500, T - 2, T - 1];
  const shapes: [number[], number[]][] = [
    [[6, 3, 7, 3], all], // 63 per image
    [[6, 1, 1, 65], all],
    [[6, 1, 1, 1], all],
    [[1, 1, 3, 17], [0]],
    [[1, 3, 1, 1], [T - 1]],
  ];
  for (const [varianceType, prediction] of cases) {
    it(`${varianceType}, ${prediction}: decoder at t = 0, KL at t = 1, 2, 500, 998, 999, and the prior`, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T, variance_type: varianceType, prediction_type: prediction });
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, varianceType, prediction);
      for (const [shape, timesteps] of shapes) {
        const size = shape.reduce((a, b) => a * b);
        const perImage = size / shape[0];
        const [x0, xt, model] = termInputs(reference, shape, timesteps, size);
        const { terms, prior } = engine.tidy(() => {
          const tensors = [x0, xt, model].map((d) => engine.tensor(Float32Array.from(d), shape));
          const coefficients = timesteps.map((t) => boundTermCoefficients(scheduler, t));
          return {
            terms: boundTerms(tensors[0], tensors[1], tensors[2], coefficients),
            prior: boundTerms(
              tensors[0],
              tensors[0],
              tensors[0],
              coefficients.map(() => priorTermCoefficients(scheduler)),
            ),
          };
        });
        const [termValues, priorValues] = [await terms.data(), await prior.data()];
        terms.dispose();
        prior.dispose();
        for (let image = 0; image < shape[0]; image++) {
          const t = timesteps[image];
          const range = [image * perImage, (image + 1) * perImage];
          const expected = Array.from({ length: perImage }, (_, j) =>
            reference.term(t, x0[range[0] + j], xt[range[0] + j], model[range[0] + j]),
          );
          const meanGapRounding = (j: number) => {
            if (prediction !== "posterior_mean" || t === 0) return 0;
            const k = range[0] + j;
            const gap = reference.posteriorMeanCoef1[t] * (x0[k] - reference.predictX0(xt[k], t, model[k]));
            const rounding = 4 * 2 ** -24 * (Math.abs(x0[k]) + Math.abs(xt[k]) + Math.abs(model[k]));
            return Math.exp(-reference.modelLogVariance[t]) * (Math.abs(gap) * rounding + 0.5 * rounding ** 2);
          };
          expectTermsClose(termValues.slice(range[0], range[1]), expected, t === 0, `[${shape}] t=${t}`, meanGapRounding);
          const expectedPrior = Array.from({ length: perImage }, (_, j) => reference.prior(x0[range[0] + j]));
          expectTermsClose(priorValues.slice(range[0], range[1]), expectedPrior, false, `[${shape}] prior`);
        }
      }
    });
  }

  it("refuses mismatched shapes and coefficient counts, naming them", () => {
    const scheduler = new DDPMScheduler();
    engine.tidy(() => {
      const a = engine.zeros([2, 1, 2, 2]);
      const b = engine.zeros([2, 1, 4, 1]);
      const c = [0, 1].map((t) => boundTermCoefficients(scheduler, t));
      expect(() => boundTerms(a, b, a, c)).toThrow("boundTerms: x_t has shape [2, 1, 4, 1], x₀ [2, 1, 2, 2]");
      expect(() => boundTerms(a, a, a, c.slice(1))).toThrow("boundTerms: 1 coefficient sets for x₀ of shape [2, 1, 2, 2]");
      expect(() => boundTermCoefficients(scheduler, 1000)).toThrow("timestep 1000 is outside [0, 1000)");
    });
  });
});

/**
 * x₀ (quantised, both edges present), x_t from q_sample and a model output (the true target plus an error of 0.03,
 * 0.3 or 3, times c₁ for μ̃: an x̂₀ error of that size), all rounded to float32, one timestep per image.
 */
function termInputs(reference: ReferenceDiffusion, shape: number[], timesteps: number[], seed: number): Float64Array[] {
  const random = rng(seed);
  const size = shape.reduce((a, b) => a * b);
  const perImage = size / shape[0];
  const x0 = quantisedData(size, random);
  const eps = normals(size, random);
  const wrong = normals(size, random);
  const xt = new Float64Array(size);
  const model = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const t = timesteps[Math.floor(i / perImage)];
    xt[i] = Math.fround(reference.qSample(x0[i], t, eps[i]));
    const a = Math.sqrt(reference.alphasCumprod[t]);
    const b = Math.sqrt(1 - reference.alphasCumprod[t]);
    const target = {
      epsilon: eps[i],
      sample: x0[i],
      v_prediction: a * eps[i] - b * x0[i],
      posterior_mean: reference.posteriorMean(t, x0[i], xt[i]),
    }[reference.prediction];
    const errorScale = reference.prediction === "posterior_mean" ? reference.posteriorMeanCoef1[t] : 1;
    model[i] = Math.fround(target + [0.03, 0.3, 3][i % 3] * errorScale * wrong[i]);
  }
  return [x0, xt, model];
}

/** The unclipped terms of the reference, elementwise, nats (the training loss's terms). */
function referenceTerms(reference: ReferenceDiffusion, timesteps: number[], x0: Ref, xt: Ref, model: Ref): Ref {
  const perImage = x0.data.length / x0.shape[0];
  const data = x0.data.map((x, i) => reference.term(timesteps[Math.floor(i / perImage)], x, xt.data[i], model.data[i]));
  return { data, shape: x0.shape };
}

describe("bound terms as a loss (x̂₀ unclipped): values and gradients against finite differences of float64", () => {
  const T = 1000;
  // batch 1, odd sizes, t = 0 and T − 1 in one batch
  const shapes: [number[], number[]][] = [
    [[1, 1, 1, 1], [0]],
    [
      [3, 1, 5, 3],
      [0, 1, T - 1],
    ],
    [
      [2, 3, 1, 7],
      [T - 1, 2],
    ],
    [
      [4, 1, 3, 3],
      [500, 0, T - 2, 0],
    ],
  ];
  const cases: [ReferenceVarianceType, PredictionType][] = [
    ["fixed_small", "epsilon"],
    ["fixed_large", "sample"],
    ["fixed_small", "v_prediction"],
    ["fixed_small", "posterior_mean"],
    ["fixed_large", "posterior_mean"],
  ];
  for (const [varianceType, prediction] of cases) {
    it(`${varianceType}, ${prediction}: boundTerms and variationalBoundLoss`, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T, variance_type: varianceType, prediction_type: prediction });
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, varianceType, prediction, false);
      for (const [k, [shape, timesteps]] of shapes.entries()) {
        const values = termInputs(reference, shape, timesteps, 40 + k);
        const coefficients = timesteps.map((t) => boundTermCoefficients(scheduler, t));
        await checkOp(engine, {
          name: `boundTerms [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, shape],
          inputs: (index) => values[index],
          gpu: (x0, xt, m) => boundTerms(x0, xt, m, coefficients, { clipDenoised: false }),
          cpu: (x0, xt, m) => referenceTerms(reference, timesteps, x0, xt, m),
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
        await checkOp(engine, {
          name: `variationalBoundLoss [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, shape],
          inputs: (index) => values[index],
          gpu: (x0, xt, m) => variationalBoundLoss(scheduler, x0, xt, m, timesteps),
          cpu: (x0, xt, m) => {
            const terms = referenceTerms(reference, timesteps, x0, xt, m).data;
            return { data: Float64Array.of(terms.reduce((a, b) => a + b, 0) / terms.length / Math.LN2), shape: [] };
          },
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
        await checkOp(engine, {
          name: `variationalBoundPerImage [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, shape],
          inputs: (index) => values[index],
          gpu: (x0, xt, m) => variationalBoundPerImage(scheduler, x0, xt, m, timesteps),
          cpu: (x0, xt, m) => {
            const terms = referenceTerms(reference, timesteps, x0, xt, m).data;
            const per = terms.length / shape[0];
            const data = Float64Array.from(
              { length: shape[0] },
              (_, i) => terms.slice(i * per, (i + 1) * per).reduce((a, b) => a + b, 0) / per / Math.LN2,
            );
            return { data, shape: [shape[0]] };
          },
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
      }
    });
  }

  it("a NaN model output gives a NaN term and gradient (decoder and KL, x̂₀ clipped or not); the rest stay finite", async () => {
    const scheduler = new DDPMScheduler({ num_train_timesteps: T });
    // x₀ at the edge bins −1 and 1 and inside; a NaN output at every other element
    const shape = [4, 1, 1, 6];
    const x0 = Float32Array.from({ length: 24 }, (_, i) => [-1, 1, 0.2, -0.5, 1, -1][i % 6]);
    const model = Float32Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? Number.NaN : 0.1 * (i % 5) - 0.2));
    const timesteps = [0, 0, 1, T - 1];
    for (const clipDenoised of [false, true]) {
      const { terms, m: grad } = engine.tidy(() => {
        const [a, b] = [engine.tensor(x0, shape), engine.tensor(x0, shape)];
        const m = engine.parameter(model, shape);
        const out = boundTerms(
          a,
          b,
          m,
          timesteps.map((t) => boundTermCoefficients(scheduler, t)),
          { clipDenoised },
        );
        engine.backward(ops.sum(out));
        return { terms: out, m };
      });
      const [values, gradient] = [await terms.data(), await grad.grad!.data()];
      terms.dispose();
      grad.dispose();
      for (let i = 0; i < 24; i++) {
        expect(Number.isNaN(values[i]), `clip ${clipDenoised}: term ${i} = ${values[i]}`).toBe(i % 2 === 0);
        expect(Number.isNaN(gradient[i]), `clip ${clipDenoised}: gradient ${i} = ${gradient[i]}`).toBe(i % 2 === 0);
      }
    }
  });

  it("the decoder at pixel values ±1 (the open edge bins) and with its mean on a bin edge", async () => {
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, prediction_type: "posterior_mean" });
    const reference = new ReferenceDiffusion(scheduler.schedule.betas, "fixed_small", "posterior_mean", false);
    // at t = 0 a posterior_mean model's output is the decoder's mean itself (c₁ = 1, c₂ = 0)
    const q = 128 / 127.5 - 1;
    const edge = 1 / 255;
    const x0 = [-1, -1, -1, 1, 1, 1, q, q, q, q, q];
    const mean = [-1, -1 + edge, -1 - 3 * edge, 1, 1 - edge, 1 + 3 * edge, q + edge, q - edge, q, q + 0.5 * edge, q - 4 * edge];
    const shape = [1, 1, 1, x0.length];
    const values = [Float64Array.from(x0), new Float64Array(x0.length), Float64Array.from(mean, Math.fround)];
    const expected = referenceTerms(reference, [0], ...(values.map((data) => ({ data, shape })) as [Ref, Ref, Ref]));
    // every bin has mass well above the 1e-12 floor, so every element has a gradient
    expect(Math.max(...expected.data)).toBeLessThan(20);
    await checkOp(engine, {
      name: "decoder at ±1 and bin edges",
      shapes: [shape, shape, shape],
      inputs: (index) => values[index],
      gpu: (a, b, m) => boundTerms(a, b, m, [boundTermCoefficients(scheduler, 0)], { clipDenoised: false }),
      cpu: (a, b, m) => referenceTerms(reference, [0], a, b, m),
      gradInputs: [2],
      forwardTol: { atol: 2e-5, rtol: 5e-5 },
      gradTol: { atol: 1e-4, rtol: 1e-3 },
    });
  });

  it("clipDenoised: the clamp is active where x̂₀ leaves [−1, 1], and has no gradient there", async () => {
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, prediction_type: "sample" });
    const shape = [1, 1, 1, 4];
    const coefficients = [boundTermCoefficients(scheduler, 300)];
    const m = engine.tensor([0.25, 1.5, -2, 0.9], shape).keep();
    m.requiresGrad = true;
    const terms = engine.tidy(() => {
      const x0 = engine.tensor([0.5, 0.5, 0.5, 0.5], shape);
      const out = boundTerms(x0, x0, m, coefficients);
      engine.backward(ops.sum(out));
      return out;
    });
    const [values, grads] = [await terms.data(), await m.grad!.data()];
    const c = coefficients[0];
    // KL = klConstant + ½(c₁·(x₀ − clamp(m)))²/σ_p²; x̂₀ = 1.5 and −2 are clamped to 1 and −1
    for (const [i, x] of [0.25, 1, -1, 0.9].entries()) {
      const d = c.meanFromX0 * 0.5 - c.meanFromPred * x;
      expect(values[i]).toBeCloseTo(c.klConstant + 0.5 * d * d * c.invVariance, 5);
      const slope = i === 1 || i === 2 ? 0 : -d * c.invVariance * c.meanFromPred;
      expect(Math.abs(grads[i] - slope), `element ${i}: ${grads[i]} vs ${slope}`).toBeLessThanOrEqual(1e-4 * Math.abs(slope) + 1e-6);
    }
    expect(Math.abs(grads[0])).toBeGreaterThan(1e-3);
    terms.dispose();
    m.dispose();
  });
});

/**
 * A learned-variance model's output [N, 2C, …] from a prediction shaped like x₀: per image the prediction, then
 * variance values v in [−1.2, 1.2] (the range's ends ±1 and values past them included), rounded to float32.
 */
function withVariance(prediction: Float64Array, perImage: number, seed: number): Float64Array {
  const random = rng(seed);
  const out = new Float64Array(2 * prediction.length);
  for (let i = 0; i < prediction.length; i++) {
    const at = i + perImage * Math.floor(i / perImage);
    out[at] = prediction[i];
    out[at + perImage] = Math.fround([-1, 1, -1.2 + 2.4 * random()][i % 3]);
  }
  return out;
}

/** The learned-variance reference's terms, elementwise, nats: the model m holds per image the prediction, then v. */
function learnedReferenceTerms(reference: ReferenceDiffusion, timesteps: number[], x0: Ref, xt: Ref, m: Ref): Ref {
  const perImage = x0.data.length / x0.shape[0];
  const data = x0.data.map((x, i) => {
    const image = Math.floor(i / perImage);
    const at = i + perImage * image;
    return reference.term(timesteps[image], x, xt.data[i], m.data[at], m.data[at + perImage]);
  });
  return { data, shape: x0.shape };
}

describe("learned variances (learned_range): the bound's terms against the float64 reference", () => {
  const T = 1000;
  const all = [0, 1, 2, 500, T - 2, T - 1];
  // batch 1, odd sizes, t = 0 and T − 1 in one batch
  const shapes: [number[], number[]][] = [
    [[6, 3, 5, 1], all],
    [[1, 1, 3, 7], [0]],
    [[1, 3, 1, 1], [T - 1]],
    [
      [3, 1, 5, 3],
      [0, 1, T - 1],
    ],
  ];
  for (const prediction of ["epsilon", "v_prediction", "sample"] as PredictionType[]) {
    it(`${prediction}: the per-element terms (x̂₀ clipped, the bound's evaluation) at t = 0, 1, 2, 500, 998, 999`, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T, variance_type: "learned_range", prediction_type: prediction });
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, "learned_range", prediction);
      for (const [k, [shape, timesteps]] of shapes.entries()) {
        const size = shape.reduce((a, b) => a * b);
        const perImage = size / shape[0];
        const [x0, xt, predicted] = termInputs(reference, shape, timesteps, 60 + k);
        const model = withVariance(predicted, perImage, 70 + k);
        const modelShape = [shape[0], 2 * shape[1], ...shape.slice(2)];
        const terms = engine.tidy(() =>
          boundTerms(
            engine.tensor(Float32Array.from(x0), shape),
            engine.tensor(Float32Array.from(xt), shape),
            engine.tensor(Float32Array.from(model), modelShape),
            timesteps.map((t) => boundTermCoefficients(scheduler, t)),
          ),
        );
        const values = await terms.data();
        terms.dispose();
        const expected = learnedReferenceTerms(reference, timesteps, ...([x0, xt].map((data) => ({ data, shape })) as [Ref, Ref]), {
          data: model,
          shape: modelShape,
        }).data;
        for (let image = 0; image < shape[0]; image++) {
          const range = [image * perImage, (image + 1) * perImage];
          const t = timesteps[image];
          expectTermsClose(values.slice(range[0], range[1]), expected.slice(range[0], range[1]), t === 0, `[${shape}] t=${t}`);
        }
      }
    });
  }

  const lossShapes: [number[], number[]][] = [
    [[1, 1, 1, 1], [0]],
    [
      [3, 1, 5, 3],
      [0, 1, T - 1],
    ],
    [
      [2, 3, 1, 7],
      [T - 1, 2],
    ],
    [
      [4, 1, 3, 3],
      [500, 0, T - 2, 0],
    ],
  ];
  for (const prediction of ["epsilon", "v_prediction"] as PredictionType[]) {
    it(`${prediction}: boundTerms and variationalBoundLoss (x̂₀ unclipped), gradients to both halves`, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T, variance_type: "learned_range", prediction_type: prediction });
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, "learned_range", prediction, false);
      for (const [k, [shape, timesteps]] of lossShapes.entries()) {
        const perImage = shape.slice(1).reduce((a, b) => a * b);
        const [x0, xt, predicted] = termInputs(reference, shape, timesteps, 80 + k);
        const model = withVariance(predicted, perImage, 90 + k);
        const modelShape = [shape[0], 2 * shape[1], ...shape.slice(2)];
        const coefficients = timesteps.map((t) => boundTermCoefficients(scheduler, t));
        const values = [x0, xt, model];
        await checkOp(engine, {
          name: `learned boundTerms [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, modelShape],
          inputs: (index) => values[index],
          gpu: (a, b, m) => boundTerms(a, b, m, coefficients, { clipDenoised: false }),
          cpu: (a, b, m) => learnedReferenceTerms(reference, timesteps, a, b, m),
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
        await checkOp(engine, {
          name: `learned variationalBoundLoss [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, modelShape],
          inputs: (index) => values[index],
          gpu: (a, b, m) => variationalBoundLoss(scheduler, a, b, m, timesteps),
          cpu: (a, b, m) => {
            const terms = learnedReferenceTerms(reference, timesteps, a, b, m).data;
            return { data: Float64Array.of(terms.reduce((p, q) => p + q, 0) / terms.length / Math.LN2), shape: [] };
          },
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
      }
    });
  }

  it("the decoder at pixel values ±1 and with its mean on a bin edge, at several learned scales", async () => {
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, variance_type: "learned_range", prediction_type: "sample" });
    const reference = new ReferenceDiffusion(scheduler.schedule.betas, "learned_range", "sample", false);
    // at t = 0 the decoder's mean is c₁·x̂₀ with c₁ = 1 for an x₀-predicting model
    const q = 128 / 127.5 - 1;
    const edge = 1 / 255;
    const x0 = [-1, -1, -1, 1, 1, 1, q, q, q, q, q, q];
    const mean = [-1, -1 + edge, -1 - 3 * edge, 1, 1 - edge, 1 + 3 * edge, q + edge, q - edge, q, q + 0.5 * edge, q - 4 * edge, q + edge];
    const variance = [-1, 0, 1, 1, -1, 0.5, -1, 1, 0, -0.5, 0.25, 1.2];
    const shape = [1, 1, 1, x0.length];
    const modelShape = [1, 2, 1, x0.length];
    const values = [Float64Array.from(x0), new Float64Array(x0.length), Float64Array.from([...mean, ...variance], Math.fround)];
    const expected = learnedReferenceTerms(
      reference,
      [0],
      { data: values[0], shape },
      { data: values[1], shape },
      {
        data: values[2],
        shape: modelShape,
      },
    );
    expect(Math.max(...expected.data)).toBeLessThan(20);
    await checkOp(engine, {
      name: "learned decoder at ±1 and bin edges",
      shapes: [shape, shape, modelShape],
      inputs: (index) => values[index],
      gpu: (a, b, m) => boundTerms(a, b, m, [boundTermCoefficients(scheduler, 0)], { clipDenoised: false }),
      cpu: (a, b, m) => learnedReferenceTerms(reference, [0], a, b, m),
      gradInputs: [2],
      forwardTol: { atol: 2e-5, rtol: 5e-5 },
      gradTol: { atol: 1e-4, rtol: 1e-3 },
    });
  });

  it("refuses a model output of the wrong channel count, naming both", () => {
    const scheduler = new DDPMScheduler({ num_train_timesteps: 10, variance_type: "learned_range" });
    engine.tidy(() => {
      const x = engine.zeros([2, 3, 2, 2]);
      const c = [0, 1].map((t) => boundTermCoefficients(scheduler, t));
      expect(() => boundTerms(x, x, x, c)).toThrow(
        "boundTerms: model output has shape [2, 3, 2, 2], x₀ [2, 3, 2, 2] (a learned variance takes 6 channels)",
      );
      expect(() => hybridLoss(scheduler, x, x, x, x, [0, 1])).toThrow(/a learned variance takes 6 channels/);
      expect(() => hybridLoss(new DDPMScheduler(), x, x, x, x, [0, 1])).toThrow(/variance_type is fixed_small/);
    });
  });
});

describe("L_hybrid (Nichol & Dhariwal 2021 eq. 16): values and gradients against float64", () => {
  const T = 1000;
  const shapes: [number[], number[]][] = [
    [[1, 1, 1, 1], [0]],
    [
      [3, 1, 5, 3],
      [0, 1, T - 1],
    ],
    [
      [2, 3, 1, 7],
      [T - 1, 2],
    ],
  ];
  for (const [prediction, schedule] of [
    ["epsilon", "linear"],
    ["v_prediction", "squaredcos_cap_v2"],
  ] as const) {
    it(`${prediction}, ${schedule}: mse(prediction, target) + (T/1000)·L_vlb with the prediction's vlb gradient stopped`, async () => {
      const scheduler = new DDPMScheduler({
        num_train_timesteps: T,
        variance_type: "learned_range",
        prediction_type: prediction,
        beta_schedule: schedule,
      });
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, "learned_range", prediction, false);
      for (const [k, [shape, timesteps]] of shapes.entries()) {
        const perImage = shape.slice(1).reduce((a, b) => a * b);
        const [x0, xt, predicted] = termInputs(reference, shape, timesteps, 100 + k);
        const model = withVariance(predicted, perImage, 110 + k);
        const target = Float64Array.from(predicted, (p, i) => Math.fround(p + 0.2 * Math.sin(i)));
        const modelShape = [shape[0], 2 * shape[1], ...shape.slice(2)];
        const values = [x0, xt, model, target];
        // improved-diffusion's frozen_out: the bound sees the prediction as a constant (the input's own values)
        const frozen = Float64Array.from(model);
        // each image's mean over its elements of (m − y)² + (T/1000)·term/ln 2
        const cpuPerImage = (a: Ref, b: Ref, m: Ref, y: Ref): Ref => {
          const detached = Float64Array.from(m.data, (v, j) => (j % (2 * perImage) < perImage ? frozen[j] : v));
          const terms = learnedReferenceTerms(reference, timesteps, a, b, { data: detached, shape: m.shape }).data;
          const out = new Float64Array(shape[0]);
          for (let i = 0; i < y.data.length; i++) {
            const square = (m.data[i + perImage * Math.floor(i / perImage)] - y.data[i]) ** 2;
            out[Math.floor(i / perImage)] += (square + ((T / 1000) * terms[i]) / Math.LN2) / perImage;
          }
          return { data: out, shape: [shape[0]] };
        };
        const cpu = (a: Ref, b: Ref, m: Ref, y: Ref): Ref => {
          const images = cpuPerImage(a, b, m, y).data;
          return { data: Float64Array.of(images.reduce((p, q) => p + q, 0) / images.length), shape: [] };
        };
        // the per-image summands that importance sampling of t weights and records
        await checkOp(engine, {
          name: `hybridPerImage [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, modelShape, shape],
          inputs: (index) => values[index],
          gpu: (a, b, m, y) => hybridPerImage(scheduler, a, b, m, y, timesteps),
          cpu: cpuPerImage,
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
        await checkOp(engine, {
          name: `hybridLoss [${shape}] t=${timesteps} ${prediction}`,
          shapes: [shape, shape, modelShape, shape],
          inputs: (index) => values[index],
          gpu: (a, b, m, y) => hybridLoss(scheduler, a, b, m, y, timesteps),
          cpu,
          gradInputs: [2],
          forwardTol: { atol: 2e-5, rtol: 5e-5 },
          gradTol: { atol: 1e-4, rtol: 1e-3 },
        });
        // the prediction channels get exactly L_simple's gradient 2(m − y)/size; the variance channels the bound's
        const m = engine.tensor(Float32Array.from(model), modelShape).keep();
        m.requiresGrad = true;
        engine.tidy(() => {
          const loss = hybridLoss(
            scheduler,
            engine.tensor(Float32Array.from(x0), shape),
            engine.tensor(Float32Array.from(xt), shape),
            m,
            engine.tensor(Float32Array.from(target), shape),
            timesteps,
          );
          engine.backward(loss);
        });
        const grad = await m.grad!.data();
        const mse = Float64Array.from(
          target,
          (y, i) => (2 * (Math.fround(model[i + perImage * Math.floor(i / perImage)]) - y)) / target.length,
        );
        const predictionGrad = Array.from(target, (_, i) => grad[i + perImage * Math.floor(i / perImage)]);
        expectClose(predictionGrad, mse, { atol: 1e-9, rtol: 1e-6 }, `[${shape}] prediction channels' gradient`);
        m.dispose();
      }
    });
  }
});

/** A toy model: a fixed linear function of x_t (and nothing else), on the GPU and in float64. */
const toyModel = (xt: Tensor) => ops.affine(xt, 0.9, 0.02);
const toyReference = (xt: Float64Array) => xt.map((x) => 0.9 * x + 0.02);

async function noiseOf(shape: number[], seed: number, T: number): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const noise = engine.randn(shape, { seed, stream: t });
    out.push(Float64Array.from(await noise.data()));
    noise.dispose();
  }
  return out;
}

describe("variationalBound, exact mode, against the float64 end-to-end reference", () => {
  const T = 20;
  const shape = [3, 2, 4, 5];
  const configs: [string, ReferenceVarianceType, PredictionType, Record<string, unknown>][] = [
    ["cosine, fixed_small, epsilon", "fixed_small", "epsilon", { beta_schedule: "squaredcos_cap_v2" }],
    ["cosine, fixed_large, epsilon", "fixed_large", "epsilon", { beta_schedule: "squaredcos_cap_v2" }],
    ["linear to 0.3, fixed_large, v_prediction", "fixed_large", "v_prediction", { beta_end: 0.3 }],
  ];
  for (const [name, varianceType, prediction, schedule] of configs) {
    it(`${name}, T = ${T}, the same noise (engine.randn stream t)`, async () => {
      const scheduler = new DDPMScheduler({
        num_train_timesteps: T,
        variance_type: varianceType,
        prediction_type: prediction,
        ...schedule,
      });
      const x0Data = quantisedData(
        shape.reduce((a, b) => a * b),
        rng(5),
      );
      const x0 = engine.tensor(Float32Array.from(x0Data), shape);
      const seed = 123;
      const before = engine.memory().liveTensors;
      const progress: [number, number][] = [];
      const result = await variationalBound({
        scheduler,
        model: toyModel,
        x0,
        mode: "exact",
        seed,
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(engine.memory().liveTensors).toBe(before);
      const noise = await noiseOf(shape, seed, T);
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, varianceType, prediction).bound(
        x0Data,
        shape[0],
        (t) => noise[t],
        toyReference,
      );
      const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
      const close = (actual: number, expected: number, what: string) =>
        expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-4 * Math.abs(expected) + 1e-6);
      for (let i = 0; i < shape[0]; i++) close(result.perImage[i], reference.perImage[i], `image ${i}`);
      close(result.prior, mean(reference.prior), "prior");
      close(result.decoder, mean(reference.decoder), "decoder");
      close(result.kl, mean(reference.kl), "kl");
      close(result.bitsPerDim, mean(reference.perImage), "bits/dim");
      expect(result.prior + result.decoder + result.kl).toBeCloseTo(result.bitsPerDim, 10);
      expect(result.mode).toBe("exact");
      expect(result.timestepsEvaluated).toBe(T);
      expect(progress).toEqual(Array.from({ length: T }, (_, k) => [k + 1, T]));
      // every term is there: the KL part is well above zero for this model
      expect(result.kl).toBeGreaterThan(0.01);
      x0.dispose();
    });
  }
});

describe("variationalBound, exact mode, with a learned variance", () => {
  it("cosine, learned_range, epsilon, T = 20: the same noise, against the float64 reference", async () => {
    const T = 20;
    const shape = [3, 2, 4, 5];
    const perImage = 40;
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, variance_type: "learned_range", beta_schedule: "squaredcos_cap_v2" });
    const x0Data = quantisedData(120, rng(6));
    const x0 = engine.tensor(Float32Array.from(x0Data), shape);
    // the prediction is toyModel's; the variance values 0.6·x_t − 0.1 span the range
    const model = (xt: Tensor) => ops.concat([toyModel(xt), ops.affine(xt, 0.6, -0.1)], 1);
    const result = await variationalBound({ scheduler, model, x0, mode: "exact", seed: 31 });
    const noise = await noiseOf(shape, 31, T);
    const reference = new ReferenceDiffusion(scheduler.schedule.betas, "learned_range", "epsilon").bound(
      x0Data,
      shape[0],
      (t) => noise[t],
      (xt) => {
        const out = new Float64Array(2 * xt.length);
        for (let i = 0; i < xt.length; i++) {
          const at = i + perImage * Math.floor(i / perImage);
          out[at] = 0.9 * xt[i] + 0.02;
          out[at + perImage] = 0.6 * xt[i] - 0.1;
        }
        return out;
      },
    );
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const close = (actual: number, expected: number, what: string) =>
      expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-4 * Math.abs(expected) + 1e-6);
    for (let i = 0; i < shape[0]; i++) close(result.perImage[i], reference.perImage[i], `image ${i}`);
    close(result.decoder, mean(reference.decoder), "decoder");
    close(result.kl, mean(reference.kl), "kl");
    expect(result.kl).toBeGreaterThan(0.01);
    // a fixed-variance model's output (C channels) is refused for this scheduler, naming both numbers
    await expect(variationalBound({ scheduler, model: toyModel, x0, mode: "exact" })).rejects.toThrow(
      "variationalBound: the model returned [3, 2, 4, 5] for x_t of shape [3, 2, 4, 5] (variance_type learned_range takes 4 channels)",
    );
    x0.dispose();
  });
});

describe("variationalBound, estimate mode", () => {
  const T = 20;
  const shape = [2, 1, 4, 4];
  const scheduler = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2" });

  /**
   * A model whose bound does not depend on the noise: prediction "sample" with a constant output, so x̂₀ = 0.25 and
   * every term L_t(image) is a fixed number the reference gives. An estimate with one sample per image must then be
   * prior + L₀ + (T − 1)·L_t for the t ≥ 1 it drew, which checks the scaling, the decoder/KL split and the sampling
   * exactly.
   */
  it("computes L₀ exactly, draws t ≥ 1 uniformly and scales by T − 1 (a noise-free model, checked draw by draw)", async () => {
    const constant = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2", prediction_type: "sample" });
    const n = 8;
    const imageShape = [n, 1, 2, 3];
    const x0Data = quantisedData(48, rng(12));
    const x0 = engine.tensor(Float32Array.from(x0Data), imageShape);
    const reference = new ReferenceDiffusion(constant.schedule.betas, "fixed_small", "sample");
    const dims = 6;
    const termBits = (t: number, image: number) => {
      let total = 0;
      for (let j = 0; j < dims; j++) total += reference.term(t, x0Data[image * dims + j], 0, 0.25);
      return total / dims / Math.LN2;
    };
    const L = Array.from({ length: T }, (_, t) => Array.from({ length: n }, (_, i) => termBits(t, i)));
    const priorBits = (i: number) => {
      let total = 0;
      for (let j = 0; j < dims; j++) total += reference.prior(x0Data[i * dims + j]);
      return total / dims / Math.LN2;
    };
    const model = (xt: Tensor) => ops.affine(xt, 0, 0.25);
    const counts = new Array<number>(T).fill(0);
    let draws = 0;
    for (let seed = 0; seed < 25; seed++) {
      const r = await variationalBound({ scheduler: constant, model, x0, mode: "estimate", samples: 1, seed });
      let kl = 0;
      for (let i = 0; i < n; i++) {
        const perTerm = (r.perImage[i] - priorBits(i) - L[0][i]) / (T - 1);
        let t = 1;
        for (let u = 2; u < T; u++) if (Math.abs(perTerm - L[u][i]) < Math.abs(perTerm - L[t][i])) t = u;
        expect(Math.abs(perTerm - L[t][i]), `seed ${seed} image ${i}: ${perTerm} matches no term`).toBeLessThanOrEqual(
          1e-4 * L[t][i] + 1e-6,
        );
        counts[t]++;
        draws++;
        kl += ((T - 1) * L[t][i]) / n;
      }
      expect(r.decoder).toBeCloseTo(L[0].reduce((a, b) => a + b, 0) / n, 4);
      expect(r.kl).toBeCloseTo(kl, 3);
    }
    // every t ≥ 1 drawn, none far off its expected count (χ² with 18 degrees of freedom; p ≈ 1e-4 at 48), t = 0 never
    expect(counts[0]).toBe(0);
    const expected = draws / (T - 1);
    const chiSquare = counts.slice(1).reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(Math.min(...counts.slice(1)), `counts ${counts}`).toBeGreaterThan(0);
    expect(chiSquare, `counts ${counts}`).toBeLessThan(48);
    x0.dispose();
  });

  it("its mean over many seeds is close to the exact bound (a toy model; the prior is exact)", async () => {
    const x0 = engine.tensor(Float32Array.from(quantisedData(32, rng(9))), shape);
    const exact: number[] = [];
    let exactPrior = 0;
    for (let seed = 0; seed < 6; seed++) {
      const r = await variationalBound({ scheduler, model: toyModel, x0, mode: "exact", seed });
      exact.push(r.bitsPerDim);
      exactPrior = r.prior;
    }
    const estimates: number[] = [];
    for (let seed = 100; seed < 132; seed++) {
      const progress: number[] = [];
      const r = await variationalBound({
        scheduler,
        model: toyModel,
        x0,
        mode: "estimate",
        samples: 4,
        seed,
        onProgress: (d) => progress.push(d),
      });
      expect(r.mode).toBe("estimate");
      expect(r.timestepsEvaluated).toBe(5);
      expect(progress).toEqual([1, 2, 3, 4, 5]);
      expect(r.prior).toBeCloseTo(exactPrior, 9);
      expect(r.prior + r.decoder + r.kl).toBeCloseTo(r.bitsPerDim, 10);
      estimates.push(r.bitsPerDim);
    }
    const stats = (a: number[]) => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      const variance = a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1);
      return { mean: m, stderr: Math.sqrt(variance / a.length), std: Math.sqrt(variance) };
    };
    const e = stats(exact);
    const s = stats(estimates);
    // Uniform sampling makes this estimator noisy (the decoder term, drawn 1 time in T, is scaled by T), so the
    // check is loose: within 4 standard errors. The draw-by-draw test above is the precise one.
    expect(s.std).toBeGreaterThan(0.05 * s.mean);
    expect(Math.abs(s.mean - e.mean), `estimate ${s.mean} ± ${s.stderr}, exact ${e.mean} ± ${e.stderr}`).toBeLessThanOrEqual(
      4 * Math.hypot(s.stderr, e.stderr),
    );
    x0.dispose();
  });

  it("its standard error describes its spread around the exact bound (stratified timesteps)", async () => {
    const x0 = engine.tensor(Float32Array.from(quantisedData(32, rng(9))), shape);
    const exact = await variationalBound({ scheduler, model: toyModel, x0, mode: "exact", seed: 0 });
    expect(exact.standardError).toBe(0);
    const single = await variationalBound({ scheduler, model: toyModel, x0, mode: "estimate", samples: 1, seed: 0 });
    expect(single.standardError).toBeNaN();
    const estimates: number[] = [];
    const reported: number[] = [];
    for (let seed = 200; seed < 240; seed++) {
      const r = await variationalBound({ scheduler, model: toyModel, x0, mode: "estimate", samples: 6, seed });
      estimates.push(r.bitsPerDim);
      reported.push(r.standardError);
    }
    const m = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    const observed = Math.sqrt(estimates.reduce((a, v) => a + (v - m) ** 2, 0) / (estimates.length - 1));
    const typical = Math.sqrt(reported.reduce((a, v) => a + v * v, 0) / reported.length);
    // Collapsing strata in pairs overestimates the variance a little; 40 seeds pin the observed spread to ±25%.
    expect(typical / observed, `reported ${typical}, observed ${observed}`).toBeGreaterThan(0.7);
    expect(typical / observed, `reported ${typical}, observed ${observed}`).toBeLessThan(2.5);
    x0.dispose();
  });

  it("refuses bad options, naming them", async () => {
    const x0 = engine.zeros(shape);
    await expect(variationalBound({ scheduler, model: toyModel, x0, mode: "estimate", samples: 0 })).rejects.toThrow(
      "variationalBound: samples must be a positive integer, got 0",
    );
    await expect(variationalBound({ scheduler, model: toyModel, x0, mode: "both" as "exact" })).rejects.toThrow(
      'variationalBound: mode must be "exact" or "estimate", got "both"',
    );
    const before = engine.memory().liveTensors;
    await expect(variationalBound({ scheduler, model: (xt) => ops.sum(xt, [1]), x0, mode: "exact" })).rejects.toThrow(
      "variationalBound: the model returned [2, 4, 4] for x_t of shape [2, 1, 4, 4]",
    );
    expect(engine.memory().liveTensors).toBe(before);
    x0.dispose();
  });
});

describe("variationalBound separates good models from bad ones", () => {
  it("a model that returns the true ε has a far lower bound than untrained ones", async () => {
    const T = 20;
    const shape = [2, 3, 4, 4];
    const n = shape[0];
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2" });
    const x0 = engine.tensor(Float32Array.from(quantisedData(96, rng(3))), shape);
    const s = scheduler.schedule;
    const perImage = (values: number[]) => engine.tensor(values, [n, 1, 1, 1]);
    // ε = (x_t − √ᾱ_t·x₀) / √(1 − ᾱ_t): exactly the noise q_sample used
    const perfect = (xt: Tensor, timesteps: number[]) =>
      ops.mul(
        ops.sub(xt, ops.mul(x0, perImage(timesteps.map((t) => s.sqrtAlphasCumprod[t])))),
        perImage(timesteps.map((t) => 1 / s.sqrtOneMinusAlphasCumprod[t])),
      );
    const good = await variationalBound({ scheduler, model: perfect, x0, mode: "exact", seed: 4 });
    const zeros = await variationalBound({ scheduler, model: (xt) => ops.scale(xt, 0), x0, mode: "exact", seed: 4 });
    const linear = await variationalBound({ scheduler, model: toyModel, x0, mode: "exact", seed: 4 });
    // with x̂₀ = x₀ every KL term vanishes; what is left is the prior and the decoder's bin mass at σ = √β̃₁
    expect(good.kl).toBeLessThan(1e-4);
    for (const bad of [zeros, linear]) {
      expect(bad.kl).toBeGreaterThan(1000 * good.kl + 0.1);
      expect(bad.bitsPerDim).toBeGreaterThan(good.bitsPerDim + 1);
    }
    x0.dispose();
  });
});
