/** Generated WGSL must match its generator: shaders/conv2d.wgsl's unrolled tiles come from scripts/gen-conv2d-wgsl.mjs. */
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

it("shaders/conv2d.wgsl is what scripts/gen-conv2d-wgsl.mjs writes", () => {
  const result = spawnSync(process.execPath, ["scripts/gen-conv2d-wgsl.mjs", "--check"], { encoding: "utf8" });
  expect(result.status, result.stderr || result.stdout).toBe(0);
});
