/**
 * conv2d kernels side by side (llm.c dev/cuda style) on the convolutions of one training step of the small
 * MNIST U-Net (16×16, batch 8, channels 32/64; bench/profile-unet.ts): forward, input gradient, and weight +
 * bias gradient. Every variant is first checked against the float64 reference (test/reference/conv.ts), then
 * timed: median ms per call, GFLOP/s, and % of the FMA peak (bench/peak.ts's peak_fma_16) measured in the same
 * interleaved repeats.
 *
 *   node scripts/run.mjs bench/conv.ts [--repeats 5] [--variants v1,general,current] [--only 16x16]
 *     [--shapes step|splits|kernels|batch] [--passes forward,input] [--stat median|min] [--clock gpu|cpu]
 *
 * Variants: v1 = the baseline kernels (bench/bench.wgsl conv_v1_*: 4×4 register blocks, bounds checks in the
 * inner loop; bias gradient by ops.sum); general = the current pipeline (packed weight, padded input copy,
 * split weight-gradient sums with the bias gradient summed alongside) with its any-kernel tile (8 channels ×
 * 2×4 pixels) and weight-gradient kernel everywhere; current = what conv2d runs (3×3 stride-1 kernels that pad
 * as they read: 8 channels × 4×8 pixels, 4×4 on images narrower than 8; weight gradient 8 or 4 output × 4 input
 * channels × 9 taps per invocation; with subgroups, the 4×8 tile in its quad form, shaders/conv2d_quad.wgsl).
 * Tuning variants: small / tile48 / quad (the 4×4 / 4×8 / quad 4×8 tile for every 3×3 layer),
 * narrow / wide / quadgrad (one 3×3 weight-gradient kernel for every layer; quadgrad: weight_grad_3x3_quad), wg16,
 * wg32, wg128 (workgroup size of the tiled and weight-gradient kernels), split8 … split1024 (weight-gradient
 * invocations target; default 256), cs1, cs2, cs4, cs8, cs16 (channel splits of the forward and input gradient
 * forced; current = defaultChannelSplits). v1 is by far the slowest: leave it out for a quick run
 * (`--variants current`). `--shapes splits` times the small-map layers that channel splits are for (and big ones
 * that must not get slower) instead of the U-Net step's; `--shapes kernels` the conv2d rows of the main bench
 * (bench/kernel-cases.ts); `--shapes batch` the 4×4 layer at batch 1, 4 and 16 beside the 16×16 one (how the
 * weight gradient's rate grows with the pixels each job sums).
 *
 * The machine may be shared: each repeat runs every variant once (interleaved), and % of peak compares with the
 * peak measured in those same repeats, so load changes mostly cancel. `--stat min` takes each variant's best
 * repeat (the least disturbed); `--clock cpu` measures the process's CPU time instead of the device's.
 */
import { Engine, ops, type Tensor } from "../src/index.js";
import { type ConvGeometry, conv2dGeometry, geometryParams, is3x3 } from "../src/ops/conv/geometry.js";
import {
  CONV_TILES,
  defaultChannelSplits,
  passSizes,
  type TileChoice,
  tiledForward,
  tiledInputGradient,
  tiledWeightGradient,
  WEIGHT_GRAD_KERNELS,
} from "../src/ops/conv/tiled.js";
import {
  conv2dForward,
  conv2dInputGradient,
  conv2dWeightGradient,
  defaultTile,
  defaultWeightGradKernel,
} from "../src/ops/conv/variants.js";
import * as R from "../test/reference/conv.js";
import { type Ref, rng, uniformData } from "../test/reference/tensor.js";
import { CONV_SHAPES } from "./kernel-cases.js";
import { benchKernel, INVOCATIONS, interleavedTimes, PEAK_KERNEL, peakVariant } from "./peak.js";
import { violation } from "./reference.js";
import { countOption, markdownTable, option } from "./stats.js";
import { EngineTimer } from "./timing.js";

interface ConvShape {
  /** Calls per training step (forward and weight gradient; the input gradient skips the network input). */
  count: number;
  x: [number, number, number, number];
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  inputGrad: boolean;
}

const shape = (count: number, n: number, c: number, hw: number, o: number, kernel: number, stride = 1, inputGrad = true): ConvShape => ({
  count,
  x: [n, c, hw, hw],
  outChannels: o,
  kernel,
  stride,
  padding: kernel === 3 ? 1 : 0,
  inputGrad,
});

