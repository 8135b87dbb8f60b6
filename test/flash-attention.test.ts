/**
 * flashAttention (shaders/flash_attention.wgsl) against the float64 reference attention (test/reference/nn.ts),
 * forward and finite-difference gradients of q, k and v, and against the unfused attention() on the GPU.
 * Tolerances (compare(): atol scaled by max(1, max|reference|), rtol per element): forward 1e-5 abs + 1e-4 rel,
 * gradients 1e-4 abs + 1e-3 rel (checkOp's defaults), unless a case states otherwise.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { attentionBookkeeping } from "./helpers/attention-bookkeeping.js";
import { type AttentionCaseOptions, attentionCase } from "./helpers/attention-case.js";
import { checkOp, expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
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
    it(`${label}: ${JSON.stringify(shapes)}`, () =>
      checkOp(engine, attentionCase(`flashAttention ${JSON.stringify(shapes)}`, shapes, ops.flashAttention)));
  }

  // [test title, case name, [q, k, v] shapes, scale, input range and tolerance]
  const extreme: [string, string, number[][], AttentionCaseOptions][] = [
    // Scores spread over about ±50: the running maximum jumps by tens between tiles and the rescaling factor
    // exp(m_old − m_new) underflows to 0 for earlier keys. Gradients: the probabilities are nearly one-hot, so most
    // entries are ~0 and atol (scaled by the largest entry) carries the check. (exp(50) still fits f32; the next case
    // is the one that fails without the max-subtraction.)
    [
      "scores of about ±50 (scale·q·k with q, k in [-5, 5], d = 8, scale = 0.5)",
      "flashAttention scores ±50",
      [
        [2, 13, 8],
        [2, 21, 8],
        [2, 21, 6],
      ],
      { scale: 0.5, qkRange: [-5, 5], gradTol: { atol: 2e-4, rtol: 2e-3 } },
    ],
    // Every score in [64, 144]: exp(score) overflows f32, so only the max-subtraction keeps this finite.
    [
      "scores where exp overflows f32 (all in [64, 144])",
      "flashAttention scores in [64, 144]",
      [
        [1, 9, 16],
        [1, 17, 16],
        [1, 17, 5],
      ],
      { scale: 1, qkRange: [2, 3], gradTol: { atol: 2e-4, rtol: 2e-3 } },
    ],
  ];
  for (const [title, name, shapes, options] of extreme) {
    it(title, () => checkOp(engine, attentionCase(name, shapes, ops.flashAttention, options)));
  }
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
    for (const [i, name] of ["q", "k", "v"].entries()) {
      expectClose(fused[i + 1], unfused[i + 1], { atol: 1e-4, rtol: 1e-3 }, `gradient of ${name}`);
    }
  });
});

describe("flashAttention bookkeeping", () => {
  attentionBookkeeping("flashAttention", ops.flashAttention, () => engine);
});
