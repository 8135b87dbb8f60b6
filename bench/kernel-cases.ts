/**
 * The kernel rows of the suite as a table (browser-safe): each kernel family builds, per shape, the inputs its rows
 * share and one case per row — what the row measures, how ours and the peer (tfjs) run it, how each side is
 * checked against its float64 reference (test/reference/, bench/reference.ts). bench/suite.ts's runner checks,
 * times and reports every case the same way.
 */
import type * as TF from "@tensorflow/tfjs-core";
import { stepReference } from "../src/diffusion/schedulers.js";
import { AdamW, DDPMScheduler, type Engine, ops, type Tensor, UNet2DModel } from "../src/index.js";
import { conv2dGeometry } from "../src/ops/conv/geometry.js";
import { conv2dForward, conv2dInputGradient, conv2dWeightGradient } from "../src/ops/conv/variants.js";
import * as RC from "../test/reference/conv.js";
import * as RN from "../test/reference/nn.js";
import * as RO from "../test/reference/ops.js";
import { type Ref, rng, uniformData } from "../test/reference/tensor.js";
import type { SuiteConfig, SuiteContext } from "./options.js";
import { adamwStep, directionalCheck, violation } from "./reference.js";
import { BENCH_SCHEDULERS, UNET_BENCH_CONFIGS } from "./unet-configs.js";

/** One kernel row: what it measures, how both sides run it, how both are checked. */
export interface KernelCase {
  name: string;
  config: SuiteConfig;
  /** The shape in words, e.g. "x [16,16,16,16] → 16, 3×3". */
  shape: string;
  /** FLOPs of one call (multiply + add = 2): a FLOP row, timed alongside the peak kernel. Null: a GB/s row. */
  flops: number | null;
  /** Bytes of one call: one read of every input and one write of every output. */
  bytes: number | null;
  /** Calls per timed run (small kernels are repeated so the submit round trip does not dominate). */
  calls: number;
  /** One timed run of ours (`calls` calls). */
  run: () => void;
  /** One timed run of the peer (`calls` calls; the tensors it returns are freed after each run), or null. */
  peer: (() => TF.Tensor[] | undefined) | null;
  check: Check;
}

/** A row's float64 check: each side's worst error as a multiple of its tolerance (≤ 1 passes). */
interface Check {
  ours: () => Promise<number>;
  /** The peer's, where the peer runs the row. */
  peer?: () => Promise<number>;
  /** Put before ours in the check cell, e.g. "∂ in 2 directions ". */
  prefix?: string;
  /** Names the peer's check in the cell (default "tfjs"). */
  peerLabel?: string;
}

/** The rows of one family on one shape, and what they share: freed after the last row. */
interface CaseGroup {
  cases: KernelCase[];
  free: ({ dispose(): void } | null | undefined)[];
}

/** One shape of a family: its rows' names, and how to build their inputs (only when some row passes --filter). */
interface CaseGroupSpec {
  names: readonly string[];
  build: () => CaseGroup | Promise<CaseGroup>;
}

interface ConvShape {
  config: SuiteConfig;
  x: [number, number, number, number];
  out: number;
}

/** 3×3, stride 1, padding 1 convolutions of the two U-Nets' resnet blocks (bench/conv.ts `--shapes kernels` too). */
export const CONV_SHAPES: ConvShape[] = [
  { config: "mnist-16", x: [16, 16, 16, 16], out: 16 },
  { config: "mnist-16", x: [16, 32, 8, 8], out: 32 },
  { config: "ddpm-cifar10-32", x: [1, 128, 32, 32], out: 128 },
  { config: "ddpm-cifar10-32", x: [1, 256, 16, 16], out: 256 },
  { config: "ddpm-cifar10-32", x: [1, 256, 4, 4], out: 256 },
];

/** A·B with A [M, K], B [K, N]: the attention projections (tokens · W) of the two U-Nets. */
const MATMUL_SHAPES: { config: SuiteConfig; m: number; k: number; n: number; what: string }[] = [
  { config: "mnist-16", m: 1024, k: 32, n: 32, what: "attention, 16×64 tokens" },
  { config: "ddpm-cifar10-32", m: 256, k: 256, n: 256, what: "attention, 256 tokens" },
];