/** The 35 convolutions of bench/profile-unet.ts's step, by shape. */
const SHAPES: ConvShape[] = [
  shape(1, 8, 1, 16, 32, 3, 1, false),
  shape(4, 8, 32, 16, 32, 3),
  shape(1, 8, 32, 16, 32, 3, 2),
  shape(1, 8, 32, 8, 64, 3),
  shape(4, 8, 64, 8, 64, 3),
  shape(1, 8, 32, 8, 64, 1),
  shape(1, 8, 64, 8, 64, 3, 2),
  shape(8, 8, 64, 4, 64, 3),
  shape(2, 8, 128, 4, 64, 3),
  shape(2, 8, 128, 4, 64, 1),
  shape(1, 8, 128, 8, 64, 3),
  shape(1, 8, 128, 8, 64, 1),
  shape(1, 8, 96, 8, 64, 3),
  shape(1, 8, 96, 8, 64, 1),
  shape(1, 8, 64, 16, 64, 3),
  shape(1, 8, 96, 16, 32, 3),
  shape(1, 8, 96, 16, 32, 1),
  shape(1, 8, 64, 16, 32, 3),
  shape(1, 8, 64, 16, 32, 1),
  shape(1, 8, 32, 16, 1, 3),
];

/** 3×3 stride-1 layers, each once per step, from [batch, channels, size, output channels]. */
const layers3x3 = (list: [number, number, number, number][]): ConvShape[] => list.map(([n, c, hw, o]) => shape(1, n, c, hw, o, 3));

/**
 * Small maps with many channels (google/ddpm-cifar10-32's 4×4 and 8×8 layers at batch 1, the MNIST preset's 8×8 at
 * batch 16), and layers with enough tiles already: `--shapes splits`.
 */
const SPLIT_SHAPES = layers3x3([
  [1, 256, 4, 256],
  [1, 256, 8, 256],
  [16, 32, 8, 32],
  [1, 128, 32, 128],
  [16, 16, 16, 16],
]);

/** The conv2d rows of the main bench (bench/kernel-cases.ts): `--shapes kernels`. */
const KERNEL_SHAPES = layers3x3(CONV_SHAPES.map((c) => [c.x[0], c.x[1], c.x[2], c.out]));

/**
 * google/ddpm-cifar10-32's 4×4 layer at batch 1, 4 and 16, and its 16×16 layer at batch 1: `--shapes batch`. Each
 * weight-gradient invocation pays a fixed cost per job besides its pixel segments (docs/performance.md, The 4×4
 * layer at batch 1), and a 4×4 map at batch 1 gives each job only 2 segments.
 */
const BATCH_SHAPES = layers3x3([
  [1, 256, 4, 256],
  [4, 256, 4, 256],
  [16, 256, 4, 256],
  [1, 256, 16, 256],
]);

type Family = "forward" | "input" | "weight";

/**
 * How one run is timed for interleavedTimes (bench/peak.ts: every repeat runs every variant once, after two
 * warm-up rounds): GPU time from timestamp queries where the adapter has them (bench/timing.ts: the device's
 * execution, without the submit/wait round trip), else wall time; or, with `--clock cpu`, the process's CPU time
 * (user + system, all threads): on a software adapter that is the work done, which another process's load on the
 * shared cores changes far less than elapsed time (but it does not show whether the work kept every core busy).
 */
function runTimer(engine: Engine, timer: EngineTimer, clock: "gpu" | "cpu"): (run: () => void) => Promise<number> {
  if (clock === "cpu") {
    return async (run) => {
      const before = process.cpuUsage();
      run();
      await engine.sync();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000;
    };
  }
  return async (run) => {
    const t = await timer.measure(run, { repeats: 1, warmup: 0 });
    return t.gpuMs ?? t.wallMs;
  };
}

const FAMILIES: Family[] = ["forward", "input", "weight"];

/** One implementation of the three passes. */
interface Variant {
  name: string;
  forward(x: Tensor, w: Tensor, b: Tensor, g: ConvGeometry): Tensor;
  input(gradOut: Tensor, w: Tensor, g: ConvGeometry): Tensor;
  weight(x: Tensor, gradOut: Tensor, g: ConvGeometry): [Tensor, Tensor];
}

