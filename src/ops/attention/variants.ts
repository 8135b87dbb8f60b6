/**
 * The attention family's variants (src/gpu/tuner.ts family "attention"): "composed" (matmul, softmax, matmul: the
 * [B, Lq, Lk] probabilities are materialised and kept for the backward) and "flash" (one online-softmax kernel:
 * one float per query row kept; its backward recomputes the scores). Without a measurement, CPU adapters train
 * with "composed" (the recomputation costs more than it saves there) and infer with "flash"; GPUs use "flash".
 */
import type { Tensor } from "../../engine.js";
import type { Variant } from "../../gpu/tuner.js";
import { sum } from "../reduce.js";
import type { AttentionOptions } from "./checks.js";
import { composedAttention } from "./composed.js";
import { flashAttention } from "./flash.js";

interface AttentionVariant extends Variant {
  compute: (q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions) => Tensor;
}

export const ATTENTION_VARIANTS = {
  composed: { name: "composed", compute: composedAttention },
  flash: { name: "flash", compute: flashAttention },
} as const satisfies Record<string, AttentionVariant>;
const CANDIDATES: readonly AttentionVariant[] = Object.values(ATTENTION_VARIANTS);

/** The tuner's variant for attention over q [B, Lq, d], k [B, Lk, d], v [B, Lk, dv]. */
export function chooseAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): AttentionVariant {
  const engine = q.engine;
  const training = engine.gradEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad);
  const [batch, lq, d] = q.shape;
  const [lk, dv] = [k.shape[1], v.shape[2]];
  return engine.tuner.choose({
    family: "attention",
    key: `${batch}×${lq}×${lk} d${d} dv${dv}${training ? " train" : ""}`,
    candidates: CANDIDATES,
    heuristic: engine.adapter.isSoftware && training ? ATTENTION_VARIANTS.composed : ATTENTION_VARIANTS.flash,
    trial: (candidate) => {
      const inputs = [q, k, v].map((t, i) => {
        const r = engine.randn(t.shape, { seed: 11 + i });
        r.requiresGrad = training;
        return r;
      });
      return {
        run: () => {
          engine.tidy(() => {
            const out = candidate.compute(inputs[0], inputs[1], inputs[2], options);
            if (training) engine.backward(sum(out));
          });
          for (const t of inputs) {
            t.grad?.dispose();
            t.grad = null;
          }
        },
        dispose: () => {
          for (const t of inputs) t.dispose();
        },
      };
    },
  });
}
