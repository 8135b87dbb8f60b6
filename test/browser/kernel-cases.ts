/**
 * A representative kernel-correctness suite that runs inside a browser page (test/browser.test.ts drives it in
 * headless Chrome): every kernel family against the same float64 references as the Node suite (test/reference/),
 * gradients by finite differences of the reference (./../helpers/op-check.ts), with the Node suite's tolerances.
 * Shapes are small and awkward (1, 3, 17, 63, 65, batch 1, one channel, non-square) so the suite stays fast on the
 * software adapter. No test framework: each case throws on failure, and the page reports every case's outcome.
 */

import { AdamW, DDIMScheduler, DDPMScheduler, type Engine, ops } from "../../src/index.js";
import { EMA } from "../../src/optim/ema.js";
import { attentionCase } from "../helpers/attention-case.js";
import { checkFusedStep, checkQSample } from "../helpers/diffusion-checks.js";
import { assertClose, check, checkOpCase, type OpCase } from "../helpers/op-check.js";
import { hexWords, take, takeWords } from "../helpers/readback.js";
import * as C from "../reference/conv.js";
import * as N from "../reference/nn.js";
import * as O from "../reference/ops.js";
import { adamw } from "../reference/optim.js";
import { philoxNormals, philoxWords, unitInterval } from "../reference/philox.js";
import { rng, sizeOf, uniformData } from "../reference/tensor.js";

export interface KernelCase {
  family: string;
  name: string;
  run: (engine: Engine) => Promise<void>;
}

const cases: KernelCase[] = [];
const op = (family: string, c: OpCase) => cases.push({ family, name: c.name, run: (engine) => checkOpCase(engine, c) });
const custom = (family: string, name: string, run: (engine: Engine) => Promise<void>) => cases.push({ family, name, run });
const values = (low: number, high: number) => (_: number, shape: number[], random: () => number) =>
  uniformData(sizeOf(shape), random, low, high);

// ---------------------------------------------------------------- elementwise, with broadcasting

for (const [shapes, name, gpu, f] of [
  [[[17], [17]], "add", ops.add, (x: number, y: number) => x + y],
  [
    [
      [4, 1, 5],
      [3, 1],
    ],
    "add",
    ops.add,
    (x: number, y: number) => x + y,
  ],
  [
    [
      [1, 3, 1, 1],
      [2, 3, 4, 4],
    ],
    "sub",
    ops.sub,
    (x: number, y: number) => x - y,
  ],
  [
    [
      [2, 1, 17, 3],
      [17, 1],
    ],
    "mul",
    ops.mul,
    (x: number, y: number) => x * y,
  ],
  [[[65], [1]], "mul", ops.mul, (x: number, y: number) => x * y],
] as const) {
  op("elementwise", {
    name: `${name} ${JSON.stringify(shapes)}`,
    shapes: shapes.map((s) => [...s]),
    gpu: (a, b) => gpu(a, b),
    cpu: (a, b) => O.binary(a, b, f),
  });
}
op("elementwise", {
  name: "div [[3,63],[3,1]]",
  shapes: [
    [3, 63],
    [3, 1],
  ],
  gpu: (a, b) => ops.div(a, b),
  cpu: (a, b) => O.binary(a, b, (x, y) => x / y),
  inputs: (i, shape, random) => uniformData(sizeOf(shape), random, i === 1 ? 0.5 : -1, i === 1 ? 2 : 1),
});
op("elementwise", { name: "silu [2,3,7,9]", shapes: [[2, 3, 7, 9]], gpu: ops.silu, cpu: (a) => O.unary(a, O.silu), inputs: values(-6, 6) });
op("elementwise", { name: "exp [17,5]", shapes: [[17, 5]], gpu: ops.exp, cpu: (a) => O.unary(a, Math.exp) });
op("elementwise", { name: "log [3]", shapes: [[3]], gpu: ops.log, cpu: (a) => O.unary(a, Math.log), inputs: values(0.2, 3) });
op("elementwise", { name: "sqrt [1]", shapes: [[1]], gpu: ops.sqrt, cpu: (a) => O.unary(a, Math.sqrt), inputs: values(0.2, 3) });
op("elementwise", {
  name: "affine [17,5]",
  shapes: [[17, 5]],
  gpu: (a) => ops.affine(a, -1.5, 0.25),
  cpu: (a) => O.unary(a, (x) => -1.5 * x + 0.25),
});