/** Choices a variant forces; the rest are conv2d's defaults (the heuristics: this bench runs with autotune off). */
interface Knobs {
  /** The tile of every forward and input gradient (where it applies: the 3×3 tiles take 3×3 stride-1 passes). */
  tile?: keyof typeof CONV_TILES;
  /** Invocations per workgroup of the register kernels. */
  workgroupSize?: number;
  /** The weight gradient's sum is split until about this many invocations run (default 256). */
  weightGradInvocations?: number;
  /** The weight-gradient kernel (the 3×3 ones apply to 3×3 stride-1 convolutions only). */
  weightGrad?: keyof typeof WEIGHT_GRAD_KERNELS;
  /** Channel splits of every forward and input gradient (default: defaultChannelSplits). */
  channelSplits?: number;
}

/**
 * conv2d's passes with some choices forced: a pass any knob touches runs a register kernel directly (its tile or
 * kernel the forced one where it applies, else the default), the others run as conv2d does.
 */
function tuned(name: string, k: Knobs): Variant {
  const tiledKnobs = k.tile !== undefined || k.channelSplits !== undefined || k.workgroupSize !== undefined;
  const gradKnobs = k.weightGrad !== undefined || k.weightGradInvocations !== undefined || k.workgroupSize !== undefined;
  const choice = (engine: Engine, g: ConvGeometry, forward: boolean): TileChoice => {
    const dims = passSizes(g, forward);
    const stride = dims.stride;
    const forced = k.tile ? CONV_TILES[k.tile] : undefined;
    const tile = forced && (!forced.only3x3 || is3x3(g, stride)) ? forced : defaultTile(engine, g, stride, dims.outWidth);
    return { tile, splits: k.channelSplits ?? defaultChannelSplits(dims, tile, engine.adapter.isSoftware), workgroupSize: k.workgroupSize };
  };
  return {
    name,
    forward: (x, w, b, g) => (tiledKnobs ? tiledForward(x, w, b, g, choice(x.engine, g, true)) : conv2dForward(x, w, b, g)),
    input: (gradOut, w, g) =>
      tiledKnobs ? tiledInputGradient(gradOut, w, g, choice(gradOut.engine, g, false)) : conv2dInputGradient(gradOut, w, g),
    weight: (x, gradOut, g) => {
      if (!gradKnobs) return conv2dWeightGradient(x, gradOut, g, true) as [Tensor, Tensor];
      const forced = k.weightGrad ? WEIGHT_GRAD_KERNELS[k.weightGrad] : undefined;
      const kernel = forced && (forced.perTap || is3x3(g)) ? forced : defaultWeightGradKernel(x.engine, g);
      return tiledWeightGradient(x, gradOut, g, true, { kernel, invocations: k.weightGradInvocations, workgroupSize: k.workgroupSize }) as [
        Tensor,
        Tensor,
      ];
    },
  };
}

