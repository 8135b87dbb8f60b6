/**
 * Softmax (shaders/softmax.wgsl) and attention (matmul + softmax) against float64 references, forward and
 * gradients. Default checkOp tolerances unless stated: forward 1e-5 abs (scaled by max|ref|) + 1e-4 rel,
 * gradients 1e-4 abs + 1e-3 rel.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { ATTENTION_VARIANTS } from "../src/ops/attention/variants.js";
import { attentionBookkeeping } from "./helpers/attention-bookkeeping.js";
import { attentionCase } from "./helpers/attention-case.js";
import { checkOp } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/nn.js";
import { sizeOf, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("softmax", () => {
  const cases: [number[], number][] = [
    [[3, 1], -1], // rows of length 1: y = 1, dx = 0
    [[4, 17], -1],
    [[2, 65], -1],
    [[65], 0],
    [[2, 5, 3], 1], // a middle axis: rows strided by 3
    [[3, 2, 7], 0],
    [[1, 2, 3, 17], -2],
  ];
  for (const [shape, axis] of cases) {
    it(`softmax ${JSON.stringify(shape)} axis ${axis}`, () =>
      checkOp(engine, {
        name: `softmax ${JSON.stringify(shape)} axis ${axis}`,
        shapes: [shape],
        gpu: (x) => ops.softmax(x, axis),
        cpu: (x) => R.softmax(x, axis),
        inputs: (_, s, random) => uniformData(sizeOf(s), random, -4, 4),
      }));
  }

  it("is stable for inputs where exp overflows f32 (values in [60, 120])", () =>
    checkOp(engine, {
      name: "softmax large inputs",
      shapes: [[3, 65]],
      gpu: (x) => ops.softmax(x),
      cpu: (x) => R.softmax(x),
      inputs: (_, s, random) => uniformData(sizeOf(s), random, 60, 120),
    }));

  it("rejects an axis out of range", () => {
    const x = engine.zeros([2, 3]);
    expect(() => ops.softmax(x, 2)).toThrow(/softmax: axis 2 is out of range for \[2, 3\]/);
    expect(() => ops.softmax(x, -3)).toThrow(/softmax: axis -3 is out of range/);
    x.dispose();
  });
});

describe("attention", () => {
  // [B, Lq, d], [B, Lk, d], [B, Lk, dv]
  const cases: [number[], number[], number[]][] = [
    [
      [2, 1, 3],
      [2, 1, 3],
      [2, 1, 3],
    ], // L = 1: softmax of one score, y = v
    [
      [2, 17, 3],
      [2, 17, 3],
      [2, 17, 3],
    ],
    [
      [1, 5, 4],
      [1, 17, 4],
      [1, 17, 6],
    ], // Lq ≠ Lk, dv ≠ d, batch 1
    [
      [3, 16, 8],
      [3, 16, 8],
      [3, 16, 8],
    ],
  ];
  for (const shapes of cases) {
    it(`attention ${JSON.stringify(shapes)}`, () =>
      checkOp(engine, attentionCase(`attention ${JSON.stringify(shapes)}`, shapes, ops.attention)));
  }

  // Each variant the tuner may pick (src/ops/attention/variants.ts ATTENTION_VARIANTS), forced through the op.
  for (const variant of Object.keys(ATTENTION_VARIANTS)) {
    for (const shapes of [cases[1], cases[2]]) {
      it(`attention, variant ${variant}: ${JSON.stringify(shapes)}`, async () => {
        const previous = engine.tuner.override("attention", variant);
        try {
          await checkOp(engine, attentionCase(`attention (${variant}) ${JSON.stringify(shapes)}`, shapes, ops.attention));
        } finally {
          engine.tuner.override("attention", previous);
        }
      });
    }
  }

  attentionBookkeeping("attention", ops.attention, () => engine);
});
