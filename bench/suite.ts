/**
 * The benchmark suite, shared by `npm run bench` (Node, bench/node.ts) and `npm run bench:chrome` (the page,
 * bench/page.ts); browser-safe. Three sections, each row validated before it is timed:
 *
 * 1. peak — the adapter's fp32 FMA rate (bench/bench.wgsl peak_fma_N), the denominator of every "% of peak".
 * 2. kernels — on the layer shapes of the mnist-16 preset (batch 16) and google/ddpm-cifar10-32 (batch 1):
 *    conv2d forward / input gradient / weight gradient, matmul forward / backward, group norm + SiLU, attention,
 *    the fused denoising step and AdamW over the mnist-16 parameters. Each is first checked against a float64
 *    reference (test/reference/, bench/reference.ts) on the benchmarked shape; ours and the peer's both.
 * 3. e2e — a U-Net training step (forward, MSE loss, backward, AdamW) and a sampling step (forward + fused
 *    step) per config, with dispatches and submits per step and peak GPU bytes; the peer runs a tfjs U-Net of
 *    the same layer shapes holding the same weights, and its output is compared with ours first.
 *
 *    With ONNX Runtime Web (the second peer, bench/ort-peer.ts), the U-Net exported by exportUNetOnnx with the
 *    same weights runs on each of ORT's execution providers at hand; its output is compared with ours, then its
 *    forward pass is timed beside ours.
 *
 * Timings are medians of warmed runs (bench/timing.ts says which clock); "speedup" is peer ms / our ms.
 */

import type * as TF from "@tensorflow/tfjs-core";
import type { TuneResult } from "../src/gpu/tuner.js";
import {
  AdamW,
  clipFactor,
  DDPMScheduler,
  EMA,
  type Engine,
  exportUNetOnnx,
  ops,
  resolveUNetConfig,
  type Tensor,
  UNet2DModel,
  type UNetInput,
} from "../src/index.js";
import { type KernelCase, kernelCaseGroups } from "./kernel-cases.js";
import type { SuiteConfig, SuiteContext, SuiteOptions } from "./options.js";
import type { OrtFeeds, OrtProvider } from "./ort-peer.js";
import { INVOCATIONS, peakVariant } from "./peak.js";
import { violation } from "./reference.js";
import { EngineTimer, type Timing } from "./timing.js";
import { BENCH_LEARNING_RATES, BENCH_SCHEDULERS, UNET_BENCH_CONFIGS } from "./unet-configs.js";

/** One side's time for a row. */
export interface Measured {
  /** The time the row reports and the speedup uses (ms): GPU time where both sides have it, else wall. */
  ms: number;
  clock: "gpu" | "wall";
  wallMs: number;
  gpuMs: number | null;
  runs: number;
}

export interface KernelRow {
  name: string;
  /** The kernel variants the autotune chose for this row's shapes ("family: variant"), or [] when none was measured. */
  variants?: string[];
  config: SuiteConfig | "-";
  /** The shape in words, e.g. "x [16,16,16,16] → 16, 3×3". */
  shape: string;
  /** FLOPs of one call (multiply + add = 2), when the row is compute-bound. */
  flops: number | null;
  /** Bytes of one call: one read of every input and one write of every output (the least traffic). */
  bytes: number | null;
  /** Calls recorded per timed run (small kernels are repeated so the submit round trip does not dominate). */
  calls: number;
  ours: Measured;
  peer: Measured | null;
  /** GFLOP/s or GB/s of ours, and of the peer. */
  rate: number;
  peerRate: number | null;
  unit: "GFLOP/s" | "GB/s";
  /**
   * The FMA peak (GFLOP/s, the run's best peak kernel) timed in the same repeats as ours, one peak run after each
   * of ours (FLOP rows): the denominator of percentOfPeak and peerPercentOfPeak.
   */
  peakGflops: number | null;
  /** Ours as a % of peakGflops (FLOP rows). */
  percentOfPeak: number | null;
  peerPercentOfPeak: number | null;
  /** peer ms / our ms. */
  speedup: number | null;
  /** What was checked against the float64 reference, with the worst error as a multiple of its tolerance. */
  check: string;
}

