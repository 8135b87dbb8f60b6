/**
 * The matmul family's kernel variants and how one is chosen (src/gpu/tuner.ts): register-blocked kernels for CPU
 * adapters — "register" 4×4, "register16" 16×16, "packed" 16×16 and "packed16x32" from vec4 panels, "quad" and
 * "quadStrided" 16×16 per lane sharing loads across a subgroup quad (from vec4 panels or rows / through the
 * strides; they need the subgroups feature) — and "shared" (64×64 workgroup tiles) for GPUs. A GPU defaults to
 * "shared" and times the GPU list: the variants within GPU_MAX_ACCUMULATORS ("shared" and "register"), no quad.
 */

import type { Tensor } from "../../engine.js";
import { GPU_MAX_ACCUMULATORS, type Variant } from "../../gpu/tuner.js";
import * as kernels from "./kernels.js";
import { type Operand, operandExtent } from "./operand.js";

interface MatmulVariant extends Variant {
  dispatch: kernels.MatmulKernel;
  /** f32 accumulators one invocation keeps (its block of C): the GPU list's register budget. */
  accumulators: number;
}

/** The variants by name. */
export const MATMUL_VARIANTS = {
  register: { name: "register", dispatch: kernels.register, accumulators: 16 },
  register16: { name: "register16", dispatch: kernels.register16, accumulators: 256 },
  packed: { name: "packed", dispatch: kernels.packed16, accumulators: 256 },
  packed16x32: { name: "packed16x32", dispatch: kernels.packed16x32, accumulators: 512 },
  quad: { name: "quad", dispatch: kernels.quad, accumulators: 256 },
  quadStrided: { name: "quadStrided", dispatch: kernels.quadStrided, accumulators: 256 },
  shared: { name: "shared", dispatch: kernels.shared, accumulators: 16 },
} as const satisfies Record<string, MatmulVariant>;

const CANDIDATES: readonly MatmulVariant[] = Object.values(MATMUL_VARIANTS);
const isQuad = (v: MatmulVariant): boolean => v === MATMUL_VARIANTS.quad || v === MATMUL_VARIANTS.quadStrided;
/** Without the subgroups feature matmul_quad.wgsl does not compile: no quad kernel there. */
const WITHOUT_QUAD: readonly MatmulVariant[] = CANDIDATES.filter((v) => !isQuad(v));

/**
 * The guess on a CPU adapter before measuring (docs/performance.md has the measurements behind it): a quad kernel
 * from 32 rows and columns (the vec4 one once K ≥ 32, where it pays for its packs); else a packed kernel once
 * K ≥ 64 (16×32 blocks from 128 columns); else the 16×16 register kernel while it still runs 32 invocations;
 * otherwise the 4×4 one, whose many invocations fill the cores and SIMD lanes on a tiny product.
 */
function softwareHeuristic(M: number, N: number, K: number, batch: number, quad: boolean): MatmulVariant {
  if (M < 16 || N < 16) return MATMUL_VARIANTS.register;
  if (quad && M >= 32 && N >= 32) return K >= 32 ? MATMUL_VARIANTS.quad : MATMUL_VARIANTS.quadStrided;
  if (K >= 64) return N >= 128 ? MATMUL_VARIANTS.packed16x32 : MATMUL_VARIANTS.packed;
  return batch * Math.ceil(M / 16) * Math.ceil(N / 16) >= 32 ? MATMUL_VARIANTS.register16 : MATMUL_VARIANTS.register;
}

/**
 * Record C = A·B (+ C with `accumulate`) for operands described by strides; C is dense [batch, M, N]. The kernel
 * is the tuner's choice for this shape (family "matmul").
 */
export function dispatchMatmul(A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate = false): void {
  const engine = A.engine;
  const quad = engine.kernels.supports("matmul_quad");
  const layout = (o: Operand) => (o.strides[2] === 1 ? "" : "ᵀ") + (o.strides[0] === 0 && batch > 1 ? "*" : "");
  const variant = engine.tuner.choose({
    family: "matmul",
    key: `${batch}×[${a.rows}×${a.cols}${layout(a)}]·[${b.rows}×${b.cols}${layout(b)}]${accumulate ? "+" : ""}`,
    candidates: quad ? CANDIDATES : WITHOUT_QUAD,
    heuristic: engine.adapter.isSoftware ? softwareHeuristic(a.rows, b.cols, a.cols, batch, quad) : MATMUL_VARIANTS.shared,
    // Barriers cost more than they save on a CPU adapter. A GPU times its list: no quad kernel (they rely on a CPU
    // adapter's subgroup layout) and no register block over its budget.
    untimed: (v) => (engine.adapter.isSoftware ? v === MATMUL_VARIANTS.shared : isQuad(v) || v.accumulators > GPU_MAX_ACCUMULATORS),
    trial: (v) => {
      const ta = engine.randn([operandExtent(a, batch)], { seed: 1 });
      const tb = engine.randn([operandExtent(b, batch)], { seed: 2 });
      const tc = engine.zeros([batch * a.rows * b.cols]);
      return {
        run: () => v.dispatch(ta, a, tb, b, tc, batch, accumulate),
        dispose: () => {
          for (const t of [ta, tb, tc]) t.dispose();
        },
      };
    },
  });
  variant.dispatch(A, a, B, b, C, batch, accumulate);
}
