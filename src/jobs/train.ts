/**
 * `ddpm train`'s job (Node), in four steps: resolve the run (a fresh model from a preset, or a checkpoint to
 * resume), plan the time budget, train with checkpoints, then write the loss report, the samples and the
 * trajectory.
 */
import {
  checkpointKind,
  readCheckpoint,
  recoverCheckpoint,
  resolveCheckpointDir,
  samplingWeights,
  saveCheckpoint,
  type TrainingStateFile,
} from "../checkpoint.js";
import type { DDPMSchedulerConfig } from "../diffusion/config.js";
import { checkModelChannels, DDPMScheduler } from "../diffusion/schedulers.js";
import { LossSecondMomentSampler } from "../diffusion/timestep-sampler.js";
import type { Engine } from "../engine.js";
import { lossCsv } from "../io/csv.js";
import { findSchedulerConfig, readDiffusersUNet, readSchedulerConfig } from "../io/diffusers.js";
import { nodeModules, pathExists, readJson } from "../io/fs.js";
import { type ImageDataset, loadImageFolder } from "../io/images.js";
import { lockFolder } from "../io/lock.js";
import { loadMnist } from "../io/mnist.js";
import { lossCurvePng } from "../io/plot.js";
import { unetFromCheckpoint } from "../nn/pretrained.js";
import { type UNet2DConfig, UNet2DModel } from "../nn/unet.js";
import { PRESETS, type Preset } from "../presets.js";
import {
  checkObjective,
  checkTrainConfig,
  createTrainState,
  learningRateAt,
  TRAIN_DEFAULTS,
  type TrainConfig,
  type TrainState,
  trainLoop,
} from "../train.js";
import { evaluateSamplesJob } from "./evaluate-samples.js";
import { autotuneLog, sampleJob } from "./sample.js";

