/**
 * The in-page kernel-correctness cases (test/browser/kernel-cases.ts: every kernel family against its float64
 * reference) run in Node on the engine's adapter, once with the adapter's own kernel choices and then once per
 * forced variant set, so that both the shared-memory GPU kernels and the register-tiled ones are checked on any
 * adapter. The GPU run bundle (bench/gpu-run.ts) reports every case of every pass.
 */
import type { Engine } from "../src/index.js";
import { type KernelCase, kernelCases } from "../test/browser/kernel-cases.js";

/** One pass over the cases: the variants it forces (tuner overrides) and the cases it runs. */
export interface CheckPass {
  name: string;
  overrides: Record<string, string>;
  /** Which cases the pass runs (every case without it). */
  only?: (c: KernelCase) => boolean;
  /** A device feature the pass needs; without it the pass is skipped and says so. */
  needs?: string;
}

export interface CaseOutcome {
  pass: string;
  family: string;
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

/** The cases whose ops have variants: convolutions, matrix products and attention (which runs matrix products). */
const usesProducts = (c: KernelCase): boolean => c.family === "conv2d" || c.family === "matmul" || c.name.startsWith("attention");
const isAttention = (c: KernelCase): boolean => c.name.startsWith("attention");

export const CHECK_PASSES: readonly CheckPass[] = [
  { name: "adapter defaults", overrides: {} },
  {
    name: "shared-memory kernels (gemm.wgsl)",
    overrides: { "conv2d.forward": "shared", "conv2d.inputGrad": "shared", "conv2d.weightGrad": "shared", matmul: "shared" },
    only: usesProducts,
  },
  {
    name: "register kernels (general conv tile, 4×4 matmul)",
    overrides: {
      "conv2d.forward": "conv_general",
      "conv2d.inputGrad": "conv_general",
      "conv2d.weightGrad": "weight_grad_general",
      matmul: "register",
    },
    only: usesProducts,
  },
  { name: "attention: flash", overrides: { attention: "flash" }, only: isAttention },
  { name: "attention: composed", overrides: { attention: "composed" }, only: isAttention },
  { name: "quad matmul (subgroups)", overrides: { matmul: "quad" }, only: usesProducts, needs: "subgroups" },
];

const message = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Run the passes' cases on `engine` (made with autotune "off": choices from heuristics and overrides only).
 * `filter` (a substring of a case name) runs a subset; `onCase` hears each outcome as it comes. Returns every
 * outcome and the passes skipped for a missing feature.
 */
export async function runKernelChecks(
  engine: Engine,
  options: { passes?: readonly CheckPass[]; filter?: string; onCase?: (outcome: CaseOutcome) => void } = {},
): Promise<{ outcomes: CaseOutcome[]; skipped: string[] }> {
  const outcomes: CaseOutcome[] = [];
  const skipped: string[] = [];
  for (const pass of options.passes ?? CHECK_PASSES) {
    if (pass.needs && !engine.adapter.features.includes(pass.needs)) {
      skipped.push(`${pass.name}: the adapter has no '${pass.needs}' feature`);
      continue;
    }
    const previous = Object.entries(pass.overrides).map(([family, variant]) => [family, engine.tuner.override(family, variant)] as const);
    try {
      for (const c of kernelCases) {
        if ((pass.only && !pass.only(c)) || (options.filter && !c.name.includes(options.filter))) continue;
        const started = performance.now();
        let error: string | undefined;
        try {
          await c.run(engine);
          await engine.sync();
        } catch (e) {
          error = message(e);
        }
        const outcome: CaseOutcome = {
          pass: pass.name,
          family: c.family,
          name: c.name,
          ok: error === undefined,
          ms: performance.now() - started,
        };
        if (error !== undefined) outcome.error = error;
        outcomes.push(outcome);
        options.onCase?.(outcome);
      }
    } finally {
      for (const [family, variant] of previous) engine.tuner.override(family, variant);
    }
  }
  return { outcomes, skipped };
}
