/**
 * The jobs behind the CLI (Node): train a U-Net DDPM on a dataset with checkpoints and resume, sample a grid
 * and a denoising trajectory from a saved model, and evaluate the variational bound in bits/dim.
 * The diffusers split holds: the scheduler never sees the model; these functions join them.
 */
import type { Engine } from "./engine.js";
import { type ImageDataset, imageGrid, loadImageFolder, writePng } from "./io/images.js";
import { loadMnist } from "./io/mnist.js";
import { lossCurvePng } from "./io/plot.js";
import { lossCsv } from "./io/csv.js";
import { nodeModules, pathExists } from "./io/fs.js";
import { readSchedulerConfig } from "./io/diffusers.js";
import { DDIMScheduler, DDPMScheduler } from "./diffusion/schedulers.js";
import type { TuneResult } from "./gpu/tuner.js";
import type { DDPMSchedulerConfig } from "./diffusion/config.js";
import { variationalBound } from "./diffusion/bound.js";
import { UNet2DModel, type UNet2DConfig } from "./nn/unet.js";
import { unetFromCheckpoint, loadUNet } from "./nn/pretrained.js";
import { readCheckpoint, saveCheckpoint, type TrainingStateFile } from "./checkpoint.js";
import { TRAIN_DEFAULTS, type TrainConfig, createTrainState, trainLoop } from "./train.js";
import { type TrainedClasses, guidedDenoiser, parseTrainedClasses, sampleLoop } from "./sample.js";
import type { Tensor } from "./tensor.js";
import { PRESETS, type Preset } from "./presets.js";

// The presets live in ./presets.ts (browser-safe, so the demo page trains the same models); re-exported for the CLI.
export { PRESETS, type Preset };

