/**
 * The demo page: train the "mnist-16" U-Net on MNIST (or on a folder of images the user picks) in the browser
 * with a live loss curve and a live grid of samples drawn from the GPU, download the model as a diffusers folder,
 * and sample from a diffusers folder the user picks. Only the public API (../index.js), the presets, the
 * safetensors writer and the page's own helpers are used, so this file doubles as an embedding example.
 * Every error ends the action it interrupts with one sentence in the status line; the stack goes to the console.
 *
 * URL parameters (all optional; the tests use them to keep runs short):
 *   preset=mnist-16   a preset of src/presets.ts (its data file mnist-SIZE.bin must be served beside the page)
 *   batch=N           training batch size (default: the preset's)
 *   samples=N         images in the sample grid (default 16)
 *   steps=N           DDIM steps per sample grid (default 20; 0 = DDPM over all T steps)
 *   sampleEvery=N     training steps between live sample grids (default 50; 0 = only on request)
 *   logEvery=N        read the loss back every N steps (default 1)
 *   seed=N            seed of the model's initialisation, the data order and the noise (default 0)
 *   autotune=off      the kernels' heuristic choices, no timing after the first step
 *   canvas=2d         draw the samples on a 2D canvas from a readback, as where a WebGPU canvas cannot be shown
 */
import {
  checkModelChannels,
  createTrainState,
  DDIMScheduler,
  DDPMScheduler,
  Engine,
  guidedDenoiser,
  parseTrainedClasses,
  parseUNetCheckpoint,
  resolveUNetConfig,
  type Tensor,
  TRAIN_DEFAULTS,
  type TrainConfig,
  type TrainedClasses,
  type TrainState,
  trainLoop,
  UNet2DModel,
  unetFromCheckpoint,
} from "../index.js";
import { PRESETS, type Preset } from "../presets.js";
import { decodeDataset, type LabelledDataset } from "./dataset-file.js";
import { diffusersZip } from "./export.js";
import { locateCheckpoint, schedulerClassFromIndex } from "./folder.js";
import { ImageGridView, probeCanvasPresentation } from "./grid-view.js";
import { loadPickedImages } from "./image-folder.js";
import { LossChart } from "./loss-chart.js";

// ---------------------------------------------------------------- options and page elements

/**
 * The flags that give headless Chromium WebGPU on SwiftShader with a working canvas: without --use-vulkan and
 * --use-angle, the first WebGPU canvas shown loses the WebGPU instance.
 */
const HEADLESS_FLAGS =
  "--enable-unsafe-webgpu --enable-features=Vulkan --use-vulkan=swiftshader --use-webgpu-adapter=swiftshader --use-angle=swiftshader";
const NO_WEBGPU =
  "This browser has no WebGPU: use a recent Chrome or Edge (or enable WebGPU at chrome://flags/#enable-unsafe-webgpu); " +
  `headless Chromium needs ${HEADLESS_FLAGS}.`;

const params = new URLSearchParams(location.search);
function intParam(name: string, fallback: number): number {
  const value = params.get(name);
  if (value === null) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) throw new Error(`the URL parameter ${name}=${value} must be an integer ≥ 0`);
  return n;
}