// A negative control: a wrong reference must be caught, or the suite could not fail.
custom("elementwise", "the checker rejects a wrong reference (add checked against sub)", async (engine) => {
  let caught: unknown = null;
  try {
    await checkOpCase(engine, {
      name: "add vs sub",
      shapes: [
        [3, 5],
        [3, 5],
      ],
      gpu: (a, b) => ops.add(a, b),
      cpu: (a, b) => O.binary(a, b, (x, y) => x - y),
    });
  } catch (error) {
    caught = error;
  }
  check(caught instanceof Error && /add vs sub forward/.test(caught.message), `expected a forward mismatch, got ${String(caught)}`);
  check(engine.memory().liveTensors === 0, `the failed check leaked ${engine.memory().liveTensors} tensors`);
});

// ---------------------------------------------------------------- reduce

const axesOf = (rank: number, axes: number[]) => axes.map((a) => (a < 0 ? a + rank : a));
for (const [kind, shape, axes, keepDims, maxGradCoords] of [
  ["sum", [2, 3, 5, 7], [1, 3], false, 160],
  ["mean", [3, 17], [-1], true, 160],
  ["sum", [3, 300], [1], false, 40], // long rows: the workgroup kernel
  ["mean", [5000, 3], [1], false, 12], // many short rows: the serial kernel
  ["sum", [1, 63, 1], [0, 2], false, 160],
] as const) {
  op("reduce", {
    name: `${kind} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}${keepDims ? " keepDims" : ""}`,
    shapes: [[...shape]],
    gpu: (x) => ops[kind](x, [...axes], keepDims),
    cpu: (x) => O.reductions[kind](x, axesOf(shape.length, [...axes]), keepDims),
    maxGradCoords,
  });
}

// ---------------------------------------------------------------- matmul, with transposes and batches

const matmulTol = { forwardTol: { atol: 2e-5, rtol: 1e-4 }, gradTol: { atol: 1e-4, rtol: 1e-3 } };
for (const [M, K, N, ta, tb] of [
  [1, 17, 3, false, false],
  [17, 65, 63, true, false],
  [63, 3, 65, false, true],
  [65, 17, 3, true, true],
] as const) {
  op("matmul", {
    name: `matmul M=${M} K=${K} N=${N}${ta ? " Aᵀ" : ""}${tb ? " Bᵀ" : ""}`,
    shapes: [ta ? [K, M] : [M, K], tb ? [N, K] : [K, N]],
    gpu: (a, b) => ops.matmul(a, b, { transposeA: ta, transposeB: tb }),
    cpu: (a, b) => O.matmul(a, b, ta, tb),
    maxGradCoords: M * K * N > 20_000 ? 48 : 160,
    ...matmulTol,
  });
}
op("matmul", {
  name: "matmul batched [2,3,5,17]·[2,3,4,17]ᵀ",
  shapes: [
    [2, 3, 5, 17],
    [2, 3, 4, 17],
  ],
  gpu: (a, b) => ops.matmul(a, b, { transposeB: true }),
  cpu: (a, b) => O.matmul(a, b, false, true),
  ...matmulTol,
});
op("matmul", {
  name: "matmul broadcast [5,17]·[2,17,3]",
  shapes: [
    [5, 17],
    [2, 17, 3],
  ],
  gpu: (a, b) => ops.matmul(a, b),
  cpu: (a, b) => O.matmul(a, b),
  ...matmulTol,
});
op("matmul", {
  name: "linear [2,17,3] → 4 + bias",
  shapes: [[2, 17, 3], [4, 3], [4]],
  gpu: (x, w, b) => ops.linear(x, w, b),
  cpu: (x, w, b) => O.linear(x, w, b),
  ...matmulTol,
});

// ---------------------------------------------------------------- conv2d: forward, input gradient, weight gradient