export interface TrainJobOptions {
  engine: Engine;
  /** Output folder: checkpoint/, samples.png, trajectory.png, loss.csv, loss.png. One run writes it at a time. */
  out: string;
  /** "mnist" (the built-in digits, the default) or a folder of PNG images. */
  data?: string;
  /** A preset's name (PRESETS) or a preset (default: mnist-16 on a software adapter, mnist-32 on a GPU). */
  preset?: string | Preset;
  /** Override the preset's resolution. */
  size?: number;
  /** Image channels for a PNG folder (1 or 3; default 3). */
  channels?: 1 | 3;
  /** Training settings given by the caller; on resume only `RESUMABLE` keys may differ from the checkpoint's. */
  train?: Partial<TrainConfig>;
  /** Defaults under the preset's for a fresh run (the CLI's: 20,000 steps, a checkpoint every 500); unused on resume. */
  trainDefaults?: Partial<TrainConfig>;
  scheduler?: Partial<DDPMSchedulerConfig>;
  model?: Partial<UNet2DConfig>;
  /**
   * Time budget of the whole job in minutes, counted from `startedAt`: training stops early enough to leave time
   * for the samples and the trajectory, whose cost is estimated from the measured time of a training step.
   */
  minutes?: number;
  /** When the job's clock started, in performance.now() milliseconds (default: when trainJob was called). */
  startedAt?: number;
  /**
   * Continue the checkpoint in `out`: every setting comes from it; a setting given here that would change the
   * run (anything but steps, checkpointEvery, logEvery and the final samples) is refused, naming the saved value.
   */
  resume?: boolean;
  /**
   * Fine-tune: start from the U-Net of this diffusers folder (its EMA weights when it has them) and its scheduler
   * config, keeping its model config; the optimiser starts fresh.
   */
  initFrom?: string;
  /** Class-conditional training when the data has labels (default true). */
  classConditional?: boolean;
  /** Classifier-free guidance scale for the final samples (default: the preset's; 1 = none; others need label dropout). */
  guidance?: number;
  /** Samples in the final grid (default 64; 0: none), and DDIM steps to draw them (default 25, at most T; 0 = DDPM over all T steps). */
  samples?: number;
  sampleSteps?: number;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

/** Training settings a resumed run may change: how long it runs and how often it logs and checkpoints. */
const RESUMABLE: readonly (keyof TrainConfig)[] = ["steps", "checkpointEvery", "logEvery"];

/** The CLI flag of each training setting, for messages. */
const FLAGS: Record<keyof TrainConfig, string> = {
  steps: "--steps",
  batchSize: "--batch",
  learningRate: "--lr",
  warmupSteps: "--warmup-steps",
  learningRateSchedule: "--lr-schedule",
  gradClip: "--grad-clip",
  weightDecay: "train.weightDecay",
  emaDecay: "--ema-decay",
  randomFlip: "--flip",
  seed: "--seed",
  logEvery: "train.logEvery",
  checkpointEvery: "--checkpoint-every",
  labelDropout: "--label-dropout",
  loss: "--loss",
  timestepSampling: "--timestep-sampling",
};

/** Everything a run trains and records, fresh or resumed. */
interface TrainingRun {
  checkpointDir: string;
  data: ImageDataset;
  config: TrainConfig;
  scheduler: DDPMScheduler;
  model: UNet2DModel;
  /** Holds the EMA weights when a checkpoint is written, and samples at the end. */
  emaModel: UNet2DModel;
  state: TrainState;
  conditional: boolean;
  /** The "no class" label of label dropout, or null. */
  unconditionalLabel: number | null;
  guidance: number;
  /** The final grid's size and DDIM steps (0 = DDPM). */
  samples: number;
  sampleSteps: number;
  /** The loss log, continued on resume. */
  history: TrainingStateFile["history"];
  /** What training_state.json records besides the step and the optimiser. */
  meta: () => Omit<TrainingStateFile, "step" | "optimizerSteps">;
}

/** Train (or resume), checkpoint, then write samples.png, trajectory.png, loss.csv and loss.png. */
export async function trainJob(options: TrainJobOptions) {
  const jobStarted = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  await preflight(options);
  const created = await missingFolders(options.out);
  const lock = await lockFolder(options.out, options.resume ? "ddpm train --resume" : "ddpm train", log);
  let run: TrainingRun;
  try {
    run = await resolveRun(options, log);
  } catch (error) {
    // Refused before any training: the lock goes, and so do the folders this call created, if left empty.
    await lock.release();
    const { fs } = await nodeModules();
    for (const dir of created) if ((await fs.readdir(dir).catch(() => ["?"])).length === 0) await fs.rmdir(dir).catch(() => undefined);
    throw error;
  }
  const budget = planBudget(options, run, options.startedAt ?? jobStarted);
  try {
    await train(options, run, budget, log);
    return await writeOutputs(options, run, budget, log);
  } finally {
    run.state.optimizer.dispose();
    run.state.ema.dispose();
    run.model.dispose();
    run.emaModel.dispose();
    await lock.release();
  }
}

/** `dir` and those of its parents that do not exist yet, deepest first. */
async function missingFolders(dir: string): Promise<string[]> {
  const { path } = await nodeModules();
  const missing: string[] = [];
  for (let d = path.resolve(dir); !(await pathExists(d)); d = path.dirname(d)) missing.push(d);
  return missing;
}

/** What can be checked before the run folder is touched: the preset, the data folder, a fresh run's settings. */
async function preflight(options: TrainJobOptions): Promise<void> {
  const { preset } = presetOf(options);
  if (options.data !== undefined && options.data !== "mnist" && !(await pathExists(options.data))) {
    throw new Error(`--data ${options.data}: no such folder ('mnist' is the built-in digits)`);
  }
  if (options.resume || options.initFrom) return;
  const config = { ...TRAIN_DEFAULTS, ...options.trainDefaults, ...preset.train, ...options.train };
  checkTrainConfig(config);
  checkObjective(config.loss, new DDPMScheduler(freshSchedulerConfig(preset, options, config)));
}

/**
 * A fresh run's scheduler config: the preset's and the options'; a hybrid run learns its variance, so it gets
 * variance_type learned_range unless one is given (a fixed one given is then refused by checkObjective).
 */
function freshSchedulerConfig(preset: Preset, options: TrainJobOptions, config: TrainConfig): Partial<DDPMSchedulerConfig> {
  const given = { ...preset.scheduler, ...options.scheduler };
  if (given.variance_type === undefined) delete given.variance_type;
  return config.loss === "hybrid" ? { variance_type: "learned_range", ...given } : given;
}

/** The preset by name (the default depends on the adapter: a CPU gets the small one). */
function presetOf(options: TrainJobOptions): { name: string | null; preset: Preset } {
  const name = options.preset ?? (options.engine.adapter.isSoftware ? "mnist-16" : "mnist-32");
  if (typeof name !== "string") return { name: null, preset: name };
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset '${name}' (one of ${Object.keys(PRESETS).join(", ")})`);
  return { name, preset };
}

/** A resumed run's settings: the checkpoint's, with only RESUMABLE ones taken from `options`; others refused if different. */
function resumedConfig(
  resolvePath: (data: string) => string,
  options: TrainJobOptions,
  saved: TrainingStateFile,
  savedScheduler: Record<string, unknown>,
  savedModel: Record<string, unknown>,
) {
  const refused: string[] = [];
  const taken: string[] = [];
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const config: TrainConfig = { ...TRAIN_DEFAULTS, ...saved.train };
  for (const [key, value] of Object.entries(options.train ?? {}) as [keyof TrainConfig, unknown][]) {
    if (value === undefined) continue;
    if (key === "steps" && config.learningRateSchedule === "cosine" && differs(value, config.steps)) {
      // The cosine's end is the run's length: another length would move every step's learning rate.
      refused.push(`--steps ${value} (the checkpoint's: ${config.steps}; a cosine learning rate decays to 0 at the run's steps)`);
    } else if (RESUMABLE.includes(key)) {
      if (differs(value, config[key])) taken.push(`${FLAGS[key]} ${value} (was ${config[key]})`);
      (config as unknown as Record<string, unknown>)[key] = value;
    } else if (differs(value, config[key])) {
      refused.push(`${FLAGS[key]} ${value} (the checkpoint's: ${config[key]})`);
    }
  }
  for (const [key, value] of Object.entries(options.scheduler ?? {})) {
    if (value !== undefined && differs(value, savedScheduler[key]))
      refused.push(`${key} ${value} (the checkpoint's: ${savedScheduler[key]})`);
  }
  for (const [key, value] of Object.entries(options.model ?? {})) {
    if (value !== undefined && differs(value, savedModel[key])) refused.push(`${key} ${value} (the checkpoint's: ${savedModel[key]})`);
  }
  const data = saved.data as { source?: string; size?: number; channels?: number; numClasses?: number | null };
  if (typeof options.preset === "string") {
    // A checkpoint that recorded no preset name is compared by the preset's model settings.
    const model = PRESETS[options.preset]?.model ?? {};
    const same =
      saved.preset !== undefined ? options.preset === saved.preset : Object.entries(model).every(([k, v]) => !differs(v, savedModel[k]));
    if (!same) refused.push(`--preset ${options.preset} (the checkpoint's: ${saved.preset ?? "another model"})`);
  }
  if (options.size !== undefined && options.size !== data.size) refused.push(`--size ${options.size} (the checkpoint's: ${data.size})`);
  if (options.data !== undefined && resolvePath(options.data) !== resolvePath(data.source ?? "mnist")) {
    refused.push(`--data ${options.data} (the checkpoint's: ${data.source})`);
  }
  if (options.channels !== undefined && data.channels !== undefined && options.channels !== data.channels) {
    refused.push(`--channels ${options.channels} (the checkpoint's: ${data.channels})`);
  }
  if (options.classConditional === false && data.numClasses) refused.push("--unconditional (the checkpoint is class-conditional)");
  if (refused.length) {
    throw new Error(
      `--resume continues the run exactly as it was started; these would change it: ${refused.join(", ")}. ` +
        "Only --steps, --minutes, --checkpoint-every and the final samples' settings can change on resume",
    );
  }
  return { config, taken };
}

