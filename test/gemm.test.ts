/**
 * The shared-memory tiled kernels of shaders/gemm.wgsl (src/ops/matmul/kernels.ts, src/ops/conv/shared.ts) against float64 references: the
 * batched matmul (transposes, broadcast batches, accumulate) and the implicit-GEMM convolution's forward, input
 * gradient and weight/bias gradient. The gradients are compared with exact float64 gradients computed by plain
 * loops below (not finite differences). Sizes straddle the 64×64 output tile and the 16-deep k-slice (1, 3,
 * 17, 63, 65, 70), with strides 1, 2, 3, asymmetric padding, 1×1 images and 1×1 / 2×3 kernels.
 *
 * Tolerances, |gpu − ref| ≤ atol · max(1, max|ref|) + rtol · |ref| (f32 sums of ≤ 1200 terms of size ≤ 1):
 *   matmul                   atol 2e-5, rtol 1e-4 (as test/matmul.test.ts)
 *   conv forward, gradients  atol 1e-5, rtol 1e-4 (as test/conv.test.ts's forward)
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../src/index.js";
import { type ConvGeometry, conv2dGeometry } from "../src/ops/conv/geometry.js";
import { conv2dForwardShared, conv2dInputGradientShared, conv2dWeightGradientShared } from "../src/ops/conv/shared.js";
import { shared as matmulShared } from "../src/ops/matmul/kernels.js";
import type { Operand } from "../src/ops/matmul/operand.js";
import { expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as C from "./reference/conv.js";
import * as R from "./reference/ops.js";
import { type Ref, rng, sizeOf, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

const MATMUL_TOL = { atol: 2e-5, rtol: 1e-4 };
const CONV_TOL = { atol: 1e-5, rtol: 1e-4 };

let seed = 1;
function randomRef(shape: number[]): Ref {
  return { data: uniformData(sizeOf(shape), rng(seed++)), shape };
}

/** Upload references, run `fn`, read the results back, and check that nothing leaked. */
async function onGpu(inputs: (Ref | null)[], fn: (...t: (Tensor | null)[]) => (Tensor | null)[]): Promise<(Float32Array | null)[]> {
  const live = engine.memory().liveTensors;
  const tensors = inputs.map((r) => (r ? engine.tensor(r.data, r.shape) : null));
  const outputs = fn(...tensors);
  const data = await Promise.all(outputs.map((t) => (t ? t.data() : null)));
  for (const t of [...tensors, ...outputs]) t?.dispose();
  expect(engine.memory().liveTensors, "tensors leaked").toBe(live);
  return data;
}

// ------------------------------------------------------------------------------------------------ matmul

/** The Operand of a stored [..batch, r, c] tensor used as rows × cols, optionally transposed (as matmul.ts). */
function operand(shape: number[], transpose: boolean): Operand {
  const [r, c] = shape.slice(-2);
  const batch = sizeOf(shape) / (r * c);
  const strides: [number, number, number] = [batch === 1 ? 0 : r * c, c, 1];
  return transpose ? { batch, rows: c, cols: r, strides: [strides[0], 1, c] } : { batch, rows: r, cols: c, strides };
}

interface MatmulCase {
  M: number;
  K: number;
  N: number;
  ta?: boolean;
  tb?: boolean;
  batchA?: number;
  batchB?: number;
  accumulate?: boolean;
}

async function checkMatmul(c: MatmulCase): Promise<void> {
  const { M, K, N } = c;
  const ta = c.ta ?? false;
  const tb = c.tb ?? false;
  const batchA = c.batchA ?? 1;
  const batchB = c.batchB ?? 1;
  const batch = Math.max(batchA, batchB);
  const aShape = [batchA, ...(ta ? [K, M] : [M, K])];
  const bShape = [batchB, ...(tb ? [N, K] : [K, N])];
  const a = randomRef(aShape);
  const b = randomRef(bShape);
  const expected = R.matmul(a, b, ta, tb).data;
  const initial = c.accumulate ? randomRef([batch, M, N]) : null;
  if (initial) for (let i = 0; i < expected.length; i++) expected[i] += initial.data[i];
  const [result] = await onGpu([a, b, initial], (A, B, C0) => {
    const out = C0 ?? engine.empty([batch, M, N]);
    matmulShared(A!, operand(aShape, ta), B!, operand(bShape, tb), out, batch, c.accumulate ?? false);
    // onGpu disposes its inputs; the accumulated C is one of them, so read it through a view.
    return [C0 ? engine.view(C0, C0.shape) : out];
  });
  expectClose(result!, expected, MATMUL_TOL, "matmul_shared");
}

describe("matmul shared (gemm/matmul_shared)", () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 65, 70], // M = 1, two column tiles
    [3, 1, 65], // K = 1
    [17, 3, 1],
    [65, 17, 3], // two row tiles
    [63, 70, 17], // k-slices 16 + … + 6
    [70, 63, 65],
  ];
  for (const [M, K, N] of sizes) {
    it(`M=${M} K=${K} N=${N}`, () => checkMatmul({ M, K, N }));
  }
  for (const [ta, tb] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    for (const [M, K, N] of [
      [70, 17, 65],
      [3, 65, 1],
    ] as const) {
      it(`M=${M} K=${K} N=${N}${ta ? " Aᵀ" : ""}${tb ? " Bᵀ" : ""}`, () => checkMatmul({ M, K, N, ta, tb }));
    }
  }
  it("batch 3 · broadcast B", () => checkMatmul({ M: 17, K: 63, N: 65, batchA: 3 }));
  it("broadcast A · batch 2 Bᵀ", () => checkMatmul({ M: 65, K: 3, N: 17, batchB: 2, tb: true }));
  it("accumulate into C, batch 2, Aᵀ", () => checkMatmul({ M: 63, K: 70, N: 65, batchA: 2, batchB: 2, ta: true, accumulate: true }));
  it("throws naming the kernel when a grid dimension exceeds 65535", () => {
    const a = engine.tensor([1], [1, 1]);
    const op = operand([1, 1], false);
    expect(() => matmulShared(a, op, a, op, a, 70_000, false)).toThrow(/gemm\/matmul_shared: .*65535/);
    a.dispose();
  });
});

