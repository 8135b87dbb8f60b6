/**
 * GroupNorm (shaders/groupnorm.wgsl) against the float64 reference: forward, and the gradients of x, weight
 * and bias (through the fused SiLU too), on awkward shapes. Default checkOp tolerances: forward 1e-5 abs
 * (scaled by max|ref|) + 1e-4 rel; gradients 1e-4 abs + 1e-3 rel.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { checkOp } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/nn.js";
import { sizeOf, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

interface Case {
  shape: number[];
  groups: number;
  affine: "both" | "none" | "weight" | "bias";
  silu?: boolean;
  eps?: number;
  /** Input values: uniform in [offset − 1, offset + 1). */
  offset?: number;
}

const cases: Case[] = [
  { shape: [1, 1, 3, 5], groups: 1, affine: "both" },
  { shape: [1, 1, 1, 1], groups: 1, affine: "both" }, // one element per group: σ² = 0, y = bias
  { shape: [2, 6, 5, 7], groups: 3, affine: "both" },
  { shape: [2, 6, 5, 7], groups: 3, affine: "none" },
  { shape: [1, 32, 2, 3], groups: 32, affine: "both" },
  { shape: [2, 4, 17], groups: 2, affine: "both" }, // [N, C, L]
  { shape: [3, 8], groups: 4, affine: "both" }, // [N, C]: groups of channels only
  { shape: [2, 6, 3, 3], groups: 2, affine: "both", eps: 1e-6 },
  { shape: [2, 6, 3, 3], groups: 2, affine: "weight" },
  { shape: [2, 6, 3, 3], groups: 2, affine: "bias" },
  { shape: [2, 6, 5, 7], groups: 3, affine: "both", silu: true },
  { shape: [1, 4, 17], groups: 1, affine: "none", silu: true },
  { shape: [2, 4, 3, 5], groups: 2, affine: "both", silu: true, eps: 1e-6 },
  // Large common offset: catastrophic cancellation for a one-pass E[x²] − E[x]² variance.
  { shape: [2, 4, 8, 8], groups: 2, affine: "both", offset: 300 },
  // S a multiple of 4: the kernels' vec4 paths (VEC4 = 1)
  { shape: [2, 6, 4, 4], groups: 3, affine: "both", silu: true },
  { shape: [1, 4, 1, 4], groups: 2, affine: "none" },
  { shape: [2, 8, 12], groups: 4, affine: "weight", silu: true },
];

function caseName(c: Case): string {
  return `groupNorm ${JSON.stringify(c.shape)} G=${c.groups} affine=${c.affine}${c.silu ? " +silu" : ""}${c.eps ? ` eps=${c.eps}` : ""}${c.offset ? ` offset=${c.offset}` : ""}`;
}

describe("groupNorm", () => {
  for (const c of cases) {
    const channels = c.shape[1];
    const eps = c.eps ?? 1e-5;
    const hasWeight = c.affine === "both" || c.affine === "weight";
    const hasBias = c.affine === "both" || c.affine === "bias";
    const shapes = [c.shape, ...(hasWeight ? [[channels]] : []), ...(hasBias ? [[channels]] : [])];
    it(caseName(c), () =>
      checkOp(engine, {
        name: caseName(c),
        shapes,
        gpu: (x, ...params) => {
          const weight = hasWeight ? params[0] : null;
          const bias = hasBias ? params[hasWeight ? 1 : 0] : null;
          return ops.groupNorm(x, c.groups, weight, bias, { eps: c.eps, silu: c.silu });
        },
        cpu: (x, ...params) => {
          const weight = hasWeight ? params[0] : null;
          const bias = hasBias ? params[hasWeight ? 1 : 0] : null;
          return R.groupNorm(x, c.groups, weight, bias, eps, c.silu);
        },
        inputs: (i, shape, random) =>
          i === 0 && c.offset ? uniformData(sizeOf(shape), random, c.offset - 1, c.offset + 1) : uniformData(sizeOf(shape), random),
        // With x ≈ 300 ± 1 in f32, the inputs themselves carry 2^-16 absolute rounding: ~3e-5 of the unit spread.
        forwardTol: c.offset ? { atol: 4e-5, rtol: 1e-4 } : undefined,
        gradTol: c.offset ? { atol: 4e-4, rtol: 2e-3 } : undefined,
      }),
    );
  }

  it("gives the same gradients when only some inputs require grad", async () => {
    const random = Math.random;
    const shape = [2, 6, 3, 3];
    const data = [uniformData(sizeOf(shape), random), uniformData(6, random), uniformData(6, random)];
    const seed = engine.tensor(uniformData(sizeOf(shape), random), shape);
    const run = async (needGrad: boolean[]) => {
      const [x, weight, bias] = data.map((d, i) => {
        const t = engine.tensor(d, i === 0 ? shape : [6]);
        t.requiresGrad = needGrad[i];
        return t;
      });
      engine.tidy(() => engine.backward(ops.groupNorm(x, 3, weight, bias, { silu: true }), seed));
      const grads = await Promise.all([x, weight, bias].map((t) => (t.grad ? t.grad.data() : Promise.resolve(null))));
      for (const t of [x, weight, bias]) t.dispose();
      return grads;
    };
    const before = engine.memory().liveTensors;
    const all = await run([true, true, true]);
    for (const needGrad of [
      [true, false, true],
      [false, true, false],
      [false, false, true],
    ]) {
      const some = await run(needGrad);
      some.forEach((g, i) => {
        if (needGrad[i]) expect(Array.from(g!), `input ${i} with ${needGrad}`).toEqual(Array.from(all[i]!));
        else expect(g, `input ${i} with ${needGrad}`).toBeNull();
      });
    }
    expect(engine.memory().liveTensors).toBe(before);
    seed.dispose();
  });

  it("frees its statistics when no tape records it", async () => {
    const x = engine.tensor(uniformData(2 * 6 * 9, Math.random), [2, 6, 3, 3]);
    const before = engine.memory().liveTensors;
    const y = engine.noGrad(() => ops.groupNorm(x, 3, null, null));
    expect(engine.memory().liveTensors).toBe(before + 1);
    await y.data();
    y.dispose();
    x.dispose();
  });

  it("rejects bad arguments with messages naming the op and shapes", () => {
    const x = engine.zeros([2, 6, 3, 3]);
    const w5 = engine.zeros([5]);
    const w6 = engine.zeros([6]);
    const flat = engine.zeros([6]);
    expect(() => ops.groupNorm(x, 4, null, null)).toThrow(/groupNorm: 4 groups do not divide the 6 channels of \[2, 6, 3, 3\]/);
    expect(() => ops.groupNorm(x, 0, null, null)).toThrow(/groupNorm: 0 groups/);
    expect(() => ops.groupNorm(x, 3, w5, null)).toThrow(/groupNorm: weight \[5\] must be \[6\]/);
    expect(() => ops.groupNorm(x, 3, w6, w5)).toThrow(/groupNorm: bias \[5\] must be \[6\]/);
    expect(() => ops.groupNorm(flat, 1, null, null)).toThrow(/groupNorm: input must be \[N, C, \.\.\.spatial\] \(rank ≥ 2\), got \[6\]/);
    expect(() => ops.groupNorm(x, 3, null, null, { eps: -1 })).toThrow(/groupNorm: eps/);
    for (const t of [x, w5, w6, flat]) t.dispose();
  });
});
