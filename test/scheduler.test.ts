/**
 * The schedulers against diffusers 0.30, as re-implemented in torch by scripts/make_scheduler_fixtures.py
 * (test/fixtures/scheduler/). The fixtures hold every value twice: float32, exactly as diffusers computes it, and
 * float64 (the same formulas in float64 tensors).
 *
 * Which one the engine matches: the engine computes its tables and step coefficients in float64, so it matches the
 * float64 fixtures to rounding. Against diffusers' float32 values it differs by float32 rounding, which is large
 * where diffusers subtracts nearly equal float32 numbers: 1 − ᾱ_t at small t and α_t' = ᾱ_t/ᾱ_prev. Measured worst
 * cases (tolerances below leave ~2-5× headroom):
 *   tables vs float64: 3.7e-13 relative (cosine β); vs diffusers float32: 9.4e-6 relative (exponential ᾱ, T = 1000,
 *     a float32 cumprod).
 *   step / variance vs float64: ~2e-14 relative; vs diffusers float32: 2.3e-3 relative (squaredcos_cap_v2, t = 1,
 *     where the float32 tables are ~8e-4 off float64) and 6.6e-4 for the fixed_large variance at t = 2.
 *   the float32 GPU kernels (float32 coefficients) vs float64: 1.6e-7 absolute on values ≤ 1, 3.5e-6 relative.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { TimestepSpacing } from "../src/diffusion/config.js";
import type { BetaSchedule } from "../src/diffusion/schedule.js";
import { NoiseSchedule } from "../src/diffusion/schedule.js";
import { DDIMScheduler, DDPMScheduler, type StepCoefficients, stepReference } from "../src/diffusion/schedulers.js";
import type { Engine, Tensor } from "../src/index.js";
import { expectClose, type Tolerance } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";

const DIR = "test/fixtures/scheduler";
const load = (name: string) => JSON.parse(readFileSync(`${DIR}/${name}`, "utf8"));

/** The engine (float64) against the float64 fixtures. */
const F64_TABLE: Tolerance = { atol: 1e-15, rtol: 1e-12 };
const F64_STEP: Tolerance = { atol: 1e-13, rtol: 1e-12 };
/** The engine (float64) against diffusers' float32 values. */
const F32_TABLE: Tolerance = { atol: 1e-7, rtol: 2e-5 };
const F32_STEP: Tolerance = { atol: 2e-5, rtol: 4e-3 };
/** The float32 GPU kernels against the float64 values. */
const GPU: Tolerance = { atol: 5e-7, rtol: 2e-6 };

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

function unpack(base64: string, precision: "f32" | "f64"): Float64Array {
  const bytes = Buffer.from(base64, "base64");
  const copy = new Uint8Array(bytes); // aligned
  return Float64Array.from(precision === "f32" ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer));
}

describe("beta schedules and ᾱ against diffusers", () => {
  const tables = load("tables.json");
  for (const key of Object.keys(tables).filter((k) => !k.startsWith("_"))) {
    const [schedule, T] = key.split("/");
    it(`${schedule}, T = ${T}`, () => {
      const engineSchedule = NoiseSchedule.named(schedule as BetaSchedule, Number(T));
      for (const table of ["betas", "alphas_cumprod"] as const) {
        const actual = table === "betas" ? engineSchedule.betas : engineSchedule.alphasCumprod;
        expectClose(actual, unpack(tables[key][`${table}_f64`], "f64"), F64_TABLE, `${key} ${table} (float64)`);
        expectClose(actual, unpack(tables[key][`${table}_f32`], "f32"), F32_TABLE, `${key} ${table} (diffusers float32)`);
      }
    });
  }
});