const NORM_SHAPES: { config: SuiteConfig; x: number[]; groups: number }[] = [
  { config: "mnist-16", x: [16, 16, 16, 16], groups: 8 },
  { config: "ddpm-cifar10-32", x: [1, 128, 32, 32], groups: 32 },
];

/** q, k, v [B·heads, L, d]. */
const ATTENTION_SHAPES: { config: SuiteConfig; b: number; l: number; d: number }[] = [
  { config: "mnist-16", b: 16, l: 64, d: 32 },
  { config: "ddpm-cifar10-32", b: 1, l: 256, d: 256 },
];

const CONV_ROWS = ["conv2d forward", "conv2d input gradient", "conv2d weight+bias gradient"] as const;
const MATMUL_ROWS = ["matmul forward", "matmul backward (dA, dB)"] as const;
const NORM_ROWS = ["groupNorm+SiLU forward", "groupNorm+SiLU forward+backward"] as const;
const ATTENTION_ROWS = ["attention forward", "attention forward+backward"] as const;
const DENOISE_ROW = "fused denoising step";
const ADAMW_ROW = "AdamW step";

/** Every kernel row of a run, in report order: the quick mode skips the layers with more than 128 channels. */
export function kernelCaseGroups(context: SuiteContext): CaseGroupSpec[] {
  const { options } = context;
  const run = (config: SuiteConfig) => options.configs.includes(config);
  return [
    ...CONV_SHAPES.filter((c) => run(c.config) && !(options.quick && c.x[1] > 128)).map((c) => ({
      names: CONV_ROWS,
      build: () => conv2dCases(context, c),
    })),
    ...MATMUL_SHAPES.filter((c) => run(c.config)).map((c) => ({ names: MATMUL_ROWS, build: () => matmulCases(context, c) })),
    ...NORM_SHAPES.filter((c) => run(c.config)).map((c) => ({ names: NORM_ROWS, build: () => groupNormCases(context, c) })),
    ...ATTENTION_SHAPES.filter((c) => run(c.config)).map((c) => ({ names: ATTENTION_ROWS, build: () => attentionCases(context, c) })),
    ...options.configs.map((config) => ({ names: [DENOISE_ROW], build: () => denoisingStepCases(context, config) })),
    { names: [ADAMW_ROW], build: () => adamwCases(context) },
  ];
}

// ---------------------------------------------------------------------------------------------- helpers

const f32 = (r: Ref) => Float32Array.from(r.data);
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Calls per run of a FLOP row: each run at least a few ms of work on a ~3 GFLOP/s adapter, at most 32 calls. */
const callsFor = (flops: number) => Math.max(1, Math.min(32, Math.round(2e7 / flops)));

/** `calls` calls of ours without a tape, in a scope that frees every output. */
function noGradCalls(engine: Engine, calls: number, call: () => unknown): () => void {
  return () =>
    engine.noGrad(() =>
      engine.tidy(() => {
        for (let i = 0; i < calls; i++) call();
      }),
    );
}

/** Drop the gradients of `params`, so that the next backward pass starts from none. */
function clearGrads(params: Tensor[]): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}

/** `calls` forward + backward passes (the tape's gradients of Σ gradOut ⊙ forward()), each freeing its tensors. */
function backwardCalls(engine: Engine, calls: number, forward: () => Tensor, gradOut: Tensor, params: Tensor[]): () => void {
  return () => {
    for (let i = 0; i < calls; i++) {
      engine.tidy(() => engine.backward(forward(), gradOut));
      clearGrads(params);
    }
  };
}

/** `calls` calls of the peer's op; the outputs are returned for the peer's timer to free. */
function peerCalls(calls: number, call: () => TF.Tensor[]): () => TF.Tensor[] {
  return () => {
    const out: TF.Tensor[] = [];
    for (let i = 0; i < calls; i++) out.push(...call());
    return out;
  };
}

