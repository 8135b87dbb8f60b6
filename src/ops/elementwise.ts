/**
 * Elementwise ops (shaders/elementwise.wgsl): binary arithmetic with NumPy broadcasting, unary functions,
 * fills and in-place accumulation. Each op's backward sits right below its forward.
 */
import { record } from "../autograd.js";
import type { Engine } from "../engine.js";
import { type Shape, type Tensor, shapeString } from "../tensor.js";
import { broadcastShapes, broadcastStrides, checkRank, coalesce, grid1d, sameShape } from "./shape.js";
import { sumTo } from "./reduce.js";

const BINARY_OP = { add: 0, sub: 1, mul: 2, div: 3 } as const;
const UNARY_OP = { affine: 0, silu: 1, square: 2, exp: 3, log: 4, sqrt: 5 } as const;

function checkSameEngine(op: string, a: Tensor, b: Tensor): void {
  if (a.engine !== b.engine) throw new Error(`${op}: tensors belong to different engines`);
}

/**
 * `then(temporary)`, freeing the temporary afterwards (unless it is the result): backward closures chain a
 * few kernels, and their intermediates should not wait for the end of the enclosing tidy().
 */
function consume(temporary: Tensor, then: (t: Tensor) => Tensor): Tensor {
  const out = then(temporary);
  if (out !== temporary && !out.engine.sharesBuffer(temporary)) temporary.dispose();
  return out;
}