export interface E2ERow {
  config: SuiteConfig;
  step: "train" | "sample";
  batch: number;
  parameters: number;
  ours: Measured;
  peer: Measured | null;
  speedup: number | null;
  dispatches: number;
  submits: number;
  /** Peak bytes of pooled GPU buffers during the timed steps (engine.memory().peakBufferBytes). */
  peakBytes: number;
  /**
   * What the step needs, in bytes: parameters + gradients + AdamW moments + EMA + the activations the tape holds
   * for the backward pass (training), or the parameters (sampling).
   */
  stateBytes: number;
  /** Of stateBytes, the activations (engine.savedForBackward of the loss; 0 for sampling). */
  activationBytes: number;
  /** Storage buffers created during the timed steps (the pool should serve everything: 0). */
  buffersCreated: number;
  check: string;
}

/** A U-Net forward pass of ours beside ONNX Runtime Web's on one execution provider, on the same weights. */
export interface OnnxRow {
  config: SuiteConfig;
  batch: number;
  provider: OrtProvider;
  /** Our forward pass (recorded, submitted, waited for). */
  ours: Measured;
  /** ORT's session.run (null when the provider could not run the graph: see error). */
  theirs: Measured | null;
  /** ORT ms / our ms. */
  speedup: number | null;
  check: string;
  error?: string;
}

export interface PeakResult {
  kernel: string;
  gflops: number;
  ms: number;
  clock: "gpu" | "wall";
  variants: { kernel: string; gflops: number }[];
}

export interface BenchReport {
  environment: string;
  adapter: { vendor: string; architecture: string; description: string; backend: string; isSoftware: boolean; timestampQuery: boolean };
  date: string;
  options: SuiteOptions;
  timing: { ours: string; peer: string | null };
  peer: { name: string; version: string } | null;
  peak: PeakResult | null;
  kernels: KernelRow[];
  e2e: E2ERow[];
  /** The second peer: ONNX Runtime Web on the exported U-Nets (empty without it). */
  onnx?: OnnxRow[];
  ortPeer?: { name: string; version: string; note: string } | null;
  /** The U-Net configs (diffusers config.json keys) and batch sizes of the e2e rows. */
  models?: Record<string, { batch: number; config: Record<string, unknown> }>;
  notes: string[];
  seconds: number;
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** Worst violation → a check cell; throws when it fails, so nothing wrong is ever timed. */
function passed(what: string, worst: number): string {
  if (!(worst <= 1)) throw new Error(`bench: ${what} is off its float64 reference (${worst.toFixed(2)}× the tolerance)`);
  return `${worst.toPrecision(2)}×tol`;
}

/** Choose the clock both sides have (GPU timestamps if both, else wall) and the per-call times. */
function pair(ours: Timing, peer: Timing | null, calls: number, preferGpu: boolean): { ours: Measured; peer: Measured | null } {
  const gpu = preferGpu && ours.gpuMs !== null && (peer === null || peer.gpuMs !== null);
  const pick = (t: Timing): Measured => ({
    ms: (gpu ? t.gpuMs! : t.wallMs) / calls,
    clock: gpu ? "gpu" : "wall",
    wallMs: t.wallMs / calls,
    gpuMs: t.gpuMs === null ? null : t.gpuMs / calls,
    runs: t.runs,
  });
  return { ours: pick(ours), peer: peer ? pick(peer) : null };
}

export async function runSuite(context: SuiteContext): Promise<BenchReport> {
  const { engine, peer, options, log } = context;
  const started = performance.now();
  const timer = new EngineTimer(engine);
  const report: BenchReport = {
    environment: context.environment,
    adapter: {
      vendor: engine.adapter.vendor,
      architecture: engine.adapter.architecture,
      description: engine.adapter.description,
      backend: engine.adapter.backend,
      isSoftware: engine.adapter.isSoftware,
      timestampQuery: timer.timestamps,
    },
    date: new Date().toISOString(),
    options,
    timing: { ours: timer.note, peer: peer?.note ?? null },
    peer: peer ? { name: "@tensorflow/tfjs-backend-webgpu", version: peer.version } : null,
    peak: null,
    kernels: [],
    e2e: [],
    onnx: [],
    ortPeer: null,
    models: {},
    notes: [],
    seconds: 0,
  };
  log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} ${engine.adapter.description} (${engine.adapter.backend})`);
  log(`timing (ours): ${timer.note}`);
  if (peer) log(`timing (tfjs ${peer.version}): ${peer.note}`);
  if (context.ort) log(`timing (${context.ort.note})`);
  const wanted = (name: string) => !options.filter || name.includes(options.filter);

  if (options.sections.includes("peak") || options.sections.includes("kernels")) {
    report.peak = await measurePeak(engine, timer, options.quick ? 5 : 9);
    log(
      `[peak] ${report.peak.kernel}: ${report.peak.gflops.toFixed(2)} GFLOP/s (${report.peak.clock} clock; ${report.peak.variants.map((v) => `${v.kernel} ${v.gflops.toFixed(2)}`).join(", ")})`,
    );
  }
  if (options.sections.includes("kernels")) {
    // Each FLOP row's "% of peak" is against the peak kernel timed in that row's own repeats (the machine may be
    // shared, and load moves both rates alike); the run-wide peak, before and after the rows, is reported beside.
    const rows = await kernelRows(context, timer, report.peak!, wanted);
    const again = await measurePeak(engine, timer, options.quick ? 5 : 9);
    log(`[peak] again after the kernels: ${again.kernel} ${again.gflops.toFixed(2)} GFLOP/s`);
    const rowPeaks = rows.flatMap((r) => (r.peakGflops === null ? [] : [r.peakGflops]));
    report.notes.push(
      `Run-wide peak before and after the kernel rows: ${report.peak!.gflops.toFixed(2)} and ${again.gflops.toFixed(2)} GFLOP/s; ` +
        (rowPeaks.length
          ? `timed within the rows' repeats it ranged ${Math.min(...rowPeaks).toFixed(2)}–${Math.max(...rowPeaks).toFixed(2)} GFLOP/s.`
          : "no FLOP rows ran."),
    );
    report.kernels.push(...rows);
  }
  if (options.sections.includes("e2e")) {
    for (const config of options.configs) {
      if (!wanted(config) && !wanted("unet")) continue;
      report.models![config] = { batch: UNET_BENCH_CONFIGS[config].batch, config: { ...UNET_BENCH_CONFIGS[config].config } };
      report.e2e.push(...(await e2eRows(context, timer, config, report.notes, report.onnx!)));
    }
  }
  // (after the sessions: ORT settles its thread count when it first initialises)
  if (context.ort) report.ortPeer = { name: "onnxruntime-web", version: context.ort.version, note: context.ort.note };
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

