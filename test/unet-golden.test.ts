/**
 * The golden test: the engine's UNet2DModel against the PyTorch re-implementation of diffusers' UNet2DModel in
 * scripts/make_unet_fixtures.py (float64), on two configurations. Output, MSE loss and the gradient of every
 * parameter are compared with the tolerances of shared/NUMERICS.md:
 *   output: |a − b| ≤ 2e-4·max(1, max|b|) + 1e-3·|b|
 *   each gradient tensor: max error ≤ 2e-3·max|b| and relative L2 error ≤ 2e-3
 *   to_k.bias gradients are exactly zero in exact arithmetic (softmax ignores a constant added to every key's
 *   score), so they are compared with an absolute tolerance only.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { loadUNet } from "../src/nn/pretrained.js";
import { testEngine } from "./helpers/engine.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

for (const name of ["attn-class", "three-level-1ch"]) {
  describe(`golden U-Net '${name}' against PyTorch`, () => {
    it("matches output, loss and every parameter gradient", async () => {
      const dir = `test/fixtures/unet/${name}`;
      const golden = parseSafetensors(new Uint8Array(readFileSync(`${dir}/golden.safetensors`))).tensors;
      const get = (key: string) => {
        const t = golden.get(key);
        if (!t) throw new Error(`fixture ${name} has no '${key}'`);
        return t;
      };
      const model = await loadUNet(engine, dir);
      const x = get("x");
      const target = get("target");
      const classLabels = golden.get("class_labels")?.data;
      const outputs = engine.tidy(() => {
        const sample = engine.tensor(x.data, x.shape);
        const out = model.forward({ sample, timesteps: get("timesteps").data, classLabels: classLabels && Array.from(classLabels) });
        const loss = ops.mseLoss(out, engine.tensor(target.data, target.shape));
        engine.backward(loss);
        return { out, loss };
      });

      const expectedOut = get("output").data;
      const out = await outputs.out.data();
      const scale = Math.max(1, maxAbs(expectedOut));
      let worst = 0;
      for (let i = 0; i < out.length; i++) {
        worst = Math.max(worst, Math.abs(out[i] - expectedOut[i]) / (2e-4 * scale + 1e-3 * Math.abs(expectedOut[i])));
      }
      expect(worst, "output error / tolerance").toBeLessThanOrEqual(1);
      const loss = await outputs.loss.item();
      expect(Math.abs(loss - get("loss").data[0])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(get("loss").data[0])));

      const params = model.namedParameters();
      expect(params.length).toBe([...golden.keys()].filter((k) => k.startsWith("grad.")).length);
      for (const [key, param] of params) {
        const expected = get(`grad.${key}`).data;
        const actual = await param.grad!.data();
        expect(actual.length, key).toBe(expected.length);
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
          expect(maxError, `${key}: absolute error`).toBeLessThanOrEqual(1e-6);
          continue;
        }
        expect(maxError, `${key}: max error vs 2e-3·max|b| = ${2e-3 * maxAbs(expected)}`).toBeLessThanOrEqual(2e-3 * maxAbs(expected));
        expect(Math.sqrt(errorSq / normSq), `${key}: relative L2 error`).toBeLessThanOrEqual(2e-3);
      }
      outputs.out.dispose();
      outputs.loss.dispose();
      model.dispose();
    });
  });
}
