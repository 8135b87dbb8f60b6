/** Exponential moving average of parameters (fused kernel in shaders/optim.wgsl). */

import type { Engine, Tensor } from "../engine.js";
import { grid1d } from "../shape.js";

export class EMA {
  /** The averaged copies, in the order of `params`. */
  readonly shadows: Tensor[];

  constructor(
    readonly engine: Engine,
    readonly params: Tensor[],
    readonly decay = 0.9999,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`EMA: decay must be in [0, 1), got ${decay}`);
    this.shadows = params.map((p) => {
      const shadow = engine.empty(p.shape, "ema").keep();
      engine.copyInto(p, shadow);
      return shadow;
    });
  }

  /**
   * shadow = decay·shadow + (1 − decay)·param, for every parameter (or only `only`). `decay` may be overridden
   * (warmup). AdamW.step({ ema }) does this in its own pass.
   */
  update(decay = this.decay, only?: Tensor[]): void {
    const selected = only ? new Set(only) : null;
    this.params.forEach((p, i) => {
      if (selected && !selected.has(p)) return;
      this.engine.run("optim/ema_update", { ema: this.shadows[i], current: p }, { n: p.size, decay }, grid1d(p.size));
    });
  }

  /** Copy the averaged weights into `targets` (same order and shapes as `params`), e.g. a model used for sampling. */
  copyTo(targets: Tensor[]): void {
    if (targets.length !== this.shadows.length)
      throw new Error(`EMA.copyTo: ${targets.length} targets for ${this.shadows.length} parameters`);
    targets.forEach((t, i) => {
      if (t.shape.join() !== this.shadows[i].shape.join()) throw new Error(`EMA.copyTo: target ${t} does not match ${this.shadows[i]}`);
      this.engine.copyInto(this.shadows[i], t);
    });
  }

  /** Set the averaged weights from `sources` (resuming from a checkpoint's EMA model). */
  loadFrom(sources: Tensor[]): void {
    if (sources.length !== this.shadows.length)
      throw new Error(`EMA.loadFrom: ${sources.length} sources for ${this.shadows.length} parameters`);
    sources.forEach((s, i) => {
      if (s.shape.join() !== this.shadows[i].shape.join()) throw new Error(`EMA.loadFrom: source ${s} does not match ${this.shadows[i]}`);
      this.engine.copyInto(s, this.shadows[i]);
    });
  }

  dispose(): void {
    for (const s of this.shadows) s.dispose();
  }
}

/**
 * The global-norm clipping factor of a set of gradients, as a one-element GPU tensor (so AdamW can use it
 * without a readback): min(1, maxNorm / ‖g‖₂). Also returns the norm itself, as element 1 of `clip`.
 */
export function clipFactor(engine: Engine, grads: Tensor[], maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new Error(`clipFactor: maxNorm must be > 0, got ${maxNorm}`);
  const squares = engine.empty([Math.max(grads.length, 1)], "clip squares");
  const clip = engine.empty([2], "clip");
  grads.forEach((g, slot) => {
    engine.run("optim/sum_squares", { values: g, values4: g, squares }, { n: g.size, slot, count: grads.length, maxNorm }, [1]);
  });
  engine.run("optim/clip_factor", { squares, clip }, { n: 0, slot: 0, count: grads.length, maxNorm }, [1]);
  squares.dispose();
  return clip;
}