export interface TrainJobOptions {
  engine: Engine;
  /** Output folder: checkpoint/, samples.png, trajectory.png, loss.csv, loss.png. */
  out: string;
  /** "mnist" (the built-in digits) or a folder of PNG images. */
  data: string;
  /** A preset's name (PRESETS) or a preset. */
  preset: string | Preset;
  /** Override the preset's resolution. */
  size?: number;
  /** Image channels for a PNG folder (1 or 3). */
  channels?: 1 | 3;
  train?: Partial<TrainConfig>;
  scheduler?: Partial<DDPMSchedulerConfig>;
  model?: Partial<UNet2DConfig>;
  /**
   * Time budget of the whole job in minutes, counted from `startedAt`: training stops early enough to leave time
   * for the samples and the trajectory, whose cost is estimated from the measured time of a training step.
   */
  minutes?: number;
  /** When the job's clock started, in performance.now() milliseconds (default: when trainJob was called). */
  startedAt?: number;
  resume?: boolean;
  /** Class-conditional training when the data has labels (default true). */
  classConditional?: boolean;
  /** Classifier-free guidance scale for the final samples (default: the preset's; 1 = none; others need label dropout). */
  guidance?: number;
  /** Samples in the final grid, and DDIM steps to draw them (0 = DDPM over all T steps). */
  samples?: number;
  sampleSteps?: number;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

async function loadData(options: TrainJobOptions, size: number): Promise<{ train: ImageDataset; description: Record<string, unknown> }> {
  if (options.data === "mnist") {
    const train = await loadMnist({ size: size as 16 | 28 | 32, split: "train" });
    return { train, description: { source: "mnist", size, split: "train", count: train.count } };
  }
  const train = await loadImageFolder(options.data, { size, channels: options.channels ?? 3 });
  return { train, description: { source: options.data, size, channels: train.channels, count: train.count } };
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${seconds.toFixed(0)}s`;
}

/** Train (or resume), checkpoint, then write samples.png, trajectory.png, loss.csv and loss.png. */
export async function trainJob(options: TrainJobOptions) {
  const jobStarted = performance.now();
  const { engine } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const { fs } = await nodeModules();
  await fs.mkdir(options.out, { recursive: true });
  const checkpointDir = `${options.out}/checkpoint`;
  const preset = typeof options.preset === "string" ? PRESETS[options.preset] : options.preset;
  if (!preset) throw new Error(`unknown preset '${options.preset}' (one of ${Object.keys(PRESETS).join(", ")})`);

  let resumeFrom: Awaited<ReturnType<typeof readCheckpoint>> | null = null;
  if (options.resume) {
    resumeFrom = await readCheckpoint(checkpointDir);
    log(`resuming from ${resumeFrom.dir} at step ${resumeFrom.state.step}`);
  } else if (await pathExists(`${checkpointDir}/training_state.json`)) {
    throw new Error(`${checkpointDir} already holds a checkpoint: pass --resume to continue it, or choose another --out`);
  }

  const size = resumeFrom ? Number((resumeFrom.state.data as { size?: number }).size ?? preset.size) : options.size ?? preset.size;
  const { train: data, description } = await loadData(options, size);
  const conditional = (options.classConditional ?? true) && data.labels !== null && data.numClasses !== null;
  const config: TrainConfig = resumeFrom
    ? { ...resumeFrom.state.train, ...options.train }
    : { ...TRAIN_DEFAULTS, ...preset.train, ...options.train };

  const schedulerConfig = resumeFrom ? await readSchedulerConfig(resumeFrom.dir) : { ...preset.scheduler, ...options.scheduler };
  const scheduler = new DDPMScheduler(schedulerConfig);
  if (!(config.labelDropout >= 0 && config.labelDropout < 1)) throw new Error(`training: label dropout must be in [0, 1), got ${config.labelDropout}`);
  // Classifier-free guidance: label dropout trains a "no class" label (index numClasses) beside the ten digits.
  const unconditionalLabel = conditional && config.labelDropout > 0 ? data.numClasses! : null;
  const numClassEmbeds = conditional ? data.numClasses! + (unconditionalLabel !== null ? 1 : 0) : null;
  const modelConfig = resumeFrom
    ? resumeFrom.unet.config
    : {
        ...preset.model,
        ...options.model,
        sample_size: size,
        in_channels: data.channels,
        out_channels: data.channels,
        num_class_embeds: numClassEmbeds,
      };
  const model = resumeFrom ? unetFromCheckpoint(engine, resumeFrom.unet) : new UNet2DModel(engine, modelConfig, config.seed);
  if (model.config.in_channels !== data.channels || model.config.sample_size !== data.height) {
    throw new Error(
      `the checkpoint's model takes ${model.config.in_channels}×${model.config.sample_size}² images, the data is ${data.channels}×${data.height}²`,
    );
  }
  if ((model.config.num_class_embeds ?? null) !== numClassEmbeds) {
    throw new Error(
      `the checkpoint's model has ${model.config.num_class_embeds ?? "no"} class embeddings; this training needs ${numClassEmbeds ?? "none"}` +
        ` (${conditional ? `${data.numClasses} classes${unconditionalLabel !== null ? " + the 'no class' label of label dropout" : ""}` : "unconditional"})`,
    );
  }
  const emaModel = new UNet2DModel(engine, model.configJSON());
  const state = createTrainState(engine, model, config);
  const history: TrainingStateFile["history"] = resumeFrom ? [...resumeFrom.state.history] : [];
  if (resumeFrom) {
    const names = new Map(model.namedParameters().map(([name, t]) => [t, name]));
    state.optimizer.loadMoments((p) => {
      const name = names.get(p)!;
      const m = resumeFrom!.moments.get(`m.${name}`);
      const v = resumeFrom!.moments.get(`v.${name}`);
      if (!m || !v) throw new Error(`the checkpoint's training state has no moments for ${name}`);
      return { m: m.data, v: v.data };
    }, resumeFrom.state.optimizerSteps);
    emaModel.loadStateDict(new Map([...resumeFrom.ema.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])));
    state.ema.loadFrom(emaModel.parameters());
    state.step = resumeFrom.state.step;
  }
  log(
    `training: ${model.parameterCount().toLocaleString("en")} parameters, ${data.count} images ${data.channels}×${data.height}×${data.width}` +
      `${conditional ? `, ${data.numClasses} classes` : ""}, batch ${config.batchSize}, steps ${state.step}→${config.steps}, ` +
      `T = ${scheduler.T} (${scheduler.config.beta_schedule}), adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}` +
      (options.minutes ? `, budget ${options.minutes} min for the whole job` : ""),
  );

  const guidance = options.guidance ?? (unconditionalLabel !== null ? preset.guidance : undefined) ?? 1;
  if (guidance !== 1 && unconditionalLabel === null) {
    throw new Error(`sampling: classifier-free guidance (scale ${guidance}) needs a class-conditional model trained with label dropout (--label-dropout)`);
  }
  const meta = () => ({ train: config, data: { ...description, numClasses: conditional ? data.numClasses : null, unconditionalLabel, guidance }, history });
  const deadline = options.minutes ? (options.startedAt ?? jobStarted) + options.minutes * 60_000 : Infinity;
  // What sampling will cost, in training steps: a training step is about three forward passes at the training
  // batch; each sampling step is one forward of the samples (two with guidance) plus one of the trajectory's rows
  // (whose small batch costs about a training step's worth of dispatches).
  const sampleCount = options.samples ?? 64;
  const forwards = guidance !== 1 ? 2 : 1;
  const samplingStepsPlanned = options.sampleSteps && options.sampleSteps > 0 ? options.sampleSteps : scheduler.T;
  const samplingCostInSteps = sampleCount === 0 ? 0 : samplingStepsPlanned * ((forwards * sampleCount) / (3 * config.batchSize) + forwards * 0.5);
  let secondsPerStep = 0;
  const trainingDeadline = () => deadline - samplingCostInSteps * secondsPerStep * 1000;
  const startStep = state.step;
  const progress = options.progress ?? log;
  await trainLoop({
    engine,
    model: model.asDenoiser(),
    scheduler,
    data,
    config,
    state,
    conditional,
    shouldStop: () => performance.now() > trainingDeadline(),
    onAutotune: autotuneLog(log, "training"),
    onLog: (r) => {
      const previous = history.at(-1)?.seconds ?? 0;
      history.push({ step: r.step, loss: r.loss, seconds: (resumeFrom ? previous : 0) + r.seconds });
      const rate = (r.step - startStep) / Math.max(r.seconds, 1e-9);
      secondsPerStep = 1 / rate;
      const remaining = Math.min((config.steps - r.step) / rate, (trainingDeadline() - performance.now()) / 1000);
      progress(
        `step ${r.step}/${config.steps}  loss ${r.loss.toFixed(4)}  |g| ${r.gradNorm.toFixed(2)}  lr ${r.learningRate.toExponential(1)}  ` +
          `${rate.toFixed(2)} it/s  ETA ${formatDuration(remaining)}`,
      );
    },
    onCheckpoint: async (s) => {
      await saveCheckpoint(checkpointDir, { model, emaModel, scheduler, state: s, meta: meta() });
    },
  });
  log(`checkpoint: ${checkpointDir} (step ${state.step})`);

  await writeTrainingReports(options.out, history);
  const finish = () => {
    state.optimizer.dispose();
    state.ema.dispose();
    model.dispose();
    emaModel.dispose();
  };
  if (options.samples === 0) {
    finish();
    return { steps: state.step, history, samplesPath: null, trajectoryPath: null, samplingSeconds: 0, samplingStepsPerSecond: 0 };
  }
  const result = await sampleJob({
    engine,
    model: emaModel,
    scheduler,
    out: options.out,
    count: options.samples ?? 64,
    steps: options.sampleSteps ?? 50,
    seed: config.seed,
    numClasses: conditional ? data.numClasses! : null,
    guidance,
    unconditionalLabel,
    log,
  });
  finish();
  return { steps: state.step, history, ...result };
}

