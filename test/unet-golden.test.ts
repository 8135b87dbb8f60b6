/**
 * The golden test: the engine's UNet2DModel against the PyTorch re-implementation of diffusers' UNet2DModel in
 * scripts/make_unet_fixtures.py (float64), on two configurations: output, MSE loss and the gradient of every
 * parameter, with the tolerances listed in ./helpers/golden-unet.ts (whose checks the
 * in-page suite runs too).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../src/index.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { loadUNet } from "../src/nn/pretrained.js";
import { testEngine } from "./helpers/engine.js";
import { checkGoldenUNet } from "./helpers/golden-unet.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

for (const name of ["attn-class", "three-level-1ch"]) {
  describe(`golden U-Net '${name}' against PyTorch`, () => {
    it("matches output, loss and every parameter gradient", async () => {
      const dir = `test/fixtures/unet/${name}`;
      const golden = parseSafetensors(new Uint8Array(readFileSync(`${dir}/golden.safetensors`))).tensors;
      const model = await loadUNet(engine, dir);
      try {
        expect(await checkGoldenUNet(engine, name, model, golden), "output error / tolerance").toBeLessThanOrEqual(1);
      } finally {
        model.dispose();
      }
    });
  });
}
