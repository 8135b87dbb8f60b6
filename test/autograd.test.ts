/**
 * The tape (src/engine.ts) and tensor lifetimes (scopes, dispose, views): gradients accumulate where a tensor
 * is used more than once and across backward calls, noGrad records nothing, tidy frees what it should and only that.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops, type Tensor } from "../src/index.js";
import { testEngine } from "./helpers/engine.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Live tensor count must be unchanged by `fn` (it cleans up what it makes). */
async function expectNoLeak(fn: () => Promise<void>): Promise<void> {
  const before = engine.memory();
  await fn();
  const after = engine.memory();
  expect(after.liveTensors, "live tensors").toBe(before.liveTensors);
  expect(after.liveBytes, "live bytes").toBe(before.liveBytes);
}

describe("gradient accumulation", () => {
  it("x·x gives 2x (one tensor, both inputs of one op)", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, -2, 3], [3]);
      engine.tidy(() => engine.backward(ops.sum(ops.mul(x, x))));
      expect(await values(x.grad!)).toEqual([2, -4, 6]);
      x.dispose();
    }));

  it("add(x, x) gives 2 and the gradient does not alias the output gradient", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([5, 6], [2]);
      engine.tidy(() => engine.backward(ops.sum(ops.add(x, x))));
      expect(await values(x.grad!)).toEqual([2, 2]);
      x.dispose();
    }));

  it("an intermediate used twice sums both paths: z = y² + y with y = 3x", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2], [2]);
      engine.tidy(() => {
        const y = ops.scale(x, 3);
        engine.backward(ops.sum(ops.add(ops.mul(y, y), y)));
      });
      // dz/dx = (2y + 1)·3 = 18x + 3
      expect(await values(x.grad!)).toEqual([21, 39]);
      x.dispose();
    }));

  it("a leaf reached through two different ops, with broadcasting on one path", () =>
    expectNoLeak(async () => {
      const b = engine.parameter([0.5], [1]);
      const x = engine.tensor([1, 2, 3, 4], [2, 2]);
      engine.tidy(() => engine.backward(ops.sum(ops.add(ops.mul(x, b), b))));
      // d/db Σ(x·b + b) = Σx + 4 = 14
      expect(await values(b.grad!)).toEqual([14]);
      b.dispose();
      x.dispose();
    }));

  it("two backward calls add their gradients; zeroing starts over", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2, 3], [3]);
      engine.tidy(() => engine.backward(ops.sum(ops.scale(x, 2))));
      engine.tidy(() => engine.backward(ops.sum(ops.mul(x, x))));
      expect(await values(x.grad!)).toEqual([4, 6, 8]);
      x.grad!.dispose();
      x.grad = null;
      engine.tidy(() => engine.backward(ops.sum(x)));
      expect(await values(x.grad!)).toEqual([1, 1, 1]);
      x.dispose();
    }));

  it("backward with a seed for a non-scalar output", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2], [2]);
      const seed = engine.tensor([10, 100], [2]);
      engine.tidy(() => engine.backward(ops.square(x), seed));
      expect(await values(x.grad!)).toEqual([20, 400]);
      expect(seed.isDisposed).toBe(false);
      const wrong = engine.tensor([1, 2, 3], [3]);
      expect(() => engine.tidy(() => engine.backward(ops.square(x), wrong))).toThrow(/seed shape \[3\] differs from loss shape \[2\]/);
      for (const t of [x, seed, wrong]) t.dispose();
    }));

  it("inputs that do not require grad get none", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2], [2]);
      const c = engine.tensor([3, 4], [2]);
      engine.tidy(() => engine.backward(ops.sum(ops.mul(x, c))));
      expect(c.grad).toBeNull();
      expect(await values(x.grad!)).toEqual([3, 4]);
      x.dispose();
      c.dispose();
    }));
});