/** The page's URL parameters (see the file comment), all checked before anything starts. */
function pageOptions() {
  return {
    preset: params.get("preset") ?? "mnist-16",
    batch: intParam("batch", 0),
    samples: Math.max(1, intParam("samples", 16)),
    steps: intParam("steps", 20),
    sampleEvery: intParam("sampleEvery", 50),
    logEvery: Math.max(1, intParam("logEvery", 1)),
    seed: intParam("seed", 0),
    autotune: params.get("autotune") === "off" ? ("off" as const) : ("auto" as const),
    canvas: params.get("canvas") === "2d" ? ("2d" as const) : ("webgpu" as const),
  };
}
type PageOptions = ReturnType<typeof pageOptions>;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  adapter: element<HTMLElement>("adapter"),
  status: element<HTMLElement>("status"),
  progress: element<HTMLProgressElement>("progress"),
  notice: element<HTMLElement>("notice"),
  start: element<HTMLButtonElement>("start"),
  stop: element<HTMLButtonElement>("stop"),
  sample: element<HTMLButtonElement>("sample"),
  steps: element<HTMLInputElement>("steps"),
  step: element<HTMLElement>("step"),
  loss: element<HTMLElement>("loss"),
  rate: element<HTMLElement>("rate"),
  chart: element<HTMLCanvasElement>("loss-chart"),
  samples: element<HTMLCanvasElement>("samples"),
  caption: element<HTMLElement>("samples-caption"),
  folder: element<HTMLInputElement>("folder"),
  images: element<HTMLInputElement>("images"),
  imageSize: element<HTMLSelectElement>("image-size"),
  imageChannels: element<HTMLSelectElement>("image-channels"),
  download: element<HTMLButtonElement>("download"),
};

type Phase = "starting" | "idle" | "loading" | "training" | "sampling" | "failed";
let phase: Phase = "starting";
let stopRequested = false;
let framesDrawn = 0;
/** Whether there is a model trained (or being trained) in the page to download. */
let downloadable = false;

function setPhase(next: Phase, status?: string): void {
  phase = next;
  document.body.dataset.phase = next;
  ui.start.disabled = next !== "idle";
  ui.sample.disabled = next !== "idle";
  ui.folder.disabled = next !== "idle";
  ui.images.disabled = next !== "idle";
  ui.download.disabled = next !== "idle" || !downloadable;
  ui.stop.disabled = next !== "training" && next !== "sampling";
  if (status !== undefined) setStatus(status);
}

/** The status line: what the page is doing, or what went wrong (one sentence; the stack goes to the console). */
function setStatus(text: string, kind: "info" | "error" = "info"): void {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

/** A progress bar beside the status: `done` of `total`, or busy with no measure when `done` is undefined; null hides it. */
function setProgress(done: number | null | undefined, total = 1): void {
  ui.progress.hidden = done === null;
  if (done === null) return;
  if (done === undefined) ui.progress.removeAttribute("value");
  else {
    ui.progress.max = total;
    ui.progress.value = done;
  }
}

/** The error as one readable sentence: its message's first line, after what was being done. */
function errorSentence(error: unknown, doing: string): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0].trim() || "an unknown error";
  return `${doing} failed: ${message}${/[.!?]$/.test(message) ? "" : "."}`;
}

function showError(error: unknown, doing: string): void {
  console.error(error);
  setProgress(null);
  setStatus(errorSentence(error, doing), "error");
}

/** A notice shown once, above the controls (and once in the console). */
function notify(text: string): void {
  if (!ui.notice.hidden) return;
  console.warn(text);
  ui.notice.textContent = text;
  ui.notice.hidden = false;
}

// ---------------------------------------------------------------- the sample grid, on a WebGPU canvas or a 2D one

/**
 * The sample grid: a WebGPU canvas drawn from the GPU buffer when the browser presents one, else (or as soon as a
 * WebGPU draw fails) a 2D canvas painted from a readback. The switch is said once; training goes on either way.
 */
class SampleGrid {
  private view: ImageGridView;

  constructor(
    private readonly engine: Engine,
    canvasProblem: string | null,
  ) {
    if (canvasProblem !== null) this.fallBack(canvasProblem);
    this.view = new ImageGridView(engine, ui.samples, { gap: 2, mode: canvasProblem === null ? "webgpu" : "2d" });
  }

  get mode(): "webgpu" | "2d" {
    return this.view.mode;
  }

  async draw(images: Tensor): Promise<void> {
    try {
      await this.view.draw(images);
    } catch (error) {
      if (this.view.mode === "2d") throw error;
      console.error(error);
      this.fallBack(errorSentence(error, "drawing on the WebGPU canvas"));
      this.view = new ImageGridView(this.engine, ui.samples, { gap: 2, mode: "2d" });
      await this.view.draw(images);
    }
  }