/** The run's data, configuration, scheduler, models and optimiser state: from the preset and options, or the checkpoint. */
async function resolveRun(options: TrainJobOptions, log: (line: string) => void): Promise<TrainingRun> {
  const { engine } = options;
  const checkpointDir = `${options.out}/checkpoint`;
  const { name: presetName, preset } = presetOf(options);
  await recoverCheckpoint(checkpointDir, log);

  let resumeFrom: Awaited<ReturnType<typeof readCheckpoint>> | null = null;
  const kind = await checkpointKind(checkpointDir);
  if (options.resume) {
    if (options.initFrom) throw new Error("--resume and --init-from exclude each other: resume continues the run in --out");
    resumeFrom = await readCheckpoint(checkpointDir);
  } else if (kind === "training") {
    throw new Error(`${checkpointDir} already holds a checkpoint: pass --resume to continue it, or choose another --out`);
  } else if (kind === "diffusers") {
    throw new Error(
      `${checkpointDir} holds a diffusers model (without a training state); a fresh run would overwrite it: ` +
        `fine-tune it with --init-from ${checkpointDir} --out ANOTHER_FOLDER, or choose another --out`,
    );
  } else if (kind === "other") {
    throw new Error(`${checkpointDir} holds files that are not a checkpoint; a fresh run would replace them: choose another --out`);
  }
  const savedScheduler = resumeFrom ? await readSchedulerConfig(resumeFrom.dir) : null;
  const { path } = await nodeModules();
  const resolveData = (data: string) => (data === "mnist" ? data : path.resolve(data));
  const resumed = resumeFrom ? resumedConfig(resolveData, options, resumeFrom.state, savedScheduler!, resumeFrom.unet.config) : null;
  const init = options.initFrom ? await readInitModel(options.initFrom, log) : null;
  const savedData = (resumeFrom?.state.data ?? {}) as { source?: string; size?: number; channels?: 1 | 3; numClasses?: number | null };

  const size = savedData.size ?? options.size ?? (init?.unet.config.sample_size as number | undefined) ?? preset.size;
  const config: TrainConfig = resumed?.config ?? { ...TRAIN_DEFAULTS, ...options.trainDefaults, ...preset.train, ...options.train };
  checkTrainConfig(config);
  if (init && Object.values(options.scheduler ?? {}).some((v) => v !== undefined)) {
    throw new Error(
      `--init-from ${options.initFrom}: the model keeps the schedule it was trained with; ` +
        "--timesteps, --schedule and --prediction cannot change it",
    );
  }
  // A fine-tuned model keeps its folder's scheduler config as it is (diffusers' defaults fill its gaps, as diffusers does).
  const schedulerConfig = savedScheduler ?? init?.scheduler ?? freshSchedulerConfig(preset, options, config);
  const scheduler = new DDPMScheduler(schedulerConfig);
  checkObjective(config.loss, scheduler);
  const samples = options.samples ?? 64;
  const sampleSteps = options.sampleSteps ?? Math.min(25, scheduler.T);
  if (!(Number.isInteger(samples) && samples >= 0)) throw new Error(`samples must be an integer ≥ 0, got ${samples}`);
  if (samples > 0 && !(Number.isInteger(sampleSteps) && sampleSteps >= 0 && sampleSteps <= scheduler.T)) {
    throw new Error(`sample steps must be an integer in [0, T = ${scheduler.T}] (0: DDPM over all T steps), got ${sampleSteps}`);
  }
  if (init && init.unet.config.sample_size !== undefined && init.unet.config.sample_size !== size) {
    throw new Error(
      `${init.unet.source} takes ${init.unet.config.sample_size}×${init.unet.config.sample_size} images; ` +
        `fine-tuning it needs data of that size (--size ${init.unet.config.sample_size})`,
    );
  }

  // The widest activation of the first level must fit one storage binding; refuse before reading any image.
  const modelConfig = resumeFrom?.unet.config ?? init?.unet.config ?? { ...preset.model, ...options.model };
  const width = (modelConfig.block_out_channels as number[] | undefined)?.[0] ?? 224;
  const activationBytes = config.batchSize * width * size * size * 4;
  const limit = engine.adapter.limits.maxStorageBufferBindingSize ?? 134_217_728;
  if (!(Number.isInteger(size) && size >= 4) || activationBytes > limit) {
    throw new Error(
      `image size ${size} with batch ${config.batchSize} needs ${activationBytes.toLocaleString("en")}-byte activations ` +
        `(${width} channels at ${size}×${size}); this adapter binds at most ${limit.toLocaleString("en")} bytes: ` +
        "choose a smaller --size or --batch",
    );
  }
  const dataOptions = {
    ...options,
    data: resolveData(savedData.source ?? options.data ?? "mnist"),
    channels: savedData.channels ?? options.channels,
  };
  const { train: data, description } = await loadData(dataOptions, size);
  const conditional = resumeFrom
    ? Boolean(savedData.numClasses) && data.labels !== null
    : (options.classConditional ?? true) && data.labels !== null && data.numClasses !== null;
  // Classifier-free guidance: label dropout trains a "no class" label (index numClasses) beside the ten digits.
  const unconditionalLabel = conditional && config.labelDropout > 0 ? data.numClasses! : null;
  const guidance =
    options.guidance ??
    (resumeFrom ? (resumeFrom.state.data.guidance as number | undefined) : undefined) ??
    (unconditionalLabel !== null ? preset.guidance : undefined) ??
    1;
  if (!Number.isFinite(guidance) || Math.abs(guidance) > 1e3)
    throw new Error(`the guidance scale must be a number in [−1000, 1000], got ${guidance}`);
  if (guidance !== 1 && unconditionalLabel === null) {
    throw new Error(
      `sampling: classifier-free guidance (scale ${guidance}) needs a class-conditional model trained with label dropout (--label-dropout)`,
    );
  }
  const numClassEmbeds = conditional ? data.numClasses! + (unconditionalLabel !== null ? 1 : 0) : null;
  const model = resumeFrom
    ? unetFromCheckpoint(engine, resumeFrom.unet)
    : init
      ? unetFromCheckpoint(engine, { ...init.unet, config: { ...init.unet.config, ...options.model } })
      : new UNet2DModel(
          engine,
          {
            ...preset.model,
            ...options.model,
            sample_size: size,
            in_channels: data.channels,
            // a learned variance doubles the output: the prediction, then the variance values
            out_channels: scheduler.modelOutputChannels(data.channels),
            num_class_embeds: numClassEmbeds,
          },
          config.seed,
        );
  const whose = init ? init.unet.source : "the checkpoint";
  if (model.config.in_channels !== data.channels || model.config.sample_size !== data.height) {
    model.dispose();
    throw new Error(
      `${whose}'s model takes ${model.config.in_channels}×${model.config.sample_size}² images, ` +
        `the data is ${data.channels}×${data.height}²` +
        (init ? " (for a PNG folder, set --channels and --size to match)" : ""),
    );
  }
  try {
    checkModelChannels(scheduler, model.config, `${whose}'s model`);
  } catch (error) {
    model.dispose();
    throw error;
  }
  if ((model.config.num_class_embeds ?? null) !== numClassEmbeds) {
    model.dispose();
    const classes = `${data.numClasses} classes${unconditionalLabel !== null ? " + the 'no class' label of label dropout" : ""}`;
    const needs = conditional ? classes : "unconditional";
    const how = init
      ? model.config.num_class_embeds === null || model.config.num_class_embeds === undefined
        ? " (an unconditional model: pass --unconditional)"
        : model.config.num_class_embeds === (data.numClasses ?? 0) + 1
          ? " (its extra class is a 'no class' label: pass --label-dropout 0.1, say)"
          : model.config.num_class_embeds === data.numClasses
            ? " (pass --label-dropout 0 to train it without the 'no class' label)"
            : ""
      : "";
    throw new Error(
      `${whose}'s model has ${model.config.num_class_embeds ?? "no"} class embeddings; ` +
        `this training needs ${numClassEmbeds ?? "none"} (${needs})${how}`,
    );
  }
  const emaModel = new UNet2DModel(engine, model.configJSON());
  const state = createTrainState(engine, model, config);
  const history: TrainingStateFile["history"] = resumeFrom ? [...resumeFrom.state.history] : [];
  if (resumeFrom) {
    const checkpoint = resumeFrom;
    const names = new Map(model.namedParameters().map(([name, t]) => [t, name]));
    state.optimizer.loadMoments((p) => {
      const name = names.get(p)!;
      const m = checkpoint.moments.get(`m.${name}`);
      const v = checkpoint.moments.get(`v.${name}`);
      if (!m || !v) throw new Error(`the checkpoint's training state has no moments for ${name}`);
      return { m: m.data, v: v.data };
    }, checkpoint.state.optimizerSteps);
    emaModel.loadStateDict(new Map([...checkpoint.ema.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])));
    state.ema.loadFrom(emaModel.parameters());
    state.step = checkpoint.state.step;
    if (config.timestepSampling === "importance") {
      // Every importance-sampled run saves its loss history: without it the draws would restart uniform.
      if (!checkpoint.timestepSampler) {
        throw new Error(
          `${resumeFrom.dir}: the run samples t by importance but its checkpoint has no training/timestep_sampler.safetensors ` +
            "(the loss history it draws from); it cannot continue exactly",
        );
      }
      const { source, tensors } = checkpoint.timestepSampler;
      state.timestepSampler = LossSecondMomentSampler.fromTensors(scheduler.T, tensors, source);
    }
    log(
      `resuming from ${resumeFrom.dir} at step ${state.step}, with every setting from the checkpoint` +
        (resumed!.taken.length ? `; from the command line: ${resumed!.taken.join(", ")}` : ""),
    );
  }
  log(
    `training: ${model.parameterCount().toLocaleString("en")} parameters, ` +
      `${data.count} images ${data.channels}×${data.height}×${data.width}` +
      `${conditional ? `, ${data.numClasses} classes` : ""}, batch ${config.batchSize}, steps ${state.step}→${config.steps}, ` +
      `T = ${scheduler.T} (${scheduler.config.beta_schedule}), objective ${config.loss}` +
      (scheduler.learnsVariance ? " (learned variance)" : "") +
      `, adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}` +
      (options.minutes ? `, budget ${options.minutes} min for the whole job` : ""),
  );
  const recordedPreset = resumeFrom ? resumeFrom.state.preset : init ? undefined : (presetName ?? undefined);
  const meta = () => ({
    train: config,
    data: {
      ...description,
      numClasses: conditional ? data.numClasses : null,
      unconditionalLabel,
      guidance,
      ...(init ? { initFrom: init.unet.source } : {}),
    },
    history,
    ...(recordedPreset ? { preset: recordedPreset } : {}),
  });
  return {
    checkpointDir,
    data,
    config,
    scheduler,
    model,
    emaModel,
    state,
    conditional,
    unconditionalLabel,
    guidance,
    samples,
    sampleSteps,
    history,
    meta,
  };
}