for (const c of [
  { name: "3×3 stride 1 pad 1, N2 C5→O9 7×10", x: [2, 5, 7, 10], kernel: [9, 3, 3], stride: 1, padding: 1 as C.Padding },
  { name: "3×3 stride 1 pad 1, N1 C1→O1 5×5", x: [1, 1, 5, 5], kernel: [1, 3, 3], stride: 1, padding: 1 as C.Padding },
  { name: "3×3 stride 2 pad (0,1,0,1), N2 C3→O5 7×6", x: [2, 3, 7, 6], kernel: [5, 3, 3], stride: 2, padding: [0, 1, 0, 1] as C.Padding },
  { name: "3×3 stride 2 pad 1, N1 C5→O9 9×5", x: [1, 5, 9, 5], kernel: [9, 3, 3], stride: 2, padding: 1 as C.Padding },
  { name: "1×1, N1 C17→O3 3×65", x: [1, 17, 3, 65], kernel: [3, 1, 1], stride: 1, padding: 0 as C.Padding, maxGradCoords: 96 },
  {
    name: "3×3 pad 1 on 1×1 images, N3 C2→O1, no bias",
    x: [3, 2, 1, 1],
    kernel: [1, 3, 3],
    stride: 1,
    padding: 1 as C.Padding,
    noBias: true,
  },
  {
    name: "medium N2 C8→O16 16×16, 3×3 pad 1",
    x: [2, 8, 16, 16],
    kernel: [16, 3, 3],
    stride: 1,
    padding: 1 as C.Padding,
    maxGradCoords: 48,
  },
]) {
  const [o, kh, kw] = c.kernel;
  op("conv2d", {
    name: `conv2d ${c.name}`,
    shapes: [c.x, [o, c.x[1], kh, kw], ...(c.noBias ? [] : [[o]])],
    gpu: (x, w, b) => ops.conv2d(x, w, b ?? null, { stride: c.stride, padding: c.padding }),
    cpu: (x, w, b) => C.conv2d(x, w, b ?? null, c.stride, c.padding),
    maxGradCoords: c.maxGradCoords,
  });
}

// ---------------------------------------------------------------- group norm (+ SiLU)

for (const c of [
  { shape: [2, 6, 5, 7], groups: 3, silu: false },
  { shape: [2, 6, 5, 7], groups: 3, silu: true },
  { shape: [1, 1, 1, 1], groups: 1, silu: false },
  { shape: [2, 4, 17], groups: 2, silu: true },
  { shape: [2, 4, 8, 8], groups: 2, silu: false, offset: 300 },
]) {
  op("groupnorm", {
    name: `groupNorm ${JSON.stringify(c.shape)} G=${c.groups}${c.silu ? " +silu" : ""}${c.offset ? ` offset ${c.offset}` : ""}`,
    shapes: [c.shape, [c.shape[1]], [c.shape[1]]],
    gpu: (x, w, b) => ops.groupNorm(x, c.groups, w, b, { silu: c.silu }),
    cpu: (x, w, b) => N.groupNorm(x, c.groups, w, b, 1e-5, c.silu),
    inputs: (i, shape, random) =>
      i === 0 && c.offset ? uniformData(sizeOf(shape), random, c.offset - 1, c.offset + 1) : uniformData(sizeOf(shape), random),
    // x ≈ 300 ± 1 in f32 carries 2^-16 absolute rounding in the inputs themselves.
    forwardTol: c.offset ? { atol: 4e-5, rtol: 1e-4 } : undefined,
    gradTol: c.offset ? { atol: 4e-4, rtol: 2e-3 } : undefined,
  });
}

// ---------------------------------------------------------------- softmax and attention

for (const [shape, axis, low, high] of [
  [[4, 17], -1, -4, 4],
  [[2, 5, 3], 1, -4, 4],
  [[3, 65], -1, 60, 120], // exp overflows f32 without the max subtracted
] as const) {
  op("softmax", {
    name: `softmax ${JSON.stringify(shape)} axis ${axis}${low > 0 ? ` inputs in [${low}, ${high}]` : ""}`,
    shapes: [[...shape]],
    gpu: (x) => ops.softmax(x, axis),
    cpu: (x) => N.softmax(x, axis),
    inputs: values(low, high),
  });
}
for (const shapes of [
  [
    [1, 5, 4],
    [1, 17, 4],
    [1, 17, 6],
  ],
  [
    [2, 16, 8],
    [2, 16, 8],
    [2, 16, 8],
  ],
]) {
  op("softmax", attentionCase(`attention ${JSON.stringify(shapes)}`, shapes, ops.attention));
}

// ---------------------------------------------------------------- permute, upsampling, concatenation

for (const [shape, dims] of [
  [
    [2, 3, 5, 7],
    [0, 2, 3, 1],
  ],
  [
    [2, 5, 3, 4],
    [0, 2, 1, 3],
  ],
  [
    [2, 1, 3, 1, 2, 1, 2, 2],
    [7, 6, 5, 4, 3, 2, 1, 0],
  ],
] as const) {
  op("permute", {
    name: `permute ${JSON.stringify(shape)} by [${dims}]`,
    shapes: [[...shape]],
    gpu: (x) => ops.permute(x, dims),
    cpu: (x) => N.permute(x, [...dims]),
    forwardTol: { atol: 1e-12, rtol: 0 },
  });
}
op("resample", { name: "upsampleNearest2x [2,3,5,7]", shapes: [[2, 3, 5, 7]], gpu: ops.upsampleNearest2x, cpu: C.upsampleNearest2x });
op("resample", { name: "upsampleNearest2x [1,2,1,65]", shapes: [[1, 2, 1, 65]], gpu: ops.upsampleNearest2x, cpu: C.upsampleNearest2x });
op("resample", {
  name: "concat axis 1 of [2,3,4,5], [2,1,4,5], [2,6,4,5]",
  shapes: [
    [2, 3, 4, 5],
    [2, 1, 4, 5],
    [2, 6, 4, 5],
  ],
  gpu: (...ts) => ops.concat(ts, 1),
  cpu: (...refs) => C.concat(refs, 1),
});
op("resample", {
  name: "concat last axis of [3,2,5], [3,2,17]",
  shapes: [
    [3, 2, 5],
    [3, 2, 17],
  ],
  gpu: (...ts) => ops.concat(ts, -1),
  cpu: (...refs) => C.concat(refs, 2),
});