describe("setTimesteps against diffusers", () => {
  it("leading / trailing / linspace, with and without steps_offset, T = 1000 and 37", () => {
    const { cases } = load("timesteps.json");
    expect(cases.length).toBeGreaterThan(50);
    let spurious = 0;
    for (const c of cases) {
      let expected: number[] = c.timesteps;
      if (expected.length === c.steps + 1 && expected.at(-1) === -1) {
        // numpy's arange overshoots for "trailing" here (T/(T/steps) rounds above steps) and diffusers keeps a
        // timestep −1; the engine stops at `steps` values and agrees on all of them
        expect(c.spacing).toBe("trailing");
        expected = expected.slice(0, -1);
        spurious++;
      }
      const name = `${c.spacing} T=${c.T} steps=${c.steps} offset=${c.steps_offset}`;
      const scheduler = new DDPMScheduler({ num_train_timesteps: c.T, timestep_spacing: c.spacing, steps_offset: c.steps_offset });
      scheduler.setTimesteps(c.steps);
      expect(scheduler.timesteps, name).toEqual(expected);
      const ddim = new DDIMScheduler({ num_train_timesteps: c.T, timestep_spacing: c.spacing, steps_offset: c.steps_offset });
      ddim.setTimesteps(c.steps);
      expect(ddim.timesteps, name).toEqual(expected);
    }
    expect(spurious).toBe(6);
  });

  it("refuses more inference steps than training steps", () => {
    expect(() => new DDPMScheduler({ num_train_timesteps: 37 }).setTimesteps(38)).toThrow(/num_inference_steps = 38/);
  });
});

describe("addNoise and the v target against diffusers' add_noise / get_velocity", () => {
  const ddpm = load("ddpm.json");
  const { shape, x0, noise } = ddpm.noise_inputs;
  for (const c of ddpm.add_noise) {
    it(`${c.schedule}, T = ${c.T}, t = ${c.timesteps}`, async () => {
      const scheduler = new DDPMScheduler({ beta_schedule: c.schedule, num_train_timesteps: c.T, prediction_type: "v_prediction" });
      const noisy = engine.tidy(() => scheduler.addNoise(engine.tensor(x0, shape), engine.tensor(noise, shape), c.timesteps));
      const values = await noisy.data();
      noisy.dispose();
      expectClose(values, c.noisy.f64, GPU, "add_noise (GPU vs float64)");
      expectClose(values, c.noisy.f32, F32_STEP, "add_noise (GPU vs diffusers float32)");

      // v = √ᾱ·ε − √(1−ᾱ)·x₀ through targetCoefficients, in float64 on the CPU
      const perSample = x0.length / shape[0];
      const velocity = x0.map((x: number, i: number) => {
        const { fromX0, fromNoise } = scheduler.targetCoefficients(c.timesteps[Math.floor(i / perSample)]);
        return fromX0 * x + fromNoise * noise[i];
      });
      expectClose(velocity, c.velocity.f64, F64_STEP, "get_velocity (float64)");
      expectClose(velocity, c.velocity.f32, F32_STEP, "get_velocity (diffusers float32)");
    });
  }
});

type SetTimesteps = [number, TimestepSpacing, number] | null;

function spacingConfig(setTimesteps: SetTimesteps) {
  return setTimesteps ? { timestep_spacing: setTimesteps[1], steps_offset: setTimesteps[2] } : {};
}

function chainName(c: { schedule: string; T: number; set_timesteps: SetTimesteps }): string {
  return `${c.schedule} T=${c.T}${c.set_timesteps ? ` set_timesteps(${c.set_timesteps.join(", ")})` : ""}`;
}