async function writeTrainingReports(out: string, history: TrainingStateFile["history"]): Promise<void> {
  const { fs } = await nodeModules();
  const tmp = `${out}/.loss.csv.${process.pid}.tmp`;
  await fs.writeFile(tmp, lossCsv(history.map((h) => ({ step: h.step, loss: h.loss, seconds: h.seconds }))));
  await fs.rename(tmp, `${out}/loss.csv`);
  if (history.length >= 2) {
    // An EMA line only helps once there are enough points; over a handful it lags far behind.
    const png = lossCurvePng(history.map((h) => h.step), history.map((h) => h.loss), {
      title: "training loss (L_simple)",
      smoothing: history.length >= 50 ? 0.9 : 0,
    });
    const tmpPng = `${out}/.loss.png.${process.pid}.tmp`;
    await fs.writeFile(tmpPng, png);
    await fs.rename(tmpPng, `${out}/loss.png`);
  }
}

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
  log?: (line: string) => void;
}

/** Draw `count` samples into a PNG grid, and a trajectory strip (x_T … x₀ for one sample of each class). */
/** One line on what an autotune measured: shapes, seconds, and how many choices differ from the heuristic. */
function autotuneLog(log: (line: string) => void, phase: string) {
  return (results: TuneResult[], seconds: number) => {
    const changed = results.filter((r) => r.chosen !== r.heuristic);
    log(
      `autotune (${phase}): ${results.length} kernel shapes measured in ${seconds.toFixed(1)} s` +
        (changed.length
          ? `; ${changed.length} faster than the default: ${changed.slice(0, 4).map((r) => `${r.family} ${r.key} → ${r.chosen}`).join(", ")}${changed.length > 4 ? ", …" : ""}`
          : "; the defaults were fastest"),
    );
  };
}