// ---------------------------------------------------------------- timestep embedding, dropout, MSE loss

for (const [dim, options] of [
  [32, { flipSinToCos: true, downscaleFreqShift: 0 }],
  [7, { flipSinToCos: true }],
  [20, { maxPeriod: 100, scale: 2.5 }],
] as const) {
  custom("misc", `timestepEmbedding dim ${dim} ${JSON.stringify(options)} within 2e-5`, async (engine) => {
    const random = rng(7);
    const timesteps = [0, 1, 2.5, 17, 500.25, 998, 999, ...Array.from({ length: 9 }, () => Math.fround(1000 * random()))];
    const t = engine.tensor(timesteps, [timesteps.length]);
    const out = await take(ops.timestepEmbedding(engine, t, dim, options));
    t.dispose();
    assertClose(out, N.timestepEmbedding(timesteps, dim, options).data, { atol: 2e-5, rtol: 0 }, `timestepEmbedding dim ${dim}`);
  });
}
custom("misc", "dropout mask equals the CPU Philox mask (n = 4096, p = 0.3)", async (engine) => {
  const n = 4096;
  const p = 0.3;
  const seed = 2 ** 40 + 12345;
  const data = uniformData(n, rng(3), 0.5, 1.5);
  const x = engine.tensor(Float32Array.from(data), [n]);
  const y = await take(ops.dropout(x, p, seed, true));
  x.dispose();
  const mask = N.dropoutMask(n, p, seed);
  const scale = Math.fround(1 / (1 - p));
  const wrong = mask.filter((kept, i) => y[i] !== (kept ? Math.fround(data[i] * scale) : 0)).length;
  check(wrong === 0, `dropout: ${wrong} of ${n} elements differ from the CPU mask · x · f32(1/(1−p))`);
});
op("misc", {
  name: "dropout [3,17] p=0.5 (gradient through the mask)",
  shapes: [[3, 17]],
  gpu: (x) => ops.dropout(x, 0.5, 123, true),
  cpu: (x) => N.dropout(x, 0.5, 123),
});
op("misc", {
  name: "mseLoss [2,3,5,7]",
  shapes: [
    [2, 3, 5, 7],
    [2, 3, 5, 7],
  ],
  gpu: (a, b) => ops.mseLoss(a, b),
  cpu: (a, b) => N.mseLoss(a, b),
});

// ---------------------------------------------------------------- RNG

const hex = (words: ArrayLike<number>) => hexWords(words).join(" ");
custom("rng", "Philox4x32-10 equals Random123's known answer for counter 0, key 0", async (engine) => {
  const words = hex(await takeWords(engine.draw("raw_bits", [4], 0, 0)));
  check(words === "6627e8d5 e169c58d bc57ac4c 9b00dbd8", `got ${words}`);
});
custom("rng", "raw Philox words equal the CPU's bit for bit (n = 65, seed 2^32 + 12345, stream 1)", async (engine) => {
  const words = await takeWords(engine.draw("raw_bits", [65], 2 ** 32 + 12345, 1));
  const expected = philoxWords(65, 2 ** 32 + 12345, 1);
  const mismatches = words.filter((w, i) => w !== expected[i]).length;
  check(mismatches === 0, `${mismatches} words differ; first got ${hex(words.slice(0, 4))}, expected ${hex(expected.slice(0, 4))}`);
});
custom("rng", "normals are the Box–Muller transform of the CPU's words within 1e-5 (n = 4097)", async (engine) => {
  const got = await take(engine.draw("normal", [4097], 2 ** 33 + 1, 9, 0, 1));
  assertClose(got, philoxNormals(4097, 2 ** 33 + 1, 9), { atol: 1e-5, rtol: 0 }, "normal");
});
custom("rng", "randn: 100k samples have mean 0 ± 0.015, std 1 ± 0.01 and ~0.27% beyond 3σ", async (engine) => {
  const v = await take(engine.randn([100_000], { seed: 2024 }));
  let sum = 0;
  for (const x of v) sum += x;
  const mean = sum / v.length;
  let squares = 0;
  let beyond3 = 0;
  for (const x of v) {
    squares += (x - mean) ** 2;
    if (Math.abs(x) > 3) beyond3++;
  }
  const std = Math.sqrt(squares / v.length);
  check(Math.abs(mean) < 0.015 && Math.abs(std - 1) < 0.01, `mean ${mean}, std ${std}`);
  check(beyond3 > 200 && beyond3 < 340, `${beyond3} of 100k beyond 3σ (expected ~270)`);
});
custom("rng", "uniform equals low + (high − low)·u of the CPU's words (n = 65, [0.25, 0.5))", async (engine) => {
  const got = await take(engine.draw("uniform01", [65], 99, 4, 0.25, 0.25));
  const words = philoxWords(65, 99, 4);
  assertClose(
    got,
    Array.from(words, (w) => 0.25 + 0.25 * unitInterval(w)),
    { atol: 2 * 2 ** -24 * 0.5, rtol: 0 },
    "uniform",
  );
});

