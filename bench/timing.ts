/**
 * How the bench times our engine's work (browser-safe). Two clocks:
 * - GPU time from timestamp queries, where the adapter has the `timestamp-query` feature: the engine's profiler
 *   (`engine.profile`, src/gpu/profiler.ts) writes a timestamp at the beginning and end of every compute pass a
 *   measured run records, and the pass durations are summed. The recorder keeps a whole step in one pass (a copy
 *   ends it), so this is the time the device spent executing the recorded work, without the CPU's recording or the
 *   submit/wait round trip.
 * - Wall time: from the first recorded dispatch to `onSubmittedWorkDone` of the submit that ends the run
 *   (`engine.sync()`), recording included. Without timestamp queries this is the only clock, so callers pack
 *   many dispatches into one measured run for small kernels.
 *
 * profileDispatches() instead gives every dispatch a pass of its own, for each kernel's GPU time.
 */
import type { TuneResult } from "../src/gpu/tuner.js";
import type { Engine } from "../src/index.js";
import { median } from "./stats.js";

/** One measured quantity: median over the timed runs (ms), and every run. */
export interface Timing {
  /** Median wall time per run (ms). */
  wallMs: number;
  /** Median GPU time per run from timestamp queries (ms), or null when the adapter has none. */
  gpuMs: number | null;
  /** Timed runs (after the warm-up runs). */
  runs: number;
  /** Each run's wall ms, in order. */
  wallSamples: number[];
  /** Each run's GPU ms, in order (empty without timestamps). */
  gpuSamples: number[];
}

/** The Timing of `runs` timed runs from their samples (GPU samples empty without timestamps). */
export function timingOf(wallSamples: number[], gpuSamples: number[], runs: number): Timing {
  return { wallMs: median(wallSamples), gpuMs: gpuSamples.length ? median(gpuSamples) : null, runs, wallSamples, gpuSamples };
}

/** One dispatch's GPU time (profileDispatches()). */
export interface DispatchTime {
  kernel: string;
  ms: number;
}

/** Times runs of recorded engine work; GPU time through the engine's timestamp profiler where the adapter has it. */
export class EngineTimer {
  readonly timestamps: boolean;
  /** Which clock the GPU column is, or why there is none. */
  readonly note: string;

  constructor(private readonly engine: Engine) {
    this.timestamps = engine.profiler.available;
    this.note = this.timestamps
      ? "GPU time from timestamp queries (beginning/end of each compute pass, summed)"
      : "the adapter has no timestamp-query feature: wall time (submit → onSubmittedWorkDone) only";
  }

  /**
   * The GPU time of each dispatch of one run of `run` (recorded work; the timer syncs), in order: every dispatch
   * gets a compute pass of its own with timestamps at its beginning and end, so the sum exceeds a normal run's
   * time a little (no overlap between kernels, a pass each). Null without timestamp queries: timing dispatches
   * from the CPU cannot work, as Dawn's completion callbacks run only once the synchronous recording of the
   * whole run has returned.
   */
  async profileDispatches(run: () => void): Promise<DispatchTime[] | null> {
    if (!this.timestamps) return null;
    await this.engine.sync();
    await this.engine.profiler.read();
    this.engine.profile(run, { perDispatch: true });
    await this.engine.sync();
    return (await this.engine.profiler.read()).map((pass) => ({ kernel: pass.kernel ?? "", ms: pass.ms }));
  }

  /** What autotune() measured since the last takeTuned(). */
  private tuned: TuneResult[] = [];

  /** The autotune results of the measurements since the last call (the row's kernel choices). */
  takeTuned(): TuneResult[] {
    return this.tuned.splice(0);
  }

  /**
   * Median times of `run` (recorded work, ended by engine.sync()) over `repeats` runs after `warmup` runs.
   * `setup` runs before each run, untimed and synced (e.g. a forward pass whose backward is timed).
   */
  async measure(run: () => void, options: { repeats: number; warmup?: number; setup?: () => void }): Promise<Timing> {
    return (await this.measureAlongside(run, null, options)).run;
  }

  /**
   * As measure(), and when `alongside` is given, also times one run of it after each timed run of `run`, so
   * the two are measured under the same load (the bench's rows compare their rate with the FMA peak timed
   * this way: on a shared machine load moves both rates together, so their ratio moves much less).
   */
  async measureAlongside(
    run: () => void,
    alongside: (() => void) | null,
    options: { repeats: number; warmup?: number; setup?: () => void },
  ): Promise<{ run: Timing; alongside: Timing | null }> {
    const { repeats, warmup = 1, setup } = options;
    for (let i = 0; i < warmup; i++) {
      setup?.();
      await this.engine.sync();
      run();
      await this.engine.sync();
    }
    // The warm-up met the shapes: measure their kernel variants (as the training loop does after its first
    // step), so the timed runs use the autotuned choice.
    this.tuned.push(...(await this.engine.autotune()));
    if (alongside) {
      alongside(); // its pipeline
      await this.engine.sync();
    }
    const samples = { run: { wall: [] as number[], gpu: [] as number[] }, alongside: { wall: [] as number[], gpu: [] as number[] } };
    const timeOne = async (fn: () => void, into: { wall: number[]; gpu: number[] }) => {
      const start = performance.now();
      this.engine.profile(fn);
      await this.engine.sync();
      into.wall.push(performance.now() - start);
      if (this.timestamps) into.gpu.push((await this.engine.profiler.read()).reduce((sum, pass) => sum + pass.ms, 0));
    };
    for (let i = 0; i < repeats; i++) {
      if (setup) {
        setup();
        await this.engine.sync();
      }
      await timeOne(run, samples.run);
      if (alongside) await timeOne(alongside, samples.alongside);
    }
    return {
      run: timingOf(samples.run.wall, samples.run.gpu, repeats),
      alongside: alongside ? timingOf(samples.alongside.wall, samples.alongside.gpu, repeats) : null,
    };
  }
}
