import { beforeAll, describe, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { checkOp } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/ops.js";
import { uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

// Pairs of shapes: equal, awkward sizes, broadcasting in every direction, batch 1, one channel.
const binaryShapes: [number[], number[]][] = [
  [[1], [1]],
  [[17], [17]],
  [
    [3, 63],
    [3, 63],
  ],
  [
    [65, 3],
    [65, 3],
  ],
  [
    [2, 3, 5, 7],
    [2, 3, 5, 7],
  ],
  [
    [4, 1, 5],
    [3, 1],
  ],
  [
    [1, 3, 1, 1],
    [2, 3, 4, 4],
  ],
  [
    [2, 1, 17, 3],
    [17, 1],
  ],
  [[65], [1]],
];

describe("binary elementwise with broadcasting", () => {
  const cases = [
    ["add", ops.add, (x: number, y: number) => x + y],
    ["sub", ops.sub, (x: number, y: number) => x - y],
    ["mul", ops.mul, (x: number, y: number) => x * y],
  ] as const;
  for (const [name, gpu, f] of cases) {
    for (const shapes of binaryShapes) {
      it(`${name} ${JSON.stringify(shapes)}`, () =>
        checkOp(engine, { name, shapes, gpu: (a, b) => gpu(a, b), cpu: (a, b) => R.binary(a, b, f) }));
    }
  }
  for (const shapes of binaryShapes.slice(0, 7)) {
    it(`div ${JSON.stringify(shapes)}`, () =>
      checkOp(engine, {
        name: "div",
        shapes,
        gpu: (a, b) => ops.div(a, b),
        cpu: (a, b) => R.binary(a, b, (x, y) => x / y),
        // keep the divisor away from zero
        inputs: (i, shape, random) =>
          uniformData(
            shape.reduce((p, d) => p * d, 1),
            random,
            i === 1 ? 0.5 : -1,
            i === 1 ? 2 : 1,
          ),
      }));
  }
});

describe("unary elementwise", () => {
  const shapes = [[1], [3], [17, 5], [2, 3, 7, 9]];
  const positive = (_: number, shape: number[], random: () => number) =>
    uniformData(
      shape.reduce((p, d) => p * d, 1),
      random,
      0.2,
      3,
    );
  const wide = (_: number, shape: number[], random: () => number) =>
    uniformData(
      shape.reduce((p, d) => p * d, 1),
      random,
      -6,
      6,
    );
  for (const shape of shapes) {
    it(`silu ${shape}`, () =>
      checkOp(engine, { name: "silu", shapes: [shape], gpu: ops.silu, cpu: (a) => R.unary(a, R.silu), inputs: wide }));
    it(`affine ${shape}`, () =>
      checkOp(engine, {
        name: "affine",
        shapes: [shape],
        gpu: (a) => ops.affine(a, -1.5, 0.25),
        cpu: (a) => R.unary(a, (x) => -1.5 * x + 0.25),
      }));
    it(`square ${shape}`, () =>
      checkOp(engine, { name: "square", shapes: [shape], gpu: ops.square, cpu: (a) => R.unary(a, (x) => x * x) }));
    it(`exp ${shape}`, () => checkOp(engine, { name: "exp", shapes: [shape], gpu: ops.exp, cpu: (a) => R.unary(a, Math.exp) }));
    it(`log ${shape}`, () =>
      checkOp(engine, { name: "log", shapes: [shape], gpu: ops.log, cpu: (a) => R.unary(a, Math.log), inputs: positive }));
    it(`sqrt ${shape}`, () =>
      checkOp(engine, { name: "sqrt", shapes: [shape], gpu: ops.sqrt, cpu: (a) => R.unary(a, Math.sqrt), inputs: positive }));
  }
});

describe("shape ops", () => {
  it("broadcastTo [3,1] → [2,3,5]", () =>
    checkOp(engine, {
      name: "broadcastTo",
      shapes: [[3, 1]],
      gpu: (a) => ops.broadcastTo(a, [2, 3, 5]),
      cpu: (a) => R.binary(a, { data: new Float64Array(30), shape: [2, 3, 5] }, (x) => x),
    }));
  it("reshape [2,3,4] → [6,-1] feeds a mul", () =>
    checkOp(engine, {
      name: "reshape",
      shapes: [
        [2, 3, 4],
        [6, 4],
      ],
      gpu: (a, b) => ops.mul(ops.reshape(a, [6, -1]), b),
      cpu: (a, b) => R.binary({ data: a.data, shape: [6, 4] }, b, (x, y) => x * y),
    }));
});
