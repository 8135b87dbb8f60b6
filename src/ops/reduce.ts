/**
 * Reductions (shaders/reduce.wgsl): sum and mean over any axes, and sumTo (the backward of broadcasting).
 */
import { record, type Tensor } from "../engine.js";
import { grid1d, MAX_RANK, type Shape, sameShape, shapeString, stridesOf } from "../shape.js";
import { broadcastInto, unaryKernel } from "./elementwise-kernels.js";

/** Above this many terms per output, one workgroup cooperates on each output element. */
const SERIAL_MAX_TERMS = 256;
/** With this many outputs or more, one invocation per output keeps the adapter busy anyway. */
const SERIAL_MIN_OUTPUTS = 4096;
/**
 * On a CPU software adapter, workgroup barriers cost more than they save: the serial kernel wins as soon as
 * there are a few outputs to spread over the cores.
 */
const SERIAL_MIN_OUTPUTS_SOFTWARE = 4;

function normaliseAxes(op: string, rank: number, axes: number | readonly number[] | undefined): number[] {
  const list = axes === undefined ? [...Array(rank).keys()] : typeof axes === "number" ? [axes] : [...axes];
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw new Error(`${op}: axis ${a} is out of range for rank ${rank}`);
  }
  const out = list.map((a) => (a < 0 ? a + rank : a));
  if (new Set(out).size !== out.length) throw new Error(`${op}: repeated axis in [${list.join(", ")}]`);
  return out.sort((x, y) => x - y);
}

/** Sum of `x` over the sorted `axes`, scaled; the output keeps the reduced axes as size 1. */
function reduceForward(op: string, x: Tensor, axes: number[], scaleBy: number): Tensor {
  if (x.rank > MAX_RANK) throw new Error(`${op}: rank ${x.rank} exceeds ${MAX_RANK}`);
  // Coalesce: adjacent dimensions of the same kind (kept or reduced) merge, size-1 dimensions drop, so the kernel
  // does as few index divisions as possible (a bias gradient over NCHW becomes kept [C], reduced [N, H·W]).
  const strides = stridesOf(x.shape);
  const dims: { size: number; stride: number; reduced: boolean }[] = [];
  x.shape.forEach((size, d) => {
    if (size === 1) return;
    const reduced = axes.includes(d);
    const last = dims.at(-1);
    if (last && last.reduced === reduced) {
      last.size *= size;
      last.stride = strides[d];
    } else {
      dims.push({ size, stride: strides[d], reduced });
    }
  });
  const keptDims = dims.filter((d) => !d.reduced);
  const reducedDims = dims.filter((d) => d.reduced);
  const keptShape = keptDims.map((d) => d.size);
  const reducedShape = reducedDims.map((d) => d.size);
  const nOut = keptShape.reduce((p, d) => p * d, 1);
  const nReduce = reducedShape.reduce((p, d) => p * d, 1);
  const out = x.engine.empty(
    x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    op,
  );
  const uniforms = {
    nOut,
    nReduce,
    keptRank: keptDims.length,
    reducedRank: reducedDims.length,
    keptShape,
    keptStrides: keptDims.map((d) => d.stride),
    reducedShape,
    reducedStrides: reducedDims.map((d) => d.stride),
    scale: scaleBy,
  };
  const minOutputs = x.engine.adapter.isSoftware ? SERIAL_MIN_OUTPUTS_SOFTWARE : SERIAL_MIN_OUTPUTS;
  if (nReduce <= SERIAL_MAX_TERMS || nOut >= minOutputs) {
    x.engine.run("reduce/reduce_serial", { x, out }, uniforms, grid1d(nOut));
  } else {
    x.engine.run("reduce/reduce_workgroup", { x, out }, uniforms, grid1d(nOut, 1));
  }
  return out;
}

function reduceOp(op: "sum" | "mean", x: Tensor, axes: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const list = normaliseAxes(op, x.rank, axes);
  const count = list.reduce((p, d) => p * x.shape[d], 1);
  const scaleBy = op === "mean" ? 1 / count : 1;
  if (op === "mean" && count === 0) throw new Error(`mean: no elements to average over in ${shapeString(x.shape)}`);
  const kept = reduceForward(op, x, list, scaleBy);
  const out = keepDims
    ? kept
    : x.engine.view(
        kept,
        x.shape.filter((_, d) => !list.includes(d)),
        op,
      );
  if (!keepDims) kept.dispose();
  return record(op, out, [x], (g) => {
    const gKept = g.engine.view(
      g,
      x.shape.map((d, i) => (list.includes(i) ? 1 : d)),
      `${op} backward`,
    );
    const broadcast = g.engine.empty(x.shape, "broadcastTo");
    broadcastInto(gKept, broadcast);
    gKept.dispose();
    if (scaleBy === 1) return [broadcast];
    const gx = unaryKernel("affine", broadcast, scaleBy, 0);
    broadcast.dispose();
    return [gx];
  });
}

/** Sum over `axes` (all axes when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp("sum", x, axes, keepDims);
}

/** Mean over `axes` (all axes when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp("mean", x, axes, keepDims);
}

/**
 * Sum `g` down to `shape`, undoing NumPy broadcasting: leading extra axes and axes where `shape` has 1 are summed.
 * Returns `g` itself when the shapes already match.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const offset = g.rank - shape.length;
  const axes = g.shape.map((_, d) => d).filter((d) => d < offset || (shape[d - offset] === 1 && g.shape[d] !== 1));
  const kept = reduceForward("sumTo", g, axes, 1);
  const out = g.engine.view(kept, shape, "sumTo");
  kept.dispose();
  return out;
}
