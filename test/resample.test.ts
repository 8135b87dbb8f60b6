/**
 * upsampleNearest2x and concat against float64 references, gradients by finite differences (checkOp).
 * Both ops only move values (upsampling's backward adds four), so the default tolerances are loose for them:
 *   forward   |gpu − ref| ≤ 1e-5 · max(1, max|ref|) + 1e-4 · |ref|
 *   gradients |gpu − fd|  ≤ 1e-4 · max(1, max|fd|)  + 1e-3 · |fd|
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { checkOp } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/conv.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("upsampleNearest2x", () => {
  for (const shape of [
    [1, 1, 1, 1],
    [2, 3, 5, 7],
    [1, 17, 3, 1],
    [1, 2, 1, 65],
  ]) {
    it(`[${shape}]`, () =>
      checkOp(engine, { name: `upsampleNearest2x [${shape}]`, shapes: [shape], gpu: ops.upsampleNearest2x, cpu: R.upsampleNearest2x }));
  }

  it("rejects non-4-D input, naming the shape", () => {
    expect(() => engine.tidy(() => ops.upsampleNearest2x(engine.zeros([3, 4, 4])))).toThrow(/upsampleNearest2x: .*\[3, 4, 4\]/);
  });
});

describe("concat", () => {
  const cases: [string, number[][], number][] = [
    [
      "axis 1, three inputs of 3, 1 and 6 channels",
      [
        [2, 3, 4, 5],
        [2, 1, 4, 5],
        [2, 6, 4, 5],
      ],
      1,
    ],
    [
      "axis 0",
      [
        [1, 3, 4],
        [2, 3, 4],
      ],
      0,
    ],
    [
      "last axis (−1)",
      [
        [3, 2, 5],
        [3, 2, 1],
        [3, 2, 17],
      ],
      -1,
    ],
    [
      "axis 2 of 4-D",
      [
        [1, 2, 3, 3],
        [1, 2, 1, 3],
      ],
      2,
    ],
    ["a single input", [[5, 7]], 1],
    ["1-D", [[1], [63], [65]], 0],
  ];
  for (const [name, shapes, axis] of cases) {
    it(name, () =>
      checkOp(engine, {
        name: `concat ${name}`,
        shapes,
        gpu: (...ts) => ops.concat(ts, axis),
        cpu: (...refs) => R.concat(refs, axis < 0 ? axis + shapes[0].length : axis),
      }),
    );
  }

  it("gives a gradient only to the inputs that require one", async () => {
    const a = engine.tensor([1, 2], [1, 2]).keep();
    const b = engine.parameter([3, 4, 5], [1, 3]);
    engine.tidy(() => engine.backward(ops.sum(ops.mul(ops.concat([a, b], 1), engine.tensor([1, 2, 3, 4, 5], [1, 5])))));
    expect(a.grad).toBeNull();
    expect([...(await b.grad!.data())]).toEqual([3, 4, 5]);
    a.dispose();
    b.dispose();
  });

  it("rejects mismatched shapes and bad axes, naming the shapes", () => {
    const attempt = (shapes: number[][], axis: number) => () =>
      engine.tidy(() =>
        ops.concat(
          shapes.map((s) => engine.zeros(s)),
          axis,
        ),
      );
    expect(
      attempt(
        [
          [2, 3, 4],
          [2, 3, 5],
        ],
        1,
      ),
    ).toThrow(/concat: shapes \[2, 3, 4\], \[2, 3, 5\] differ outside axis 1/);
    expect(
      attempt(
        [
          [2, 3],
          [2, 3, 1],
        ],
        0,
      ),
    ).toThrow(/concat: shapes \[2, 3\], \[2, 3, 1\]/);
    expect(
      attempt(
        [
          [2, 3],
          [2, 3],
        ],
        2,
      ),
    ).toThrow(/concat: axis 2 is out of range for rank 2 \(shapes \[2, 3\], \[2, 3\]\)/);
    expect(attempt([], 0)).toThrow(/concat: no tensors/);
  });
});
