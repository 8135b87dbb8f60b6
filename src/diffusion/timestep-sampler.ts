/**
 * Loss-aware importance sampling of the training timestep (Nichol & Dhariwal 2021, §3.3 and eq. 18; their code's
 * `LossSecondMomentResampler` in improved_diffusion/resample.py). L_vlb = Σ_t L_t has terms that differ by orders of
 * magnitude across t, so drawing t uniformly gives a noisy estimate; drawing t with p_t ∝ √E[L_t²] and weighting
 * each term by 1/(T·p_t) keeps the estimate unbiased (E_{t∼p}[L_t / (T·p_t)] = (1/T) Σ_t L_t) with less variance.
 *
 * E[L_t²] is the mean of the last `HISTORY` values of L_t seen in training. Until every timestep has `HISTORY` of
 * them, t is drawn uniformly (weight 1). After that the distribution is mixed with a uniform one of weight
 * `UNIFORM_MIX`, so no timestep's probability reaches 0 (and no weight is infinite). All of it is float64 on the CPU.
 *
 * The sampler draws nothing itself: `draw` maps uniform numbers in [0, 1) — the caller's counter-based ones — to
 * timesteps, so a run's draws are a function of (seed, step, index) and of this state, which a checkpoint saves.
 */
import type { TensorData } from "../io/safetensors.js";

/** Loss values kept per timestep (the original's history_per_term). */
const HISTORY = 10;
/** The probability mass spread uniformly over all timesteps once warmed up (the original's uniform_prob). */
const UNIFORM_MIX = 0.001;

/** Timesteps for a batch and the weight 1/(T·p_t) of each sample's term. */
export interface TimestepDraw {
  timesteps: number[];
  weights: number[];
}

export class LossSecondMomentSampler {
  /** [T, HISTORY], row t holding L_t's last values oldest first; only the first counts[t] of a row are filled. */
  private readonly history: Float64Array;
  private readonly counts: Int32Array;

  constructor(readonly T: number) {
    if (!(Number.isInteger(T) && T >= 1)) throw new Error(`timestep sampler: T must be an integer ≥ 1, got ${T}`);
    this.history = new Float64Array(T * HISTORY);
    this.counts = new Int32Array(T);
  }

  /** True once every timestep has HISTORY loss values (until then t is uniform). */
  get warmedUp(): boolean {
    return this.counts.every((c) => c === HISTORY);
  }

  /**
   * p_t for every timestep: uniform until warmed up, then √(mean of L_t²) normalised, mixed with UNIFORM_MIX of the
   * uniform distribution. A history of zeros everywhere (no signal to weight by) gives the uniform distribution.
   */
  probabilities(): Float64Array {
    const { T } = this;
    const p = new Float64Array(T).fill(1 / T);
    if (!this.warmedUp) return p;
    let total = 0;
    for (let t = 0; t < T; t++) {
      let squares = 0;
      for (let k = 0; k < HISTORY; k++) squares += this.history[t * HISTORY + k] ** 2;
      p[t] = Math.sqrt(squares / HISTORY);
      total += p[t];
    }
    if (!(total > 0 && Number.isFinite(total))) return p.fill(1 / T);
    for (let t = 0; t < T; t++) p[t] = (p[t] / total) * (1 - UNIFORM_MIX) + UNIFORM_MIX / T;
    return p;
  }

  /**
   * A timestep for each uniform number u in [0, 1), by inverting the cumulative distribution, and its weight
   * 1/(T·p_t). While warming up, t = ⌊u·T⌋ (the uniform draw) with weight exactly 1.
   */
  draw(uniforms: readonly number[]): TimestepDraw {
    const { T } = this;
    if (!this.warmedUp) {
      return { timesteps: uniforms.map((u) => Math.min(Math.floor(u * T), T - 1)), weights: uniforms.map(() => 1) };
    }
    const p = this.probabilities();
    const cumulative = new Float64Array(T);
    let running = 0;
    for (let t = 0; t < T; t++) cumulative[t] = running += p[t];
    const timesteps = uniforms.map((u) => {
      const target = u * running;
      let lo = 0;
      let hi = T - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > target) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    });
    return { timesteps, weights: timesteps.map((t) => 1 / (T * p[t])) };
  }

  /** Record each sample's loss term at its timestep, in batch order (the oldest value of a full row drops out). */
  update(timesteps: readonly number[], losses: ArrayLike<number>): void {
    if (timesteps.length !== losses.length) {
      throw new Error(`timestep sampler: ${timesteps.length} timesteps for ${losses.length} loss values`);
    }
    for (const [i, t] of timesteps.entries()) {
      if (!(Number.isInteger(t) && t >= 0 && t < this.T)) throw new Error(`timestep sampler: timestep ${t} is outside [0, ${this.T})`);
      const row = t * HISTORY;
      if (this.counts[t] === HISTORY) {
        this.history.copyWithin(row, row + 1, row + HISTORY);
        this.history[row + HISTORY - 1] = losses[i];
      } else {
        this.history[row + this.counts[t]] = losses[i];
        this.counts[t]++;
      }
    }
  }

  /**
   * The state as tensors for a checkpoint: "loss_history" [T, HISTORY] and "loss_counts" [T]. Stored as f32, which
   * is exact: the losses are f32 values read back from the GPU, the counts small integers.
   */
  toTensors(): Map<string, TensorData> {
    return new Map([
      ["loss_history", { shape: [this.T, HISTORY], data: Float32Array.from(this.history) }],
      ["loss_counts", { shape: [this.T], data: Float32Array.from(this.counts) }],
    ]);
  }

  /** The sampler `toTensors` saved, checked against T; `source` names the file in errors. */
  static fromTensors(T: number, tensors: Map<string, TensorData>, source: string): LossSecondMomentSampler {
    const sampler = new LossSecondMomentSampler(T);
    const history = tensors.get("loss_history");
    const counts = tensors.get("loss_counts");
    if (!history || !counts) throw new Error(`${source}: needs the tensors loss_history and loss_counts`);
    if (history.shape.join() !== `${T},${HISTORY}` || counts.shape.join() !== `${T}`) {
      throw new Error(
        `${source}: loss_history is [${history.shape.join(", ")}] and loss_counts [${counts.shape.join(", ")}]; ` +
          `T = ${T} needs [${T}, ${HISTORY}] and [${T}]`,
      );
    }
    for (const [t, c] of counts.data.entries()) {
      if (!(Number.isInteger(c) && c >= 0 && c <= HISTORY)) throw new Error(`${source}: loss_counts[${t}] = ${c} is not in 0..${HISTORY}`);
      sampler.counts[t] = c;
    }
    sampler.history.set(history.data);
    return sampler;
  }
}
