/**
 * `ddpm train`'s job (Node), in four steps: resolve the run (a fresh model from a preset, or a checkpoint to
 * resume), plan the time budget, train with checkpoints, then write the loss report, the samples and the
 * trajectory.
 */
import { readCheckpoint, saveCheckpoint, type TrainingStateFile } from "../checkpoint.js";
import type { DDPMSchedulerConfig } from "../diffusion/config.js";
import { DDPMScheduler } from "../diffusion/schedulers.js";
import type { Engine } from "../engine.js";
import { lossCsv } from "../io/csv.js";
import { readSchedulerConfig } from "../io/diffusers.js";
import { nodeModules, pathExists } from "../io/fs.js";
import { type ImageDataset, loadImageFolder } from "../io/images.js";
import { loadMnist } from "../io/mnist.js";
import { lossCurvePng } from "../io/plot.js";
import { unetFromCheckpoint } from "../nn/pretrained.js";
import { type UNet2DConfig, UNet2DModel } from "../nn/unet.js";
import { PRESETS, type Preset } from "../presets.js";
import { createTrainState, TRAIN_DEFAULTS, type TrainConfig, type TrainState, trainLoop } from "../train.js";
import { autotuneLog, sampleJob } from "./sample.js";

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
  /** Samples in the final grid (default 64; 0: none), and DDIM steps to draw them (default 50; 0 = DDPM over all T steps). */
  samples?: number;
  sampleSteps?: number;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

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
  const run = await resolveRun(options, log);
  const budget = planBudget(options, run, options.startedAt ?? jobStarted);
  try {
    await train(options, run, budget, log);
    return await writeOutputs(options, run, log);
  } finally {
    run.state.optimizer.dispose();
    run.state.ema.dispose();
    run.model.dispose();
    run.emaModel.dispose();
  }
}