describe("DDPM variance (diffusers _get_variance)", () => {
  it("fixed_small, fixed_small_log and fixed_large at every fixture timestep, and σ in the step", () => {
    const { variance } = load("ddpm.json");
    expect(variance.length).toBeGreaterThan(50);
    for (const c of variance) {
      const name = `${chainName(c)} t=${c.t}`;
      for (const type of ["fixed_small", "fixed_small_log", "fixed_large"] as const) {
        const scheduler = new DDPMScheduler({
          beta_schedule: c.schedule,
          num_train_timesteps: c.T,
          variance_type: type,
          ...spacingConfig(c.set_timesteps),
        });
        if (c.set_timesteps) scheduler.setTimesteps(c.set_timesteps[0]);
        // diffusers' fixed_small_log returns a standard deviation (step() multiplies it into the noise directly)
        const value = type === "fixed_small_log" ? Math.sqrt(scheduler.variance(c.t)) : scheduler.variance(c.t);
        expectClose([value], [c[type].f64], F64_STEP, `${name} ${type} (float64)`);
        expectClose([value], [c[type].f32], { atol: 1e-9, rtol: F32_STEP.rtol }, `${name} ${type} (diffusers float32)`);
        // step() adds σ·z with σ = √variance for t > 0 and nothing at t = 0 (diffusers step, part 6)
        const sigma = scheduler.stepCoefficients(c.t).sigma;
        expect(sigma, name).toBe(c.t > 0 ? Math.sqrt(scheduler.variance(c.t)) : 0);
      }
    }
  });
});

/** Recorded GPU steps, read back together at the end (one readback per tensor, no sync between dispatches). */
interface GpuCheck {
  name: string;
  coefficients: StepCoefficients;
  prev: Tensor;
  x0: Tensor;
  noise: Tensor | null;
  expectedPrev: number[];
  expectedX0: number[];
}

async function checkGpuSteps(checks: GpuCheck[]): Promise<void> {
  for (const check of checks) {
    const prev = await check.prev.data();
    const x0 = await check.x0.data();
    const noise = check.noise ? await check.noise.data() : null;
    // the deterministic part: subtract σ·z, z being the noise the kernel drew (Philox stream t under the seed)
    const deterministic = Array.from(prev, (v, i) => v - (noise ? check.coefficients.sigma * noise[i] : 0));
    expectClose(deterministic, check.expectedPrev, GPU, `${check.name} GPU prev_sample`);
    expectClose(x0, check.expectedX0, GPU, `${check.name} GPU pred_original_sample`);
    for (const t of [check.prev, check.x0, check.noise]) t?.dispose();
  }
}

const SEED = 77;

function recordGpuStep(
  scheduler: DDPMScheduler | DDIMScheduler,
  inputs: { sample: Tensor; model: Tensor },
  t: number,
  eta: number,
): { prev: Tensor; x0: Tensor; noise: Tensor | null } {
  const out = scheduler.step(inputs.model, t, inputs.sample, { seed: SEED, eta, returnPredOriginal: true });
  const sigma = scheduler.stepCoefficients(t, eta).sigma;
  const noise = sigma !== 0 ? engine.randn(inputs.sample.shape, { seed: SEED, stream: t }) : null;
  return { prev: out.prevSample, x0: out.predOriginalSample!, noise };
}

function x0Only(c: StepCoefficients): StepCoefficients {
  return { ...c, outFromX0: 1, outFromSample: 0, outFromEps: 0, sigma: 0 };
}

interface StepValues {
  prev_sample: number[];
  pred_original_sample: number[];
}

/** A step fixture: a scheduler config, a timestep t, and diffusers' step at t in float64 and float32. */
interface StepFixture {
  schedule: string;
  T: number;
  t: number;
  prediction_type: string;
  clip_sample: boolean;
  set_timesteps: SetTimesteps;
  f64: StepValues;
  f32: StepValues;
}

interface DDPMStepFixture extends StepFixture {
  clip_sample_range: number;
}

interface DDIMStepFixture extends StepFixture {
  set_alpha_to_one: boolean;
  set_timesteps: [number, TimestepSpacing, number];
  eta: number;
  f64: StepValues & { std_dev_t: number };
  f32: StepValues & { std_dev_t: number };
}

