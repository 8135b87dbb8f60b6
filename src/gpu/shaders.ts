/**
 * Every WGSL kernel family, as text. Each import is resolved at build time (esbuild's text loader, or the
 * vitest plugin in vitest.config.ts), so bundles carry their shaders and need no file system.
 * Adding a family: write shaders/NAME.wgsl and add one line here.
 */
import elementwise from "../../shaders/elementwise.wgsl";
import matmul from "../../shaders/matmul.wgsl";
import optim from "../../shaders/optim.wgsl";
import reduce from "../../shaders/reduce.wgsl";
import rng from "../../shaders/rng.wgsl";

export const shaderSources: Record<string, string> = {
  elementwise,
  matmul,
  optim,
  reduce,
  rng,
};
