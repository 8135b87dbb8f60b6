/**
 * The demo page: train the "mnist-16" U-Net on MNIST in the browser with a live loss curve and a live grid of
 * samples drawn from the GPU, and sample from a diffusers folder the user picks. Only the public API (../index.js),
 * the presets, and the page's own helpers are used, so this file doubles as an embedding example.
 *
 * URL parameters (all optional; the tests use them to keep runs short):
 *   preset=mnist-16   a preset of src/presets.ts (its data file mnist-SIZE.bin must be served beside the page)
 *   batch=N           training batch size (default: the preset's)
 *   samples=N         images in the sample grid (default 16)
 *   steps=N           DDIM steps per sample grid (default 20; 0 = DDPM over all T steps)
 *   sampleEvery=N     training steps between live sample grids (default 50; 0 = only on request)
 *   logEvery=N        read the loss back every N steps (default 1)
 *   seed=N            seed of the model's initialisation, the data order and the noise (default 0)
 */
import {
  createTrainState,
  DDIMScheduler,
  DDPMScheduler,
  Engine,
  guidedDenoiser,
  parseTrainedClasses,
  parseUNetCheckpoint,
  TRAIN_DEFAULTS,
  type TrainConfig,
  type TrainedClasses,
  type TrainState,
  trainLoop,
  UNet2DModel,
  unetFromCheckpoint,
} from "../index.js";
import { PRESETS } from "../presets.js";
import { decodeDataset, type LabelledDataset } from "./dataset-file.js";
import { ImageGridView } from "./grid-view.js";
import { LossChart } from "./loss-chart.js";

// ---------------------------------------------------------------- options and page elements

const params = new URLSearchParams(location.search);
function intParam(name: string, fallback: number): number {
  const value = params.get(name);
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`URL parameter ${name}=${value} must be an integer ≥ 0`);
  return n;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  adapter: element<HTMLElement>("adapter"),
  status: element<HTMLElement>("status"),
  error: element<HTMLPreElement>("error"),
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
};

type Phase = "starting" | "idle" | "loading" | "training" | "sampling";
let phase: Phase = "starting";
let stopRequested = false;
let framesDrawn = 0;

function setPhase(next: Phase, status?: string): void {
  phase = next;
  document.body.dataset.phase = next;
  ui.start.disabled = next !== "idle";
  ui.sample.disabled = next !== "idle";
  ui.folder.disabled = next !== "idle";
  ui.stop.disabled = next !== "training" && next !== "sampling";
  if (status !== undefined) ui.status.textContent = status;
}