/** The scheduler a step fixture was made with, the η of its step, and the name failures show. */
interface StepSetup {
  name: string;
  scheduler: DDPMScheduler | DDIMScheduler;
  eta: number;
}

/**
 * One chain's step fixtures: each step in float64 (stepCoefficients, then stepReference) against diffusers' float64
 * and float32 prev_sample and pred_original_sample, then every fused GPU step against the float64 values, read back
 * together at the end. `checkCoefficients` adds the scheduler's own checks on each case's coefficients.
 */
async function checkStepFixtures<C extends StepFixture>(
  inputs: { shape: number[]; sample: number[]; model_output: number[] },
  cases: C[],
  setup: (c: C, index: number) => StepSetup,
  checkCoefficients: (c: C, coefficients: StepCoefficients, name: string) => void = () => {},
): Promise<void> {
  const { shape, sample, model_output: model } = inputs;
  const tensors = { sample: engine.tensor(sample, shape).keep(), model: engine.tensor(model, shape).keep() };
  const checks: GpuCheck[] = [];
  for (const [index, c] of cases.entries()) {
    const { name, scheduler, eta } = setup(c, index);
    const coefficients = scheduler.stepCoefficients(c.t, eta);
    checkCoefficients(c, coefficients, name);
    const prev = stepReference(coefficients, sample, model);
    const x0 = stepReference(x0Only(coefficients), sample, model);
    expectClose(prev, c.f64.prev_sample, F64_STEP, `${name} prev_sample (float64)`);
    expectClose(x0, c.f64.pred_original_sample, F64_STEP, `${name} pred_original_sample (float64)`);
    expectClose(prev, c.f32.prev_sample, F32_STEP, `${name} prev_sample (diffusers float32)`);
    expectClose(x0, c.f32.pred_original_sample, F32_STEP, `${name} pred_original_sample (diffusers float32)`);
    checks.push({
      name,
      coefficients,
      ...recordGpuStep(scheduler, tensors, c.t, eta),
      expectedPrev: c.f64.prev_sample,
      expectedX0: c.f64.pred_original_sample,
    });
  }
  await checkGpuSteps(checks);
  tensors.sample.dispose();
  tensors.model.dispose();
}

describe("DDPM step against diffusers (noise = 0)", () => {
  const ddpm = load("ddpm.json");
  const groups = new Map<string, DDPMStepFixture[]>();
  for (const c of ddpm.step as DDPMStepFixture[]) groups.set(chainName(c), [...(groups.get(chainName(c)) ?? []), c]);
  for (const [chain, cases] of groups) {
    it(`${chain}: every prediction type, clip on/off, through stepCoefficients and the fused GPU step`, () =>
      checkStepFixtures(ddpm.step_inputs, cases, (c, index) => {
        const scheduler = new DDPMScheduler({
          beta_schedule: c.schedule,
          num_train_timesteps: c.T,
          prediction_type: c.prediction_type,
          clip_sample: c.clip_sample,
          clip_sample_range: c.clip_sample_range,
          // the deterministic part does not depend on the variance type; alternate it to exercise both σ
          variance_type: index % 2 ? "fixed_large" : "fixed_small",
          ...spacingConfig(c.set_timesteps),
        });
        if (c.set_timesteps) scheduler.setTimesteps(c.set_timesteps[0]);
        return { name: `${chain} t=${c.t} ${c.prediction_type} clip=${c.clip_sample}(${c.clip_sample_range})`, scheduler, eta: 0 };
      }));
  }
});

