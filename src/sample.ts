/**
 * Sampling (Ho et al. 2020, Algorithm 2; DDIM with fewer steps): x_T ~ N(0, I), then for each timestep of the
 * scheduler one model call and one fused step dispatch. Model-agnostic: the denoiser is a function.
 */
import type { DDIMScheduler, DDPMScheduler } from "./diffusion/schedulers.js";
import type { Engine, Tensor } from "./engine.js";
import type { TuneResult } from "./gpu/tuner.js";
import type { StateDict } from "./nn/module.js";
import { exportUNetOnnx } from "./nn/onnx.js";
import type { UNet2DModel } from "./nn/unet.js";
import { add, mul, scale as scaleBy, sub } from "./ops/index.js";

export interface SampleOptions {
  engine: Engine;
  /** The model output for x_t at the given timesteps (one per sample). */
  model: (sample: Tensor, timesteps: number[]) => Tensor;
  scheduler: DDPMScheduler | DDIMScheduler;
  /** [N, C, H, W]. */
  shape: number[];
  seed?: number;
  /** Sampling steps: all T for DDPM by default; DDIM needs fewer (setTimesteps). */
  steps?: number;
  /** DDIM's η (ignored by DDPM). */
  eta?: number;
  /** Keep x_t at this many evenly spaced points of the trajectory (x_T … x_0) on the CPU. */
  trajectoryFrames?: number;
  onStep?: (done: number, total: number) => void;
  /** Told what the kernel autotune after the first step measured (only when there were new shapes). */
  onAutotune?: (results: TuneResult[], seconds: number) => void;
  /**
   * When that autotune must stop starting new shapes (performance.now() milliseconds), so a job with a time
   * budget spends only its slack on it; the shapes left keep the heuristics' choices.
   */
  autotuneDeadline?: number;
}

export interface SampleResult {
  /** x₀, [N, C, H, W] on the CPU. */
  images: Float32Array;
  /** Snapshots of x_t, x_T first; empty unless trajectoryFrames was set. */
  trajectory: { timestep: number; images: Float32Array }[];
}

export async function sampleLoop(options: SampleOptions): Promise<SampleResult> {
  const { engine, scheduler, shape } = options;
  const seed = options.seed ?? 0;
  if (options.steps !== undefined) scheduler.setTimesteps(options.steps);
  const timesteps = scheduler.timesteps;
  const frames = options.trajectoryFrames ?? 0;
  const snapshotAt = new Set<number>();
  if (frames > 0) {
    for (let f = 0; f < frames - 1; f++) snapshotAt.add(Math.round((f * timesteps.length) / (frames - 1)));
  }
  const trajectory: SampleResult["trajectory"] = [];
  // x_T ~ N(0, I) (Algorithm 2, line 1); stream 2^32 − 1 is never a timestep
  let x = engine.randn(shape, { seed, stream: 0xffffffff }).keep();
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    if (snapshotAt.has(i)) trajectory.push({ timestep: t, images: await x.data() });
    const next = engine.noGrad(() =>
      engine.tidy(() => {
        const output = options.model(x, new Array(shape[0]).fill(t));
        return scheduler.step(output, t, x, { seed, eta: options.eta }).prevSample;
      }),
    );
    x.dispose();
    x = next.keep();
    engine.flush();
    if (i === 0) {
      // Every shape of the sampler has been met: measure the kernel variants of those not tuned before.
      const begun = performance.now();
      const results = await engine.autotune(undefined, { deadline: options.autotuneDeadline });
      if (results.length) options.onAutotune?.(results, (performance.now() - begun) / 1000);
    }
    options.onStep?.(i + 1, timesteps.length);
  }
  const images = await x.data();
  x.dispose();
  if (frames > 0) trajectory.push({ timestep: -1, images });
  return { images, trajectory };
}

/**
 * The denoiser a sampler calls for a class-conditional model: the model conditioned on `labels`, or with
 * classifier-free guidance (Ho & Salimans 2022; diffusers' guidance_scale) u + s·(c − u), where u is the output
 * for the "no class" label that label dropout trained (s = 1: c alone; s = 0: u alone). A learned-variance model
 * (out_channels = 2·in_channels) is guided in its prediction channels only and keeps the conditional output's
 * variance channels, as diffusers' pipelines do (they split the output, guide the first half and concatenate the
 * conditional variance); at s = 0 it is the unconditional output, both halves.
 */
export function guidedDenoiser(model: UNet2DModel, labels: number[] | undefined, scale: number, unconditionalLabel: number | null) {
  return (x: Tensor, t: number[]): Tensor => {
    if (scale === 1 || !labels) return model.forward({ sample: x, timesteps: t, classLabels: labels });
    if (unconditionalLabel === null) throw new Error("sampling: classifier-free guidance needs the model's 'no class' label");
    const uncond = model.forward({ sample: x, timesteps: t, classLabels: labels.map(() => unconditionalLabel) });
    if (scale === 0) return uncond;
    const cond = model.forward({ sample: x, timesteps: t, classLabels: labels });
    const guided = add(uncond, scaleBy(sub(cond, uncond), scale));
    const channels = x.shape[1];
    if (cond.shape[1] !== 2 * channels) return guided;
    // [prediction | variance] channel masks: guided·1 + c·0 and guided·0 + c·1 keep each half exactly
    const maskShape = [1, 2 * channels, ...x.shape.slice(2).map(() => 1)];
    const predictionMask = x.engine.tensor(
      Array.from({ length: 2 * channels }, (_, k) => (k < channels ? 1 : 0)),
      maskShape,
    );
    const varianceMask = x.engine.tensor(
      Array.from({ length: 2 * channels }, (_, k) => (k < channels ? 0 : 1)),
      maskShape,
    );
    return add(mul(guided, predictionMask), mul(cond, varianceMask));
  };
}

/** What a `ddpm train` checkpoint records for sampling (training_state.json's `data`). */
export interface TrainedClasses {
  numClasses: number | null;
  /** The "no class" label of label dropout, or null when the model was not trained for guidance. */
  unconditionalLabel: number | null;
  /** The guidance scale the samples were drawn with (1 without a "no class" label). */
  guidance: number;
}

/**
 * A U-Net as an ONNX file (exportUNetOnnx) with what a sampler in another runtime needs beside the network in its
 * metadata: the scheduler config (`scheduler_config`) and, for a class-conditional model, its classes (`classes`).
 * `ddpm export` and the demo's download write it.
 */
export function samplerOnnx(
  model: UNet2DModel,
  state: StateDict,
  scheduler: DDPMScheduler | DDIMScheduler,
  classes: TrainedClasses | null,
): Uint8Array {
  const metadata: Record<string, string> = { scheduler_config: JSON.stringify(scheduler.toJSON()) };
  if (classes && classes.numClasses !== null) {
    const { numClasses, unconditionalLabel, guidance } = classes;
    metadata.classes = JSON.stringify({ numClasses, unconditionalLabel, guidance });
  }
  return exportUNetOnnx(model.configJSON(), state, { metadata });
}

/** Parse a training_state.json's text; `source` names the file in the error for invalid JSON. */
export function parseTrainedClasses(text: string, source: string): TrainedClasses {
  let data: Record<string, unknown>;
  try {
    data = (JSON.parse(text) as { data?: Record<string, unknown> }).data ?? {};
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null);
  const unconditionalLabel = int(data.unconditionalLabel);
  return {
    numClasses: int(data.numClasses),
    unconditionalLabel,
    guidance: unconditionalLabel !== null && typeof data.guidance === "number" && Number.isFinite(data.guidance) ? data.guidance : 1,
  };
}