// ---------------------------------------------------------------- diffusion: fused q_sample and denoising step

custom("diffusion", "fused q_sample draws randn's noise and forms x_t and the target (ε, x₀, v)", checkQSample);
for (const [name, scheduler, eta] of [
  ["DDPM epsilon, clipped", new DDPMScheduler(), 0],
  [
    "DDPM v-prediction, fixed_large, cosine",
    new DDPMScheduler({ prediction_type: "v_prediction", variance_type: "fixed_large", beta_schedule: "squaredcos_cap_v2" }),
    0,
  ],
  ["DDIM η = 1, v-prediction", new DDIMScheduler({ prediction_type: "v_prediction" }), 1],
] as const) {
  custom("diffusion", `fused denoising step: ${name} matches the float64 step with the same noise`, (engine) =>
    checkFusedStep(engine, name, scheduler, eta),
  );
}

// ---------------------------------------------------------------- optimiser: fused AdamW and EMA

custom("optim", "AdamW: two fused steps (decoupled weight decay, bias correction, gradient scale) match float64", async (engine) => {
  const n = 67;
  const random = rng(11);
  const p0 = uniformData(n, random);
  const grads = [uniformData(n, random), uniformData(n, random)];
  const scales = [1, 0.25];
  const options = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
  const param = engine.parameter(Float32Array.from(p0), [n], "p");
  const optimizer = new AdamW(engine, [param], options);
  const scale = engine.tensor([0.25], [1]);
  for (let step = 0; step < 2; step++) {
    const g = engine.tensor(Float32Array.from(grads[step]), [n]);
    engine.tidy(() => {
      optimizer.zeroGrad();
      engine.backward(ops.sum(ops.mul(param, g))); // ∂/∂p Σ p·g = g
      optimizer.step(step === 1 ? { gradScale: scale } : {});
    });
    g.dispose();
  }
  const got = await param.data();
  const [[, moments]] = optimizer.moments();
  const gotM = await moments.m.data();
  const gotV = await moments.v.data();
  // The reference: PyTorch's AdamW (decoupled decay p ← p − lr·(m̂/(√v̂ + ε) + λ·p)), in float64.
  const { param: p, m, v } = adamw(p0, grads, scales, options);
  assertClose(gotM, m, { atol: 1e-6, rtol: 1e-5 }, "AdamW first moment");
  assertClose(gotV, v, { atol: 1e-7, rtol: 1e-5 }, "AdamW second moment");
  assertClose(got, p, { atol: 1e-6, rtol: 1e-5 }, "AdamW parameters");
  optimizer.dispose();
  param.dispose();
  scale.dispose();
});
custom("optim", "EMA update: shadow = decay·shadow + (1 − decay)·param", async (engine) => {
  const n = 65;
  const random = rng(12);
  const first = uniformData(n, random);
  const second = uniformData(n, random);
  const param = engine.parameter(Float32Array.from(first), [n]);
  const ema = new EMA(engine, [param], 0.9);
  engine.write(param, Float32Array.from(second));
  ema.update();
  const got = await ema.shadows[0].data();
  assertClose(
    got,
    Array.from(first, (f, i) => 0.9 * f + 0.1 * second[i]),
    { atol: 1e-7, rtol: 1e-6 },
    "EMA",
  );
  ema.dispose();
  param.dispose();
});

export const kernelCases: readonly KernelCase[] = cases;