  /** A canvas that held a WebGPU context cannot give a 2D one: a fresh canvas takes its place. */
  private fallBack(why: string): void {
    const fresh = ui.samples.cloneNode(false) as HTMLCanvasElement;
    ui.samples.replaceWith(fresh);
    ui.samples = fresh;
    notify(
      "The samples are drawn on a 2D canvas from a readback, because this browser cannot show a WebGPU canvas here: " +
        `${why.replace(/\.$/, "")}.`,
    );
  }
}

// ---------------------------------------------------------------- sampling, drawn live from the GPU

/** A model to sample from: the one trained here, or one loaded from a folder. */
interface SamplingSource {
  name: string;
  model: UNet2DModel;
  /** The training schedule (its config gives the DDIM sampler's). */
  scheduler: DDPMScheduler | DDIMScheduler;
  /** Labels cycle through 0..numClasses−1 for a class-conditional model. */
  numClasses: number | null;
  /** Classifier-free guidance (Ho & Salimans 2022): output u + s·(c − u), u for the "no class" label; s = 1 is none. */
  guidance: number;
  unconditionalLabel: number | null;
  /** For the model trained in the page: its training steps so far (0: untrained, its samples are noise). */
  trainedSteps?: () => number;
}

/** What the samples are of, with a warning when the model has not been trained. */
function describeSource(source: SamplingSource): string {
  const steps = source.trainedSteps?.();
  if (steps === undefined) return source.name;
  if (steps === 0) return `${source.name}, untrained: noise until training has run for a few hundred steps`;
  return `${source.name} after ${steps.toLocaleString("en")} training step${steps === 1 ? "" : "s"}`;
}

/** The sampler for `steps` steps: DDIM over the training schedule, or DDPM over all T when steps = 0. */
function samplingScheduler(source: SamplingSource, steps: number): DDPMScheduler | DDIMScheduler {
  const c = source.scheduler.config;
  if (steps === 0) {
    if (source.scheduler instanceof DDIMScheduler) throw new Error("DDPM sampling (0 steps) needs a DDPM scheduler config");
    const ddpm = new DDPMScheduler(c);
    ddpm.setTimesteps(ddpm.T);
    return ddpm;
  }
  const ddim = source.scheduler instanceof DDIMScheduler ? new DDIMScheduler(c) : DDIMScheduler.fromDDPM(source.scheduler);
  ddim.setTimesteps(Math.min(steps, ddim.T));
  return ddim;
}

/**
 * Draw `count` samples, showing x_t after every step: noise x_T ~ N(0, I), then one model call and one fused
 * step per timestep (Ho et al. Algorithm 2, or DDIM). x_t stays on the GPU; the grid reads its buffer (or, on
 * the 2D fallback, a readback of it).
 */
async function drawSamples(
  engine: Engine,
  grid: SampleGrid,
  source: SamplingSource,
  count: number,
  steps: number,
  seed: number,
): Promise<boolean> {
  const c = source.model.config;
  const size = c.sample_size ?? 32;
  const scheduler = samplingScheduler(source, steps);
  const labels = source.numClasses ? Array.from({ length: count }, (_, i) => i % source.numClasses!) : undefined;
  const denoise = guidedDenoiser(source.model, labels, source.guidance, source.unconditionalLabel);
  const method = scheduler instanceof DDIMScheduler ? "DDIM" : "DDPM";
  const timesteps = scheduler.timesteps;
  // x_T ~ N(0, I); stream 2^32 − 1 is never a timestep (as sampleLoop draws it)
  let x = engine.randn([count, c.in_channels, size, size], { seed, stream: 0xffffffff }).keep();
  const show = async () => {
    await grid.draw(x);
    ui.samples.dataset.frames = String(++framesDrawn);
  };
  try {
    await show();
    ui.caption.textContent = `${describeSource(source)}: ${method}, x_T (pure noise); the first step compiles the sampling kernels…`;
    for (let i = 0; i < timesteps.length; i++) {
      if (stopRequested) return false;
      const t = timesteps[i];
      const next = engine.noGrad(() => engine.tidy(() => scheduler.step(denoise(x, new Array(count).fill(t)), t, x, { seed }).prevSample));
      x.dispose();
      x = next.keep();
      await show();
      setProgress(i + 1, timesteps.length);
      ui.caption.textContent = `${describeSource(source)}: ${method} step ${i + 1}/${timesteps.length} (t = ${t})`;
      // Let the page paint this frame, and keep the GPU queue short.
      await engine.sync();
    }
    return true;
  } finally {
    x.dispose();
    setProgress(null);
  }
}