export async function sampleJob(options: SampleJobOptions) {
  const { engine, model } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const c = model.config;
  const size = c.sample_size ?? 32;
  const labelFor = (i: number) => (options.label !== undefined ? options.label : i % (options.numClasses ?? 1));
  const ddpmScheduler = options.scheduler instanceof DDPMScheduler ? options.scheduler : null;
  const scheduler =
    options.steps > 0 && ddpmScheduler ? DDIMScheduler.fromDDPM(ddpmScheduler) : options.scheduler;
  const guidance = options.guidance ?? 1;
  const nullLabel = options.unconditionalLabel ?? null;
  if (!Number.isFinite(guidance)) throw new Error(`sampling: the guidance scale must be a number, got ${guidance}`);
  if (guidance !== 1) {
    if (!c.num_class_embeds) throw new Error("sampling: classifier-free guidance needs a class-conditional model");
    if (nullLabel === null || !Number.isInteger(nullLabel) || nullLabel < 0 || nullLabel >= c.num_class_embeds) {
      throw new Error(`sampling: classifier-free guidance needs the model's "no class" label (0..${c.num_class_embeds - 1}), got ${nullLabel}`);
    }
  }
  const forward = (labels: number[] | undefined) => guidedDenoiser(model, labels, guidance, nullLabel);
  const method =
    (scheduler instanceof DDIMScheduler ? `DDIM, ${options.steps} steps, η = ${options.eta ?? 0}` : `DDPM, ${scheduler.T} steps`) +
    (guidance !== 1 ? `, guidance scale ${guidance}` : "");
  const started = performance.now();
  const classes = c.num_class_embeds ? Array.from({ length: options.count }, (_, i) => labelFor(i)) : undefined;
  const result = await sampleLoop({
    engine,
    scheduler,
    shape: [options.count, c.in_channels, size, size],
    seed: options.seed,
    steps: scheduler instanceof DDIMScheduler ? options.steps : undefined,
    eta: options.eta,
    model: forward(classes),
    onAutotune: autotuneLog(log, "sampling"),
  });
  const seconds = (performance.now() - started) / 1000;
  const stepsTaken = scheduler.timesteps.length;
  const { fs } = await nodeModules();
  await fs.mkdir(options.out, { recursive: true });
  const samplesPath = `${options.out}/${options.samplesName ?? "samples.png"}`;
  await writePng(samplesPath, imageGrid(result.images, options.count, c.in_channels, size, size, { columns: Math.ceil(Math.sqrt(options.count)), upscale: 32 / size > 1 ? 2 : 1 }));
  log(`samples: ${samplesPath} (${options.count} images, ${method}, ${seconds.toFixed(1)} s, ${(stepsTaken / seconds).toFixed(2)} steps/s)`);

  let trajectoryPath: string | null = null;
  if (options.trajectoryName !== null) {
    const rows = c.num_class_embeds ? Math.min(c.num_class_embeds, 10) : 4;
    const frames = 10;
    const traj = await sampleLoop({
      engine,
      scheduler,
      shape: [rows, c.in_channels, size, size],
      seed: options.seed + 1,
      steps: scheduler instanceof DDIMScheduler ? options.steps : undefined,
      eta: options.eta,
      model: forward(c.num_class_embeds ? Array.from({ length: rows }, (_, i) => i) : undefined),
      trajectoryFrames: frames,
      onAutotune: autotuneLog(log, "trajectory"),
    });
    // rows = samples, columns = x_T … x₀
    const per = c.in_channels * size * size;
    const strip = new Float32Array(rows * traj.trajectory.length * per);
    for (let r = 0; r < rows; r++) {
      traj.trajectory.forEach((frame, f) => strip.set(frame.images.subarray(r * per, (r + 1) * per), (r * traj.trajectory.length + f) * per));
    }
    trajectoryPath = `${options.out}/${options.trajectoryName ?? "trajectory.png"}`;
    await writePng(trajectoryPath, imageGrid(strip, rows * traj.trajectory.length, c.in_channels, size, size, { columns: traj.trajectory.length, upscale: 2 }));
    log(`trajectory: ${trajectoryPath} (x_T → x₀, ${traj.trajectory.length} frames per row)`);
  }
  return { samplesPath, trajectoryPath, samplingSeconds: seconds, samplingStepsPerSecond: stepsTaken / seconds };
}