/** The worst violation of one call's outputs, each read by `read` (in our layout) against its reference; frees them. */
async function outputsWorst<T extends { dispose(): void }>(
  outputs: T[],
  expected: ArrayLike<number>[],
  read: (t: T, i: number) => Promise<ArrayLike<number>>,
): Promise<number> {
  let worst = 0;
  for (let i = 0; i < outputs.length; i++) worst = Math.max(worst, violation(await read(outputs[i], i), expected[i]));
  for (const t of outputs) t.dispose();
  return worst;
}

/** Ours' check: one call without a tape, every output against its reference. */
const oursWorst = (engine: Engine, call: () => Tensor[], expected: ArrayLike<number>[]) =>
  outputsWorst(engine.noGrad(call), expected, (t) => t.data());

/** The directional-derivative check (bench/reference.ts) of the tape's gradients of Σ gradOut ⊙ forward(). */
async function gradientWorst(
  engine: Engine,
  forward: () => Tensor,
  gradOut: Tensor,
  params: Tensor[],
  reference: { f: (inputs: Ref[]) => Ref; inputs: Ref[]; gradOut: Ref },
): Promise<number> {
  engine.tidy(() => engine.backward(forward(), gradOut));
  const grads: ArrayLike<number>[] = [];
  for (const p of params) grads.push(await p.grad!.data());
  clearGrads(params);
  return directionalCheck(reference.f, reference.inputs, reference.gradOut, grads);
}

/** One pass of a family whose rows compare each output of one call with a float64 reference (conv2d, matmul). */
interface OutputsPass {
  name: string;
  bytes: number;
  flops: number;
  ours: () => Tensor[];
  peer: (() => TF.Tensor[]) | null;
  expected: ArrayLike<number>[];
  /** An output of the peer's in our layout. */
  peerRead?: (t: TF.Tensor, i: number) => Promise<ArrayLike<number>>;
}