// ------------------------------------------------------------------------------------------------ conv2d

interface ConvCase extends C.ConvCase {
  /** Weight-gradient splits to force (default: the automatic choice). */
  splits?: number[];
}

const convCases: ConvCase[] = [
  { name: "N1 C1→O1 1×1 image, 3×3 pad 1", x: [1, 1, 1, 1], kernel: [1, 3, 3], padding: 1 },
  { name: "N2 C3→O5 5×7, 3×3 pad 1", x: [2, 3, 5, 7], kernel: [5, 3, 3], padding: 1, splits: [1, 3] },
  { name: "N1 C17→O33 16×16, 3×3 pad 1, no bias", x: [1, 17, 16, 16], kernel: [33, 3, 3], padding: 1, bias: false, splits: [1, 5] },
  { name: "N2 C3→O5 16×16, 3×3 stride 2 pad (0,1,0,1)", x: [2, 3, 16, 16], kernel: [5, 3, 3], stride: 2, padding: [0, 1, 0, 1] },
  { name: "N2 C1→O33 5×7, 3×3 stride 2 pad (0,1,0,1)", x: [2, 1, 5, 7], kernel: [33, 3, 3], stride: 2, padding: [0, 1, 0, 1] },
  { name: "N2 C17→O5 5×7, 1×1", x: [2, 17, 5, 7], kernel: [5, 1, 1] },
  { name: "N1 C3→O5 16×16, 2×3 kernel stride 3 pad (1,0,2,1)", x: [1, 3, 16, 16], kernel: [5, 2, 3], stride: 3, padding: [1, 0, 2, 1] },
  { name: "N2 C3→O1 5×7, 2×3 kernel stride 3, no bias", x: [2, 3, 5, 7], kernel: [1, 2, 3], stride: 3, bias: false, splits: [2] },
  // Tile edges: 65 output channels and 65 output pixels (two 64-tiles each way), K = 17·9 = 153 (a partial slice).
  { name: "tile edges: N1 C17→O65 5×13, 3×3 pad 1", x: [1, 17, 5, 13], kernel: [65, 3, 3], padding: 1, splits: [1, 2] },
  // ... and 65 input channels for the input gradient (rows) and the weight gradient (columns 65·9 + 1).
  { name: "tile edges: N1 C65→O17 5×13, 3×3 pad 1", x: [1, 65, 5, 13], kernel: [17, 3, 3], padding: 1 },
];

async function checkConv(c: ConvCase): Promise<void> {
  const withBias = c.bias ?? true;
  const { x, w: weight, b: bias, out: expected, gradOut, grads } = C.convCaseReference(c, randomRef);
  const g = engine.tidy(() => {
    const shapes = [engine.empty(c.x), engine.empty(weight.shape), bias ? engine.empty(bias.shape) : null] as const;
    return conv2dGeometry(shapes[0], shapes[1], shapes[2], { stride: c.stride ?? 1, padding: c.padding ?? 0 });
  });
  expect([g.batch, g.outChannels, g.outHeight, g.outWidth]).toEqual(expected.shape);
  const { input: expectedInput, weight: expectedWeight, bias: expectedBias } = grads;

  const [out, gradInput] = await onGpu([x, weight, bias, gradOut], (X, W, B, G) => [
    conv2dForwardShared(X!, W!, B, g),
    conv2dInputGradientShared(G!, W!, g),
  ]);
  expectClose(out!, expected.data, CONV_TOL, `${c.name}: forward`);
  expectClose(gradInput!, expectedInput.data, CONV_TOL, `${c.name}: input gradient`);

  for (const splits of [undefined, ...(c.splits ?? [])]) {
    const [gradWeight, gradBias] = await onGpu([x, gradOut], (X, G) => conv2dWeightGradientShared(X!, G!, g, withBias, splits));
    const what = `${c.name}: ${splits ?? "automatic"} splits`;
    expectClose(gradWeight!, expectedWeight.data, CONV_TOL, `${what}, weight gradient`);
    if (withBias) expectClose(gradBias!, expectedBias.data, CONV_TOL, `${what}, bias gradient`);
    else expect(gradBias).toBeNull();
  }
}

describe("implicit-GEMM conv2d (forward, input gradient, weight gradient)", () => {
  for (const c of convCases) it(c.name, () => checkConv(c));

  it("throws naming the kernel when a grid dimension exceeds 65535", () => {
    const t = engine.tensor([1], [1, 1, 1, 1]);
    const g: ConvGeometry = {
      batch: 1,
      inChannels: 1,
      inHeight: 2100,
      inWidth: 2100,
      outChannels: 1,
      outHeight: 2100,
      outWidth: 2100,
      kernelHeight: 1,
      kernelWidth: 1,
      stride: 1,
      padTop: 0,
      padLeft: 0,
    };
    expect(() => conv2dForwardShared(t, t, null, g)).toThrow(/conv2dForwardShared: .*65535/);
    expect(() => conv2dInputGradientShared(t, t, g)).toThrow(/conv2dInputGradientShared: .*65535/);
    expect(() => conv2dWeightGradientShared(t, t, { ...g, inChannels: 70_000 * 64 }, false)).toThrow(/conv2dWeightGradientShared: .*65535/);
    t.dispose();
  });
});
