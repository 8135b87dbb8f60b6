/**
 * Elementwise ops (shaders/elementwise.wgsl, dispatched by ./elementwise-kernels.ts): binary arithmetic with NumPy
 * broadcasting, unary functions, broadcasting and in-place accumulation. Each op's backward sits right below its
 * forward.
 */
import { record, type Tensor } from "../engine.js";
import { broadcastShapes, checkRank, grid1d, type Shape, sameShape, shapeString } from "../shape.js";
import { binaryKernel, broadcastInto, unaryKernel } from "./elementwise-kernels.js";
import { sumTo } from "./reduce.js";

/**
 * `then(temporary)`, freeing the temporary afterwards (unless it is the result): backward closures chain a
 * few kernels, and their intermediates should not wait for the end of the enclosing tidy().
 */
function consume(temporary: Tensor, then: (t: Tensor) => Tensor): Tensor {
  const out = then(temporary);
  if (out !== temporary && !out.engine.sharesBuffer(temporary)) temporary.dispose();
  return out;
}

/** a + b, broadcasting. */
export function add(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel("add", a, b);
  return record("add", out, [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

/** a − b, broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel("sub", a, b);
  return record("sub", out, [a, b], (g) => [
    sumTo(g, a.shape),
    b.requiresGrad ? consume(scale(g, -1), (negated) => sumTo(negated, b.shape)) : null,
  ]);
}

/** a · b elementwise, broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel("mul", a, b);
  return record("mul", out, [a, b], (g) => [
    a.requiresGrad ? consume(binaryKernel("mul", g, b), (ga) => sumTo(ga, a.shape)) : null,
    b.requiresGrad ? consume(binaryKernel("mul", g, a), (gb) => sumTo(gb, b.shape)) : null,
  ]);
}

/** a / b elementwise, broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel("div", a, b);
  return record("div", out, [a, b], (g) => [
    a.requiresGrad ? consume(binaryKernel("div", g, b), (ga) => sumTo(ga, a.shape)) : null,
    b.requiresGrad ? divGradB(g, out, b) : null,
  ]);
}

/** d(a/b)/db · g = −g·a/b² = −g·out/b, summed back to b's shape. */
function divGradB(g: Tensor, out: Tensor, b: Tensor): Tensor {
  const ratio = consume(binaryKernel("mul", g, out), (gOut) => binaryKernel("div", gOut, b));
  return consume(
    consume(ratio, (r) => scale(r, -1)),
    (gb) => sumTo(gb, b.shape),
  );
}

/** alpha · a + beta. */
export function affine(a: Tensor, alpha: number, beta: number): Tensor {
  const out = unaryKernel("affine", a, alpha, beta);
  return record("affine", out, [a], (g) => [unaryKernel("affine", g, alpha, 0)]);
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
  const out = unaryKernel("silu", x);
  return record("silu", out, [x], (g) => {
    const gx = x.engine.empty(x.shape, "silu backward");
    x.engine.run("elementwise/silu_backward", { a: x, b: g, out: gx }, { n: x.size, alpha: 0, beta: 0 }, grid1d(x.size));
    return [gx];
  });
}

/** x². */
export function square(x: Tensor): Tensor {
  const out = unaryKernel("square", x);
  return record("square", out, [x], (g) => [consume(binaryKernel("mul", g, x), (gx) => scale(gx, 2))]);
}

/** eˣ. */
export function exp(x: Tensor): Tensor {
  const out = unaryKernel("exp", x);
  return record("exp", out, [x], (g) => [binaryKernel("mul", g, out)]);
}

/** ln x. */
export function log(x: Tensor): Tensor {
  const out = unaryKernel("log", x);
  return record("log", out, [x], (g) => [binaryKernel("div", g, x)]);
}

/** √x. */
export function sqrt(x: Tensor): Tensor {
  const out = unaryKernel("sqrt", x);
  return record("sqrt", out, [x], (g) => [consume(binaryKernel("div", g, out), (ratio) => scale(ratio, 0.5))]);
}

/** target += alpha · value, in place, no tape (gradient accumulation, optimiser steps). */
export function accumulate(target: Tensor, value: Tensor, alpha = 1): void {
  target.engine.accumulate(target, value, alpha);
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
