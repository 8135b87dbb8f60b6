/**
 * The bookkeeping tests every attention implementation must pass (ops.attention, ops.flashAttention): what it
 * keeps alive, gradients independent of which other inputs require grad, and its shape errors. Registered by
 * each op's test file with its own engine.
 */
import { expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/index.js";
import { sizeOf, uniformData } from "../reference/tensor.js";
import type { AttentionFn } from "./attention-case.js";

/** Registers the tests (call inside a describe); `engine()` gives the file's engine once beforeAll has run. */
export function attentionBookkeeping(name: string, attend: AttentionFn, engine: () => Engine): void {
  it("keeps nothing but its output (no scores or probabilities) when no tape records it", async () => {
    const e = engine();
    const q = e.tensor(uniformData(2 * 5 * 3, Math.random), [2, 5, 3]);
    const before = e.memory().liveTensors;
    const out = e.noGrad(() => attend(q, q, q, { scale: 0.5 }));
    expect(e.memory().liveTensors).toBe(before + 1);
    await out.data();
    out.dispose();
    q.dispose();
  });

  it("gives each input the same gradient whichever of the others require grad", async () => {
    const e = engine();
    const shapes = [
      [2, 5, 3],
      [2, 7, 3],
      [2, 7, 4],
    ];
    const data = shapes.map((s) => uniformData(sizeOf(s), Math.random));
    const seed = e.tensor(uniformData(2 * 5 * 4, Math.random), [2, 5, 4]);
    const grads = async (wanted: boolean[]) => {
      const inputs: Tensor[] = data.map((d, i) => {
        const t = e.tensor(d, shapes[i]);
        t.requiresGrad = wanted[i];
        return t;
      });
      e.tidy(() => e.backward(attend(inputs[0], inputs[1], inputs[2], { scale: 0.7 }), seed));
      const out = await Promise.all(inputs.map(async (t) => (t.grad ? Array.from(await t.grad.data()) : null)));
      for (const t of inputs) t.dispose();
      return out;
    };
    const before = e.memory().liveTensors;
    const all = await grads([true, true, true]);
    expect(await grads([false, false, true])).toEqual([null, null, all[2]]);
    expect(await grads([false, true, false])).toEqual([null, all[1], null]);
    expect(await grads([true, false, false])).toEqual([all[0], null, null]);
    expect(e.memory().liveTensors).toBe(before);
    seed.dispose();
  });

  it(`rejects mismatched shapes with messages naming ${name}`, () => {
    const e = engine();
    const q = e.zeros([2, 5, 3]);
    const k = e.zeros([2, 7, 3]);
    const v = e.zeros([2, 6, 3]);
    const k4 = e.zeros([2, 7, 4]);
    const b3 = e.zeros([3, 7, 3]);
    const flat = e.zeros([10, 3]);
    const at = (message: string) => new RegExp(`^${name}: ${message}`);
    expect(() => attend(q, k, v, { scale: 1 })).toThrow(at("k and v lengths differ in q \\[2, 5, 3\\], k \\[2, 7, 3\\], v \\[2, 6, 3\\]"));
    expect(() => attend(q, k4, k4, { scale: 1 })).toThrow(at("q and k feature sizes differ"));
    expect(() => attend(q, b3, b3, { scale: 1 })).toThrow(at("batch sizes differ"));
    expect(() => attend(flat, k, k, { scale: 1 })).toThrow(at("q, k and v must be \\[B, L, d\\]"));
    expect(() => attend(q, k, k, { scale: Number.NaN })).toThrow(at("options.scale"));
    for (const t of [q, k, v, k4, b3, flat]) t.dispose();
  });
}