/** The baseline kernels (bench/bench.wgsl conv_v1_*), one dispatch per pass on the unpadded input. */
function v1(engine: Engine): Variant {
  const uniforms = (g: ConvGeometry, hasBias: boolean) => geometryParams(g, { hasBias: hasBias ? 1 : 0 });
  /**
   * A pass: a new tensor of `shape` bound as `output`, written by `kernel` over ⌈blocks / 64⌉ × ⌈channels / 4⌉ ×
   * `layers` workgroups (each invocation a block of 4 channels × 4 pixels or taps).
   */
  const pass = (g: ConvGeometry, kernel: string, inputs: Record<string, Tensor>, output: string, shape: number[], grid: number[]) => {
    const [blocks, channels, layers] = grid;
    const out = engine.empty(shape);
    engine.run(benchKernel(engine, kernel), { ...inputs, [output]: out }, uniforms(g, "bias" in inputs), [
      Math.ceil(blocks / 64),
      Math.ceil(channels / 4),
      layers,
    ]);
    return out;
  };
  return {
    name: "v1",
    forward: (x, weight, bias, g) =>
      pass(
        g,
        "conv_v1_forward",
        { x, weight, bias },
        "out",
        [g.batch, g.outChannels, g.outHeight, g.outWidth],
        [g.outHeight * Math.ceil(g.outWidth / 4), g.outChannels, g.batch],
      ),
    input: (gradOut, weight, g) =>
      pass(
        g,
        "conv_v1_backward_input",
        { weight, gradOut },
        "gradInput",
        [g.batch, g.inChannels, g.inHeight, g.inWidth],
        [g.inHeight * Math.ceil(g.inWidth / 4), g.inChannels, g.batch],
      ),
    weight: (x, gradOut, g) => [
      pass(
        g,
        "conv_v1_backward_weight",
        { x, gradOut },
        "gradWeight",
        [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth],
        [Math.ceil(g.inChannels / 4) * g.kernelHeight * g.kernelWidth, g.outChannels, 1],
      ),
      ops.sum(gradOut, [0, 2, 3]),
    ],
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repeats = countOption(args, "repeats", 5);
  const only = option(args, "only", "");
  const shapes = { step: SHAPES, splits: SPLIT_SHAPES, kernels: KERNEL_SHAPES, batch: BATCH_SHAPES }[option(args, "shapes", "step")];
  if (!shapes) throw new Error(`bench/conv.ts: --shapes is step, splits, kernels or batch, got '${option(args, "shapes", "")}'`);
  const clock = option(args, "clock", "gpu");
  if (clock !== "gpu" && clock !== "cpu") throw new Error(`bench/conv.ts: --clock is gpu or cpu, got '${clock}'`);
  const stat = option(args, "stat", "median");
  if (stat !== "median" && stat !== "min") throw new Error(`bench/conv.ts: --stat is median or min, got '${stat}'`);
  const passes = option(args, "passes", FAMILIES.join(",")).split(",");
  // The heuristics only (no autotune, no cache): "current" is what conv2d runs before any measurement.
  const engine = await Engine.create({ validate: false, autotune: "off", tuneStore: null });
  console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.adapter.description || engine.adapter.backend})`);
  const timer = new EngineTimer(engine);
  console.log(`clock: ${clock === "cpu" ? "process CPU time (all threads)" : timer.note}; ${stat} of ${repeats} interleaved repeats`);

  const all: Variant[] = [
    v1(engine),
    tuned("general", { tile: "general", weightGrad: "general" }),
    tuned("current", {}),
    tuned("small", { tile: "conv3x3Small" }),
    tuned("tile48", { tile: "conv3x3" }),
    tuned("quad", { tile: "conv3x3Quad" }),
    tuned("wg16", { workgroupSize: 16 }),
    tuned("wg32", { workgroupSize: 32 }),
    tuned("wg128", { workgroupSize: 128 }),
    tuned("narrow", { weightGrad: "conv3x3" }),
    tuned("wide", { weightGrad: "conv3x3Wide" }),
    tuned("quadgrad", { weightGrad: "conv3x3Quad" }),
    ...[8, 16, 32, 64, 128, 512, 1024].map((n) => tuned(`split${n}`, { weightGradInvocations: n })),
    ...[1, 2, 4, 8, 16].map((channelSplits) => tuned(`cs${channelSplits}`, { channelSplits })),
  ];
  const names = option(args, "variants", "v1,general,current").split(",");
  const variants = names.map((name) => {
    const v = all.find((a) => a.name === name);
    if (!v) throw new Error(`bench/conv.ts: no variant '${name}' (have ${all.map((a) => a.name).join(", ")})`);
    return v;
  });

  const sink = engine.empty([INVOCATIONS], "peak sink").keep();
  const peak = peakVariant(engine, sink, PEAK_KERNEL);
  const rows: (string | number)[][] = [];
  const totals = new Map<string, number>(); // `${family} ${variant}` → ms per step
  const totalFlops = new Map<Family, number>();
  let peakSum = 0;
  let peakCount = 0;

  for (const s of shapes) {
    const label = `N${s.x[0]} C${s.x[1]} ${s.x[2]}×${s.x[3]} → O${s.outChannels} ${s.kernel}×${s.kernel}${s.stride > 1 ? ` s${s.stride}` : ""}`;
    if (only && !label.includes(only)) continue;
    const random = rng(7);
    const [n, c] = s.x;
    const wShape = [s.outChannels, c, s.kernel, s.kernel];
    const xRef: Ref = { data: uniformData(n * c * s.x[2] * s.x[3], random), shape: s.x };
    const wRef: Ref = {
      data: uniformData(
        wShape.reduce((a, b) => a * b),
        random,
        -0.2,
        0.2,
      ),
      shape: wShape,
    };
    const bRef: Ref = { data: uniformData(s.outChannels, random), shape: [s.outChannels] };
    const outRef = R.conv2d(xRef, wRef, bRef, s.stride, s.padding);
    const gRef: Ref = { data: uniformData(outRef.data.length, random), shape: outRef.shape };
    const gradRef = R.conv2dGradients(xRef, wRef, gRef, s.stride, s.padding);

    const x = engine.tensor(Float32Array.from(xRef.data), xRef.shape).keep();
    const w = engine.tensor(Float32Array.from(wRef.data), wShape).keep();
    const b = engine.tensor(Float32Array.from(bRef.data), bRef.shape).keep();
    const gradOut = engine.tensor(Float32Array.from(gRef.data), gRef.shape).keep();
    const g = conv2dGeometry(x, w, b, { stride: s.stride, padding: s.padding });
    const flops = 2 * g.batch * g.outChannels * g.outHeight * g.outWidth * g.inChannels * g.kernelHeight * g.kernelWidth;

    // Validate every variant before timing it.
    for (const v of variants) {
      const checks: [string, Tensor, Ref][] = [];
      engine.noGrad(() => {
        checks.push(["forward", v.forward(x, w, b, g).keep(), outRef]);
        if (s.inputGrad) checks.push(["input gradient", v.input(gradOut, w, g).keep(), gradRef.input]);
        const [gw, gb] = v.weight(x, gradOut, g);
        checks.push(["weight gradient", gw.keep(), gradRef.weight], ["bias gradient", gb.keep(), gradRef.bias]);
      });
      for (const [what, t, expected] of checks) {
        const worst = violation(await t.data(), expected.data);
        t.dispose();
        if (!(worst <= 1))
          throw new Error(`bench/conv.ts: ${v.name} ${what} of ${label} is off the float64 reference (${worst.toFixed(1)}× the tolerance)`);
      }
    }

    // Several calls per timed run for small layers (about 200 MFLOP), so that without timestamps the submit/wait
    // round trip does not dominate.
    const calls = Math.max(1, Math.min(16, Math.round(2e8 / flops)));
    for (const family of FAMILIES) {
      if ((family === "input" && !s.inputGrad) || !passes.includes(family)) continue;
      const timed: Record<string, () => void> = { peak: peak.run };
      for (const v of variants) {
        timed[v.name] = () =>
          engine.noGrad(() =>
            engine.tidy(() => {
              for (let i = 0; i < calls; i++) {
                if (family === "forward") v.forward(x, w, b, g);
                else if (family === "input") v.input(gradOut, w, g);
                else v.weight(x, gradOut, g);
              }
            }),
          );
      }
      const times = await interleavedTimes(engine, timed, repeats, runTimer(engine, timer, clock));
      const peakGflops = peak.flops / times.peak[stat] / 1e6;
      peakSum += peakGflops;
      peakCount++;
      totalFlops.set(family, (totalFlops.get(family) ?? 0) + s.count * flops);
      const cells: string[] = [];
      for (const v of variants) {
        const ms = times[v.name][stat] / calls;
        const gflops = flops / ms / 1e6;
        cells.push(`${ms.toFixed(2)} ms ${gflops.toFixed(2)} GF/s ${((100 * gflops) / peakGflops).toFixed(0)}%`);
        const key = `${family} ${v.name}`;
        totals.set(key, (totals.get(key) ?? 0) + s.count * ms);
      }
      rows.push([`${label} (${s.count}×)`, family, (flops / 1e6).toFixed(1), peakGflops.toFixed(2), ...cells]);
      console.error(`${label} ${family}: ${cells.join(" | ")}`);
    }
    for (const t of [x, w, b, gradOut]) t.dispose();
  }
  sink.dispose();

  console.log(`\nPer call (${stat} of ${repeats} interleaved repeats); % of the peak_fma_16 rate measured in the same repeats.\n`);
  console.log(markdownTable(["shape (calls per step)", "pass", "MFLOP", "peak GF/s", ...variants.map((v) => v.name)], rows));
  const peakMean = peakSum / Math.max(1, peakCount);
  console.log(`\nPer training step (Σ calls × median ms); mean peak ${peakMean.toFixed(2)} GFLOP/s.\n`);
  const summary = FAMILIES.filter((family) => passes.includes(family)).map((family) => {
    const flops = totalFlops.get(family) ?? 0;
    const base = totals.get(`${family} ${variants[0].name}`) ?? NaN;
    return [
      family,
      (flops / 1e9).toFixed(2),
      ...variants.map((v) => {
        const ms = totals.get(`${family} ${v.name}`) ?? NaN;
        const gflops = flops / ms / 1e6;
        return `${ms.toFixed(0)} ms ${gflops.toFixed(2)} GF/s ${((100 * gflops) / peakMean).toFixed(0)}% ×${(base / ms).toFixed(1)}`;
      }),
    ];
  });
  console.log(markdownTable(["pass", "GFLOP per step", ...variants.map((v) => `${v.name} (× vs ${variants[0].name})`)], summary));
  engine.destroy();
}

await main();