function binaryForward(op: keyof typeof BINARY_OP, a: Tensor, b: Tensor): Tensor {
  checkSameEngine(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  checkRank(op, shape);
  const out = a.engine.empty(shape, op);
  const packed = coalesce(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  if (packed.shape.length === 1 && packed.strides[0][0] === 1 && packed.strides[1][0] === 1) {
    a.engine.run("elementwise/binary_contiguous", { a, b, out }, { n: out.size, alpha: 0, beta: 0 }, grid1d(out.size), { OP: BINARY_OP[op] });
    return out;
  }
  if (packed.shape.length <= 2) {
    const [rows, cols] = packed.shape.length === 2 ? packed.shape : [1, packed.shape[0]];
    const [[aRow, aCol], [bRow, bCol]] = packed.strides.map((s) => (s.length === 2 ? s : [0, s[0]]));
    a.engine.run("elementwise/binary_2d", { a, b, out }, { n: rows * cols, cols, aRow, aCol, bRow, bCol }, grid1d(out.size), {
      OP: BINARY_OP[op],
    });
    return out;
  }
  a.engine.run(
    "elementwise/binary",
    { a, b, out },
    { n: out.size, rank: packed.shape.length, outShape: packed.shape, aStrides: packed.strides[0], bStrides: packed.strides[1] },
    grid1d(Math.ceil(out.size / 4)),
    { OP: BINARY_OP[op] },
  );
  return out;
}

/** a + b, broadcasting. */
export function add(a: Tensor, b: Tensor): Tensor {
  const out = binaryForward("add", a, b);
  return record("add", out, [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

/** a − b, broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binaryForward("sub", a, b);
  return record("sub", out, [a, b], (g) => [
    sumTo(g, a.shape),
    b.requiresGrad ? consume(scale(g, -1), (negated) => sumTo(negated, b.shape)) : null,
  ]);
}

/** a · b elementwise, broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binaryForward("mul", a, b);
  return record("mul", out, [a, b], (g) => [
    a.requiresGrad ? consume(binaryForward("mul", g, b), (ga) => sumTo(ga, a.shape)) : null,
    b.requiresGrad ? consume(binaryForward("mul", g, a), (gb) => sumTo(gb, b.shape)) : null,
  ]);
}

/** a / b elementwise, broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  const out = binaryForward("div", a, b);
  return record("div", out, [a, b], (g) => [
    a.requiresGrad ? consume(binaryForward("div", g, b), (ga) => sumTo(ga, a.shape)) : null,
    b.requiresGrad ? divGradB(g, out, b) : null,
  ]);
}

/** d(a/b)/db · g = −g·a/b² = −g·out/b, summed back to b's shape. */
function divGradB(g: Tensor, out: Tensor, b: Tensor): Tensor {
  const ratio = consume(binaryForward("mul", g, out), (gOut) => binaryForward("div", gOut, b));
  return consume(consume(ratio, (r) => scale(r, -1)), (gb) => sumTo(gb, b.shape));
}

function unaryForward(op: keyof typeof UNARY_OP, a: Tensor, alpha = 1, beta = 0): Tensor {
  const out = a.engine.empty(a.shape, op);
  a.engine.run("elementwise/unary", { a, out }, { n: a.size, alpha, beta }, grid1d(a.size), { UOP: UNARY_OP[op] });
  return out;
}

/** alpha · a + beta. */
export function affine(a: Tensor, alpha: number, beta: number): Tensor {
  const out = unaryForward("affine", a, alpha, beta);
  return record("affine", out, [a], (g) => [unaryForward("affine", g, alpha, 0)]);
}

/** alpha · a. */
export function scale(a: Tensor, alpha: number): Tensor {
  return affine(a, alpha, 0);
}

/** a + beta. */
export function addScalar(a: Tensor, beta: number): Tensor {
  return affine(a, 1, beta);
}

/** x · σ(x) (a.k.a. swish). */
export function silu(x: Tensor): Tensor {
  const out = unaryForward("silu", x);
  return record("silu", out, [x], (g) => {
    const gx = x.engine.empty(x.shape, "silu backward");
    x.engine.run("elementwise/silu_backward", { a: x, b: g, out: gx }, { n: x.size, alpha: 0, beta: 0 }, grid1d(x.size));
    return [gx];
  });
}

/** x². */
export function square(x: Tensor): Tensor {
  const out = unaryForward("square", x);
  return record("square", out, [x], (g) => [consume(binaryForward("mul", g, x), (gx) => scale(gx, 2))]);
}

/** eˣ. */
export function exp(x: Tensor): Tensor {
  const out = unaryForward("exp", x);
  return record("exp", out, [x], (g) => [binaryForward("mul", g, out)]);
}

/** ln x. */
export function log(x: Tensor): Tensor {
  const out = unaryForward("log", x);
  return record("log", out, [x], (g) => [binaryForward("div", g, x)]);
}

/** √x. */
export function sqrt(x: Tensor): Tensor {
  const out = unaryForward("sqrt", x);
  return record("sqrt", out, [x], (g) => [consume(binaryForward("div", g, out), (ratio) => scale(ratio, 0.5))]);
}

/** A tensor of `shape` filled with `value`. */
export function fill(engine: Engine, shape: Shape, value: number): Tensor {
  const out = engine.empty(shape, "fill");
  engine.run("elementwise/fill", { out }, { n: out.size, alpha: value, beta: 0 }, grid1d(out.size));
  return out;
}

/** target += alpha · value, in place, no tape (gradient accumulation, optimiser steps). */
export function accumulate(target: Tensor, value: Tensor, alpha = 1): void {
  if (!sameShape(target.shape, value.shape)) {
    throw new Error(`accumulate: target ${shapeString(target.shape)} and value ${shapeString(value.shape)} differ`);
  }
  target.engine.run("elementwise/axpy", { a: value, out: target }, { n: target.size, alpha, beta: 0 }, grid1d(target.size));
}

/** `a` broadcast (NumPy rules) to `shape`, materialised. Backward sums back over the broadcast dimensions. */
export function broadcastTo(a: Tensor, shape: Shape): Tensor {
  const outShape = broadcastShapes("broadcastTo", a.shape, shape);
  if (!sameShape(outShape, shape)) {
    throw new Error(`broadcastTo: ${shapeString(a.shape)} cannot be broadcast to ${shapeString(shape)}`);
  }
  checkRank("broadcastTo", shape);
  const out = a.engine.empty(shape, "broadcastTo");
  broadcastInto(a, out);
  return record("broadcastTo", out, [a], (g) => [sumTo(g, a.shape)]);
}

/** @internal Write `a` broadcast to out's shape into `out` (no autograd record): broadcastTo's kernel. */
export function broadcastInto(a: Tensor, out: Tensor): void {
  const packed = coalesce(out.shape, [broadcastStrides(a.shape, out.shape)]);
  // The kernel shares its indexing with `binary`, which also binds b: bind a there too (it is not read).
  a.engine.run(
    "elementwise/broadcast",
    { a, b: a, out },
    { n: out.size, rank: packed.shape.length, outShape: packed.shape, aStrides: packed.strides[0], bStrides: [] },
    grid1d(Math.ceil(out.size / 4)),
  );
}

/** The same data seen with another shape (no copy). One dimension may be −1. */
export function reshape(a: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const resolved = shape.map((d) => (d === -1 ? a.size / Math.max(known, 1) : d));
  if (shape.filter((d) => d === -1).length > 1 || resolved.some((d) => !Number.isInteger(d))) {
    throw new Error(`reshape: cannot reshape ${shapeString(a.shape)} to ${shapeString(shape)}`);
  }
  const out = a.engine.view(a, resolved, "reshape");
  return record("reshape", out, [a], (g) => [g.engine.view(g, a.shape, "reshape backward")]);
}