/** The model to fine-tune: a diffusers folder's sampling weights (EMA when present) and its scheduler config. */
async function readInitModel(dir: string, log: (line: string) => void) {
  const resolved = await resolveCheckpointDir(dir);
  if (!resolved) throw new Error(`--init-from ${dir}: the folder is missing or empty`);
  const weights = await samplingWeights(resolved);
  const unet = await readDiffusersUNet(weights.folder);
  const { file, looked } = await findSchedulerConfig(resolved);
  if (!file) {
    throw new Error(
      `--init-from ${dir}: no scheduler config (looked for ${looked.join(", ")}); the schedule the model was trained with is unknown`,
    );
  }
  log(`fine-tuning ${unet.source} (${weights.description}), scheduler ${file}`);
  return { unet, scheduler: await readJson(file) };
}

async function loadData(
  options: TrainJobOptions & { data: string },
  size: number,
): Promise<{ train: ImageDataset; description: Record<string, unknown> }> {
  if (options.data === "mnist") {
    const train = await loadMnist({ size: size as 16 | 28 | 32, split: "train" });
    return { train, description: { source: "mnist", size, split: "train", count: train.count } };
  }
  const train = await loadImageFolder(options.data, { size, channels: options.channels ?? 3 });
  return { train, description: { source: options.data, size, channels: train.channels, count: train.count } };
}