// ---------------------------------------------------------------------------------------------- peak

async function measurePeak(engine: Engine, timer: EngineTimer, repeats: number): Promise<PeakResult> {
  const sink = engine.empty([INVOCATIONS], "peak sink").keep();
  const variants: { kernel: string; gflops: number; ms: number }[] = [];
  for (const kernel of ["peak_fma_8", "peak_fma_16", "peak_fma_32"]) {
    const v = peakVariant(engine, sink, kernel, 256);
    const t = await timer.measure(v.run, { repeats, warmup: 2 });
    const ms = t.gpuMs ?? t.wallMs;
    variants.push({ kernel, ms, gflops: v.flops / ms / 1e6 });
  }
  sink.dispose();
  const best = variants.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return {
    kernel: best.kernel,
    gflops: best.gflops,
    ms: best.ms,
    clock: timer.timestamps ? "gpu" : "wall",
    variants: variants.map(({ kernel, gflops }) => ({ kernel, gflops })),
  };
}

// ---------------------------------------------------------------------------------------------- kernels

/**
 * Every kernel row (bench/kernel-cases.ts), each one way: checked against float64 (a failure throws, so nothing
 * wrong is timed), timed (a FLOP row with the peak kernel run after each of its runs, for its "% of peak"), the peer
 * timed, the row added.
 */
