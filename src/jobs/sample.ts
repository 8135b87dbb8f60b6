/**
 * `ddpm sample`'s job (Node): a grid of samples and a denoising trajectory from a diffusers folder, and loading
 * such a folder for sampling. The diffusers split holds: the scheduler never sees the model; this joins them.
 */

import { resolveCheckpointDir, samplingWeights } from "../checkpoint.js";
import { DDPM_DEFAULTS } from "../diffusion/config.js";
import { checkModelChannels, DDIMScheduler, DDPMScheduler } from "../diffusion/schedulers.js";
import type { Engine } from "../engine.js";
import type { TuneResult } from "../gpu/tuner.js";
import { findSchedulerConfig } from "../io/diffusers.js";
import { nodeModules, pathExists, readJson } from "../io/fs.js";
import { imageGrid, writePng } from "../io/images.js";
import { loadUNet } from "../nn/pretrained.js";
import type { UNet2DModel } from "../nn/unet.js";
import { guidedDenoiser, parseTrainedClasses, sampleLoop, type TrainedClasses } from "../sample.js";

export interface SampleJobOptions {
  engine: Engine;
  model: UNet2DModel;
  scheduler: DDPMScheduler | DDIMScheduler;
  out: string;
  count: number;
  /** DDIM steps; 0 = DDPM ancestral sampling over all T steps. */
  steps: number;
  eta?: number;
  seed: number;
  /** For a class-conditional model: labels cycle through 0..numClasses−1 (or `label` for all). */
  numClasses: number | null;
  label?: number;
  /**
   * Classifier-free guidance scale s (Ho & Salimans 2022, as diffusers' guidance_scale): the model output is
   * u + s·(c − u), c conditioned on the label, u on `unconditionalLabel` (the "no class" label of label dropout).
   * 1 (default) samples conditionally, 0 unconditionally.
   */
  guidance?: number;
  unconditionalLabel?: number | null;
  /** File names inside `out`. */
  samplesName?: string;
  trajectoryName?: string | null;
  /** The sampling autotune starts no shape after this time (performance.now() milliseconds; SampleOptions). */
  autotuneDeadline?: number;
  log?: (line: string) => void;
}

/** One line on what an autotune measured: shapes, seconds, and how many choices differ from the heuristic. */
export function autotuneLog(log: (line: string) => void, phase: string) {
  return (results: TuneResult[], seconds: number) => {
    const changed = results.filter((r) => r.chosen !== r.heuristic);
    log(
      `autotune (${phase}): ${results.length} kernel shapes measured in ${seconds.toFixed(1)} s` +
        (changed.length
          ? `; ${changed.length} faster than the default: ${changed
              .slice(0, 4)
              .map((r) => `${r.family} ${r.key} → ${r.chosen}`)
              .join(", ")}${changed.length > 4 ? ", …" : ""}`
          : "; the defaults were fastest"),
    );
  };
}

/** Draw `count` samples into a PNG grid, and a trajectory strip (x_T … x₀ for one sample of each class). */
export async function sampleJob(options: SampleJobOptions) {
  const { engine, model } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const c = model.config;
  const size = c.sample_size ?? 32;
  const labelFor = (i: number) => (options.label !== undefined ? options.label : i % (options.numClasses ?? 1));
  const ddpmScheduler = options.scheduler instanceof DDPMScheduler ? options.scheduler : null;
  if (ddpmScheduler) checkModelChannels(ddpmScheduler, c, "the model");
  else if (c.out_channels !== c.in_channels && c.out_channels !== 2 * c.in_channels) {
    throw new Error(`sampling: the model has out_channels = ${c.out_channels} for in_channels = ${c.in_channels} (DDIM reads C or 2·C)`);
  }
  const scheduler = options.steps > 0 && ddpmScheduler ? DDIMScheduler.fromDDPM(ddpmScheduler) : options.scheduler;
  const guidance = options.guidance ?? 1;
  const nullLabel = options.unconditionalLabel ?? null;
  if (!Number.isFinite(guidance)) throw new Error(`sampling: the guidance scale must be a number, got ${guidance}`);
  if (guidance !== 1) {
    if (!c.num_class_embeds) throw new Error("sampling: classifier-free guidance needs a class-conditional model");
    if (nullLabel === null || !Number.isInteger(nullLabel) || nullLabel < 0 || nullLabel >= c.num_class_embeds) {
      throw new Error(
        `sampling: classifier-free guidance needs the model's "no class" label (0..${c.num_class_embeds - 1}), got ${nullLabel}`,
      );
    }
  }
  const draw = (count: number, seed: number, labels: number[] | undefined, trajectoryFrames: number | undefined, phase: string) =>
    sampleLoop({
      engine,
      scheduler,
      shape: [count, c.in_channels, size, size],
      seed,
      steps: scheduler instanceof DDIMScheduler ? options.steps : undefined,
      eta: options.eta,
      model: guidedDenoiser(model, labels, guidance, nullLabel),
      trajectoryFrames,
      onAutotune: autotuneLog(log, phase),
      autotuneDeadline: options.autotuneDeadline,
    });
  const method =
    (scheduler instanceof DDIMScheduler ? `DDIM, ${options.steps} steps, η = ${options.eta ?? 0}` : `DDPM, ${scheduler.T} steps`) +
    (guidance !== 1 ? `, guidance scale ${guidance}` : "");
  const started = performance.now();
  const classes = c.num_class_embeds ? Array.from({ length: options.count }, (_, i) => labelFor(i)) : undefined;
  const result = await draw(options.count, options.seed, classes, undefined, "sampling");
  const seconds = (performance.now() - started) / 1000;
  const stepsTaken = scheduler.timesteps.length;
  const { fs } = await nodeModules();
  await fs.mkdir(options.out, { recursive: true });
  const samplesPath = `${options.out}/${options.samplesName ?? "samples.png"}`;
  const grid = imageGrid(result.images, options.count, c.in_channels, size, size, {
    columns: Math.ceil(Math.sqrt(options.count)),
    upscale: 32 / size > 1 ? 2 : 1,
  });
  await writePng(samplesPath, grid);
  log(
    `samples: ${samplesPath} (${options.count} images, ${method}, ${seconds.toFixed(1)} s, ${(stepsTaken / seconds).toFixed(2)} steps/s)`,
  );

  let trajectoryPath: string | null = null;
  if (options.trajectoryName !== null) {
    // One row per class (or 4 rows unconditionally), x_T … x₀ left to right.
    const rows = c.num_class_embeds ? Math.min(c.num_class_embeds, 10) : 4;
    const traj = await draw(
      rows,
      options.seed + 1,
      c.num_class_embeds ? Array.from({ length: rows }, (_, i) => i) : undefined,
      10,
      "trajectory",
    );
    const frames = traj.trajectory.length;
    const per = c.in_channels * size * size;
    const strip = new Float32Array(rows * frames * per);
    for (let r = 0; r < rows; r++) {
      for (const [f, frame] of traj.trajectory.entries()) strip.set(frame.images.subarray(r * per, (r + 1) * per), (r * frames + f) * per);
    }
    trajectoryPath = `${options.out}/${options.trajectoryName ?? "trajectory.png"}`;
    await writePng(trajectoryPath, imageGrid(strip, rows * frames, c.in_channels, size, size, { columns: frames, upscale: 2 }));
    log(`trajectory: ${trajectoryPath} (x_T → x₀, ${frames} frames per row)`);
  }
  return { samplesPath, trajectoryPath, samplingSeconds: seconds, samplingStepsPerSecond: stepsTaken / seconds };
}