function showError(error: unknown): void {
  console.error(error);
  ui.error.hidden = false;
  ui.error.textContent = error instanceof Error ? `${error.message}${error.stack ? `\n\n${error.stack}` : ""}` : String(error);
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
 * step per timestep (Ho et al. Algorithm 2, or DDIM). x_t stays on the GPU; the grid view reads its buffer.
 */
async function drawSamples(
  engine: Engine,
  view: ImageGridView,
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
  // x_T ~ N(0, I); stream 2^32 − 1 is never a timestep (as sampleLoop draws it)
  let x = engine.randn([count, c.in_channels, size, size], { seed, stream: 0xffffffff }).keep();
  const show = () => {
    view.draw(x);
    ui.samples.dataset.frames = String(++framesDrawn);
  };
  try {
    show();
    const timesteps = scheduler.timesteps;
    for (let i = 0; i < timesteps.length; i++) {
      if (stopRequested) return false;
      const t = timesteps[i];
      const next = engine.noGrad(() => engine.tidy(() => scheduler.step(denoise(x, new Array(count).fill(t)), t, x, { seed }).prevSample));
      x.dispose();
      x = next.keep();
      show();
      const method = scheduler instanceof DDIMScheduler ? "DDIM" : "DDPM";
      ui.caption.textContent = `${source.name}: ${method} step ${i + 1}/${timesteps.length} (t = ${t})`;
      // Let the page paint this frame, and keep the GPU queue short.
      await engine.sync();
    }
    return true;
  } finally {
    x.dispose();
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
}

async function loadDataset(size: number): Promise<LabelledDataset> {
  const file = `mnist-${size}.bin`;
  const response = await fetch(file);
  if (!response.ok) throw new Error(`fetching ${file}: HTTP ${response.status} (npm run demo builds it beside the page)`);
  return decodeDataset(new Uint8Array(await response.arrayBuffer()));
}

async function createTrainer(engine: Engine, presetName: string): Promise<Trainer> {
  const preset = PRESETS[presetName];
  if (!preset) throw new Error(`unknown preset '${presetName}' (one of ${Object.keys(PRESETS).join(", ")})`);
  const data = await loadDataset(preset.size);
  const config: TrainConfig = {
    ...TRAIN_DEFAULTS,
    ...preset.train,
    seed: intParam("seed", 0),
    logEvery: Math.max(1, intParam("logEvery", 1)),
    batchSize: intParam("batch", 0) || preset.train.batchSize || TRAIN_DEFAULTS.batchSize,
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
  return {
    model,
    emaModel,
    state: createTrainState(engine, model, config),
    config,
    data,
    seconds: 0,
    source: {
      name: `${presetName} (EMA weights)`,
      model: emaModel,
      scheduler,
      numClasses: data.numClasses,
      guidance: unconditionalLabel !== null ? (preset.guidance ?? 1) : 1,
      unconditionalLabel,
    },
  };
}

/** Train until Stop, drawing a sample grid from the EMA weights every `sampleEvery` steps. */
async function train(engine: Engine, trainer: Trainer, chart: LossChart, view: ImageGridView, samplingSteps: () => number): Promise<void> {
  const sampleEvery = intParam("sampleEvery", 50);
  const { config, state } = trainer;
  while (!stopRequested) {
    const chunkEnd = sampleEvery > 0 ? state.step + sampleEvery : Number.MAX_SAFE_INTEGER;
    const started = performance.now();
    const firstStep = state.step;
    await trainLoop({
      engine,
      model: trainer.model.asDenoiser(),
      scheduler: trainer.source.scheduler as DDPMScheduler,
      data: trainer.data,
      config: { ...config, steps: chunkEnd },
      state,
      conditional: trainer.data.labels !== null,
      shouldStop: () => stopRequested,
      onLog: (report) => {
        const seconds = trainer.seconds + (performance.now() - started) / 1000;
        chart.push(report.step, report.loss);
        ui.step.textContent = String(report.step);
        ui.loss.textContent = report.loss.toFixed(4);
        ui.rate.textContent = `${((report.step - firstStep) / ((performance.now() - started) / 1000)).toFixed(2)} steps/s`;
        ui.status.textContent = `training: step ${report.step}, ${seconds.toFixed(0)} s, batch ${config.batchSize}`;
      },
    });
    trainer.seconds += (performance.now() - started) / 1000;
    if (stopRequested || sampleEvery === 0) break;
    trainer.state.ema.copyTo(trainer.emaModel.parameters());
    await drawSamples(engine, view, trainer.source, intParam("samples", 16), samplingSteps(), trainer.config.seed + 1);
  }
}

// ---------------------------------------------------------------- a diffusers folder

/** Path inside the picked folder ("unet/config.json"), without the folder's own name. */
function relativePath(file: File): string {
  const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
  return path.split("/").slice(1).join("/") || file.name;
}

async function loadFolder(engine: Engine, files: File[]): Promise<SamplingSource> {
  const byPath = new Map(files.map((f) => [relativePath(f), f]));
  const folderName = ((files[0] as File & { webkitRelativePath?: string })?.webkitRelativePath ?? "").split("/")[0] || "folder";
  // A training checkpoint's EMA weights first (as `ddpm sample` does), then a pipeline's unet/, then the folder itself.
  const unetDir = ["unet_ema/", "unet/", ""].find(
    (d) => byPath.has(`${d}config.json`) && byPath.has(`${d}diffusion_pytorch_model.safetensors`),
  );
  if (unetDir === undefined) {
    throw new Error(
      `${folderName}: no U-Net found: looked for config.json and diffusion_pytorch_model.safetensors in unet_ema/, unet/ ` +
        "and the folder itself" +
        ` (it holds ${[...byPath.keys()].slice(0, 12).join(", ")}${byPath.size > 12 ? ", …" : ""})`,
    );
  }
  const checkpoint = parseUNetCheckpoint(
    await byPath.get(`${unetDir}config.json`)!.text(),
    new Uint8Array(await byPath.get(`${unetDir}diffusion_pytorch_model.safetensors`)!.arrayBuffer()),
    `${folderName}/${unetDir.replace(/\/$/, "")}`,
  );
  const model = unetFromCheckpoint(engine, checkpoint);
  // No scheduler config: diffusers' defaults, as the CLI does; one that is there must be valid.
  const schedulerFile = byPath.get("scheduler/scheduler_config.json") ?? byPath.get("scheduler_config.json");
  let schedulerConfig: Record<string, unknown> = {};
  if (schedulerFile) {
    try {
      schedulerConfig = JSON.parse(await schedulerFile.text());
    } catch (error) {
      model.dispose();
      throw new Error(`${folderName}/${relativePath(schedulerFile)} is not valid JSON: ${(error as Error).message}`);
    }
  }
  let scheduler: DDPMScheduler | DDIMScheduler;
  try {
    scheduler = schedulerConfig._class_name === "DDIMScheduler" ? new DDIMScheduler(schedulerConfig) : new DDPMScheduler(schedulerConfig);
  } catch (error) {
    model.dispose();
    throw error;
  }
  // A `ddpm train` checkpoint records its classes, its "no class" label and the guidance it was trained for.
  const stateFile = byPath.get("training_state.json");
  let trained: TrainedClasses = { numClasses: null, unconditionalLabel: null, guidance: 1 };
  if (stateFile) {
    try {
      trained = parseTrainedClasses(await stateFile.text(), `${folderName}/training_state.json`);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  return {
    name: `${folderName}/${unetDir || "."}`,
    model,
    scheduler,
    numClasses: trained.numClasses ?? model.config.num_class_embeds ?? null,
    guidance: trained.guidance,
    unconditionalLabel: trained.unconditionalLabel,
  };
}

// ---------------------------------------------------------------- wiring

async function main(): Promise<void> {
  setPhase("starting", "starting WebGPU…");
  if (!("gpu" in navigator)) throw new Error("this browser has no WebGPU (navigator.gpu): use a recent Chrome or Edge, or enable WebGPU");
  // ?autotune=off: the kernels' heuristic choices, no timing after the first step (the tests use it).
  const engine = await Engine.create({ autotune: params.get("autotune") === "off" ? "off" : "auto" });
  const a = engine.adapter;
  ui.adapter.textContent =
    `${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(" · ") || "unknown adapter"}` +
    `${a.isSoftware ? " (software adapter: expect a few steps per second at most)" : ""}`;
  const chart = new LossChart(ui.chart);
  const samplingSteps = () => {
    const steps = Number(ui.steps.value);
    if (!Number.isInteger(steps) || steps < 0)
      throw new Error(`DDIM steps must be an integer ≥ 0 (0 = DDPM over all T steps), got '${ui.steps.value}'`);
    return steps;
  };
  const view = new ImageGridView(engine, ui.samples, { gap: 2 });
  const presetName = params.get("preset") ?? "mnist-16";
  ui.steps.value = String(intParam("steps", 20));
  let trainer: Trainer | null = null;
  let current: SamplingSource | null = null;
  let folderSource: SamplingSource | null = null;

  const ensureTrainer = async () => {
    if (!trainer) {
      setPhase("loading", "loading MNIST and building the model…");
      trainer = await createTrainer(engine, presetName);
      const p = trainer.model.parameterCount();
      const digits = `${trainer.data.count} digits ${trainer.data.height}×${trainer.data.width}`;
      ui.status.textContent = `${presetName}: ${p.toLocaleString("en")} parameters, ${digits}`;
    }
    return trainer;
  };
  // Every action runs alone: buttons are disabled while one runs, Stop ends it.
  const action = (run: () => Promise<void>) => async () => {
    if (phase !== "idle") return;
    stopRequested = false;
    ui.error.hidden = true;
    try {
      await run();
    } catch (error) {
      showError(error);
    } finally {
      stopRequested = false;
      setPhase("idle");
    }
  };

  ui.start.addEventListener(
    "click",
    action(async () => {
      const t = await ensureTrainer();
      current = t.source;
      setPhase("training", "training…");
      await train(engine, t, chart, view, samplingSteps);
      ui.status.textContent = `stopped at step ${t.state.step} after ${t.seconds.toFixed(0)} s of training`;
    }),
  );
  ui.stop.addEventListener("click", () => {
    stopRequested = true;
    ui.status.textContent = "stopping after this step…";
  });
  ui.sample.addEventListener(
    "click",
    action(async () => {
      const source = current ?? (await ensureTrainer()).source;
      if (trainer && source === trainer.source) trainer.state.ema.copyTo(trainer.emaModel.parameters());
      setPhase("sampling", `sampling from ${source.name}…`);
      const done = await drawSamples(engine, view, source, intParam("samples", 16), samplingSteps(), Date.now() % 100000);
      ui.status.textContent = done ? `samples from ${source.name}` : "sampling stopped";
    }),
  );
  ui.folder.addEventListener(
    "change",
    action(async () => {
      const files = Array.from(ui.folder.files ?? []);
      if (!files.length) return;
      setPhase("loading", `reading ${files.length} files…`);
      folderSource?.model.dispose();
      folderSource = null;
      folderSource = await loadFolder(engine, files);
      current = folderSource;
      const c = folderSource.model.config;
      setPhase(
        "sampling",
        `sampling from ${folderSource.name} (${folderSource.model.parameterCount().toLocaleString("en")} parameters, ` +
          `${c.in_channels}×${c.sample_size}²)…`,
      );
      const done = await drawSamples(engine, view, folderSource, intParam("samples", 16), samplingSteps(), 0);
      ui.status.textContent = done ? `samples from ${folderSource.name}` : "sampling stopped";
    }),
  );
  setPhase("idle", "ready: start training, or pick a diffusers folder to sample from");
}

main().catch((error) => {
  showError(error);
  ui.status.textContent = "could not start";
  document.body.dataset.phase = "failed";
});