async function kernelRows(
  context: SuiteContext,
  timer: EngineTimer,
  peak: PeakResult,
  wanted: (name: string) => boolean,
): Promise<KernelRow[]> {
  const { engine, peer, options, log } = context;
  const sink = engine.empty([INVOCATIONS], "peak sink").keep();
  const peakRun = peakVariant(engine, sink, peak.kernel, 256);
  const rows: KernelRow[] = [];
  for (const group of kernelCaseGroups(context)) {
    if (!group.names.some(wanted)) continue;
    const { cases, free } = await group.build();
    for (const c of cases) {
      if (!wanted(c.name)) continue;
      const check = await checkCell(c);
      const { run: ours, alongside: peakTiming } = await timer.measureAlongside(c.run, c.flops !== null ? peakRun.run : null, {
        repeats: options.repeats,
      });
      const theirs = peer && c.peer ? await peer.measure(c.peer, { repeats: options.peerRepeats, gpu: true }) : null;
      const row = kernelRow(
        c,
        pair(ours, theirs, c.calls, true),
        check,
        timer.takeTuned(),
        peakTiming && { timing: peakTiming, flops: peakRun.flops },
      );
      rows.push(row);
      log(kernelLine(row));
    }
    for (const t of free) t?.dispose();
  }
  sink.dispose();
  return rows;
}

/** The check cell: ours' worst error, then the peer's, as multiples of the tolerance. */
async function checkCell(c: KernelCase): Promise<string> {
  const { ours, peer, prefix = "", peerLabel = "tfjs" } = c.check;
  const cell = `${prefix}${passed(`ours ${c.name} ${c.shape}`, await ours())}`;
  return peer ? `${cell}, ${peerLabel} ${passed(`${peerLabel} ${c.name} ${c.shape}`, await peer())}` : cell;
}

/** A row from a case's times: rates, % of the peak kernel timed alongside (FLOP rows), speedup. */
function kernelRow(
  c: KernelCase,
  measured: { ours: Measured; peer: Measured | null },
  check: string,
  tuned: TuneResult[],
  peak: { timing: Timing; flops: number } | null,
): KernelRow {
  const { ours, peer } = measured;
  const work = c.flops ?? c.bytes!;
  const rate = work / ours.ms / 1e6;
  const peerRate = peer ? work / peer.ms / 1e6 : null;
  // The peak on the clock the row reports (pair() chose it).
  const rowPeak = c.flops !== null && peak ? peak.flops / (ours.clock === "gpu" ? peak.timing.gpuMs! : peak.timing.wallMs) / 1e6 : null;
  return {
    name: c.name,
    config: c.config,
    shape: c.shape,
    flops: c.flops,
    bytes: c.bytes,
    calls: c.calls,
    ours,
    peer,
    check,
    variants: tuned.map((r) => `${r.family}: ${r.chosen}`),
    unit: c.flops !== null ? "GFLOP/s" : "GB/s",
    rate,
    peerRate,
    peakGflops: rowPeak,
    percentOfPeak: rowPeak !== null ? (100 * rate) / rowPeak : null,
    peerPercentOfPeak: rowPeak !== null && peerRate !== null ? (100 * peerRate) / rowPeak : null,
    speedup: peer ? peer.ms / ours.ms : null,
  };
}

function kernelLine(row: KernelRow): string {
  const pct = row.percentOfPeak !== null ? ` ${row.percentOfPeak.toFixed(0)}% of peak ${row.peakGflops!.toFixed(2)}` : "";
  const theirs = row.peer ? `; tfjs ${fmtMs(row.peer.ms)} ms (${row.peerRate!.toFixed(2)} ${row.unit}) → ×${row.speedup!.toFixed(2)}` : "";
  return `[kernels] ${row.name} ${row.shape}: ${fmtMs(row.ours.ms)} ms ${row.ours.clock} (${row.rate.toFixed(2)} ${row.unit}${pct})${theirs}; check ${row.check}`;
}

// ---------------------------------------------------------------------------------------------- end to end

/** One U-Net step row: how ours and the peer run the step, and what the step needs in memory. */
interface StepCase {
  step: E2ERow["step"];
  run: () => void;
  /** The tfjs U-Net's step (its result freed after each run), and what to free once it is timed. */
  peer: { run: () => TF.Tensor | undefined; dispose?(): void } | null;
  /** E2ERow.stateBytes and activationBytes, known once the step has run. */
  needed: () => { stateBytes: number; activationBytes: number };
}