describe("noGrad and bad backward calls", () => {
  it("noGrad records nothing", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2], [2]);
      engine.tidy(() => {
        const y = engine.noGrad(() => ops.mul(x, x));
        expect(y.requiresGrad).toBe(false);
        expect(y.node).toBeNull();
        expect(engine.gradEnabled).toBe(true);
        expect(() => engine.backward(ops.sum(y))).toThrow(/does not depend on any tensor that requires grad/);
      });
      expect(x.grad).toBeNull();
      x.dispose();
    }));

  it("noGrad restores recording after an exception", () => {
    expect(() =>
      engine.noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(engine.gradEnabled).toBe(true);
  });

  it("backward on a loss that needs no grad throws", () =>
    expectNoLeak(async () => {
      const x = engine.tensor([1, 2], [2]);
      expect(() => engine.tidy(() => engine.backward(ops.sum(x)))).toThrow(/backward\(\): the loss does not depend/);
      x.dispose();
    }));

  it("the graph is released after backward: intermediate gradients are freed as soon as used", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2], [2]);
      engine.tidy(() => {
        const loss = ops.sum(ops.square(ops.scale(x, 2)));
        const live = engine.memory().liveTensors;
        engine.backward(loss);
        expect(loss.node).toBeNull();
        // Only x.grad was added; the gradients of the intermediates were freed along the way.
        expect(engine.memory().liveTensors).toBe(live + 1);
      });
      expect(await values(x.grad!)).toEqual([8, 16]);
      x.dispose();
    }));

  it("backward leaves nothing behind but the leaves' gradients (broadcasting mul, sub, div, sqrt)", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = engine.parameter([0.5, 1, 2], [3]);
      engine.tidy(() => {
        const y = ops.div(ops.sub(ops.mul(x, b), b), ops.sqrt(ops.addScalar(ops.square(b), 1)));
        const loss = ops.sum(ops.exp(ops.scale(y, 0.1)));
        const live = engine.memory().liveTensors;
        engine.backward(loss);
        expect(engine.memory().liveTensors).toBe(live + 2);
      });
      expect(x.grad).not.toBeNull();
      expect(b.grad).not.toBeNull();
      x.dispose();
      b.dispose();
    }));

  it("backward through intermediates a scope already freed throws naming the tensor, instead of cutting the graph", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2], [2]);
      const loss = engine.tidy(() => ops.sum(ops.square(ops.scale(x, 2))));
      expect(() => engine.backward(loss)).toThrow(/backward\(\): Tensor#\d+\[2\] \(made by square\) was disposed before backward/);
      expect(x.grad).toBeNull();
      loss.dispose();
      x.dispose();
    }));
});

describe("scopes", () => {
  it("tidy disposes intermediates and keeps the returned tensors (single, array, object)", () =>
    expectNoLeak(async () => {
      let inner: Tensor[] = [];
      const [single, list, record] = [
        engine.tidy(() => {
          const a = engine.ones([4]);
          inner = [a];
          return ops.scale(a, 2);
        }),
        engine.tidy(() => {
          const a = engine.ones([2]);
          inner.push(a);
          return [ops.scale(a, 3), ops.scale(a, 4)];
        }),
        engine.tidy(() => {
          const a = engine.ones([3]);
          inner.push(a);
          return { p: ops.addScalar(a, 1), q: { nested: ops.addScalar(a, 2) } };
        }),
      ];
      expect(inner.every((t) => t.isDisposed)).toBe(true);
      expect(await values(single)).toEqual([2, 2, 2, 2]);
      expect(await values(list[1])).toEqual([4, 4]);
      expect(await values(record.q.nested)).toEqual([3, 3, 3]);
      for (const t of [single, ...list, record.p, record.q.nested]) t.dispose();
    }));

  it("nested scopes: an inner result survives the inner scope and is freed by the outer one unless returned", () =>
    expectNoLeak(async () => {
      let fromInner: Tensor | null = null;
      let innerTemp: Tensor | null = null;
      const result = engine.tidy(() => {
        fromInner = engine.tidy(() => {
          innerTemp = engine.full([2], 7);
          return ops.scale(innerTemp, 2);
        });
        expect(innerTemp!.isDisposed).toBe(true);
        expect(fromInner.isDisposed).toBe(false);
        return ops.addScalar(fromInner, 1);
      });
      expect(fromInner!.isDisposed).toBe(true);
      expect(await values(result)).toEqual([15, 15]);
      result.dispose();
    }));

  it("kept tensors and tensors made before the scope survive it", () =>
    expectNoLeak(async () => {
      const outside = engine.ones([2]);
      let kept: Tensor | null = null;
      engine.tidy(() => {
        kept = ops.scale(outside, 5).keep();
        ops.scale(outside, 6);
      });
      expect(outside.isDisposed).toBe(false);
      expect(await values(kept!)).toEqual([5, 5]);
      kept!.dispose();
      outside.dispose();
    }));

  it("a scope whose function throws still frees its tensors", () =>
    expectNoLeak(async () => {
      let made: Tensor | null = null;
      expect(() =>
        engine.tidy(() => {
          made = engine.ones([8]);
          throw new Error("inside");
        }),
      ).toThrow("inside");
      expect(made!.isDisposed).toBe(true);
    }));
});

