/**
 * Every WGSL kernel family, as text. Each import is resolved at build time (esbuild's text loader, or the
 * vitest plugin in vitest.config.ts), so bundles carry their shaders and need no file system.
 * Adding a family: write shaders/NAME.wgsl and add it here.
 *
 * WGSL has no includes, so shared helpers live in shaders/lib/ and a family that needs one says
 * `//! include NAME` on a line of its own; the library text is appended after the family's own text, so the
 * family's line numbers stay true in error messages (lines past its end are mapped back by `sourceLocation`).
 *
 * A family that starts with `enable FEATURE;` (WGSL's directive; e.g. subgroups in matmul_quad.wgsl) compiles
 * only on a device with that feature: see `requiredFeatures`.
 */

import bound from "../../shaders/bound.wgsl";
import conv2d from "../../shaders/conv2d.wgsl";
import conv2dQuad from "../../shaders/conv2d_quad.wgsl";
import diffusion from "../../shaders/diffusion.wgsl";
import elementwise from "../../shaders/elementwise.wgsl";
import flashAttention from "../../shaders/flash_attention.wgsl";
import gemm from "../../shaders/gemm.wgsl";
import groupnorm from "../../shaders/groupnorm.wgsl";
import convParams from "../../shaders/lib/conv_params.wgsl";
import convTile from "../../shaders/lib/conv_tile.wgsl";
import convWeightGrad from "../../shaders/lib/conv_weight_grad.wgsl";
import matmulParams from "../../shaders/lib/matmul_params.wgsl";
import matmulStore from "../../shaders/lib/matmul_store.wgsl";
import philox from "../../shaders/lib/philox.wgsl";
import matmul from "../../shaders/matmul.wgsl";
import matmulQuad from "../../shaders/matmul_quad.wgsl";
import misc from "../../shaders/misc.wgsl";
import optim from "../../shaders/optim.wgsl";
import reduce from "../../shaders/reduce.wgsl";
import resample from "../../shaders/resample.wgsl";
import rng from "../../shaders/rng.wgsl";
import softmax from "../../shaders/softmax.wgsl";

const libraries: Record<string, string> = {
  conv_params: convParams,
  conv_tile: convTile,
  conv_weight_grad: convWeightGrad,
  matmul_params: matmulParams,
  matmul_store: matmulStore,
  philox,
};

const rawSources: Record<string, string> = {
  bound,
  conv2d,
  conv2d_quad: conv2dQuad,
  diffusion,
  elementwise,
  flash_attention: flashAttention,
  gemm,
  groupnorm,
  matmul,
  matmul_quad: matmulQuad,
  misc,
  optim,
  reduce,
  resample,
  rng,
  softmax,
};

/** For each family, where each appended library starts (1-based line of the expanded text). */
const appended = new Map<string, { name: string; firstLine: number }[]>();

/**
 * A family's text with the libraries it includes appended, remembering where each starts (sourceLocation). `path`
 * names the family's file in errors.
 */
export function expandIncludes(file: string, source: string, path = `shaders/${file}.wgsl`): string {
  let text = source.endsWith("\n") ? source : `${source}\n`;
  const parts: { name: string; firstLine: number }[] = [];
  for (const match of source.matchAll(/^\/\/! include (\w+)\s*$/gm)) {
    const name = match[1];
    const library = libraries[name];
    if (library === undefined) throw new Error(`${path}: '//! include ${name}' names no file in shaders/lib/`);
    if (parts.some((p) => p.name === name)) continue;
    parts.push({ name, firstLine: text.split("\n").length });
    text += library.endsWith("\n") ? library : `${library}\n`;
  }
  appended.set(file, parts);
  return text;
}

/** Every family's WGSL with its includes expanded. */
export const shaderSources: Record<string, string> = Object.fromEntries(
  Object.entries(rawSources).map(([file, source]) => [file, expandIncludes(file, source)]),
);

/** "PATH:LINE" for a line of a family's expanded text, or the library file it came from. */
export function sourceLocation(file: string, line: number, path = `shaders/${file}.wgsl`): string {
  const parts = appended.get(file) ?? [];
  for (let i = parts.length - 1; i >= 0; i--) {
    if (line >= parts[i].firstLine) return `shaders/lib/${parts[i].name}.wgsl:${line - parts[i].firstLine + 1}`;
  }
  return `${path}:${line}`;
}

/** The WGSL extensions a family enables (`enable subgroups;`): the device features it needs to compile. */
export function requiredFeatures(source: string): string[] {
  const feature: Record<string, string> = { f16: "shader-f16" };
  return [...source.matchAll(/^enable\s+([\w\s,]+);/gm)]
    .flatMap((m) => m[1].split(","))
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => feature[name] ?? name);
}

/** The binary operations of shaders/elementwise.wgsl, by their OP pipeline constant. */
export const BINARY_OP = { add: 0, sub: 1, mul: 2, div: 3 } as const;
/** The unary functions of shaders/elementwise.wgsl, by their UOP pipeline constant (affine: alpha · a + beta). */
export const UNARY_OP = { affine: 0, silu: 1, square: 2, exp: 3, log: 4, sqrt: 5 } as const;