async function e2eRows(context: SuiteContext, timer: EngineTimer, name: SuiteConfig, notes: string[], onnx: OnnxRow[]): Promise<E2ERow[]> {
  const { engine, peer, options, log } = context;
  const { batch, config } = UNET_BENCH_CONFIGS[name];
  const repeats = options.e2eRepeats[name];
  const peerRepeats = options.e2ePeerRepeats[name];
  const resolved = resolveUNetConfig(config as Record<string, unknown>);
  const model = new UNet2DModel(engine, config as Record<string, unknown>);
  const parameters = model.parameterCount();
  const lr = BENCH_LEARNING_RATES[name];
  const optimizer = new AdamW(engine, model.parameters(), { lr });
  const ema = new EMA(engine, model.parameters(), 0.9999);
  const scheduler = new DDPMScheduler(BENCH_SCHEDULERS[name]);
  const shape = [batch, resolved.in_channels, resolved.sample_size!, resolved.sample_size!];
  const labels = resolved.num_class_embeds ? Array.from({ length: batch }, (_, i) => i % 10) : undefined;
  const timesteps = Array.from({ length: batch }, (_, i) => (i * 97 + 11) % 1000);
  const x0 = engine.randn(shape, { seed: 1 }).keep();
  const { noisy, target } = scheduler.noisyTrainingPair(x0, timesteps, 3);
  noisy.keep();
  target.keep();
  const sampleT = 500;
  const seed = 5;
  log(
    `[e2e] ${name}: ${parameters.toLocaleString("en-US")} parameters, batch ${batch}, ${repeats} timed runs per step${peer ? ` (tfjs ${peerRepeats})` : ""}`,
  );

  // Validate: the forward is finite, and (with the peer) the tfjs U-Net holding the same weights agrees.
  const state = peer ? await model.stateDict() : null;
  const ours = engine.noGrad(() => engine.tidy(() => model.forward({ sample: noisy, timesteps, classLabels: labels })));
  const oursData = await ours.data();
  ours.dispose();
  if (!oursData.every(Number.isFinite)) throw new Error(`bench: ${name} forward gives non-finite values`);
  let check = "finite";
  const tf = peer?.tf;
  const peerModel = peer && state ? peer.unet(resolved, state) : null;
  const pNoisy = peer ? peer.nhwc(await noisy.data(), shape) : null;
  const pTarget = peer ? peer.nhwc(await target.data(), shape) : null;
  if (peer && peerModel) {
    if (peerModel.parameterCount() !== parameters) {
      throw new Error(`bench: the tfjs U-Net has ${peerModel.parameterCount()} parameters, ours ${parameters}`);
    }
    const theirs = tf!.tidy(() => peerModel.forward(pNoisy!, timesteps, labels));
    // Two f32 implementations with different summation orders (the golden U-Net test's output bound, doubled:
    // test/helpers/golden-unet.ts).
    const worst = violation(await peer.nchwData(theirs), oursData, 1e-3, 4e-4);
    theirs.dispose();
    check = `tfjs forward = ours ${passed(`${name} tfjs U-Net forward against ours`, worst)}`;
  }
  log(`[e2e] ${name}: check ${check}`);

  // Training step, as the training loop runs it: forward, L_simple (MSE), backward, global-norm clipping, AdamW
  // fused with the EMA of the weights.
  let activationBytes = 0;
  const train: StepCase = {
    step: "train",
    run: () =>
      engine.tidy(() => {
        const out = model.forward({ sample: noisy, timesteps, classLabels: labels });
        const loss = ops.mseLoss(out, target);
        activationBytes = engine.savedForBackward(loss).bytes;
        optimizer.zeroGrad();
        engine.backward(loss);
        const grads = optimizer.params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
        optimizer.step({ gradScale: clipFactor(engine, grads, 1), ema });
        optimizer.zeroGrad();
      }),
    peer: null,
    needed: () => ({ stateBytes: 5 * 4 * parameters + activationBytes, activationBytes }),
  };
  // Sampling step: U-Net forward + the fused DDPM step.
  const sample: StepCase = {
    step: "sample",
    run: () =>
      engine.noGrad(() =>
        engine.tidy(() => {
          const out = model.forward({ sample: noisy, timesteps: new Array(batch).fill(sampleT), classLabels: labels });
          scheduler.step(out, sampleT, noisy, { seed });
        }),
      ),
    peer: null,
    needed: () => ({ stateBytes: 4 * parameters, activationBytes: 0 }),
  };
  if (tf && peerModel) {
    const x = pNoisy!;
    const adam = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    const variables = [...peerModel.variables.values()];
    const loss = () => tf.mean(tf.squaredDifference(peerModel.forward(x, timesteps, labels), pTarget!)) as TF.Scalar;
    train.peer = { run: () => void adam.minimize(loss, false, variables), dispose: () => adam.dispose() };
    const c = scheduler.stepCoefficients(sampleT);
    const step = () => {
      const out = peerModel.forward(x, new Array(batch).fill(sampleT), labels);
      // The same arithmetic as shaders/diffusion.wgsl's denoise_step, as tfjs ops.
      let x0 = tf.add(tf.mul(x, c.x0FromSample), tf.mul(out, c.x0FromModel));
      if (c.clip) x0 = tf.clipByValue(x0, -c.clipRange, c.clipRange);
      const eps = tf.add(tf.mul(x, c.epsFromSample), tf.mul(out, c.epsFromModel));
      const mean = tf.add(tf.add(tf.mul(x0, c.outFromX0), tf.mul(x, c.outFromSample)), tf.mul(eps, c.outFromEps));
      return c.sigma ? tf.add(mean, tf.mul(tf.randomNormal(x.shape), c.sigma)) : mean;
    };
    sample.peer = { run: step };
  }

  const rows: E2ERow[] = [];
  for (const step of [train, sample]) rows.push(await stepRow(context, timer, { config: name, batch, parameters, check }, step, notes));
  // After the training steps: the weights the export and our forward both use are the ones the model has now.
  if (context.ort) {
    const input = { sample: noisy, timesteps, classLabels: labels };
    onnx.push(...(await onnxRows(context, timer, { config: name, batch, modelConfig: config, model, input })));
  }

  peerModel?.dispose();
  pNoisy?.dispose();
  pTarget?.dispose();
  optimizer.dispose();
  ema.dispose();
  model.dispose();
  for (const t of [x0, noisy, target]) t.dispose();
  return rows;
}

