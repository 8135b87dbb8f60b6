/**
 * The golden U-Net check: a UNet2DModel loaded from test/fixtures/unet/NAME against the PyTorch re-implementation
 * of diffusers' UNet2DModel (scripts/make_unet_fixtures.py, float64) on the fixture's batch. Output, MSE loss and
 * the gradient of every parameter are compared within what an f32 implementation with another summation order
 * allows (float32 and float64 PyTorch differ by ≤ 1.3e-6 in the outputs and ~1e-6 relative L2 in the gradients):
 *   output: |a − b| ≤ 2e-4·max(1, max|b|) + 1e-3·|b|
 *   loss: |a − b| ≤ 1e-4·max(1, |b|)
 *   each gradient tensor: max error ≤ 2e-3·max|b| and relative L2 error ≤ 2e-3
 *   to_k.bias gradients are exactly zero in exact arithmetic (softmax ignores a constant added to every key's
 *   score), so they are compared with an absolute tolerance (1e-6) only.
 *
 * No test framework or Node module in here: loading the fixture is the caller's (the file system under vitest,
 * fetch in the page), and a failed check throws an OpCheckFailure naming the fixture and the tensor, so
 * test/unet-golden.test.ts and the in-page suite (test/browser/model-cases.ts) run the same checks.
 */
import { type Engine, ops, type UNet2DModel } from "../../src/index.js";
import type { TensorData } from "../../src/io/safetensors.js";
import { check } from "./op-check.js";

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The worst error of a U-Net output `actual` against `expected` as a multiple of the golden output bound,
 * |a − b| ≤ 2e-4·max(1, max|b|) + 1e-3·|b| (≤ 1 passes).
 */
export function goldenOutputViolation(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const scale = Math.max(1, maxAbs(expected));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (2e-4 * scale + 1e-3 * Math.abs(expected[i])));
  }
  return worst;
}

/**
 * Runs `model` forward and backward on the golden batch (x, timesteps, optional class_labels, target) and checks
 * the output, the loss and every parameter's gradient against the fixture. Returns the worst output error as a
 * fraction of its tolerance. The caller keeps (and disposes) the model.
 */
export async function checkGoldenUNet(engine: Engine, name: string, model: UNet2DModel, golden: Map<string, TensorData>): Promise<number> {
  const get = (key: string) => {
    const t = golden.get(key);
    if (!t) throw new Error(`fixture ${name} has no '${key}'`);
    return t;
  };
  const x = get("x");
  const target = get("target");
  const classLabels = golden.get("class_labels")?.data;
  const outputs = engine.tidy(() => {
    const out = model.forward({
      sample: engine.tensor(x.data, x.shape),
      timesteps: Array.from(get("timesteps").data),
      classLabels: classLabels && Array.from(classLabels),
    });
    const loss = ops.mseLoss(out, engine.tensor(target.data, target.shape));
    engine.backward(loss);
    return { out, loss };
  });
  try {
    const expectedOut = get("output").data;
    const out = await outputs.out.data();
    check(out.length === expectedOut.length, `${name}: output has ${out.length} values, the fixture ${expectedOut.length}`);
    const worst = goldenOutputViolation(out, expectedOut);
    check(worst <= 1, `${name}: output error / tolerance = ${worst.toFixed(2)}`);
    const loss = await outputs.loss.item();
    const expectedLoss = get("loss").data[0];
    check(Math.abs(loss - expectedLoss) <= 1e-4 * Math.max(1, Math.abs(expectedLoss)), `${name}: loss ${loss}, PyTorch ${expectedLoss}`);

    const params = model.namedParameters();
    const gradKeys = [...golden.keys()].filter((k) => k.startsWith("grad.")).length;
    check(params.length === gradKeys, `${name}: ${params.length} parameters, the fixture has ${gradKeys} gradients`);
    for (const [key, param] of params) {
      const expected = get(`grad.${key}`).data;
      check(param.grad !== null, `${name}: ${key} got no gradient`);
      const actual = await param.grad.data();
      check(actual.length === expected.length, `${name}: ${key} gradient has ${actual.length} values, expected ${expected.length}`);
      let maxError = 0;
      let errorSq = 0;
      let normSq = 0;
      for (let i = 0; i < actual.length; i++) {
        const e = actual[i] - expected[i];
        maxError = Math.max(maxError, Math.abs(e));
        errorSq += e * e;
        normSq += expected[i] * expected[i];
      }
      if (key.endsWith("to_k.bias")) {
        check(maxError <= 1e-6, `${name}: ${key} absolute error ${maxError}`);
        continue;
      }
      check(maxError <= 2e-3 * maxAbs(expected), `${name}: ${key} max error ${maxError} > 2e-3·max|b| = ${2e-3 * maxAbs(expected)}`);
      check(Math.sqrt(errorSq / normSq) <= 2e-3, `${name}: ${key} relative L2 error ${Math.sqrt(errorSq / normSq)}`);
    }
    return worst;
  } finally {
    outputs.out.dispose();
    outputs.loss.dispose();
  }
}