// ---------------------------------------------------------------- training

interface Trainer {
  model: UNet2DModel;
  emaModel: UNet2DModel;
  state: TrainState;
  config: TrainConfig;
  data: LabelledDataset;
  source: SamplingSource;
  seconds: number;
  /** Whether the training step's kernels are compiled and tuned (the first trainLoop call does it). */
  warm: boolean;
}

/** The prepared digits, shipped gzip-compressed (scripts/demo.mjs) and inflated here. */
async function loadDataset(size: number): Promise<LabelledDataset> {
  const file = `mnist-${size}.bin.gz`;
  const response = await fetch(file);
  if (!response.ok || !response.body)
    throw new Error(`fetching ${file} gave HTTP ${response.status} (npm run demo builds it beside the page)`);
  const inflated = response.body.pipeThrough(new DecompressionStream("gzip"));
  return decodeDataset(new Uint8Array(await new Response(inflated).arrayBuffer()));
}

/** The page's preset and its MNIST digits. */
async function mnistTraining(options: PageOptions): Promise<{ name: string; preset: Preset; data: LabelledDataset }> {
  const preset = PRESETS[options.preset];
  if (!preset) throw new Error(`unknown preset '${options.preset}' (one of ${Object.keys(PRESETS).join(", ")})`);
  return { name: options.preset, preset, data: await loadDataset(preset.size) };
}

/** A model of `preset`'s architecture and schedule for `data`'s channels and size, its EMA copy and AdamW. */
function createTrainer(engine: Engine, options: PageOptions, training: { name: string; preset: Preset; data: LabelledDataset }): Trainer {
  const { preset, data } = training;
  const config: TrainConfig = {
    ...TRAIN_DEFAULTS,
    ...preset.train,
    // The page trains until Stop: no horizon for a decay to end at.
    learningRateSchedule: "constant",
    seed: options.seed,
    logEvery: options.logEvery,
    batchSize: options.batch || preset.train.batchSize || TRAIN_DEFAULTS.batchSize,
  };
  // Label dropout trains a "no class" label (index numClasses) for classifier-free guidance, as the CLI does.
  const unconditionalLabel = data.numClasses && config.labelDropout > 0 ? data.numClasses : null;
  const model = new UNet2DModel(
    engine,
    {
      ...preset.model,
      sample_size: data.height,
      in_channels: data.channels,
      out_channels: data.channels,
      num_class_embeds: data.numClasses ? data.numClasses + (unconditionalLabel !== null ? 1 : 0) : null,
    },
    config.seed,
  );
  const emaModel = new UNet2DModel(engine, model.configJSON());
  const scheduler = new DDPMScheduler(preset.scheduler ?? {});
  const state = createTrainState(engine, model, config);
  return {
    model,
    emaModel,
    state,
    config,
    data,
    seconds: 0,
    warm: false,
    source: {
      name: `${training.name} (EMA weights)`,
      model: emaModel,
      scheduler,
      numClasses: data.numClasses,
      guidance: unconditionalLabel !== null ? (preset.guidance ?? 1) : 1,
      unconditionalLabel,
      trainedSteps: () => state.step,
    },
  };
}