/**
 * The job's time budget: training stops early enough to leave time for the sampling that follows, whose cost is
 * estimated in training steps and priced at the measured time of a step.
 */
class Budget {
  private secondsPerStep = 0;

  constructor(
    /** When the whole job must end (performance.now() milliseconds; Infinity without a budget). */
    private readonly deadline: number,
    private readonly samplingCostInSteps: number,
    /** Time kept for the work after sampling whose cost does not scale with a step (the digit evaluator). */
    private readonly reserveSeconds: number,
  ) {}

  /** When training must stop. */
  get trainingDeadline(): number {
    return this.deadline - (this.samplingCostInSteps * this.secondsPerStep + this.reserveSeconds) * 1000;
  }

  /** The training rate measured so far. */
  observe(stepsPerSecond: number): void {
    this.secondsPerStep = 1 / stepsPerSecond;
  }
}

function planBudget(options: TrainJobOptions, run: TrainingRun, startedAt: number): Budget {
  const deadline = options.minutes ? startedAt + options.minutes * 60_000 : Infinity;
  // A training step is about three forward passes at the training batch; each sampling step is one forward of the
  // samples (two with guidance) plus one of the trajectory's rows (whose small batch costs about a training step's
  // worth of dispatches).
  const forwards = run.guidance !== 1 ? 2 : 1;
  const samplingSteps = run.sampleSteps > 0 ? run.sampleSteps : run.scheduler.T;
  const costInSteps = run.samples === 0 ? 0 : samplingSteps * ((forwards * run.samples) / (3 * run.config.batchSize) + forwards * 0.5);
  // The digit evaluator reads its 1,000 held-out digits and compares 20 draws: 5–20 s on SwiftShader.
  return new Budget(deadline, costInSteps, judgesSamples(run) ? 20 : 0);
}

