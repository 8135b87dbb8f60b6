/**
 * The benchmark suite, shared by `npm run bench` (Node, bench/node.ts) and `npm run bench:chrome` (the page,
 * bench/page.ts); browser-safe. Three sections, each row validated before it is timed:
 *
 * 1. peak — the adapter's fp32 FMA rate (shaders/bench.wgsl peak_fma_N), the denominator of every "% of peak".
 * 2. kernels — on the layer shapes of the mnist-16 preset (batch 16) and google/ddpm-cifar10-32 (batch 1):
 *    conv2d forward / input gradient / weight gradient, matmul forward / backward, group norm + SiLU, attention,
 *    the fused denoising step and AdamW over the mnist-16 parameters. Each is first checked against a float64
 *    reference (test/reference/, bench/reference.ts) on the benchmarked shape; ours and the peer's both.
 * 3. e2e — a U-Net training step (forward, MSE loss, backward, AdamW) and a sampling step (forward + fused
 *    step) per config, with dispatches and submits per step and peak GPU bytes; the peer runs a tfjs U-Net of
 *    the same layer shapes holding the same weights, and its output is compared with ours first.
 *
 * Timings are medians of warmed runs (bench/timing.ts says which clock); "speedup" is peer ms / our ms.
 */

import { stepReference } from "../src/diffusion/schedulers.js";
import type { TuneResult } from "../src/gpu/tuner.js";
import { AdamW, DDPMScheduler, type Engine, ops, type Tensor, UNet2DModel } from "../src/index.js";
import { resolveUNetConfig } from "../src/nn/unet.js";
import { type ConvGeometry, conv2dGeometry } from "../src/ops/conv/geometry.js";
import { conv2dForward, conv2dInputGradient, conv2dWeightGradient } from "../src/ops/conv/variants.js";
import { clipFactor, EMA } from "../src/optim/ema.js";
import * as RC from "../test/reference/conv.js";
import * as RN from "../test/reference/nn.js";
import * as RO from "../test/reference/ops.js";
import { type Ref, rng, uniformData } from "../test/reference/tensor.js";
import { INVOCATIONS, peakVariant } from "./peak.js";
import { adamwStep, directionalCheck, violation } from "./reference.js";
import type { TfjsPeer } from "./tfjs-peer.js";
import { EngineTimer, type Timing } from "./timing.js";
import { BENCH_LEARNING_RATES, BENCH_SCHEDULERS, UNET_BENCH_CONFIGS, type UNetBenchName } from "./unet-configs.js";

export type Section = "peak" | "kernels" | "e2e";
export const SECTIONS: Section[] = ["peak", "kernels", "e2e"];
/** The configs the suite benchmarks (bench/unet-configs.ts). */
export type SuiteConfig = Extract<UNetBenchName, "mnist-16" | "ddpm-cifar10-32">;
export const SUITE_CONFIGS: SuiteConfig[] = ["mnist-16", "ddpm-cifar10-32"];

export interface SuiteOptions {
  /** Fewer repeats, the small kernel shapes only, and the mnist-16 U-Net only. */
  quick: boolean;
  sections: Section[];
  configs: SuiteConfig[];
  /** Timed runs per kernel row (after one warm-up run); at least 5 in a full run. */
  repeats: number;
  /** Timed runs per kernel row of the peer (slower by an order of magnitude on a software adapter). */
  peerRepeats: number;
  /** Timed runs per U-Net step row, per config (after one warm-up step). */
  e2eRepeats: Record<SuiteConfig, number>;
  /** The same for the peer's U-Net. */
  e2ePeerRepeats: Record<SuiteConfig, number>;
  /**
   * Warm-up steps of the peer's U-Net before its timed ones. 0 for cifar10 in a full run: a tfjs step takes
   * minutes on a software adapter, and the forward's shaders are compiled by the check that precedes it.
   */
  e2ePeerWarmup: Record<SuiteConfig, number>;
  /** Substring filter on row names (e.g. "conv2d"). */
  filter: string;
}

export function defaultOptions(quick: boolean): SuiteOptions {
  return {
    quick,
    sections: [...SECTIONS],
    configs: quick ? ["mnist-16"] : [...SUITE_CONFIGS],
    repeats: quick ? 3 : 7,
    peerRepeats: quick ? 3 : 5,
    e2eRepeats: quick ? { "mnist-16": 2, "ddpm-cifar10-32": 1 } : { "mnist-16": 5, "ddpm-cifar10-32": 3 },
    e2ePeerRepeats: quick ? { "mnist-16": 1, "ddpm-cifar10-32": 1 } : { "mnist-16": 2, "ddpm-cifar10-32": 1 },
    e2ePeerWarmup: { "mnist-16": 1, "ddpm-cifar10-32": 0 },
    filter: "",
  };
}

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
  /** The U-Net configs (diffusers config.json keys) and batch sizes of the e2e rows. */
  models?: Record<string, { batch: number; config: Record<string, unknown> }>;
  notes: string[];
  seconds: number;
}