/**
 * What the first training steps spend their time on, in the status line and the progress bar, until the first
 * loss after them comes back: the training step's pipelines compiling (trainLoop compiles them ahead of step 1),
 * then, after step 1, the kernel variants of each shape met being timed (engine.autotune(); its progress is read
 * from engine.tuner's queue and results).
 */
function watchWarmUp(engine: Engine): { logged(step: number): void; tuned(seconds: number): void; stop(): void } {
  const started = performance.now();
  let stage: "compiling" | "tuning" | "done" = "compiling";
  let tuneTotal = 0;
  let tunedBefore = 0;
  const update = () => {
    if (stage === "compiling") {
      setStatus(`compiling the training step's kernels… ${((performance.now() - started) / 1000).toFixed(0)} s`);
      setProgress(undefined);
    } else if (stage === "tuning") {
      const done = engine.tuner.results.length - tunedBefore;
      tuneTotal = Math.max(tuneTotal, done + engine.tuner.pendingCount);
      setStatus(`timing kernel variants: ${done} of ${tuneTotal} shapes (once per shape; the choices are kept for this adapter)…`);
      setProgress(done, tuneTotal);
    }
  };
  const timer = setInterval(update, 250);
  update();
  const stop = () => {
    stage = "done";
    clearInterval(timer);
    setProgress(null);
  };
  return {
    tuned(seconds) {
      // The final count, shown until the next step's loss (the 250 ms poll may not have seen it).
      if (stage !== "tuning") return;
      stage = "done";
      clearInterval(timer);
      const done = engine.tuner.results.length - tunedBefore;
      tuneTotal = Math.max(tuneTotal, done);
      setStatus(`timing kernel variants: ${done} of ${tuneTotal} shapes, ${seconds.toFixed(0)} s; training…`);
      setProgress(done, tuneTotal);
    },
    logged(step) {
      if (stage === "compiling" && step === 1 && engine.tuner.pendingCount > 0) {
        // trainLoop awaits this report, then times the queued shapes.
        stage = "tuning";
        tuneTotal = engine.tuner.pendingCount;
        tunedBefore = engine.tuner.results.length;
        update();
      } else stop();
    },
    stop,
  };
}

/** Train until Stop, drawing a sample grid from the EMA weights every `sampleEvery` steps. */
async function train(
  engine: Engine,
  trainer: Trainer,
  chart: LossChart,
  grid: SampleGrid,
  options: PageOptions,
  samplingSteps: () => number,
): Promise<void> {
  const { config, state } = trainer;
  while (!stopRequested) {
    const chunkEnd = options.sampleEvery > 0 ? state.step + options.sampleEvery : Number.MAX_SAFE_INTEGER;
    const started = performance.now();
    const firstStep = state.step;
    const warmUp = trainer.warm ? null : watchWarmUp(engine);
    try {
      await trainLoop({
        engine,
        model: trainer.model.asDenoiser(),
        scheduler: trainer.source.scheduler as DDPMScheduler,
        data: trainer.data,
        config: { ...config, steps: chunkEnd },
        state,
        conditional: trainer.data.labels !== null,
        shouldStop: () => stopRequested,
        onAutotune: (_results, seconds) => warmUp?.tuned(seconds),
        onLog: (report) => {
          const seconds = trainer.seconds + (performance.now() - started) / 1000;
          chart.push(report.step, report.loss);
          ui.step.textContent = String(report.step);
          ui.loss.textContent = report.loss.toFixed(4);
          ui.rate.textContent = `${((report.step - firstStep) / ((performance.now() - started) / 1000)).toFixed(2)} steps/s`;
          warmUp?.logged(report.step);
          if (!warmUp || ui.progress.hidden) setStatus(`training: step ${report.step}, ${seconds.toFixed(0)} s, batch ${config.batchSize}`);
        },
      });
    } finally {
      warmUp?.stop();
    }
    trainer.warm = true;
    trainer.seconds += (performance.now() - started) / 1000;
    if (stopRequested || options.sampleEvery === 0) break;
    trainer.state.ema.copyTo(trainer.emaModel.parameters());
    setStatus(`training: step ${state.step}; drawing samples from the EMA weights…`);
    await drawSamples(engine, grid, trainer.source, options.samples, samplingSteps(), trainer.config.seed + 1);
  }
}