describe("DDIM step against diffusers (noise = 0)", () => {
  const ddim = load("ddim.json");
  const groups = new Map<string, DDIMStepFixture[]>();
  for (const c of ddim.step as DDIMStepFixture[]) {
    const key = `${chainName(c)} set_alpha_to_one=${c.set_alpha_to_one}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [chain, cases] of groups) {
    it(`${chain}: eta 0 and 0.5, every prediction type`, () =>
      checkStepFixtures(
        ddim.step_inputs,
        cases,
        (c) => {
          const scheduler = new DDIMScheduler({
            beta_schedule: c.schedule,
            num_train_timesteps: c.T,
            prediction_type: c.prediction_type,
            clip_sample: c.clip_sample,
            set_alpha_to_one: c.set_alpha_to_one,
            ...spacingConfig(c.set_timesteps),
          });
          scheduler.setTimesteps(c.set_timesteps[0]);
          return { name: `${chain} t=${c.t} ${c.prediction_type} clip=${c.clip_sample} eta=${c.eta}`, scheduler, eta: c.eta };
        },
        (c, coefficients, name) => {
          expectClose([coefficients.sigma], [c.f64.std_dev_t], F64_STEP, `${name} σ (float64)`);
          expectClose([coefficients.sigma], [c.f32.std_dev_t], F32_STEP, `${name} σ (diffusers float32)`);
        },
      ));
  }
});

interface LearnedChain {
  schedule: BetaSchedule;
  T: number;
  set_timesteps: SetTimesteps;
  prediction_type: "epsilon" | "sample" | "v_prediction";
  clip_sample: boolean;
  timesteps: number[];
  x_T: number[];
  model_outputs: number[][];
  noise: number[][];
  f64: { samples: number[][]; log_variance: number[][] };
  f32: { samples: number[][]; log_variance: number[][] };
}

describe("DDPM learned_range against diffusers (sampling chains with given model outputs and noise)", () => {
  const {
    sample_shape: sampleShape,
    model_shape: modelShape,
    chains,
  } = load("ddpm_learned.json") as {
    sample_shape: number[];
    model_shape: number[];
    chains: LearnedChain[];
  };
  const perSample = sampleShape.slice(1).reduce((a, b) => a * b);
  /** The float32 GPU chain run end to end against diffusers' float64 chain (errors compound over the steps). */
  const CHAIN: Tolerance = { atol: 2e-5, rtol: 2e-5 };
  for (const chain of chains) {
    it(`${chainName(chain)} ${chain.prediction_type} clip=${chain.clip_sample}: ${chain.timesteps.length} steps`, async () => {
      const scheduler = new DDPMScheduler({
        beta_schedule: chain.schedule,
        num_train_timesteps: chain.T,
        prediction_type: chain.prediction_type,
        clip_sample: chain.clip_sample,
        variance_type: "learned_range",
        ...spacingConfig(chain.set_timesteps),
      });
      if (chain.set_timesteps) scheduler.setTimesteps(chain.set_timesteps[0]);
      expect(scheduler.timesteps).toEqual(chain.timesteps);
      const gpuSteps: Tensor[] = [];
      let x = engine.tensor(chain.x_T, sampleShape).keep();
      for (const [k, t] of chain.timesteps.entries()) {
        const name = `${chainName(chain)} t=${t}`;
        const model = chain.model_outputs[k];
        const input = k === 0 ? chain.x_T : chain.f64.samples[k - 1];
        // float64: diffusers' log variance per element, then the step from the fixture's own x_t
        const logVariance = Array.from({ length: sampleShape.reduce((a, b) => a * b) }, (_, i) =>
          Math.log(scheduler.variance(t, model[i + perSample * Math.floor(i / perSample) + perSample])),
        );
        expectClose(logVariance, chain.f64.log_variance[k], F64_STEP, `${name} log variance (float64)`);
        expectClose(logVariance, chain.f32.log_variance[k], F32_STEP, `${name} log variance (diffusers float32)`);
        const c = scheduler.stepCoefficients(t);
        expect(c.sigma, name).toBe(t > 0 ? 1 : 0);
        const prev = stepReference(c, input, model, chain.noise[k], perSample);
        expectClose(prev, chain.f64.samples[k], F64_STEP, `${name} prev_sample (float64)`);
        expectClose(prev, chain.f32.samples[k], F32_STEP, `${name} prev_sample (diffusers float32)`);
        // the fused GPU step from the fixture's x_t with the fixture's noise, and the GPU chain from x_T
        engine.tidy(() => {
          const modelTensor = engine.tensor(model, modelShape);
          const noise = engine.tensor(chain.noise[k], sampleShape);
          gpuSteps.push(scheduler.step(modelTensor, t, engine.tensor(input, sampleShape), { noise }).prevSample.keep());
          const next = scheduler.step(modelTensor, t, x, { noise }).prevSample.keep();
          x.dispose();
          x = next;
        });
      }
      for (const [k, step] of gpuSteps.entries()) {
        expectClose(await step.data(), chain.f64.samples[k], GPU, `${chainName(chain)} t=${chain.timesteps[k]} GPU step`);
        step.dispose();
      }
      expectClose(await x.data(), chain.f64.samples.at(-1)!, CHAIN, `${chainName(chain)} GPU chain x₀`);
      x.dispose();
    });
  }

  it("refuses an output of the wrong channel count, naming both numbers", () => {
    const learned = new DDPMScheduler({ variance_type: "learned_range", num_train_timesteps: 10 });
    const fixed = new DDPMScheduler({ num_train_timesteps: 10 });
    engine.tidy(() => {
      const sample = engine.zeros([1, 3, 2, 2]);
      expect(() => learned.step(engine.zeros([1, 3, 2, 2]), 5, sample)).toThrow(
        "DDPM step: variance_type learned_range takes a model output of 6 channels for 3-channel samples, got [1, 3, 2, 2]",
      );
      expect(() => fixed.step(engine.zeros([1, 6, 2, 2]), 5, sample)).toThrow(
        "DDPM step: variance_type fixed_small takes a model output of 3 channels for 3-channel samples, got [1, 6, 2, 2]",
      );
      expect(() => learned.variance(5)).toThrow(/learned_range needs the model's variance value/);
    });
  });
});

describe("scheduler configs", () => {
  it("refuses unknown keys, bad values and unsupported features, naming each", () => {
    expect(() => new DDPMScheduler({ num_train_timestep: 1000 })).toThrow("DDPMScheduler config: unknown key 'num_train_timestep'");
    expect(() => new DDPMScheduler({ beta_schedule: "cosine" })).toThrow(
      /DDPMScheduler config: beta_schedule = "cosine" is not one of "linear", "scaled_linear", "squaredcos_cap_v2"/,
    );
    expect(() => new DDPMScheduler({ thresholding: true })).toThrow("DDPMScheduler config: thresholding = true is not supported");
    expect(() => new DDPMScheduler({ num_train_timesteps: 0 })).toThrow(
      "DDPMScheduler config: num_train_timesteps = 0 must be a positive integer",
    );
    expect(() => new DDPMScheduler({ prediction_type: "noise" })).toThrow(/prediction_type = "noise" is not one of/);
    expect(() => new DDPMScheduler({ variance_type: "learned" })).toThrow(/variance_type = "learned" is not one of/);
    expect(() => new DDIMScheduler({ timestep_spacing: "karras" })).toThrow(/DDIMScheduler config: timestep_spacing = "karras"/);
    expect(() => new DDIMScheduler({ rescale_betas_zero_snr: true })).toThrow("rescale_betas_zero_snr = true is not supported");
    expect(() => new DDIMScheduler({ trained_betas: [0.1, 0.2] })).toThrow("trained_betas = [0.1,0.2] is not supported");
    // several problems are reported together
    expect(() => new DDPMScheduler({ beta_start: -1, foo: 2 })).toThrow(/unknown key 'foo'.*beta_start = -1 must be a positive number/);
  });

  it("accepts a diffusers 0.30 scheduler_config.json with its inert keys", () => {
    const config = {
      _class_name: "DDPMScheduler",
      _diffusers_version: "0.30.0",
      beta_end: 0.02,
      beta_schedule: "linear",
      beta_start: 0.0001,
      clip_sample: true,
      clip_sample_range: 1.0,
      dynamic_thresholding_ratio: 0.995,
      num_train_timesteps: 1000,
      prediction_type: "epsilon",
      rescale_betas_zero_snr: false,
      sample_max_value: 1.0,
      steps_offset: 0,
      thresholding: false,
      timestep_spacing: "leading",
      trained_betas: null,
      variance_type: "fixed_small",
    };
    expect(new DDPMScheduler(config).config.prediction_type).toBe("epsilon");
  });

  it("toJSON round-trips through new DDPMScheduler(json) and new DDIMScheduler(json)", () => {
    const ddpm = new DDPMScheduler({
      num_train_timesteps: 37,
      beta_schedule: "squaredcos_cap_v2",
      variance_type: "fixed_large",
      prediction_type: "v_prediction",
      clip_sample: false,
      timestep_spacing: "trailing",
      steps_offset: 1,
    });
    const json = JSON.parse(JSON.stringify(ddpm.toJSON()));
    expect(json._class_name).toBe("DDPMScheduler");
    const again = new DDPMScheduler(json);
    expect(again.config).toEqual(ddpm.config);
    expect(again.toJSON()).toEqual(ddpm.toJSON());
    expect(Array.from(again.schedule.alphasCumprod)).toEqual(Array.from(ddpm.schedule.alphasCumprod));

    const ddim = new DDIMScheduler({ set_alpha_to_one: false, beta_schedule: "scaled_linear", prediction_type: "sample" });
    const ddimJson = JSON.parse(JSON.stringify(ddim.toJSON()));
    expect(ddimJson._class_name).toBe("DDIMScheduler");
    expect(new DDIMScheduler(ddimJson).config).toEqual(ddim.config);
  });

  it("DDIMScheduler.fromDDPM keeps every shared key, as diffusers' DDIMScheduler.from_config", () => {
    const ddpm = new DDPMScheduler({
      num_train_timesteps: 37,
      beta_start: 0.0002,
      beta_end: 0.03,
      beta_schedule: "squaredcos_cap_v2",
      prediction_type: "v_prediction",
      clip_sample: false,
      clip_sample_range: 2,
      timestep_spacing: "trailing",
      steps_offset: 1,
    });
    const ddim = DDIMScheduler.fromDDPM(ddpm);
    for (const key of Object.keys(ddim.config).filter((k) => k !== "set_alpha_to_one")) {
      expect(ddim.config[key as keyof typeof ddim.config], key).toEqual(ddpm.config[key as keyof typeof ddpm.config]);
    }
    expect(ddim.config.set_alpha_to_one).toBe(true);
    // "trailing" over 37 steps in 5: diffusers gives [36, 29, 21, 14, 6] (round(arange(37, 0, -7.4)) − 1).
    ddim.setTimesteps(5);
    expect(Array.from(ddim.timesteps)).toEqual([36, 29, 21, 14, 6]);
  });
});

describe("posterior_mean (the model outputs μ̃_t; not a diffusers prediction type)", () => {
  /**
   * An ε output e and the μ̃ output it implies, m = c₁·x̂₀(e) + c₂·x_t (DDPM eq. 7 and 15, unclipped), describe the
   * same prediction: every step of a posterior_mean scheduler given m must equal the epsilon scheduler's given e, in
   * float64, with clipping and skipped timesteps too (both go through the same x̂₀).
   */
  const chains: [string, Record<string, unknown>, number, number][] = [
    ["linear, all 1000 steps", { beta_schedule: "linear" }, 1000, 0],
    ["cosine, 50 leading steps", { beta_schedule: "squaredcos_cap_v2" }, 50, 0],
    [
      "scaled_linear, 37 trailing steps, T = 200",
      { beta_schedule: "scaled_linear", num_train_timesteps: 200, timestep_spacing: "trailing" },
      37,
      0.5,
    ],
  ];
  const sample = Float64Array.from({ length: 12 }, (_, i) => Math.sin(1.7 * i + 0.3) * 1.8);
  const epsilon = Float64Array.from({ length: 12 }, (_, i) => Math.cos(2.3 * i + 0.1) * 1.2);
  for (const [name, config, steps, eta] of chains) {
    for (const clip of [false, true]) {
      it(`${name}, clip ${clip}: DDPM and DDIM (η = ${eta}) steps equal the epsilon steps of the same prediction`, () => {
        const make = (kind: "DDPM" | "DDIM", prediction: string): DDPMScheduler | DDIMScheduler => {
          const settings = { ...config, prediction_type: prediction, clip_sample: clip };
          const s = kind === "DDPM" ? new DDPMScheduler(settings) : new DDIMScheduler(settings);
          s.setTimesteps(steps);
          return s;
        };
        for (const kind of ["DDPM", "DDIM"] as const) {
          const byMean = make(kind, "posterior_mean");
          const byEps = make(kind, "epsilon");
          const s = byMean.schedule;
          for (const t of byMean.timesteps) {
            const mean = sample.map((x, i) => {
              const x0 = (x - s.sqrtOneMinusAlphasCumprod[t] * epsilon[i]) / s.sqrtAlphasCumprod[t];
              return s.posteriorMeanCoef1[t] * x0 + s.posteriorMeanCoef2[t] * x;
            });
            const viaMean = byMean.stepCoefficients(t, eta);
            const viaEps = byEps.stepCoefficients(t, eta);
            expect(viaMean.sigma).toBe(viaEps.sigma);
            const what = `${kind} t=${t}`;
            // 1/c₁ reaches ~8e3 (linear β, t = 999): float64 rounding of m is amplified that much in x̂₀
            const tol = { atol: 1e-11, rtol: 1e-10 };
            expectClose(stepReference(viaMean, sample, mean), stepReference(viaEps, sample, epsilon), tol, `${what} prev_sample`);
            expectClose(stepReference(x0Only(viaMean), sample, mean), stepReference(x0Only(viaEps), sample, epsilon), tol, `${what} x̂₀`);
          }
        }
      });
    }
  }

  it("the training target: (c₁ + c₂√ᾱ_t)·x₀ + c₂√(1−ᾱ_t)·ε, which is μ̃_t(x_t, x₀)", () => {
    const scheduler = new DDPMScheduler({ prediction_type: "posterior_mean", beta_schedule: "squaredcos_cap_v2" });
    const s = scheduler.schedule;
    for (const t of [0, 1, 2, 500, 998, 999]) {
      const { fromX0, fromNoise } = scheduler.targetCoefficients(t);
      const [x0, eps] = [0.7, -1.3];
      const xt = s.sqrtAlphasCumprod[t] * x0 + s.sqrtOneMinusAlphasCumprod[t] * eps;
      expect(fromX0 * x0 + fromNoise * eps).toBeCloseTo(s.posteriorMeanCoef1[t] * x0 + s.posteriorMeanCoef2[t] * xt, 14);
    }
    // at t = 0 the posterior mean is x₀ itself
    expect(scheduler.targetCoefficients(0).fromX0).toBeCloseTo(1, 14);
    expect(scheduler.targetCoefficients(0).fromNoise).toBe(0);
  });

  it("is a prediction_type the config accepts, and an unknown one names all four", () => {
    expect(new DDPMScheduler({ prediction_type: "posterior_mean" }).config.prediction_type).toBe("posterior_mean");
    expect(() => new DDIMScheduler({ prediction_type: "mean" })).toThrow(
      'DDIMScheduler config: prediction_type = "mean" is not one of "epsilon", "sample", "v_prediction", "posterior_mean"',
    );
  });
});