/**
 * Load a model folder for sampling: a training checkpoint's EMA weights, or a diffusers folder's U-Net
 * (`samplingWeights`), with its scheduler config. A folder left only as DIR.old by an interrupted save is read
 * from there. Without a scheduler config the sampler would guess the schedule and the prediction type, so that is
 * refused unless `defaultScheduler` accepts diffusers' defaults.
 */
export async function loadModelForSampling(
  engine: Engine,
  dir: string,
  options: { defaultScheduler?: boolean; log?: (line: string) => void } = {},
): Promise<{
  model: UNet2DModel;
  scheduler: DDPMScheduler;
  source: string;
  /** From a training checkpoint: the classes, the "no class" label of label dropout and the guidance trained for. */
  classes: TrainedClasses | null;
}> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { fs, path } = await nodeModules();
  // A run folder (ddpm train's --out) holds its model in checkpoint/.
  const runCheckpoint = path.join(dir, "checkpoint");
  if (!(await pathExists(path.join(dir, "unet"))) && (await resolveCheckpointDir(runCheckpoint))) {
    return loadModelForSampling(engine, runCheckpoint, options);
  }
  const resolved = await resolveCheckpointDir(dir);
  if (!resolved) throw new Error(`no model in ${dir}: the folder is missing or empty`);
  if (resolved !== dir) log(`model: ${dir} is missing; reading ${resolved}, left by a checkpoint save that was interrupted`);
  const weights = await samplingWeights(resolved);
  const model = await loadUNet(engine, weights.folder);
  let classes: TrainedClasses | null = null;
  // training_state.json sits in the checkpoint folder, one level above a unet/ folder given directly.
  for (const stateFile of [path.join(resolved, "training_state.json"), path.join(resolved, "..", "training_state.json")]) {
    if (await pathExists(stateFile)) {
      classes = parseTrainedClasses(await fs.readFile(stateFile, "utf8"), stateFile);
      break;
    }
  }
  const { file, looked } = await findSchedulerConfig(resolved);
  let schedulerConfig: Record<string, unknown> = {};
  if (file) schedulerConfig = await readJson(file);
  else if (options.defaultScheduler) {
    const d = DDPM_DEFAULTS;
    log(
      `scheduler: no scheduler config in ${resolved}; using diffusers' defaults (T = ${d.num_train_timesteps}, ` +
        `${d.beta_schedule} β from ${d.beta_start} to ${d.beta_end}, prediction ${d.prediction_type}, variance ${d.variance_type})`,
    );
  } else {
    throw new Error(
      `no scheduler config for ${resolved} (looked for ${looked.join(", ")}): the schedule and prediction type the model ` +
        "was trained with are unknown; pass --default-scheduler to use diffusers' defaults (linear β, ε-prediction, T = 1000)",
    );
  }
  const unetFolder = (await pathExists(path.join(weights.folder, "unet", "config.json")))
    ? path.join(weights.folder, "unet")
    : weights.folder;
  const source = `${unetFolder} (${weights.description})`;
  const scheduler = new DDPMScheduler(schedulerConfig);
  try {
    checkModelChannels(scheduler, model.config, `the model in ${unetFolder}`);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, scheduler, source, classes };
}
