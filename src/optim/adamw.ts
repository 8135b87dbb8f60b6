/**
 * AdamW (Loshchilov & Hutter 2019) as one fused kernel per parameter tensor (shaders/optim.wgsl; 4 elements per
 * invocation where the buffers allow, a quarter of the storage accesses), with optional global-norm clipping.
 */
import type { Engine, Tensor } from "../engine.js";
import { grid1d } from "../shape.js";
import type { EMA } from "./ema.js";

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW {
  /** @internal Use the vec4 kernels where every buffer holds whole vec4s (the tests turn it off to compare). */
  static vec4 = true;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken so far (bias correction uses it). */
  stepCount = 0;
  private readonly state = new Map<Tensor, { m: Tensor; v: Tensor }>();
  private readonly unitScale: Tensor;

  constructor(
    readonly engine: Engine,
    readonly params: Tensor[],
    options: AdamWOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const p of params) {
      if (!p.requiresGrad) throw new Error(`AdamW: parameter ${p} does not require grad`);
      this.state.set(p, { m: engine.zeros(p.shape).keep(), v: engine.zeros(p.shape).keep() });
    }
    this.unitScale = engine.ones([1]).keep();
  }

  /**
   * One update of every parameter that has a gradient. `gradScale`, a one-element tensor, multiplies every
   * gradient (the clipping factor); `lr` overrides the learning rate for this step (warmup schedules). With
   * `ema`, the EMA of the weights is updated in the same pass (as `ema.update(emaDecay)` would afterwards).
   */
  step(options: { lr?: number; gradScale?: Tensor; ema?: EMA; emaDecay?: number } = {}): void {
    if (options.emaDecay !== undefined && !(options.emaDecay >= 0 && options.emaDecay < 1)) {
      throw new Error(`AdamW.step: the EMA decay must be in [0, 1), got ${options.emaDecay}`);
    }
    this.stepCount++;
    const t = this.stepCount;
    const ema = options.ema;
    const emaDecay = options.emaDecay ?? ema?.decay ?? 0;
    const uniforms = {
      lr: options.lr ?? this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      biasCorrection1: 1 - this.beta1 ** t,
      biasCorrection2: 1 - this.beta2 ** t,
      emaDecay,
    };
    const gradScale = options.gradScale ?? this.unitScale;
    // With an EMA, each parameter's update and its average are one dispatch (optim/adamw_ema); parameters without
    // a gradient still get their EMA update, so the result equals step() followed by ema.update().
    const shadows = ema ? new Map(ema.params.map((p, i) => [p, ema.shadows[i]])) : null;
    for (const p of this.params) {
      if (!p.grad) continue;
      const { m, v } = this.state.get(p)!;
      const shadow = shadows?.get(p);
      shadows?.delete(p);
      const tensors = shadow ? [p, p.grad, m, v, shadow] : [p, p.grad, m, v];
      if (AdamW.vec4 && tensors.every((t) => t.buffer.size >= Math.ceil(p.size / 4) * 16)) {
        // 4 elements per invocation (optim/adamw4): about 4× fewer storage accesses on CPU adapters.
        const buffers = { param4: p, grad4: p.grad, m4: m, v4: v, gradScale };
        const grid = grid1d(Math.ceil(p.size / 4));
        if (shadow) this.engine.run("optim/adamw_ema4", { ...buffers, emaShadow4: shadow }, { n: p.size, ...uniforms }, grid);
        else this.engine.run("optim/adamw4", buffers, { n: p.size, ...uniforms }, grid);
        continue;
      }
      const buffers = { param: p, grad: p.grad, m, v, gradScale };
      if (shadow) this.engine.run("optim/adamw_ema", { ...buffers, emaShadow: shadow }, { n: p.size, ...uniforms }, grid1d(p.size));
      else this.engine.run("optim/adamw", buffers, { n: p.size, ...uniforms }, grid1d(p.size));
    }
    if (ema && shadows!.size > 0) ema.update(emaDecay, [...shadows!.keys()]);
  }

  /** Each parameter with its first and second moment estimates (for checkpoints). */
  moments(): [Tensor, { m: Tensor; v: Tensor }][] {
    return [...this.state];
  }

  /** Restore moments and the step count saved from `moments()` / `stepCount` (resuming training). */
  loadMoments(values: (param: Tensor) => { m: Float32Array; v: Float32Array }, stepCount: number): void {
    for (const [param, { m, v }] of this.state) {
      const saved = values(param);
      if (saved.m.length !== param.size || saved.v.length !== param.size) {
        throw new Error(`AdamW.loadMoments: saved moments for ${param} have ${saved.m.length} values, expected ${param.size}`);
      }
      this.engine.write(m, saved.m);
      this.engine.write(v, saved.v);
    }
    this.stepCount = stepCount;
  }

  /** Drop every parameter's gradient (the next backward starts from zero). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  dispose(): void {
    for (const { m, v } of this.state.values()) {
      m.dispose();
      v.dispose();
    }
    this.unitScale.dispose();
  }
}