export interface SuiteContext {
  engine: Engine;
  peer: TfjsPeer | null;
  options: SuiteOptions;
  environment: string;
  log: (line: string) => void;
}

const f32 = (r: Ref) => Float32Array.from(r.data);
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
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
    models: {},
    notes: [],
    seconds: 0,
  };
  log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} ${engine.adapter.description} (${engine.adapter.backend})`);
  log(`timing (ours): ${timer.note}`);
  if (peer) log(`timing (tfjs ${peer.version}): ${peer.note}`);
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
      report.e2e.push(...(await e2eRows(context, timer, config, report.notes)));
    }
  }
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

interface ConvCase {
  config: SuiteConfig;
  x: [number, number, number, number];
  out: number;
}

/** 3×3, stride 1, padding 1 convolutions of the two U-Nets' resnet blocks. */
const CONV_CASES: ConvCase[] = [
  { config: "mnist-16", x: [16, 16, 16, 16], out: 16 },
  { config: "mnist-16", x: [16, 32, 8, 8], out: 32 },
  { config: "ddpm-cifar10-32", x: [1, 128, 32, 32], out: 128 },
  { config: "ddpm-cifar10-32", x: [1, 256, 16, 16], out: 256 },
  { config: "ddpm-cifar10-32", x: [1, 256, 4, 4], out: 256 },
];

/** A·B with A [M, K], B [K, N]: the attention projections (tokens · W) of the two U-Nets. */
const MATMUL_CASES: { config: SuiteConfig; m: number; k: number; n: number; what: string }[] = [
  { config: "mnist-16", m: 1024, k: 32, n: 32, what: "attention, 16×64 tokens" },
  { config: "ddpm-cifar10-32", m: 256, k: 256, n: 256, what: "attention, 256 tokens" },
];

const NORM_CASES: { config: SuiteConfig; x: number[]; groups: number }[] = [
  { config: "mnist-16", x: [16, 16, 16, 16], groups: 8 },
  { config: "ddpm-cifar10-32", x: [1, 128, 32, 32], groups: 32 },
];

/** q, k, v [B·heads, L, d]. */
const ATTENTION_CASES: { config: SuiteConfig; b: number; l: number; d: number }[] = [
  { config: "mnist-16", b: 16, l: 64, d: 32 },
  { config: "ddpm-cifar10-32", b: 1, l: 256, d: 256 },
];

async function kernelRows(
  context: SuiteContext,
  timer: EngineTimer,
  peak: PeakResult,
  wanted: (name: string) => boolean,
): Promise<KernelRow[]> {
  const { engine, peer, options, log } = context;
  const rows: KernelRow[] = [];
  const repeats = options.repeats;
  const inConfigs = (c: SuiteConfig) => options.configs.includes(c);

  // The FLOP rows time the run's best peak kernel after each of their own runs (measureAlongside).
  const sink = engine.empty([INVOCATIONS], "peak sink").keep();
  const peakRun = peakVariant(engine, sink, peak.kernel, 256);
  const measureFlops = async (run: () => void): Promise<{ timed: Timing; peakTiming: Timing }> => {
    const both = await timer.measureAlongside(run, peakRun.run, { repeats });
    return { timed: both.run, peakTiming: both.alongside! };
  };

  const addRow = ({ peakTiming, ...row }: RowInput) => {
    const tuned = timer.takeTuned();
    const work = row.flops ?? row.bytes!;
    const unit = row.flops !== null ? "GFLOP/s" : "GB/s";
    const rate = work / row.ours.ms / 1e6;
    const peerRate = row.peer ? work / row.peer.ms / 1e6 : null;
    // The peak on the clock the row reports (pair() chose it).
    const rowPeak =
      row.flops !== null && peakTiming ? peakRun.flops / (row.ours.clock === "gpu" ? peakTiming.gpuMs! : peakTiming.wallMs) / 1e6 : null;
    const full: KernelRow = {
      ...row,
      variants: tuned.map((r) => `${r.family}: ${r.chosen}`),
      unit,
      rate,
      peerRate,
      peakGflops: rowPeak,
      percentOfPeak: rowPeak !== null ? (100 * rate) / rowPeak : null,
      peerPercentOfPeak: rowPeak !== null && peerRate !== null ? (100 * peerRate) / rowPeak : null,
      speedup: row.peer ? row.peer.ms / row.ours.ms : null,
    };
    rows.push(full);
    const pct = full.percentOfPeak !== null ? ` ${full.percentOfPeak.toFixed(0)}% of peak ${rowPeak!.toFixed(2)}` : "";
    const theirs = full.peer ? `; tfjs ${fmtMs(full.peer.ms)} ms (${peerRate!.toFixed(2)} ${unit}) → ×${full.speedup!.toFixed(2)}` : "";
    log(
      `[kernels] ${row.name} ${row.shape}: ${fmtMs(full.ours.ms)} ms ${full.ours.clock} (${rate.toFixed(2)} ${unit}${pct})${theirs}; check ${row.check}`,
    );
  };

  // Our kernels run without a tape, in a scope that frees every output.
  const ourRun = (calls: number, fn: () => void) => () =>
    engine.noGrad(() =>
      engine.tidy(() => {
        for (let i = 0; i < calls; i++) fn();
      }),
    );
  // Small kernels: several calls per run, so each run is at least a few ms of work on a ~3 GFLOP/s adapter.
  const callsFor = (flops: number) => Math.max(1, Math.min(32, Math.round(2e7 / flops)));

  // ---- conv2d
  for (const c of CONV_CASES) {
    if (!inConfigs(c.config) || (options.quick && c.x[1] > 128)) continue;
    const [n, ch, h, w] = c.x;
    const shape = `x [${c.x}] → ${c.out}, 3×3`;
    const names = ["conv2d forward", "conv2d input gradient", "conv2d weight+bias gradient"];
    if (!names.some(wanted)) continue;
    const random = rng(7);
    const xRef: Ref = { data: uniformData(n * ch * h * w, random), shape: [...c.x] };
    const wRef: Ref = { data: uniformData(c.out * ch * 9, random, -0.2, 0.2), shape: [c.out, ch, 3, 3] };
    const bRef: Ref = { data: uniformData(c.out, random), shape: [c.out] };
    const outRef = RC.conv2d(xRef, wRef, bRef, 1, 1);
    const gRef: Ref = { data: uniformData(outRef.data.length, random), shape: outRef.shape };
    const grads = RC.conv2dGradients(xRef, wRef, gRef, 1, 1);
    const x = engine.tensor(f32(xRef), xRef.shape).keep();
    const wt = engine.tensor(f32(wRef), wRef.shape).keep();
    const b = engine.tensor(f32(bRef), bRef.shape).keep();
    const gradOut = engine.tensor(f32(gRef), gRef.shape).keep();
    const g: ConvGeometry = conv2dGeometry(x, wt, b, { stride: 1, padding: 1 });
    const flops = 2 * n * c.out * h * w * ch * 9;
    const calls = callsFor(flops);
    const tf = peer?.tf;
    const px = peer?.nhwc(xRef.data, xRef.shape);
    const pw = peer?.hwio(wRef.data, wRef.shape);
    const pb = tf?.tensor1d(f32(bRef));
    const pg = peer?.nhwc(gRef.data, gRef.shape);

    const passes: {
      name: string;
      ours: () => Tensor[];
      theirs: (() => import("@tensorflow/tfjs-core").Tensor[]) | null;
      check: () => Promise<string>;
      bytes: number;
    }[] = [
      {
        name: names[0],
        ours: () => [conv2dForward(x, wt, b, g)],
        theirs: tf ? () => [tf.fused.conv2d({ x: px!, filter: pw!, strides: 1, pad: 1, bias: pb })] : null,
        check: async () => {
          const mine = engine.noGrad(() => conv2dForward(x, wt, b, g));
          const text = passed(`ours ${names[0]} ${shape}`, violation(await mine.data(), outRef.data));
          mine.dispose();
          if (!tf) return text;
          const theirs = tf.fused.conv2d({ x: px!, filter: pw!, strides: 1, pad: 1, bias: pb });
          const peerText = passed(`tfjs ${names[0]} ${shape}`, violation(await peer!.nchwData(theirs), outRef.data));
          theirs.dispose();
          return `${text}, tfjs ${peerText}`;
        },
        bytes: 4 * (x.size + wt.size + c.out + outRef.data.length),
      },
      {
        name: names[1],
        ours: () => [conv2dInputGradient(gradOut, wt, g)],
        theirs: tf ? () => [peer!.conv2dInputGradient(pg!, pw!, [n, h, w, ch], 1, 1)] : null,
        check: async () => {
          const mine = engine.noGrad(() => conv2dInputGradient(gradOut, wt, g));
          const text = passed(`ours ${names[1]} ${shape}`, violation(await mine.data(), grads.input.data));
          mine.dispose();
          if (!tf) return text;
          const theirs = peer!.conv2dInputGradient(pg!, pw!, [n, h, w, ch], 1, 1);
          const peerText = passed(`tfjs ${names[1]} ${shape}`, violation(await peer!.nchwData(theirs), grads.input.data));
          theirs.dispose();
          return `${text}, tfjs ${peerText}`;
        },
        bytes: 4 * (gradOut.size + wt.size + x.size),
      },
      {
        name: names[2],
        ours: () => conv2dWeightGradient(x, gradOut, g, true).filter((t): t is Tensor => t !== null),
        theirs: tf ? () => [peer!.conv2dWeightGradient(px!, pg!, [3, 3, ch, c.out], 1, 1), tf.sum(pg!, [0, 1, 2])] : null,
        check: async () => {
          const [gw, gb] = engine.noGrad(() => conv2dWeightGradient(x, gradOut, g, true));
          const worst = Math.max(violation(await gw.data(), grads.weight.data), violation(await gb!.data(), grads.bias.data));
          const text = passed(`ours ${names[2]} ${shape}`, worst);
          gw.dispose();
          gb!.dispose();
          if (!tf) return text;
          const tw = peer!.conv2dWeightGradient(px!, pg!, [3, 3, ch, c.out], 1, 1);
          const tb = tf.sum(pg!, [0, 1, 2]);
          const peerWorst = Math.max(violation(await peer!.oihwData(tw), grads.weight.data), violation(await tb.data(), grads.bias.data));
          tw.dispose();
          tb.dispose();
          return `${text}, tfjs ${passed(`tfjs ${names[2]} ${shape}`, peerWorst)}`;
        },
        bytes: 4 * (x.size + gradOut.size + wt.size + c.out),
      },
    ];
    for (const pass of passes) {
      if (!wanted(pass.name)) continue;
      const check = await pass.check();
      const { timed: mine, peakTiming } = await measureFlops(ourRun(calls, () => void pass.ours()));
      const theirs = pass.theirs
        ? await peer!.measure(
            () => {
              const out: import("@tensorflow/tfjs-core").Tensor[] = [];
              for (let i = 0; i < calls; i++) out.push(...pass.theirs!());
              return out;
            },
            { repeats: options.peerRepeats, gpu: true },
          )
        : null;
      addRow({
        name: pass.name,
        config: c.config,
        shape,
        flops,
        bytes: pass.bytes,
        calls,
        ...pair(mine, theirs, calls, true),
        check,
        peakTiming,
      });
    }
    for (const t of [x, wt, b, gradOut]) t.dispose();
    for (const t of [px, pw, pb, pg]) t?.dispose();
  }

  // ---- matmul
  for (const c of MATMUL_CASES) {
    if (!inConfigs(c.config)) continue;
    const shape = `[${c.m}×${c.k}]·[${c.k}×${c.n}], ${c.what}`;
    const random = rng(11);
    const aRef: Ref = { data: uniformData(c.m * c.k, random), shape: [c.m, c.k] };
    const bRef: Ref = { data: uniformData(c.k * c.n, random), shape: [c.k, c.n] };
    const gRef: Ref = { data: uniformData(c.m * c.n, random), shape: [c.m, c.n] };
    const cRef = RO.matmul(aRef, bRef);
    const daRef = RO.matmul(gRef, bRef, false, true);
    const dbRef = RO.matmul(aRef, gRef, true, false);
    const a = engine.tensor(f32(aRef), aRef.shape).keep();
    const bm = engine.tensor(f32(bRef), bRef.shape).keep();
    const gm = engine.tensor(f32(gRef), gRef.shape).keep();
    const tf = peer?.tf;
    const pa = tf?.tensor2d(f32(aRef), [c.m, c.k]);
    const pbm = tf?.tensor2d(f32(bRef), [c.k, c.n]);
    const pgm = tf?.tensor2d(f32(gRef), [c.m, c.n]);
    const flops = 2 * c.m * c.k * c.n;
    const calls = callsFor(flops);
    for (const backward of [false, true]) {
      const name = backward ? "matmul backward (dA, dB)" : "matmul forward";
      if (!wanted(name)) continue;
      const ours = () =>
        backward ? [ops.matmul(gm, bm, { transposeB: true }), ops.matmul(a, gm, { transposeA: true })] : [ops.matmul(a, bm)];
      const theirs = tf
        ? () => (backward ? [tf.matMul(pgm!, pbm!, false, true), tf.matMul(pa!, pgm!, true, false)] : [tf.matMul(pa!, pbm!)])
        : null;
      const expected = backward ? [daRef, dbRef] : [cRef];
      const mine = engine.noGrad(ours);
      let worst = 0;
      for (let i = 0; i < mine.length; i++) worst = Math.max(worst, violation(await mine[i].data(), expected[i].data));
      mine.forEach((t) => t.dispose());
      let check = passed(`ours ${name} ${shape}`, worst);
      if (theirs) {
        const out = theirs();
        let peerWorst = 0;
        for (let i = 0; i < out.length; i++) peerWorst = Math.max(peerWorst, violation(await out[i].data(), expected[i].data));
        out.forEach((t) => t.dispose());
        check += `, tfjs ${passed(`tfjs ${name} ${shape}`, peerWorst)}`;
      }
      const { timed, peakTiming } = await measureFlops(ourRun(calls, () => void ours()));
      const peerTimed = theirs
        ? await peer!.measure(
            () => {
              const out: import("@tensorflow/tfjs-core").Tensor[] = [];
              for (let i = 0; i < calls; i++) out.push(...theirs());
              return out;
            },
            { repeats: options.peerRepeats, gpu: true },
          )
        : null;
      const passFlops = backward ? 2 * flops : flops;
      const bytes = 4 * (backward ? c.m * c.n + c.k * c.n + c.m * c.k + c.m * c.k + c.k * c.n : c.m * c.k + c.k * c.n + c.m * c.n);
      addRow({ name, config: c.config, shape, flops: passFlops, bytes, calls, ...pair(timed, peerTimed, calls, true), check, peakTiming });
    }
    for (const t of [a, bm, gm]) t.dispose();
    for (const t of [pa, pbm, pgm]) t?.dispose();
  }

  // ---- group norm + SiLU (memory-bound: GB/s)
  for (const c of NORM_CASES) {
    if (!inConfigs(c.config)) continue;
    const eps = 1e-5;
    const shape = `x [${c.x}], ${c.groups} groups`;
    const random = rng(13);
    const count = size(c.x);
    const channels = c.x[1];
    const xRef: Ref = { data: uniformData(count, random, -2, 2), shape: c.x };
    const wRef: Ref = { data: uniformData(channels, random, 0.5, 1.5), shape: [channels] };
    const bRef: Ref = { data: uniformData(channels, random, -0.5, 0.5), shape: [channels] };
    const gRef: Ref = { data: uniformData(count, random), shape: c.x };
    const x = engine.parameter(f32(xRef), c.x, "x");
    const weight = engine.parameter(f32(wRef), [channels], "weight");
    const bias = engine.parameter(f32(bRef), [channels], "bias");
    const gradOut = engine.tensor(f32(gRef), c.x).keep();
    const forward = () => ops.groupNorm(x, c.groups, weight, bias, { eps, silu: true });
    const clearGrads = () => {
      for (const p of [x, weight, bias]) {
        p.grad?.dispose();
        p.grad = null;
      }
    };
    const calls = Math.max(1, Math.min(32, Math.round(4e6 / (8 * count))));
    const name = "groupNorm+SiLU forward";
    if (wanted(name)) {
      const y = engine.noGrad(forward);
      const check = passed(`${name} ${shape}`, violation(await y.data(), RN.groupNorm(xRef, c.groups, wRef, bRef, eps, true).data));
      y.dispose();
      const timed = await timer.measure(
        ourRun(calls, () => void forward()),
        { repeats },
      );
      addRow({
        name,
        config: c.config,
        shape,
        flops: null,
        bytes: 4 * (2 * count + 2 * channels),
        calls,
        ...pair(timed, null, calls, true),
        check,
      });
    }
    const nameBackward = "groupNorm+SiLU forward+backward";
    if (wanted(nameBackward)) {
      engine.tidy(() => engine.backward(forward(), gradOut));
      const worst = directionalCheck(([xr, wr, br]) => RN.groupNorm(xr, c.groups, wr, br, eps, true), [xRef, wRef, bRef], gRef, [
        await x.grad!.data(),
        await weight.grad!.data(),
        await bias.grad!.data(),
      ]);
      clearGrads();
      const check = `∂ in 2 directions ${passed(`${nameBackward} ${shape}`, worst)}`;
      const run = () => {
        for (let i = 0; i < calls; i++) {
          engine.tidy(() => engine.backward(forward(), gradOut));
          clearGrads();
        }
      };
      const timed = await timer.measure(run, { repeats });
      // forward: x in, y out; backward: x, dy in, dx out (+ the per-channel sums, negligible)
      addRow({
        name: nameBackward,
        config: c.config,
        shape,
        flops: null,
        bytes: 4 * 5 * count,
        calls,
        ...pair(timed, null, calls, true),
        check,
      });
    }
    for (const t of [x, weight, bias, gradOut]) t.dispose();
  }

  // ---- attention (matmul FLOPs: q·kᵀ and p·v forward; four products backward)
  for (const c of ATTENTION_CASES) {
    if (!inConfigs(c.config)) continue;
    const shape = `q,k,v [${c.b}, ${c.l}, ${c.d}]`;
    const random = rng(17);
    const dims = [c.b, c.l, c.d];
    const refs = [0, 1, 2].map(() => ({ data: uniformData(size(dims), random), shape: dims }) as Ref);
    const gRef: Ref = { data: uniformData(size(dims), random), shape: dims };
    const scale = 1 / Math.sqrt(c.d);
    const [q, k, v] = refs.map((r, i) => engine.parameter(f32(r), dims, "qkv"[i]));
    const gradOut = engine.tensor(f32(gRef), dims).keep();
    const forward = () => ops.attention(q, k, v, { scale });
    const clearGrads = () => {
      for (const p of [q, k, v]) {
        p.grad?.dispose();
        p.grad = null;
      }
    };
    const forwardFlops = 4 * c.b * c.l * c.l * c.d;
    const name = "attention forward";
    if (wanted(name)) {
      const y = engine.noGrad(forward);
      const check = passed(`${name} ${shape}`, violation(await y.data(), RN.attention(refs[0], refs[1], refs[2], scale).data));
      y.dispose();
      const calls = callsFor(forwardFlops);
      const { timed, peakTiming } = await measureFlops(ourRun(calls, () => void forward()));
      addRow({
        name,
        config: c.config,
        shape,
        flops: forwardFlops,
        bytes: null,
        calls,
        ...pair(timed, null, calls, true),
        check,
        peakTiming,
      });
    }
    const nameBackward = "attention forward+backward";
    if (wanted(nameBackward)) {
      engine.tidy(() => engine.backward(forward(), gradOut));
      const worst = directionalCheck(([qr, kr, vr]) => RN.attention(qr, kr, vr, scale), refs, gRef, [
        await q.grad!.data(),
        await k.grad!.data(),
        await v.grad!.data(),
      ]);
      clearGrads();
      const check = `∂ in 2 directions ${passed(`${nameBackward} ${shape}`, worst)}`;
      const calls = callsFor(3 * forwardFlops);
      const run = () => {
        for (let i = 0; i < calls; i++) {
          engine.tidy(() => engine.backward(forward(), gradOut));
          clearGrads();
        }
      };
      const { timed, peakTiming } = await measureFlops(run);
      addRow({
        name: nameBackward,
        config: c.config,
        shape,
        flops: 3 * forwardFlops,
        bytes: null,
        calls,
        ...pair(timed, null, calls, true),
        check,
        peakTiming,
      });
    }
    for (const t of [q, k, v, gradOut]) t.dispose();
  }

  // ---- the fused denoising step (one dispatch: x̂₀, clip, posterior mean, noise)
  for (const config of options.configs) {
    const name = "fused denoising step";
    if (!wanted(name)) continue;
    const { batch, config: model } = UNET_BENCH_CONFIGS[config];
    const shape4 = [batch, model.in_channels, model.sample_size, model.sample_size];
    const shape = `x [${shape4}], DDPM ${BENCH_SCHEDULERS[config].prediction_type ?? "epsilon"}`;
    const scheduler = new DDPMScheduler(BENCH_SCHEDULERS[config]);
    const t = 500;
    const count = size(shape4);
    const random = rng(19);
    const sampleData = uniformData(count, random, -2, 2);
    const modelData = uniformData(count, random, -2, 2);
    const sample = engine.tensor(Float32Array.from(sampleData), shape4).keep();
    const modelOut = engine.tensor(Float32Array.from(modelData), shape4).keep();
    const seed = 9;
    const step = () => scheduler.step(modelOut, t, sample, { seed }).prevSample;
    const [prev, noise] = engine.noGrad(() => [step(), engine.randn(shape4, { seed, stream: t })]);
    const expected = stepReference(scheduler.stepCoefficients(t), sampleData, modelData, await noise.data());
    const check = passed(`${name} ${shape}`, violation(await prev.data(), expected, 1e-5, 2e-6));
    prev.dispose();
    noise.dispose();
    const calls = 64;
    const timed = await timer.measure(
      ourRun(calls, () => void step()),
      { repeats },
    );
    addRow({ name, config, shape, flops: null, bytes: 4 * 3 * count, calls, ...pair(timed, null, calls, true), check });
    sample.dispose();
    modelOut.dispose();
  }

  // ---- AdamW over the mnist-16 parameters (one fused dispatch per parameter tensor, as training runs it)
  if (wanted("AdamW step")) await adamwRow(context, timer, addRow);
  sink.dispose();
  return rows;
}

/** What a row's measurement gives; peakTiming, the peak kernel timed alongside, only for FLOP rows (measureFlops). */
type RowInput = Omit<KernelRow, "rate" | "peerRate" | "peakGflops" | "percentOfPeak" | "peerPercentOfPeak" | "speedup" | "unit"> & {
  peakTiming?: Timing;
};

async function adamwRow(context: SuiteContext, timer: EngineTimer, addRow: (row: RowInput) => void): Promise<void> {
  const { engine, peer, options } = context;
  const config: SuiteConfig = "mnist-16";
  const model = new UNet2DModel(engine, UNET_BENCH_CONFIGS[config].config as Record<string, unknown>);
  const params = model.parameters();
  const count = model.parameterCount();
  const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const optimizer = new AdamW(engine, params, o);
  const random = rng(23);
  const gradData = params.map((p) => Float32Array.from(uniformData(p.size, random)));
  const paramData = await Promise.all(params.map((p) => p.data()));
  params.forEach((p, i) => (p.grad = engine.tensor(gradData[i], p.shape).keep()));
  optimizer.step();
  let worst = 0;
  for (let i = 0; i < params.length; i++) {
    const expected = adamwStep(paramData[i], gradData[i], new Float64Array(params[i].size), new Float64Array(params[i].size), {
      ...o,
      step: 1,
    });
    worst = Math.max(worst, violation(await params[i].data(), expected.param, 1e-5, 1e-7));
    const moments = optimizer.moments().find(([p]) => p === params[i])![1];
    // v: 1 − β2 = 1 − f32(0.999) is 1.3e-5 off 0.001 in f32 (as in PyTorch's f32), hence 3e-5.
    worst = Math.max(
      worst,
      violation(await moments.m.data(), expected.m, 1e-5, 1e-9),
      violation(await moments.v.data(), expected.v, 3e-5, 1e-12),
    );
  }
  let check = passed("AdamW step", worst);
  const shape = `${count.toLocaleString("en-US")} parameters in ${params.length} tensors`;
  const timed = await timer.measure(() => optimizer.step(), { repeats: options.repeats });
  let peerTimed: Timing | null = null;
  if (peer) {
    const tf = peer.tf;
    const variables = params.map((p, i) => tf.variable(tf.tensor(paramData[i], [...p.shape]), true, `adam/${i}`));
    const grads = variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(gradData[i], [...params[i].shape]) }));
    const adam = tf.train.adam(o.lr, o.beta1, o.beta2, o.eps);
    adam.applyGradients(grads);
    const expected = adamwStep(paramData[0], gradData[0], new Float64Array(params[0].size), new Float64Array(params[0].size), {
      ...o,
      weightDecay: 0,
      step: 1,
    });
    check += `, tfjs Adam ${passed("tfjs Adam step", violation(await variables[0].data(), expected.param, 1e-4, 1e-7))}`;
    peerTimed = await peer.measure(() => adam.applyGradients(grads), { repeats: options.peerRepeats, gpu: true });
    adam.dispose();
    variables.forEach((v) => v.dispose());
    grads.forEach((g) => g.tensor.dispose());
  }
  addRow({
    name: "AdamW step",
    config,
    shape,
    flops: null,
    bytes: 4 * 7 * count,
    calls: 1,
    ...pair(timed, peerTimed, 1, true),
    check,
  });
  optimizer.dispose();
  model.dispose();
}

// ---------------------------------------------------------------------------------------------- end to end

async function e2eRows(context: SuiteContext, timer: EngineTimer, name: SuiteConfig, notes: string[]): Promise<E2ERow[]> {
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
    // Two f32 implementations with different summation orders (NUMERICS.md's bound, doubled).
    const worst = violation(await peer.nchwData(theirs), oursData, 1e-3, 4e-4);
    theirs.dispose();
    check = `tfjs forward = ours ${passed(`${name} tfjs U-Net forward against ours`, worst)}`;
  }
  log(`[e2e] ${name}: check ${check}`);

  const rows: E2ERow[] = [];
  const noteTuned = (what: string, results: TuneResult[]) => {
    timer.takeTuned();
    if (!results.length) return;
    const changed = results.filter((r) => r.chosen !== r.heuristic);
    // Variants that measured faster than the heuristic first, but not when both were timed again (tuner.ts retime()).
    const undone = results.filter((r) => r.recheck && r.chosen === r.heuristic);
    const line =
      `Autotune, ${what}: ${results.length} kernel shapes measured; ${changed.length} faster than the heuristic choice` +
      (changed.length ? ` (${changed.map((r) => `${r.family} ${r.key}: ${r.chosen} instead of ${r.heuristic}`).join("; ")})` : "") +
      `; ${undone.length} other${undone.length === 1 ? "" : "s"} faster at first but not when timed again`;
    notes.push(line);
    log(`[e2e] ${line}`);
  };
  const counted = async (run: () => void) => {
    const before = { ...engine.stats };
    run();
    await engine.sync();
    return { dispatches: engine.stats.dispatches - before.dispatches, submits: engine.stats.submits - before.submits };
  };
  const addRow = (row: E2ERow) => {
    rows.push(row);
    const theirs = row.peer ? `; tfjs ${fmtMs(row.peer.ms)} ms → ×${row.speedup!.toFixed(2)}` : "";
    log(
      `[e2e] ${name} ${row.step} step (batch ${batch}): ${fmtMs(row.ours.ms)} ms wall${row.ours.gpuMs !== null ? ` (GPU ${fmtMs(row.ours.gpuMs)} ms)` : ""}, ` +
        `${row.dispatches} dispatches, ${row.submits} submits, peak ${(row.peakBytes / 2 ** 20).toFixed(1)} MiB${theirs}`,
    );
  };

  // ---- training step, as the training loop runs it: forward, L_simple (MSE), backward, global-norm clipping,
  // AdamW fused with the EMA of the weights
  let activationBytes = 0;
  const trainStep = () =>
    engine.tidy(() => {
      const out = model.forward({ sample: noisy, timesteps, classLabels: labels });
      const loss = ops.mseLoss(out, target);
      activationBytes = engine.savedForBackward(loss).bytes;
      optimizer.zeroGrad();
      engine.backward(loss);
      const grads = optimizer.params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      optimizer.step({ gradScale: clipFactor(engine, grads, 1), ema });
      optimizer.zeroGrad();
    });
  await counted(trainStep); // warm-up: pipelines, pool growth, and the shapes for the autotune
  noteTuned(`${name} train`, await engine.autotune());
  const trainCounts = await counted(trainStep); // the counts do not change from here on
  engine.resetPeak();
  const createdBefore = engine.memory().buffersCreated;
  const trainTimed = await timer.measure(trainStep, { repeats, warmup: 0 });
  const trainPeak = engine.memory().peakBufferBytes;
  const trainCreated = engine.memory().buffersCreated - createdBefore;
  let peerTrain: Timing | null = null;
  if (peer && peerModel) {
    const adam = tf!.train.adam(lr, 0.9, 0.999, 1e-8);
    const variables = [...peerModel.variables.values()];
    const loss = () =>
      tf!.mean(tf!.squaredDifference(peerModel.forward(pNoisy!, timesteps, labels), pTarget!)) as import("@tensorflow/tfjs-core").Scalar;
    peerTrain = await peer.measure(() => void adam.minimize(loss, false, variables), {
      repeats: peerRepeats,
      warmup: options.e2ePeerWarmup[name],
    });
    adam.dispose();
  }
  const train = pair(trainTimed, peerTrain, 1, false);
  addRow({
    config: name,
    step: "train",
    batch,
    parameters,
    ...train,
    speedup: train.peer ? train.peer.ms / train.ours.ms : null,
    ...trainCounts,
    peakBytes: trainPeak,
    stateBytes: 5 * 4 * parameters + activationBytes,
    activationBytes,
    buffersCreated: trainCreated,
    check,
  });

  // ---- sampling step: U-Net forward + the fused DDPM step
  const c = scheduler.stepCoefficients(sampleT);
  const sampleStep = () =>
    engine.noGrad(() =>
      engine.tidy(() => {
        const out = model.forward({ sample: noisy, timesteps: new Array(batch).fill(sampleT), classLabels: labels });
        scheduler.step(out, sampleT, noisy, { seed });
      }),
    );
  await counted(sampleStep); // warm-up
  noteTuned(`${name} sample`, await engine.autotune());
  const sampleCounts = await counted(sampleStep);
  engine.resetPeak();
  const sampleCreatedBefore = engine.memory().buffersCreated;
  const sampleTimed = await timer.measure(sampleStep, { repeats, warmup: 0 });
  const samplePeak = engine.memory().peakBufferBytes;
  const sampleCreated = engine.memory().buffersCreated - sampleCreatedBefore;
  let peerSample: Timing | null = null;
  if (peer && peerModel) {
    const t = tf!;
    const x = pNoisy!;
    const step = () => {
      const out = peerModel.forward(x, new Array(batch).fill(sampleT), labels);
      // The same arithmetic as shaders/diffusion.wgsl's denoise_step, as tfjs ops.
      let x0 = t.add(t.mul(x, c.x0FromSample), t.mul(out, c.x0FromModel));
      if (c.clip) x0 = t.clipByValue(x0, -c.clipRange, c.clipRange);
      const eps = t.add(t.mul(x, c.epsFromSample), t.mul(out, c.epsFromModel));
      const mean = t.add(t.add(t.mul(x0, c.outFromX0), t.mul(x, c.outFromSample)), t.mul(eps, c.outFromEps));
      return c.sigma ? t.add(mean, t.mul(t.randomNormal(x.shape), c.sigma)) : mean;
    };
    peerSample = await peer.measure(step, { repeats: peerRepeats, warmup: options.e2ePeerWarmup[name] });
  }
  const sample = pair(sampleTimed, peerSample, 1, false);
  addRow({
    config: name,
    step: "sample",
    batch,
    parameters,
    ...sample,
    speedup: sample.peer ? sample.peer.ms / sample.ours.ms : null,
    ...sampleCounts,
    peakBytes: samplePeak,
    stateBytes: 4 * parameters,
    activationBytes: 0,
    buffersCreated: sampleCreated,
    check,
  });

  peerModel?.dispose();
  pNoisy?.dispose();
  pTarget?.dispose();
  optimizer.dispose();
  ema.dispose();
  model.dispose();
  for (const t of [x0, noisy, target]) t.dispose();
  return rows;
}