// ---------------------------------------------------------------- a diffusers folder

type PickedFile = File & { webkitRelativePath?: string };

/** Path inside the picked folder ("unet/config.json"), without the folder's own name. */
function relativePath(file: PickedFile): string {
  const path = file.webkitRelativePath || file.name;
  return path.split("/").slice(1).join("/") || file.name;
}

/** How the scheduler config was found (or which defaults are used), for the status line. */
function describeScheduler(scheduler: DDPMScheduler | DDIMScheduler, from: string | null): string {
  const c = scheduler.config;
  const name = scheduler instanceof DDIMScheduler ? "DDIMScheduler" : "DDPMScheduler";
  const kind = `${name}: ${c.prediction_type}, ${c.beta_schedule} β, T = ${c.num_train_timesteps}`;
  return from
    ? `the schedule of ${from} (${kind})`
    : `no scheduler config in or above the U-Net's folder, so diffusers' defaults (${kind})`;
}

async function loadFolder(engine: Engine, files: PickedFile[]): Promise<{ source: SamplingSource; schedule: string }> {
  const byPath = new Map(files.map((f) => [relativePath(f), f]));
  const folderName = (files[0]?.webkitRelativePath ?? "").split("/")[0] || "folder";
  const found = locateCheckpoint(byPath.keys());
  if (!found) {
    const listing = [...byPath.keys()].slice(0, 8).join(", ");
    throw new Error(
      `${folderName} holds no U-Net (config.json with diffusion_pytorch_model.safetensors) in it or up to two levels down ` +
        `(it holds ${listing}${byPath.size > 8 ? ", …" : ""})`,
    );
  }
  const read = (path: string) => byPath.get(path)!.text();
  const parseJson = async (path: string): Promise<Record<string, unknown>> => {
    try {
      return JSON.parse(await read(path));
    } catch (error) {
      throw new Error(`${folderName}/${path} is not valid JSON (${(error as Error).message})`);
    }
  };
  // Everything small is read and checked before the weights reach the GPU.
  const schedulerConfig = found.schedulerConfig ? await parseJson(found.schedulerConfig) : {};
  const modelIndex = found.modelIndex ? await parseJson(found.modelIndex) : {};
  const schedulerClass = (schedulerConfig._class_name as string | undefined) ?? schedulerClassFromIndex(modelIndex);
  const scheduler = schedulerClass === "DDIMScheduler" ? new DDIMScheduler(schedulerConfig) : new DDPMScheduler(schedulerConfig);
  // A `ddpm train` checkpoint records its classes, its "no class" label and the guidance it was trained for.
  const trained: TrainedClasses = found.trainingState
    ? parseTrainedClasses(await read(found.trainingState), `${folderName}/${found.trainingState}`)
    : { numClasses: null, unconditionalLabel: null, guidance: 1 };
  const checkpoint = parseUNetCheckpoint(
    await read(`${found.unetDir}config.json`),
    new Uint8Array(await byPath.get(`${found.unetDir}diffusion_pytorch_model.safetensors`)!.arrayBuffer()),
    `${folderName}/${found.unetDir.replace(/\/$/, "")}`,
  );
  // A learned-variance model (2·C outputs) needs a learned-range DDPM config, and the other way round.
  if (scheduler instanceof DDPMScheduler) {
    checkModelChannels(scheduler, resolveUNetConfig(checkpoint.config), `${folderName}/${found.unetDir}config.json`);
  }
  const model = unetFromCheckpoint(engine, checkpoint);
  return {
    source: {
      name: `${folderName}/${found.unetDir}`,
      model,
      scheduler,
      numClasses: trained.numClasses ?? model.config.num_class_embeds ?? null,
      guidance: trained.guidance,
      unconditionalLabel: trained.unconditionalLabel,
    },
    schedule: describeScheduler(scheduler, found.schedulerConfig && `${folderName}/${found.schedulerConfig}`),
  };
}

