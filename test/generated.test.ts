/** Generated WGSL must match its generator: the unrolled tiles of shaders/conv2d.wgsl and matmul.wgsl come from scripts/gen-*-wgsl.mjs. */
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

it("shaders/conv2d.wgsl is what scripts/gen-conv2d-wgsl.mjs writes", () => {
  const result = spawnSync(process.execPath, ["scripts/gen-conv2d-wgsl.mjs", "--check"], { encoding: "utf8" });
  expect(result.status, result.stderr || result.stdout).toBe(0);
});

it("shaders/matmul.wgsl is what scripts/gen-matmul-wgsl.mjs writes", () => {
  const result = spawnSync(process.execPath, ["scripts/gen-matmul-wgsl.mjs", "--check"], { encoding: "utf8" });
  expect(result.status, result.stderr || result.stdout).toBe(0);
});