/** The main job reads its MNIST samples with the digit evaluator (16 and 32 px classifiers exist). */
function judgesSamples(run: TrainingRun): boolean {
  return run.samples > 0 && run.meta().data.source === "mnist" && (run.data.height === 16 || run.data.height === 32);
}

/** Algorithm 1 until the configured steps or the budget end, logging the loss and writing checkpoints. */
async function train(options: TrainJobOptions, run: TrainingRun, budget: Budget, log: (line: string) => void): Promise<void> {
  const { engine } = options;
  const { config, state, history } = run;
  const startStep = state.step;
  // A resumed run's log continues the clock of the run it resumes.
  const secondsBefore = history.at(-1)?.seconds ?? 0;
  const progress = options.progress ?? log;
  // A step's price, for the budget and the ETA: the time between logged steps, less the kernel autotune's seconds
  // in between. The first logged step is only the baseline: its time holds the pipelines' compilation (and, logged
  // after the autotune, the autotune), which read as every step's price would stop a short budget at once.
  let autotuneSeconds = 0;
  let baseline: { step: number; seconds: number; autotuneSeconds: number } | null = null;
  const logAutotune = autotuneLog(log, "training");
  await trainLoop({
    engine,
    model: run.model.asDenoiser(),
    scheduler: run.scheduler,
    data: run.data,
    config,
    state,
    conditional: run.conditional,
    shouldStop: () => performance.now() > budget.trainingDeadline,
    onAutotune: (results, seconds) => {
      autotuneSeconds += seconds;
      logAutotune(results, seconds);
    },
    onLog: (r) => {
      history.push({ step: r.step, loss: r.loss, seconds: secondsBefore + r.seconds });
      let rate = (r.step - startStep) / Math.max(r.seconds - autotuneSeconds, 1e-9);
      if (!baseline) baseline = { step: r.step, seconds: r.seconds, autotuneSeconds };
      else {
        const seconds = r.seconds - baseline.seconds - (autotuneSeconds - baseline.autotuneSeconds);
        rate = (r.step - baseline.step) / Math.max(seconds, 1e-9);
        budget.observe(rate);
      }
      const remaining = Math.max(0, Math.min((config.steps - r.step) / rate, (budget.trainingDeadline - performance.now()) / 1000));
      progress(
        `step ${r.step}/${config.steps}  loss ${r.loss.toFixed(4)}  |g| ${r.gradNorm.toFixed(2)}  lr ${r.learningRate.toExponential(1)}  ` +
          `${rate.toFixed(2)} it/s  ETA ${formatDuration(remaining)}`,
      );
    },
    onCheckpoint: async (s) => {
      await saveCheckpoint(run.checkpointDir, {
        model: run.model,
        emaModel: run.emaModel,
        scheduler: run.scheduler,
        state: s,
        meta: run.meta(),
      });
    },
  });
  log(`checkpoint: ${run.checkpointDir} (step ${state.step})`);
  if (state.step < config.steps && config.learningRateSchedule === "cosine") {
    const left = learningRateAt(config, state.step) / config.learningRate;
    log(
      `learning rate: the time budget stopped training at step ${state.step} of ${config.steps}, where the cosine stands at ` +
        `${(100 * left).toFixed(0)}% of its peak (set --steps to what the budget fits for a full decay)`,
    );
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${seconds.toFixed(0)}s`;
}

/** loss.csv and loss.png, then samples.png and trajectory.png from the EMA weights. */
async function writeOutputs(options: TrainJobOptions, run: TrainingRun, budget: Budget, log: (line: string) => void) {
  const { history, state } = run;
  const objective = { simple: "L_simple", vlb: "L_vlb, bits/dim", hybrid: "L_hybrid = L_simple + λ·L_vlb" }[run.config.loss];
  await writeLossReport(options.out, history, objective);
  if (run.samples === 0) {
    return { steps: state.step, history, samplesPath: null, trajectoryPath: null, samplingSeconds: 0, samplingStepsPerSecond: 0 };
  }
  const result = await sampleJob({
    engine: options.engine,
    model: run.emaModel,
    scheduler: run.scheduler,
    out: options.out,
    count: run.samples,
    steps: run.sampleSteps,
    seed: run.config.seed,
    numClasses: run.conditional ? run.data.numClasses! : null,
    guidance: run.guidance,
    unconditionalLabel: run.unconditionalLabel,
    // The kernel autotune of the sampler's shapes spends only the budget's slack: the time training left unused.
    autotuneDeadline: budget.trainingDeadline,
    log,
  });
  // The digit evaluator's figures for samples.png beside as many real held-out digits (MNIST at 16 or 32 px).
  const side = run.data.height as 16 | 32;
  const digits = judgesSamples(run)
    ? await evaluateSamplesJob({
        engine: options.engine,
        samples: result.samplesPath,
        size: side,
        labels: run.conditional ? "cycle" : null,
        log,
      })
    : null;
  return { steps: state.step, history, ...result, digits };
}

async function writeLossReport(out: string, history: TrainingStateFile["history"], objective: string): Promise<void> {
  const { fs } = await nodeModules();
  const tmp = `${out}/.loss.csv.${process.pid}.tmp`;
  await fs.writeFile(tmp, lossCsv(history.map((h) => ({ step: h.step, loss: h.loss, seconds: h.seconds }))));
  await fs.rename(tmp, `${out}/loss.csv`);
  if (history.length >= 2) {
    // An EMA line only helps once there are enough points; over a handful it lags far behind.
    const png = lossCurvePng(
      history.map((h) => h.step),
      history.map((h) => h.loss),
      { title: `training loss (${objective})`, smoothing: history.length >= 50 ? 0.9 : 0 },
    );
    const tmpPng = `${out}/.loss.png.${process.pid}.tmp`;
    await fs.writeFile(tmpPng, png);
    await fs.rename(tmpPng, `${out}/loss.png`);
  }
}