/** The run's data, configuration, scheduler, models and optimiser state: from the preset and options, or the checkpoint. */
async function resolveRun(options: TrainJobOptions, log: (line: string) => void): Promise<TrainingRun> {
  const { engine } = options;
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

  const size = resumeFrom ? Number((resumeFrom.state.data as { size?: number }).size ?? preset.size) : (options.size ?? preset.size);
  const { train: data, description } = await loadData(options, size);
  const conditional = (options.classConditional ?? true) && data.labels !== null && data.numClasses !== null;
  const config: TrainConfig = resumeFrom
    ? { ...resumeFrom.state.train, ...options.train }
    : { ...TRAIN_DEFAULTS, ...preset.train, ...options.train };
  const scheduler = new DDPMScheduler(
    resumeFrom ? await readSchedulerConfig(resumeFrom.dir) : { ...preset.scheduler, ...options.scheduler },
  );
  if (!(config.labelDropout >= 0 && config.labelDropout < 1))
    throw new Error(`training: label dropout must be in [0, 1), got ${config.labelDropout}`);
  // Classifier-free guidance: label dropout trains a "no class" label (index numClasses) beside the ten digits.
  const unconditionalLabel = conditional && config.labelDropout > 0 ? data.numClasses! : null;
  const guidance = options.guidance ?? (unconditionalLabel !== null ? preset.guidance : undefined) ?? 1;
  if (guidance !== 1 && unconditionalLabel === null) {
    throw new Error(
      `sampling: classifier-free guidance (scale ${guidance}) needs a class-conditional model trained with label dropout (--label-dropout)`,
    );
  }
  const numClassEmbeds = conditional ? data.numClasses! + (unconditionalLabel !== null ? 1 : 0) : null;
  const model = resumeFrom
    ? unetFromCheckpoint(engine, resumeFrom.unet)
    : new UNet2DModel(
        engine,
        {
          ...preset.model,
          ...options.model,
          sample_size: size,
          in_channels: data.channels,
          out_channels: data.channels,
          num_class_embeds: numClassEmbeds,
        },
        config.seed,
      );
  if (model.config.in_channels !== data.channels || model.config.sample_size !== data.height) {
    throw new Error(
      `the checkpoint's model takes ${model.config.in_channels}×${model.config.sample_size}² images, ` +
        `the data is ${data.channels}×${data.height}²`,
    );
  }
  if ((model.config.num_class_embeds ?? null) !== numClassEmbeds) {
    const classes = `${data.numClasses} classes${unconditionalLabel !== null ? " + the 'no class' label of label dropout" : ""}`;
    const needs = conditional ? classes : "unconditional";
    throw new Error(
      `the checkpoint's model has ${model.config.num_class_embeds ?? "no"} class embeddings; ` +
        `this training needs ${numClassEmbeds ?? "none"} (${needs})`,
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
  }
  log(
    `training: ${model.parameterCount().toLocaleString("en")} parameters, ` +
      `${data.count} images ${data.channels}×${data.height}×${data.width}` +
      `${conditional ? `, ${data.numClasses} classes` : ""}, batch ${config.batchSize}, steps ${state.step}→${config.steps}, ` +
      `T = ${scheduler.T} (${scheduler.config.beta_schedule}), adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}` +
      (options.minutes ? `, budget ${options.minutes} min for the whole job` : ""),
  );
  const meta = () => ({
    train: config,
    data: { ...description, numClasses: conditional ? data.numClasses : null, unconditionalLabel, guidance },
    history,
  });
  const samples = options.samples ?? 64;
  const sampleSteps = options.sampleSteps ?? 50;
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

async function loadData(options: TrainJobOptions, size: number): Promise<{ train: ImageDataset; description: Record<string, unknown> }> {
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
  ) {}

  /** When training must stop. */
  get trainingDeadline(): number {
    return this.deadline - this.samplingCostInSteps * this.secondsPerStep * 1000;
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
  return new Budget(deadline, costInSteps);
}

/** Algorithm 1 until the configured steps or the budget end, logging the loss and writing checkpoints. */
async function train(options: TrainJobOptions, run: TrainingRun, budget: Budget, log: (line: string) => void): Promise<void> {
  const { engine } = options;
  const { config, state, history } = run;
  const startStep = state.step;
  // A resumed run's log continues the clock of the run it resumes.
  const secondsBefore = history.at(-1)?.seconds ?? 0;
  const progress = options.progress ?? log;
  await trainLoop({
    engine,
    model: run.model.asDenoiser(),
    scheduler: run.scheduler,
    data: run.data,
    config,
    state,
    conditional: run.conditional,
    shouldStop: () => performance.now() > budget.trainingDeadline,
    onAutotune: autotuneLog(log, "training"),
    onLog: (r) => {
      history.push({ step: r.step, loss: r.loss, seconds: secondsBefore + r.seconds });
      const rate = (r.step - startStep) / Math.max(r.seconds, 1e-9);
      budget.observe(rate);
      const remaining = Math.min((config.steps - r.step) / rate, (budget.trainingDeadline - performance.now()) / 1000);
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
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${seconds.toFixed(0)}s`;
}

/** loss.csv and loss.png, then samples.png and trajectory.png from the EMA weights. */
async function writeOutputs(options: TrainJobOptions, run: TrainingRun, log: (line: string) => void) {
  const { history, state } = run;
  await writeLossReport(options.out, history);
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
    log,
  });
  return { steps: state.step, history, ...result };
}

async function writeLossReport(out: string, history: TrainingStateFile["history"]): Promise<void> {
  const { fs } = await nodeModules();
  const tmp = `${out}/.loss.csv.${process.pid}.tmp`;
  await fs.writeFile(tmp, lossCsv(history.map((h) => ({ step: h.step, loss: h.loss, seconds: h.seconds }))));
  await fs.rename(tmp, `${out}/loss.csv`);
  if (history.length >= 2) {
    // An EMA line only helps once there are enough points; over a handful it lags far behind.
    const png = lossCurvePng(
      history.map((h) => h.step),
      history.map((h) => h.loss),
      { title: "training loss (L_simple)", smoothing: history.length >= 50 ? 0.9 : 0 },
    );
    const tmpPng = `${out}/.loss.png.${process.pid}.tmp`;
    await fs.writeFile(tmpPng, png);
    await fs.rename(tmpPng, `${out}/loss.png`);
  }
}