describe("dispose", () => {
  it("using a disposed tensor in an op throws a message naming the tensor", () => {
    const x = engine.parameter([1, 2, 3], [3], "down_blocks.0.weight");
    x.dispose();
    expect(() => ops.add(x, x)).toThrow(/tensor #\d+ 'down_blocks\.0\.weight' \[3\] \(made by tensor\(\)\) was used after dispose\(\)/);
    const y = engine.tensor([1, 2], [2, 1]);
    const z = ops.scale(y, 2);
    z.dispose();
    expect(() => ops.mul(y, z)).toThrow(/tensor #\d+ \[2, 1\] \(made by affine\) was used after dispose\(\)/);
    y.dispose();
  });

  it("reading a disposed tensor throws; dispose is idempotent and frees the gradient too", async () => {
    const x = engine.parameter([1], [1]);
    engine.tidy(() => engine.backward(ops.sum(x)));
    const grad = x.grad!;
    x.dispose();
    x.dispose();
    expect(grad.isDisposed).toBe(true);
    await expect(x.data()).rejects.toThrow(/used after dispose/);
  });

  it("reshape views share storage; the buffer is freed with the last view", () =>
    expectNoLeak(async () => {
      const before = engine.memory();
      const x = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const v = ops.reshape(x, [3, -1]);
      const w = ops.reshape(v, [6]);
      expect(v.buffer).toBe(x.buffer);
      expect(w.buffer).toBe(x.buffer);
      expect([...v.shape]).toEqual([3, 2]);
      expect(engine.memory().liveTensors).toBe(before.liveTensors + 3);
      // counted once: three tensors, one buffer of 6 floats
      expect(engine.memory().liveBytes).toBe(before.liveBytes + 24);
      x.dispose();
      v.dispose();
      expect(engine.memory().liveBytes).toBe(before.liveBytes + 24);
      expect(await values(w)).toEqual([1, 2, 3, 4, 5, 6]);
      w.dispose();
      expect(engine.memory().liveBytes).toBe(before.liveBytes);
      const six = engine.ones([6]);
      expect(() => ops.reshape(six, [4, -1])).toThrow(/reshape: cannot reshape \[6\] to \[4, -1\]/);
      six.dispose();
    }));

  it("the gradient through a reshape reaches the original's shape", () =>
    expectNoLeak(async () => {
      const x = engine.parameter([1, 2, 3, 4], [2, 2]);
      engine.tidy(() => engine.backward(ops.sum(ops.mul(ops.reshape(x, [4]), engine.tensor([1, 10, 100, 1000])))));
      expect([...x.grad!.shape]).toEqual([2, 2]);
      expect(await values(x.grad!)).toEqual([1, 10, 100, 1000]);
      x.dispose();
    }));
});