function outputsCase(engine: Engine, config: SuiteConfig, shape: string, calls: number, pass: OutputsPass): KernelCase {
  const { ours, peer, expected } = pass;
  return {
    name: pass.name,
    config,
    shape,
    flops: pass.flops,
    bytes: pass.bytes,
    calls,
    run: noGradCalls(engine, calls, ours),
    peer: peer && peerCalls(calls, peer),
    check: {
      ours: () => oursWorst(engine, ours, expected),
      peer: peer ? () => outputsWorst(peer(), expected, pass.peerRead ?? ((t) => t.data())) : undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------- families

/** conv2d's three passes on one layer, sharing x, the weight, the bias and the output gradient. */
function conv2dCases({ engine, peer }: SuiteContext, c: ConvShape): CaseGroup {
  const [n, ch, h, w] = c.x;
  const shape = `x [${c.x}] → ${c.out}, 3×3`;
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
  const g = conv2dGeometry(x, wt, b, { stride: 1, padding: 1 });
  const flops = 2 * n * c.out * h * w * ch * 9;
  // tfjs runs NHWC with HWIO weights; its outputs are read back in our layouts.
  const tf = peer?.tf;
  const px = peer?.nhwc(xRef.data, xRef.shape);
  const pw = peer?.hwio(wRef.data, wRef.shape);
  const pb = tf?.tensor1d(f32(bRef));
  const pg = peer?.nhwc(gRef.data, gRef.shape);
  const nchw = (t: TF.Tensor) => peer!.nchwData(t);
  const passes: OutputsPass[] = [
    {
      name: CONV_ROWS[0],
      flops,
      bytes: 4 * (x.size + wt.size + c.out + outRef.data.length),
      ours: () => [conv2dForward(x, wt, b, g)],
      peer: tf ? () => [tf.fused.conv2d({ x: px!, filter: pw!, strides: 1, pad: 1, bias: pb })] : null,
      expected: [outRef.data],
      peerRead: nchw,
    },
    {
      name: CONV_ROWS[1],
      flops,
      bytes: 4 * (gradOut.size + wt.size + x.size),
      ours: () => [conv2dInputGradient(gradOut, wt, g)],
      peer: peer ? () => [peer.conv2dInputGradient(pg!, pw!, [n, h, w, ch], 1, 1)] : null,
      expected: [grads.input.data],
      peerRead: nchw,
    },
    {
      name: CONV_ROWS[2],
      flops,
      bytes: 4 * (x.size + gradOut.size + wt.size + c.out),
      ours: () => conv2dWeightGradient(x, gradOut, g, true).filter((t): t is Tensor => t !== null),
      peer: tf ? () => [peer!.conv2dWeightGradient(px!, pg!, [3, 3, ch, c.out], 1, 1), tf.sum(pg!, [0, 1, 2])] : null,
      expected: [grads.weight.data, grads.bias.data],
      peerRead: (t, i) => (i === 0 ? peer!.oihwData(t) : t.data()),
    },
  ];
  return {
    cases: passes.map((pass) => outputsCase(engine, c.config, shape, callsFor(flops), pass)),
    free: [x, wt, b, gradOut, px, pw, pb, pg],
  };
}

/** A·B and its two gradients (dA = dC·Bᵀ, dB = Aᵀ·dC) on one product. */
function matmulCases({ engine, peer }: SuiteContext, c: (typeof MATMUL_SHAPES)[number]): CaseGroup {
  const shape = `[${c.m}×${c.k}]·[${c.k}×${c.n}], ${c.what}`;
  const random = rng(11);
  const aRef: Ref = { data: uniformData(c.m * c.k, random), shape: [c.m, c.k] };
  const bRef: Ref = { data: uniformData(c.k * c.n, random), shape: [c.k, c.n] };
  const gRef: Ref = { data: uniformData(c.m * c.n, random), shape: [c.m, c.n] };
  const a = engine.tensor(f32(aRef), aRef.shape).keep();
  const bm = engine.tensor(f32(bRef), bRef.shape).keep();
  const gm = engine.tensor(f32(gRef), gRef.shape).keep();
  const tf = peer?.tf;
  const pa = tf?.tensor2d(f32(aRef), [c.m, c.k]);
  const pbm = tf?.tensor2d(f32(bRef), [c.k, c.n]);
  const pgm = tf?.tensor2d(f32(gRef), [c.m, c.n]);
  const flops = 2 * c.m * c.k * c.n;
  const [mk, kn, mn] = [c.m * c.k, c.k * c.n, c.m * c.n];
  const passes: OutputsPass[] = [
    {
      name: MATMUL_ROWS[0],
      flops,
      bytes: 4 * (mk + kn + mn),
      ours: () => [ops.matmul(a, bm)],
      peer: tf ? () => [tf.matMul(pa!, pbm!)] : null,
      expected: [RO.matmul(aRef, bRef).data],
    },
    {
      name: MATMUL_ROWS[1],
      flops: 2 * flops,
      bytes: 4 * (mn + kn + mk + mk + kn),
      ours: () => [ops.matmul(gm, bm, { transposeB: true }), ops.matmul(a, gm, { transposeA: true })],
      peer: tf ? () => [tf.matMul(pgm!, pbm!, false, true), tf.matMul(pa!, pgm!, true, false)] : null,
      expected: [RO.matmul(gRef, bRef, false, true).data, RO.matmul(aRef, gRef, true, false).data],
    },
  ];
  // Both rows run the forward's number of calls per run.
  return {
    cases: passes.map((pass) => outputsCase(engine, c.config, shape, callsFor(flops), pass)),
    free: [a, bm, gm, pa, pbm, pgm],
  };
}

/** Group norm + SiLU, forward and forward + backward: memory-bound, GB/s rows. */
function groupNormCases({ engine }: SuiteContext, c: (typeof NORM_SHAPES)[number]): CaseGroup {
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
  const reference = ([xr, wr, br]: Ref[]) => RN.groupNorm(xr, c.groups, wr, br, eps, true);
  const calls = Math.max(1, Math.min(32, Math.round(4e6 / (8 * count))));
  const row = { config: c.config, shape, flops: null, calls, peer: null };
  return {
    cases: [
      {
        ...row,
        name: NORM_ROWS[0],
        bytes: 4 * (2 * count + 2 * channels),
        run: noGradCalls(engine, calls, forward),
        check: { ours: () => oursWorst(engine, () => [forward()], [reference([xRef, wRef, bRef]).data]) },
      },
      {
        ...row,
        name: NORM_ROWS[1],
        // forward: x in, y out; backward: x, dy in, dx out (+ the per-channel sums, negligible)
        bytes: 4 * 5 * count,
        run: backwardCalls(engine, calls, forward, gradOut, [x, weight, bias]),
        check: {
          prefix: "∂ in 2 directions ",
          ours: () =>
            gradientWorst(engine, forward, gradOut, [x, weight, bias], { f: reference, inputs: [xRef, wRef, bRef], gradOut: gRef }),
        },
      },
    ],
    free: [x, weight, bias, gradOut],
  };
}

/** Attention, forward and forward + backward; FLOPs of its products: q·kᵀ and p·v forward, four more backward. */
function attentionCases({ engine }: SuiteContext, c: (typeof ATTENTION_SHAPES)[number]): CaseGroup {
  const shape = `q,k,v [${c.b}, ${c.l}, ${c.d}]`;
  const random = rng(17);
  const dims = [c.b, c.l, c.d];
  const refs = [0, 1, 2].map(() => ({ data: uniformData(size(dims), random), shape: dims }) as Ref);
  const gRef: Ref = { data: uniformData(size(dims), random), shape: dims };
  const scale = 1 / Math.sqrt(c.d);
  const qkv = refs.map((r, i) => engine.parameter(f32(r), dims, "qkv"[i]));
  const [q, k, v] = qkv;
  const gradOut = engine.tensor(f32(gRef), dims).keep();
  const forward = () => ops.attention(q, k, v, { scale });
  const reference = ([qr, kr, vr]: Ref[]) => RN.attention(qr, kr, vr, scale);
  const forwardFlops = 4 * c.b * c.l * c.l * c.d;
  const row = { config: c.config, shape, bytes: null, peer: null };
  return {
    cases: [
      {
        ...row,
        name: ATTENTION_ROWS[0],
        flops: forwardFlops,
        calls: callsFor(forwardFlops),
        run: noGradCalls(engine, callsFor(forwardFlops), forward),
        check: { ours: () => oursWorst(engine, () => [forward()], [reference(refs).data]) },
      },
      {
        ...row,
        name: ATTENTION_ROWS[1],
        flops: 3 * forwardFlops,
        calls: callsFor(3 * forwardFlops),
        run: backwardCalls(engine, callsFor(3 * forwardFlops), forward, gradOut, qkv),
        check: {
          prefix: "∂ in 2 directions ",
          ours: () => gradientWorst(engine, forward, gradOut, qkv, { f: reference, inputs: refs, gradOut: gRef }),
        },
      },
    ],
    free: [q, k, v, gradOut],
  };
}

/** The fused denoising step (one dispatch: x̂₀, clip, posterior mean, noise) on a config's sample batch. */
function denoisingStepCases({ engine }: SuiteContext, config: SuiteConfig): CaseGroup {
  const { batch, config: model } = UNET_BENCH_CONFIGS[config];
  const shape4 = [batch, model.in_channels, model.sample_size, model.sample_size];
  const shape = `x [${shape4}], DDPM ${BENCH_SCHEDULERS[config].prediction_type ?? "epsilon"}`;
  const scheduler = new DDPMScheduler(BENCH_SCHEDULERS[config]);
  const t = 500;
  const seed = 9;
  const count = size(shape4);
  const random = rng(19);
  const sampleData = uniformData(count, random, -2, 2);
  const modelData = uniformData(count, random, -2, 2);
  const sample = engine.tensor(Float32Array.from(sampleData), shape4).keep();
  const modelOut = engine.tensor(Float32Array.from(modelData), shape4).keep();
  const step = () => scheduler.step(modelOut, t, sample, { seed }).prevSample;
  // The step draws its noise from (seed, stream t): the reference takes the same draw.
  const check = async () => {
    const [prev, noise] = engine.noGrad(() => [step(), engine.randn(shape4, { seed, stream: t })]);
    const expected = stepReference(scheduler.stepCoefficients(t), sampleData, modelData, await noise.data());
    const worst = violation(await prev.data(), expected, 1e-5, 2e-6);
    prev.dispose();
    noise.dispose();
    return worst;
  };
  const calls = 64;
  return {
    cases: [
      {
        name: DENOISE_ROW,
        config,
        shape,
        flops: null,
        bytes: 4 * 3 * count,
        calls,
        run: noGradCalls(engine, calls, step),
        peer: null,
        check: { ours: check },
      },
    ],
    free: [sample, modelOut],
  };
}

/**
 * AdamW over the mnist-16 U-Net's parameters, one fused dispatch per parameter tensor as training runs it; the peer
 * runs tf.train.adam (no weight decay) on the same values.
 */
async function adamwCases({ engine, peer }: SuiteContext): Promise<CaseGroup> {
  const config: SuiteConfig = "mnist-16";
  const model = new UNet2DModel(engine, UNET_BENCH_CONFIGS[config].config as Record<string, unknown>);
  const params = model.parameters();
  const count = model.parameterCount();
  const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const optimizer = new AdamW(engine, params, o);
  const random = rng(23);
  const gradData = params.map((p) => Float32Array.from(uniformData(p.size, random)));
  const paramData = await Promise.all(params.map((p) => p.data()));
  params.forEach((p, i) => {
    p.grad = engine.tensor(gradData[i], p.shape).keep();
  });
  const zeros = (n: number) => new Float64Array(n);
  const ours = async () => {
    optimizer.step();
    let worst = 0;
    for (let i = 0; i < params.length; i++) {
      const expected = adamwStep(paramData[i], gradData[i], zeros(params[i].size), zeros(params[i].size), { ...o, step: 1 });
      worst = Math.max(worst, violation(await params[i].data(), expected.param, 1e-5, 1e-7));
      const moments = optimizer.moments().find(([p]) => p === params[i])![1];
      // v: 1 − β2 = 1 − f32(0.999) is 1.3e-5 off 0.001 in f32 (as in PyTorch's f32), hence 3e-5.
      worst = Math.max(
        worst,
        violation(await moments.m.data(), expected.m, 1e-5, 1e-9),
        violation(await moments.v.data(), expected.v, 3e-5, 1e-12),
      );
    }
    return worst;
  };
  const tf = peer?.tf;
  const variables = tf ? params.map((p, i) => tf.variable(tf.tensor(paramData[i], [...p.shape]), true, `adam/${i}`)) : [];
  const grads = tf ? variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(gradData[i], [...params[i].shape]) })) : [];
  const adam = tf?.train.adam(o.lr, o.beta1, o.beta2, o.eps);
  const theirs = adam
    ? async () => {
        adam.applyGradients(grads);
        const expected = adamwStep(paramData[0], gradData[0], zeros(params[0].size), zeros(params[0].size), {
          ...o,
          weightDecay: 0,
          step: 1,
        });
        return violation(await variables[0].data(), expected.param, 1e-4, 1e-7);
      }
    : undefined;
  return {
    cases: [
      {
        name: ADAMW_ROW,
        config,
        shape: `${count.toLocaleString("en-US")} parameters in ${params.length} tensors`,
        flops: null,
        bytes: 4 * 7 * count,
        calls: 1,
        run: () => optimizer.step(),
        peer: adam ? () => void adam.applyGradients(grads) : null,
        check: { ours, peer: theirs, peerLabel: "tfjs Adam" },
      },
    ],
    free: [adam, ...variables, ...grads.map((g) => g.tensor), optimizer, model],
  };
}