/**
 * One U-Net step row: a warm-up step, the autotune of the step's shapes (noted where it differs from the heuristics),
 * the dispatches and submits of a step, the timed steps with the pool's peak and the buffers they create, then the
 * peer's steps.
 */
async function stepRow(
  context: SuiteContext,
  timer: EngineTimer,
  u: Pick<E2ERow, "config" | "batch" | "parameters" | "check">,
  s: StepCase,
  notes: string[],
): Promise<E2ERow> {
  const { engine, peer, options, log } = context;
  const name = u.config;
  await countedStep(engine, s.run); // warm-up: pipelines, pool growth, and the shapes for the autotune
  notes.push(...tuneNote(`${name} ${s.step}`, await engine.autotune(), log));
  timer.takeTuned();
  const counts = await countedStep(engine, s.run); // the counts do not change from here on
  engine.resetPeak();
  const createdBefore = engine.memory().buffersCreated;
  const timed = await timer.measure(s.run, { repeats: options.e2eRepeats[name], warmup: 0 });
  const peakBytes = engine.memory().peakBufferBytes;
  const buffersCreated = engine.memory().buffersCreated - createdBefore;
  const peerTimed =
    peer && s.peer ? await peer.measure(s.peer.run, { repeats: options.e2ePeerRepeats[name], warmup: options.e2ePeerWarmup[name] }) : null;
  s.peer?.dispose?.();
  const { ours, peer: theirs } = pair(timed, peerTimed, 1, false);
  const row: E2ERow = {
    config: name,
    step: s.step,
    batch: u.batch,
    parameters: u.parameters,
    ours,
    peer: theirs,
    speedup: theirs ? theirs.ms / ours.ms : null,
    ...counts,
    peakBytes,
    ...s.needed(),
    buffersCreated,
    check: u.check,
  };
  const speedup = theirs ? `; tfjs ${fmtMs(theirs.ms)} ms → ×${row.speedup!.toFixed(2)}` : "";
  log(
    `[e2e] ${name} ${s.step} step (batch ${u.batch}): ${fmtMs(ours.ms)} ms wall${ours.gpuMs !== null ? ` (GPU ${fmtMs(ours.gpuMs)} ms)` : ""}, ` +
      `${counts.dispatches} dispatches, ${counts.submits} submits, peak ${(peakBytes / 2 ** 20).toFixed(1)} MiB${speedup}`,
  );
  return row;
}