// ---------------------------------------------------------------- wiring

async function main(): Promise<void> {
  setPhase("starting", "starting WebGPU…");
  const options = pageOptions();
  if (!("gpu" in navigator)) throw new Error(NO_WEBGPU);
  // A WebGPU canvas is tried on a device of its own before the engine's exists: where showing it loses the
  // WebGPU instance, only that device goes, and the grid falls back to a 2D canvas.
  const canvasProblem = options.canvas === "2d" ? "the URL asks for it with canvas=2d" : await probeCanvasPresentation(ui.samples);
  if (canvasProblem === "navigator.gpu returned no adapter") throw new Error(NO_WEBGPU);
  const engine = await Engine.create({ autotune: options.autotune });
  const a = engine.adapter;
  ui.adapter.textContent =
    `${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(" · ") || "unknown adapter"}` +
    `${a.isSoftware ? " (software adapter: expect a few steps per second at most)" : ""}`;
  const chart = new LossChart(ui.chart);
  // Narrow screens and rotations: the chart's backing store follows its CSS size.
  new ResizeObserver(() => chart.draw()).observe(ui.chart);
  const samplingSteps = () => {
    const steps = Number(ui.steps.value);
    if (ui.steps.value.trim() === "" || !Number.isInteger(steps) || steps < 0)
      throw new Error(`DDIM steps must be a whole number ≥ 0 (0 = DDPM over all T steps), not '${ui.steps.value}'`);
    return steps;
  };
  const grid = new SampleGrid(engine, canvasProblem);
  document.body.dataset.canvas = grid.mode;
  ui.steps.value = String(options.steps);
  let trainer: Trainer | null = null;
  let current: SamplingSource | null = null;
  let folderSource: SamplingSource | null = null;

  const ensureTrainer = async () => {
    if (!trainer) {
      setPhase("loading", "loading MNIST and building the model…");
      trainer = createTrainer(engine, options, await mnistTraining(options));
      downloadable = true;
      const p = trainer.model.parameterCount();
      const digits = `${trainer.data.count} digits ${trainer.data.height}×${trainer.data.width}`;
      setStatus(`${options.preset}: ${p.toLocaleString("en")} parameters, ${digits}`);
    }
    return trainer;
  };
  const disposeTrainer = () => {
    if (!trainer) return;
    for (const disposable of [trainer.model, trainer.emaModel, trainer.state.optimizer, trainer.state.ema]) disposable.dispose();
    if (current === trainer.source) current = null;
    trainer = null;
    downloadable = false;
  };
  // Every action runs alone: buttons are disabled while one runs, Stop ends it. An error ends it with one
  // sentence in the status line (the stack in the console).
  const action = (doing: string, run: () => Promise<void>) => async () => {
    if (phase !== "idle") return;
    stopRequested = false;
    try {
      await run();
    } catch (error) {
      showError(error, doing);
    } finally {
      stopRequested = false;
      setPhase("idle");
    }
  };

  ui.start.addEventListener(
    "click",
    action("Training", async () => {
      samplingSteps();
      const t = await ensureTrainer();
      current = t.source;
      setPhase("training", "training…");
      await train(engine, t, chart, grid, options, samplingSteps);
      setStatus(`stopped at step ${t.state.step} after ${t.seconds.toFixed(0)} s of training`);
    }),
  );
  ui.stop.addEventListener("click", () => {
    stopRequested = true;
    setStatus("stopping after this step…");
  });
  ui.sample.addEventListener(
    "click",
    action("Sampling", async () => {
      const steps = samplingSteps();
      const source = current ?? (await ensureTrainer()).source;
      if (trainer && source === trainer.source) trainer.state.ema.copyTo(trainer.emaModel.parameters());
      setPhase("sampling", `sampling from ${describeSource(source)}…`);
      const done = await drawSamples(engine, grid, source, options.samples, steps, Date.now() % 100000);
      setStatus(done ? `samples from ${describeSource(source)}` : "sampling stopped");
    }),
  );
  ui.folder.addEventListener(
    "change",
    action("Reading the folder", async () => {
      const files = Array.from(ui.folder.files ?? []);
      if (!files.length) return;
      const steps = samplingSteps();
      setPhase("loading", `reading ${files.length} files…`);
      folderSource?.model.dispose();
      folderSource = null;
      const loaded = await loadFolder(engine, files);
      folderSource = loaded.source;
      current = folderSource;
      const c = folderSource.model.config;
      setPhase(
        "sampling",
        `sampling from ${folderSource.name} (${folderSource.model.parameterCount().toLocaleString("en")} parameters, ` +
          `${c.in_channels}×${c.sample_size}²) with ${loaded.schedule}…`,
      );
      const done = await drawSamples(engine, grid, folderSource, options.samples, steps, 0);
      setStatus(done ? `samples from ${folderSource.name} with ${loaded.schedule}` : "sampling stopped");
    }),
  );
  ui.images.addEventListener(
    "change",
    action("Reading the images", async () => {
      const files = Array.from(ui.images.files ?? []) as PickedFile[];
      if (!files.length) return;
      const [size, channels] = [Number(ui.imageSize.value), Number(ui.imageChannels.value) as 1 | 3];
      setPhase("loading", `reading ${files.length} files as ${channels}×${size}×${size} images…`);
      const data = await loadPickedImages(files, size, channels);
      const folderName = (files[0].webkitRelativePath ?? "").split("/")[0] || "images";
      // The architecture and schedule of the preset for this size (mnist-16 or mnist-32), unconditional.
      const preset = Object.values(PRESETS).find((p) => p.size === size);
      if (!preset)
        throw new Error(
          `no preset for ${size}×${size} images (the sizes: ${Object.values(PRESETS)
            .map((p) => p.size)
            .join(", ")})`,
        );
      disposeTrainer();
      chart.clear();
      [ui.step.textContent, ui.loss.textContent, ui.rate.textContent] = ["0", "–", "–"];
      trainer = createTrainer(engine, options, { name: folderName, preset, data });
      current = trainer.source;
      downloadable = true;
      setStatus(
        `${folderName}: ${data.count} images, ${channels}×${size}×${size}, ${trainer.model.parameterCount().toLocaleString("en")} ` +
          "parameters: press Start training",
      );
    }),
  );
  ui.download.addEventListener(
    "click",
    action("Preparing the download", async () => {
      const t = trainer;
      if (!t) return;
      t.state.ema.copyTo(t.emaModel.parameters());
      const zip = await diffusersZip(t.emaModel, t.source.scheduler as DDPMScheduler, {
        step: t.state.step,
        numClasses: t.source.numClasses,
        unconditionalLabel: t.source.unconditionalLabel,
        guidance: t.source.guidance,
      });
      const name = `${t.source.name.replace(/ \(EMA weights\)$/, "")}-step${t.state.step}.zip`;
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([zip as BlobPart], { type: "application/zip" }));
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      setStatus(
        `downloaded ${name} (${(zip.length / 1e6).toFixed(1)} MB): a diffusers folder for ddpm sample or DDPMPipeline.from_pretrained`,
      );
    }),
  );
  setPhase("idle", "ready: start training, or pick a diffusers folder to sample from");
}

main().catch((error) => {
  showError(error, "Starting the page");
  document.body.dataset.phase = "failed";
});