/** Load a model folder for sampling: DIR/unet_ema when present (training checkpoints), else DIR/unet or DIR. */
export async function loadModelForSampling(
  engine: Engine,
  dir: string,
): Promise<{
  model: UNet2DModel;
  scheduler: DDPMScheduler;
  source: string;
  /** From a training checkpoint: the classes, the "no class" label of label dropout and the guidance trained for. */
  classes: TrainedClasses | null;
}> {
  const emaDir = `${dir}/unet_ema`;
  const source = (await pathExists(`${emaDir}/config.json`)) ? emaDir : dir;
  const model = await loadUNet(engine, source);
  let classes: TrainedClasses | null = null;
  const stateFile = `${dir}/training_state.json`;
  if (await pathExists(stateFile)) {
    const { fs } = await nodeModules();
    classes = parseTrainedClasses(await fs.readFile(stateFile, "utf8"), stateFile);
  }
  // A folder without a scheduler config samples with diffusers' defaults; a config that is there but unreadable or
  // invalid is an error, not a silent fallback.
  const hasScheduler = (await pathExists(`${dir}/scheduler/scheduler_config.json`)) || (await pathExists(`${dir}/scheduler_config.json`));
  const schedulerConfig = hasScheduler ? await readSchedulerConfig(dir) : {};
  return { model, scheduler: new DDPMScheduler(schedulerConfig), source, classes };
}

/** The variational bound on held-out images, in bits/dim. */
export async function evalJob(options: {
  engine: Engine;
  model: UNet2DModel;
  scheduler: DDPMScheduler;
  data: ImageDataset;
  images: number;
  batch: number;
  mode: "exact" | "estimate";
  samples?: number;
  seed?: number;
  progress?: (line: string) => void;
}) {
  const { engine, model, data } = options;
  const per = data.channels * data.height * data.width;
  const count = Math.min(options.images, data.count);
  const perImage: number[] = [];
  let totals = { prior: 0, decoder: 0, kl: 0 };
  let evaluated = 0;
  for (let start = 0; start < count; start += options.batch) {
    const n = Math.min(options.batch, count - start);
    const x0 = engine.tensor(data.images.subarray(start * per, (start + n) * per), [n, data.channels, data.height, data.width]);
    const labels = data.labels && model.config.num_class_embeds ? Array.from(data.labels.subarray(start, start + n)) : undefined;
    const result = await variationalBound({
      scheduler: options.scheduler,
      model: (xt, t) => model.forward({ sample: xt, timesteps: t, classLabels: labels }),
      x0,
      mode: options.mode,
      samples: options.samples,
      seed: (options.seed ?? 0) + start,
      onProgress: (done, total) => options.progress?.(`images ${start + n}/${count}: timestep ${done}/${total}`),
    });
    x0.dispose();
    perImage.push(...result.perImage);
    totals = { prior: totals.prior + result.prior * n, decoder: totals.decoder + result.decoder * n, kl: totals.kl + result.kl * n };
    evaluated = result.timestepsEvaluated;
  }
  const bitsPerDim = perImage.reduce((a, b) => a + b, 0) / perImage.length;
  return { bitsPerDim, images: perImage.length, prior: totals.prior / count, decoder: totals.decoder / count, kl: totals.kl / count, mode: options.mode, timestepsEvaluated: evaluated };
}