/**
 * ONNX Runtime Web's forward pass on each of its execution providers, beside ours: the U-Net exported with its
 * weights, the output checked against ours (the tfjs check's tolerance), then both timed. A provider that cannot
 * create a session or run the graph gets a row with the error; a wrong output throws.
 */
async function onnxRows(
  context: SuiteContext,
  timer: EngineTimer,
  u: { config: SuiteConfig; batch: number; modelConfig: Record<string, unknown>; model: UNet2DModel; input: UNetInput },
): Promise<OnnxRow[]> {
  const { engine, options, log } = context;
  const ort = context.ort!;
  const { config: name, model, input } = u;
  const graph = exportUNetOnnx(u.modelConfig, await model.stateDict());
  log(`[onnx] ${name}: exported ${(graph.length / 2 ** 20).toFixed(1)} MiB`);
  const forward = () => engine.noGrad(() => engine.tidy(() => void model.forward(input)));
  const output = engine.noGrad(() => model.forward(input));
  const oursData = await output.data();
  output.dispose();
  const feeds: OrtFeeds = {
    sample: { data: await input.sample.data(), shape: [...input.sample.shape] },
    timesteps: Array.from(input.timesteps as ArrayLike<number>),
    labels: input.classLabels ? Array.from(input.classLabels) : undefined,
  };
  const ours = pair(await timer.measure(forward, { repeats: options.e2eRepeats[name], warmup: 1 }), null, 1, false).ours;
  const rows: OnnxRow[] = [];
  for (const provider of ort.providers) {
    const row: OnnxRow = { config: name, batch: u.batch, provider, ours, theirs: null, speedup: null, check: "—" };
    let session: Awaited<ReturnType<typeof ort.session>> | null = null;
    let theirs: Float32Array;
    try {
      session = await ort.session(graph, provider);
      theirs = await ort.run(session, feeds); // also the warm-up: shaders compiled, buffers allocated
    } catch (error) {
      row.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
      log(`[onnx] ${name} ${provider}: failed: ${row.error}`);
      await session?.release();
      rows.push(row);
      continue;
    }
    let timed: Awaited<ReturnType<typeof ort.measure>>;
    try {
      row.check = `ORT ${provider} = ours ${passed(`${name} ORT ${provider} forward against ours`, violation(theirs, oursData, 1e-3, 4e-4))}`;
      timed = await ort.measure(session, feeds, { repeats: options.ortRepeats[name], warmup: options.ortWarmup[name] });
    } finally {
      await session.release();
    }
    row.theirs = { ms: timed.wallMs, clock: "wall", wallMs: timed.wallMs, gpuMs: null, runs: timed.runs };
    row.speedup = timed.wallMs / ours.ms;
    log(
      `[onnx] ${name} forward (batch ${u.batch}): ours ${fmtMs(ours.ms)} ms; ORT ${provider} ${fmtMs(timed.wallMs)} ms → ×${row.speedup.toFixed(2)}; ${row.check}`,
    );
    rows.push(row);
  }
  return rows;
}

/** Dispatches and submits of one run of `run`. */
async function countedStep(engine: Engine, run: () => void): Promise<{ dispatches: number; submits: number }> {
  const before = { ...engine.stats };
  run();
  await engine.sync();
  return { dispatches: engine.stats.dispatches - before.dispatches, submits: engine.stats.submits - before.submits };
}

/** The note on what the autotune chose for a step's shapes where it differs from the heuristics (none if it measured nothing). */
function tuneNote(what: string, results: TuneResult[], log: (line: string) => void): string[] {
  if (!results.length) return [];
  const changed = results.filter((r) => r.chosen !== r.heuristic);
  // Variants that measured faster than the heuristic first, but not when both were timed again (tuner.ts retime()).
  const undone = results.filter((r) => r.recheck && r.chosen === r.heuristic);
  const line =
    `Autotune, ${what}: ${results.length} kernel shapes measured; ${changed.length} faster than the heuristic choice` +
    (changed.length ? ` (${changed.map((r) => `${r.family} ${r.key}: ${r.chosen} instead of ${r.heuristic}`).join("; ")})` : "") +
    `; ${undone.length} other${undone.length === 1 ? "" : "s"} faster at first but not when timed again`;
  log(`[e2e] ${line}`);
  return [line];
}
