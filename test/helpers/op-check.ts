/**
 * One helper that tests any op (tinygrad's helper_test_op is the model): the forward against a float64 CPU
 * reference, and every input's gradient against central finite differences of that same reference.
 *
 * The gradient check uses a random projection: loss = Σ op(x) ⊙ w for a fixed random w, so one backward pass
 * checks the whole vector-Jacobian product. Finite differences run on the float64 reference (step 1e-6), so
 * the reference gradient is accurate to ~1e-9 and the tolerance only has to cover the GPU's f32 arithmetic.
 *
 * No test framework in here: a failed check throws an OpCheckFailure naming the case and the worst element, so
 * the same code runs under vitest (test/helpers/check-op.ts) and inside a browser page (test/browser/).
 */
import { type Engine, ops, type Tensor } from "../../src/index.js";
import { type Ref, rng, sizeOf, uniformData } from "../reference/tensor.js";

export interface Tolerance {
  /** Absolute tolerance, scaled by max(1, max|reference|). */
  atol: number;
  /** Relative tolerance, per element. */
  rtol: number;
}

export interface OpCase {
  /** Shown in failures: the op and the case. */
  name: string;
  /** Input shapes. */
  shapes: number[][];
  gpu: (...inputs: Tensor[]) => Tensor;
  cpu: (...inputs: Ref[]) => Ref;
  /** Input values: uniform in [-1, 1) unless given (per input index). */
  inputs?: (index: number, shape: number[], random: () => number) => Float64Array;
  /** Which inputs get a gradient check (default: all). */
  gradInputs?: number[];
  /** Skip the gradient check (ops with no backward). */
  noGrad?: boolean;
  forwardTol?: Tolerance;
  gradTol?: Tolerance;
  /** Check at most this many coordinates of each input by finite differences (default 160). */
  maxGradCoords?: number;
  seed?: number;
}

/** A failed check: the message names the case, what was compared and the worst element. */
export class OpCheckFailure extends Error {
  override name = "OpCheckFailure";
}

export const DEFAULT_FORWARD: Tolerance = { atol: 1e-5, rtol: 1e-4 };
export const DEFAULT_GRAD: Tolerance = { atol: 1e-4, rtol: 1e-3 };
const FD_STEP = 1e-6;

/** Largest violation ratio: ≤ 1 means every element is within tolerance. Also returns where. */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance) {
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < expected.length; i++) {
    const allowed = tol.atol * Math.max(1, maxAbs) + tol.rtol * Math.abs(expected[i]);
    const error = Math.abs(actual[i] - expected[i]);
    const ratio = Number.isFinite(actual[i]) ? error / allowed : Infinity;
    if (!(ratio <= worst)) {
      worst = ratio;
      worstIndex = i;
    }
  }
  return { worst, worstIndex, maxAbs };
}

/** Why `actual` is not close to `expected` (lengths, then the worst element), or null when it is. */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): string | null {
  if (actual.length !== expected.length) return `${what}: length ${actual.length}, expected ${expected.length}`;
  const { worst, worstIndex } = compare(actual, expected, tol);
  if (worst <= 1) return null;
  const detail =
    worstIndex >= 0 ? `at [${worstIndex}] got ${actual[worstIndex]}, expected ${expected[worstIndex]} (ratio ${worst.toFixed(2)})` : "";
  return `${what}: ${detail} (tolerance atol ${tol.atol}, rtol ${tol.rtol})`;
}

/** Throws an OpCheckFailure unless `actual` is within `tol` of `expected`. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  const problem = closeness(actual, expected, tol, what);
  if (problem) throw new OpCheckFailure(problem);
}

/** Throws an OpCheckFailure with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new OpCheckFailure(message);
}

/** Check one op case: forward against the reference, then gradients against finite differences. */
export async function checkOpCase(engine: Engine, c: OpCase): Promise<void> {
  const random = rng(c.seed ?? 1234);
  const values = c.shapes.map((shape, i) => (c.inputs ? c.inputs(i, shape, random) : uniformData(sizeOf(shape), random)));
  const refs: Ref[] = values.map((data, i) => ({ data, shape: c.shapes[i] }));
  const expected = c.cpu(...refs);
  const before = engine.memory().liveTensors;

  const inputs = values.map((data, i) => {
    const t = engine.tensor(Float32Array.from(data), c.shapes[i]).keep();
    t.requiresGrad = !c.noGrad;
    return t;
  });
  const weights = uniformData(sizeOf(expected.shape), random);
  const weightTensor = engine.tensor(Float32Array.from(weights), expected.shape).keep();
  try {
    const output = engine.tidy(() => {
      const out = c.gpu(...inputs);
      const shape = JSON.stringify([...out.shape]);
      check(shape === JSON.stringify(expected.shape), `${c.name}: output shape ${shape}, expected ${JSON.stringify(expected.shape)}`);
      if (!c.noGrad) engine.backward(ops.sum(ops.mul(out, weightTensor)));
      return out;
    });
    const forward = await output.data();
    output.dispose();
    assertClose(forward, expected.data, c.forwardTol ?? DEFAULT_FORWARD, `${c.name} forward`);
    if (c.noGrad) return;

    const objective = (xs: Ref[]) => {
      const y = c.cpu(...xs);
      let s = 0;
      for (let i = 0; i < y.data.length; i++) s += y.data[i] * weights[i];
      return s;
    };
    for (const index of c.gradInputs ?? c.shapes.map((_, i) => i)) {
      const grad = inputs[index].grad;
      check(grad !== null, `${c.name}: input ${index} got no gradient`);
      const actual = await grad.data();
      const n = values[index].length;
      const coordinates = pickCoordinates(n, c.maxGradCoords ?? 160, random);
      const numeric = new Float64Array(coordinates.length);
      const analytic = new Float64Array(coordinates.length);
      coordinates.forEach((coord, k) => {
        const plus = refs.map((r) => ({ data: r.data.slice(), shape: r.shape }));
        const minus = refs.map((r) => ({ data: r.data.slice(), shape: r.shape }));
        plus[index].data[coord] += FD_STEP;
        minus[index].data[coord] -= FD_STEP;
        numeric[k] = (objective(plus) - objective(minus)) / (2 * FD_STEP);
        analytic[k] = actual[coord];
      });
      assertClose(analytic, numeric, c.gradTol ?? DEFAULT_GRAD, `${c.name} gradient of input ${index}`);
    }
  } finally {
    for (const t of inputs) t.dispose();
    weightTensor.dispose();
  }
  const after = engine.memory().liveTensors;
  check(after === before, `${c.name}: tensors leaked (${after - before} more live tensors than before)`);
}

function pickCoordinates(n: number, max: number, random: () => number): number[] {
  if (n <= max) return [...Array(n).keys()];
  const picked = new Set<number>([0, n - 1]);
  while (picked.size < max) picked.add(Math.floor(random() * n));
  return [...picked].sort((a, b) => a - b);
}
