/**
 * How the bench times our engine's work (browser-safe). Two clocks:
 * - GPU time from timestamp queries, where the adapter has the `timestamp-query` feature: every compute pass the
 *   engine's recorder opens while a measurement is armed gets beginning/end-of-pass timestamp writes, and the
 *   pass durations are summed. The recorder keeps a whole step in one pass (a copy ends it), so this is the time
 *   the device spent executing the recorded work, without the CPU's recording or the submit/wait round trip.
 * - Wall time: from the first recorded dispatch to `onSubmittedWorkDone` of the submit that ends the run
 *   (`engine.sync()`), recording included. Without timestamp queries this is the only clock, so callers pack
 *   many dispatches into one measured run for small kernels.
 *
 * profileDispatches() instead gives every dispatch a pass of its own, for each kernel's GPU time.
 *
 * The timestamps need a hook the engine does not expose: this file wraps the recorder's private `ensurePass`
 * (and, per dispatch, `dispatch` and `endPass`; src/gpu/recorder.ts). If those are renamed the timer says so and
 * falls back to wall time.
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

interface RecorderInternals {
  ensurePass?: () => GPUComputePassEncoder;
  ensureEncoder?: () => GPUCommandEncoder;
  endPass?: () => void;
  dispatch?: (info: { name: string }, ...rest: unknown[]) => void;
  pass?: GPUComputePassEncoder | null;
}

/** One dispatch's GPU time (profileDispatches()). */
export interface DispatchTime {
  kernel: string;
  ms: number;
}

const QUERY_CAPACITY = 4096; // timestamps per measured run: 2 per compute pass

/** Times runs of recorded engine work; GPU time through timestamp queries where the adapter has them. */
export class EngineTimer {
  readonly timestamps: boolean;
  /** Why there are no timestamps, when there are none. */
  readonly note: string;
  private readonly querySet: GPUQuerySet | null = null;
  private readonly resolveBuffer: GPUBuffer | null = null;
  private readonly readBuffer: GPUBuffer | null = null;
  private used = 0;
  private overflow = false;

  constructor(private readonly engine: Engine) {
    const recorder = engine.recorder as unknown as RecorderInternals;
    const hasFeature = engine.device.features.has("timestamp-query");
    const hookable = (["ensurePass", "ensureEncoder", "endPass", "dispatch"] as const).every((m) => typeof recorder[m] === "function");
    this.timestamps = hasFeature && hookable;
    this.note = !hasFeature
      ? "the adapter has no timestamp-query feature: wall time (submit → onSubmittedWorkDone) only"
      : !hookable
        ? "the engine's recorder has no ensurePass/ensureEncoder/endPass/dispatch to hook: wall time only"
        : "GPU time from timestamp queries (beginning/end of each compute pass, summed)";
    if (this.timestamps) {
      const device = engine.device;
      this.querySet = device.createQuerySet({ type: "timestamp", count: QUERY_CAPACITY, label: "bench timestamps" });
      this.resolveBuffer = device.createBuffer({
        size: QUERY_CAPACITY * 8,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
        label: "bench timestamps resolve",
      });
      this.readBuffer = device.createBuffer({
        size: QUERY_CAPACITY * 8,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        label: "bench timestamps read",
      });
    }
  }

  /**
   * Run `fn` with timestamp writes on every compute pass the recorder opens meanwhile. With `passKernels`, every
   * dispatch is recorded in a pass of its own, and each pass's kernel name is appended to it.
   */
  private armed<T>(fn: () => T, passKernels?: string[]): T {
    if (!this.timestamps) return fn();
    const recorder = this.engine.recorder as unknown as Required<RecorderInternals>;
    const { ensurePass, dispatch } = recorder;
    const timer = this;
    let kernel = "";
    recorder.ensurePass = function (this: Required<RecorderInternals>) {
      if (!this.pass) {
        if (timer.used + 2 > QUERY_CAPACITY) {
          timer.overflow = true;
          return ensurePass.call(this);
        }
        this.pass = this.ensureEncoder().beginComputePass({
          timestampWrites: { querySet: timer.querySet!, beginningOfPassWriteIndex: timer.used, endOfPassWriteIndex: timer.used + 1 },
        });
        timer.used += 2;
        passKernels?.push(kernel);
      }
      return this.pass;
    };
    if (passKernels) {
      recorder.dispatch = function (this: Required<RecorderInternals>, info, ...rest) {
        this.endPass();
        kernel = info.name;
        dispatch.call(this, info, ...rest);
        this.endPass();
      };
    }
    try {
      return fn();
    } finally {
      recorder.ensurePass = ensurePass;
      recorder.dispatch = dispatch;
    }
  }

  /** The durations of the passes written since the last reset (ms each), then reset; the GPU must be idle. */
  private async passTimes(): Promise<number[]> {
    if (this.overflow) throw new Error(`bench/timing.ts: more than ${QUERY_CAPACITY / 2} compute passes in one measured run`);
    if (this.used === 0) return [];
    const device = this.engine.device;
    const encoder = device.createCommandEncoder({ label: "bench timestamps" });
    encoder.resolveQuerySet(this.querySet!, 0, this.used, this.resolveBuffer!, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, this.used * 8);
    device.queue.submit([encoder.finish()]);
    await this.readBuffer!.mapAsync(GPUMapMode.READ, 0, this.used * 8);
    const stamps = new BigUint64Array(this.readBuffer!.getMappedRange(0, this.used * 8).slice(0));
    this.readBuffer!.unmap();
    const times: number[] = [];
    for (let i = 0; i < this.used; i += 2) times.push(stamps[i + 1] > stamps[i] ? Number(stamps[i + 1] - stamps[i]) / 1e6 : 0);
    this.used = 0;
    return times;
  }

  /** Sum of the pass durations written since the last reset (ms), or null without timestamps. */
  private async collect(): Promise<number | null> {
    if (!this.timestamps) return null;
    return (await this.passTimes()).reduce((a, b) => a + b, 0);
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
    this.used = 0;
    this.overflow = false;
    const kernels: string[] = [];
    this.armed(run, kernels);
    await this.engine.sync();
    return (await this.passTimes()).map((ms, i) => ({ kernel: kernels[i], ms }));
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
   * this way: on a shared machine the rates of both move together by up to ±30%, their ratio much less).
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
      this.used = 0;
      this.overflow = false;
      const start = performance.now();
      this.armed(fn);
      await this.engine.sync();
      into.wall.push(performance.now() - start);
      const gpu = await this.collect();
      if (gpu !== null) into.gpu.push(gpu);
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

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }
}
