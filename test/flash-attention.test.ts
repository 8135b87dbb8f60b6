/**
 * flashAttention (shaders/flash_attention.wgsl) against the float64 reference attention (test/reference/nn.ts),
 * forward and finite-difference gradients of q, k and v, and against the unfused attention() on the GPU.
 * Tolerances (compare(): atol scaled by max(1, max|reference|), rtol per element): forward 1e-5 abs + 1e-4 rel,
 * gradients 1e-4 abs + 1e-3 rel (checkOp's defaults), unless a case states otherwise.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, type Tensor, ops } from "../src/index.js";
import { checkOp, expectClose } from "./helpers/check-op.js";
import { attentionBookkeeping } from "./helpers/attention-bookkeeping.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/nn.js";
import { rng, sizeOf, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("flashAttention against the float64 reference", () => {
  // [B, Lq, d], [B, Lk, d], [B, Lk, dv]
  const cases: [string, number[], number[], number[]][] = [
    ["B = 1, L = 1, d = 1", [1, 1, 1], [1, 1, 1], [1, 1, 1]],
    ["d = 3, dv = 5, L = 7", [2, 7, 3], [2, 7, 3], [2, 7, 5]],
    ["Lq ≠ Lk, d = 17, dv = 3", [1, 5, 17], [1, 9, 17], [1, 9, 3]],
    ["Lq > Lk, d = 1, dv = 17", [3, 6, 1], [3, 2, 1], [3, 2, 17]],
    ["L = 65 (not a multiple of 4), d = 4", [2, 65, 4], [2, 65, 4], [2, 65, 4]],
    ["Lq = 1, Lk = 64, d = 32", [2, 1, 32], [2, 64, 32], [2, 64, 32]],
    // d and dv above one invocation's 256 columns: the grid's z splits the output columns into chunks.
    ["d = 257, dv = 300 (two column chunks)", [1, 3, 257], [1, 5, 257], [1, 5, 300]],
  ];
  for (const [label, ...shapes] of cases) {
    const scale = 1 / Math.sqrt(shapes[0][2]);
    it(`${label}: ${JSON.stringify(shapes)}`, () =>
      checkOp(engine, {
        name: `flashAttention ${JSON.stringify(shapes)}`,
        shapes,
        gpu: (q, k, v) => ops.flashAttention(q, k, v, { scale }),
        cpu: (q, k, v) => R.attention(q, k, v, scale),
        inputs: (_, s, random) => uniformData(sizeOf(s), random, -2, 2),
      }));
  }

  // Scores spread over about ±50: the running maximum jumps by tens between tiles and the rescaling factor
  // exp(m_old − m_new) underflows to 0 for earlier keys. Gradients: the probabilities are nearly one-hot, so most
  // entries are ~0 and atol (scaled by the largest entry) carries the check. (exp(50) still fits f32; the next case
  // is the one that fails without the max-subtraction.)
  it("scores of about ±50 (scale·q·k with q, k in [-5, 5], d = 8, scale = 0.5)", () =>
    checkOp(engine, {
      name: "flashAttention scores ±50",
      shapes: [[2, 13, 8], [2, 21, 8], [2, 21, 6]],
      gpu: (q, k, v) => ops.flashAttention(q, k, v, { scale: 0.5 }),
      cpu: (q, k, v) => R.attention(q, k, v, 0.5),
      inputs: (i, s, random) => uniformData(sizeOf(s), random, i < 2 ? -5 : -2, i < 2 ? 5 : 2),
      gradTol: { atol: 2e-4, rtol: 2e-3 },
    }));

  // Every score in [64, 144]: exp(score) overflows f32, so only the max-subtraction keeps this finite.
  it("scores where exp overflows f32 (all in [64, 144])", () =>
    checkOp(engine, {
      name: "flashAttention scores in [64, 144]",
      shapes: [[1, 9, 16], [1, 17, 16], [1, 17, 5]],
      gpu: (q, k, v) => ops.flashAttention(q, k, v, { scale: 1 }),
      cpu: (q, k, v) => R.attention(q, k, v, 1),
      inputs: (i, s, random) => uniformData(sizeOf(s), random, i < 2 ? 2 : -2, i < 2 ? 3 : 2),
      gradTol: { atol: 2e-4, rtol: 2e-3 },
    }));
});

describe("flashAttention against attention()", () => {
  it("matches the unfused attention on [2, 70, 40], forward and every gradient", async () => {
    const shape = [2, 70, 40];
    const random = rng(7);
    const data = [0, 1, 2].map(() => uniformData(sizeOf(shape), random, -2, 2));
    const before = engine.memory().liveTensors;
    const seed = engine.tensor(uniformData(sizeOf(shape), random), shape).keep();
    const run = async (fn: typeof ops.attention) => {
      const inputs = data.map((d) => {
        const t = engine.tensor(d, shape).keep();
        t.requiresGrad = true;
        return t;
      });
      const out = engine.tidy(() => {
        const y = fn(inputs[0], inputs[1], inputs[2], { scale: 1 / Math.sqrt(40) });
        engine.backward(y, seed);
        return y;
      });
      const values = [await out.data(), ...(await Promise.all(inputs.map((t) => t.grad!.data())))];
      out.dispose();
      for (const t of inputs) t.dispose();
      return values;
    };
    const fused = await run(ops.flashAttention);
    const unfused = await run(ops.attention);
    seed.dispose();
    expect(engine.memory().liveTensors).toBe(before);
    expectClose(fused[0], unfused[0], { atol: 1e-5, rtol: 1e-4 }, "output");
    ["q", "k", "v"].forEach((name, i) => expectClose(fused[i + 1], unfused[i + 1], { atol: 1e-4, rtol: 1e-3 }, `gradient of ${name}`));
  });
});

describe("flashAttention bookkeeping", () => {
  attentionBookkeeping("flashAttention", ops.flashAttention, () => engine);
});
