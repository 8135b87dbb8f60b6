/**
 * checkOp for vitest: the forward of an op against a float64 CPU reference, and every input's gradient against
 * central finite differences of that reference. The checks themselves live in ./op-check.ts (no test framework,
 * so the headless-Chrome suite in test/browser/ runs the same code); this file adds vitest's expect.
 */
import { expect } from "vitest";
import type { Engine } from "../../src/index.js";
import { checkOpCase, compare, type OpCase, type Tolerance } from "./op-check.js";

export { compare, type OpCase, type Tolerance };

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const { worst, worstIndex } = compare(actual, expected, tol);
  const detail =
    worstIndex >= 0 ? `at [${worstIndex}] got ${actual[worstIndex]}, expected ${expected[worstIndex]} (ratio ${worst.toFixed(2)})` : "";
  expect(worst, `${what}: ${detail}`).toBeLessThanOrEqual(1);
}

/** Check one op case: forward against the reference, then gradients against finite differences (throws on failure). */
export async function checkOp(engine: Engine, c: OpCase): Promise<void> {
  await checkOpCase(engine, c);
}
