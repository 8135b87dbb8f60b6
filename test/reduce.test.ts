/**
 * sum and mean (shaders/reduce.wgsl) through checkOp: forward against float64 loops, gradient against finite
 * differences. Both kernel strategies are exercised and the test asserts which one ran: `reduce_serial` (one
 * invocation per output: few terms, or many outputs) and `reduce_workgroup` (one workgroup per output: long
 * reductions into few outputs).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { checkOp } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import { reductions } from "./reference/ops.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Normalise axes the way the op does (all when omitted, negatives from the end). */
function axesOf(rank: number, axes: number | number[] | undefined): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  return (typeof axes === "number" ? [axes] : axes).map((a) => (a < 0 ? a + rank : a));
}

/** The reduce kernels dispatched while `fn` runs (forward and backward). */
function reduceKernelsUsed(fn: () => Promise<void>): Promise<string[]> {
  const run = vi.spyOn(engine, "run");
  return fn().then(() => run.mock.calls.map((call) => call[0]).filter((k) => k.startsWith("reduce/")));
}

interface ReduceCase {
  shape: number[];
  axes?: number | number[];
  keepDims?: boolean;
  /** The kernel the forward must use. */
  kernel?: "reduce/reduce_serial" | "reduce/reduce_workgroup";
  /** Run for sum only (the float64 reference is slow on a million elements; mean is the same kernel, scaled). */
  sumOnly?: boolean;
}

const cases: ReduceCase[] = [
  { shape: [1] },
  { shape: [65] },
  { shape: [3, 17] },
  { shape: [3, 17], axes: 0 },
  { shape: [3, 17], axes: 1, keepDims: true },
  { shape: [3, 17], axes: -1 },
  { shape: [2, 3, 5, 7] },
  { shape: [2, 3, 5, 7], axes: [1, 3] },
  { shape: [2, 3, 5, 7], axes: [0, 2], keepDims: true },
  { shape: [2, 3, 5, 7], axes: [-1, -3] },
  { shape: [2, 3, 5, 7], axes: 2, keepDims: true },
  { shape: [1, 63, 1], axes: [0, 2] },
  // Long reductions into few outputs: the workgroup path, contiguous and strided.
  { shape: [70_000], kernel: "reduce/reduce_workgroup" },
  { shape: [3, 300], axes: 1, kernel: "reduce/reduce_workgroup" },
  { shape: [4, 65, 3], axes: [0, 1], kernel: "reduce/reduce_workgroup" },
  // Many outputs with few terms (and with many terms): the serial path.
  { shape: [5000, 3], axes: 1, kernel: "reduce/reduce_serial" },
  { shape: [17, 256], axes: 1, keepDims: true, kernel: "reduce/reduce_serial" },
  { shape: [4100, 260], axes: 1, kernel: "reduce/reduce_serial", sumOnly: true },
];

for (const op of ["sum", "mean"] as const) {
  describe(op, () => {
    for (const c of cases.filter((c) => op === "sum" || !c.sumOnly)) {
      const label = `${op} ${JSON.stringify(c.shape)} axes=${JSON.stringify(c.axes ?? "all")}${c.keepDims ? " keepDims" : ""}`;
      it(`${label}${c.kernel ? ` (${c.kernel.split("/")[1]})` : ""}`, async () => {
        const big = c.shape.reduce((p, d) => p * d, 1) > 10_000;
        const used = await reduceKernelsUsed(() =>
          checkOp(engine, {
            name: label,
            shapes: [c.shape],
            gpu: (x) => ops[op](x, c.axes, c.keepDims),
            cpu: (x) => reductions[op](x, axesOf(c.shape.length, c.axes), c.keepDims),
            // Finite differences re-run the whole reference per coordinate: few coordinates on big inputs.
            maxGradCoords: big ? 6 : 160,
          }),
        );
        // The first reduce is the op's forward (checkOp's own loss sum and the backward come after it).
        if (c.kernel) expect(used[0], `${label}: kernel`).toBe(c.kernel);
      });
    }
  });
}

describe("reduction accuracy and errors", () => {
  it("sums 70,000 ones exactly and averages a constant exactly", async () => {
    const ones = engine.ones([70_000]);
    const total = ops.sum(ones);
    const average = ops.mean(engine.full([70_000], 0.1));
    expect(await total.item()).toBe(70_000);
    // 0.1 is not exact in f32; the mean of 70,000 copies must still be that same f32 within a rounding.
    expect(Math.abs((await average.item()) - Math.fround(0.1))).toBeLessThan(1e-7);
    for (const t of [ones, total, average]) t.dispose();
  });

  it("keeps small terms next to a large one (compensated summation)", async () => {
    // 1e4 followed by 69,999 copies of 1e-3: naive f32 accumulation loses the small terms (ulp(1e4) ≈ 1e-3).
    const data = new Float32Array(70_000).fill(1e-3);
    data[0] = 1e4;
    const x = engine.tensor(data);
    const total = ops.sum(x);
    const expected = 1e4 + 69_999 * Math.fround(1e-3);
    expect(Math.abs((await total.item()) - expected)).toBeLessThan(2e-3);
    x.dispose();
    total.dispose();
  });

  it("reducing over no axes copies; over an empty axis list with keepDims keeps the shape", async () => {
    const x = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const same = ops.sum(x, [], true);
    expect([...same.shape]).toEqual([2, 3]);
    expect(Array.from(await same.data())).toEqual([1, 2, 3, 4, 5, 6]);
    x.dispose();
    same.dispose();
  });

  it("rejects out-of-range and repeated axes, naming the op", () => {
    const x = engine.zeros([2, 3]);
    expect(() => ops.sum(x, 2)).toThrow(/sum: axis 2 is out of range for rank 2/);
    expect(() => ops.mean(x, -3)).toThrow(/mean: axis -3 is out of range for rank 2/);
    expect(() => ops.sum(x, [1, -1])).toThrow(/sum: repeated axis/);
    x.dispose();
  });
});
