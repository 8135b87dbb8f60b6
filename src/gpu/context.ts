/**
 * One GPUDevice and everything the engine keeps on it: the reflected kernels, the buffer pool, the recorder, the
 * timestamp profiler and the kernel-variant tuner. The engine above it calls WebGPU only through this class: queue
 * writes, readback, limits, device loss, validation errors and destroy all live here.
 */
import { type AdapterReport, acquireDevice, type DeviceOptions } from "./device.js";
import { KernelRegistry } from "./kernels.js";
import { BufferPool, type PoolStats, STORAGE_USAGE } from "./pool.js";
import { Profiler } from "./profiler.js";
import { Recorder } from "./recorder.js";
import { browserTuneStore, hashText, nodeTuneStore, Tuner, type TunerOptions, type TuneStore } from "./tuner.js";

export interface GpuContextOptions extends DeviceOptions {
  /** Check every pipeline and bind group with error scopes, and throw at the next sync point (default true). */
  validate?: boolean;
  /** The tuner's mode and overrides (its store is resolved here). */
  tuner?: Omit<TunerOptions, "store">;
  /** Where measured variant choices persist; undefined: the default store; null: none. */
  tuneStore?: TuneStore | null;
}

export class GpuContext {
  readonly kernels: KernelRegistry;
  readonly recorder: Recorder;
  readonly profiler: Profiler;
  readonly tuner: Tuner;
  private readonly pool: BufferPool;
  private lost: string | null = null;
  private readonly uncaptured: string[] = [];
  /** What the allocation under way is for (named in an out-of-memory error). */
  private allocating = "";

  private constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterReport,
    options: GpuContextOptions,
    store: TuneStore | undefined,
  ) {
    this.kernels = new KernelRegistry(device, options.validate ?? true);
    this.pool = new BufferPool(device, STORAGE_USAGE, "tensor", (create, size, fail) => {
      // The scope's verdict arrives after createBuffer returns, so the callback can name the buffer.
      const buffer: GPUBuffer = this.kernels.scoped(
        `out of GPU memory: ${this.allocating} (a ${size}-byte buffer)`,
        create,
        "out-of-memory",
        () => fail(buffer),
      );
      return buffer;
    });
    this.profiler = new Profiler(device);
    this.recorder = new Recorder(device, this.kernels, this.pool, this.profiler);
    const adapterKey = [adapter.backend, adapter.vendor, adapter.architecture, adapter.device, adapter.description].join("|");
    this.tuner = new Tuner(adapterKey, hashText(this.kernels.sourceText()), { ...options.tuner, store });
    device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
    device.addEventListener?.("uncapturederror", (event) => {
      this.uncaptured.push((event as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** Acquire a device (or wrap the one given) and compile every shader module. */
  static async create(options: GpuContextOptions = {}): Promise<GpuContext> {
    const { device, adapter } = await acquireDevice(options);
    const store = options.tuneStore === null ? undefined : (options.tuneStore ?? browserTuneStore() ?? (await nodeTuneStore()));
    const context = new GpuContext(device, adapter, options, store);
    await context.kernels.compileAll();
    return context;
  }

  /** Throw if the device was lost or destroyed. */
  checkAlive(): void {
    if (this.lost) throw new Error(`the GPU device was lost (${this.lost}); create a new Engine`);
  }

  /** A storage buffer of at least `bytes` from the pool; `what` names it in the error when it exceeds the limits. */
  allocate(bytes: number, what: string, hostWrite: boolean): GPUBuffer {
    this.checkAlive();
    const limits = this.device.limits;
    for (const limit of ["maxStorageBufferBindingSize", "maxBufferSize"] as const) {
      if (bytes > limits[limit]) throw new Error(`${what} needs ${bytes} bytes, more than the adapter's ${limit} = ${limits[limit]}`);
    }
    this.allocating = what;
    return this.pool.acquire(bytes, hostWrite);
  }

  /** Give a buffer back to the pool. */
  release(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /** Copy `data` into the start of `buffer` (queue.writeBuffer: before every command submitted later). */
  write(buffer: GPUBuffer, data: Float32Array): void {
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Submit everything recorded so far. */
  flush(): void {
    this.checkAlive();
    this.recorder.flush();
  }

  /** Submit, wait for the GPU to finish, and throw any validation error found since the last sync. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.throwPendingErrors();
  }

  /** The first `bytes` of a buffer, on the CPU (flushes recorded work first). */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive();
    const data = await this.recorder.read(buffer, 0, bytes);
    await this.throwPendingErrors();
    return data;
  }

  private async throwPendingErrors(): Promise<void> {
    const messages = await this.kernels.takeErrors();
    messages.push(...this.uncaptured.splice(0));
    if (messages.length) {
      // An allocation the device refused comes first, with what it was for; the errors of the work that then used
      // the invalid buffer follow it. All are cleared: the next call starts clean.
      messages.sort((a, b) => Number(b.startsWith("out of GPU memory")) - Number(a.startsWith("out of GPU memory")));
      const kind = messages[0].startsWith("out of GPU memory") ? "WebGPU out-of-memory error" : "WebGPU validation error";
      throw new Error(`${kind}:\n${messages.join("\n")}`);
    }
  }

  /**
   * Record `fn` with a GPU timestamp at the beginning and end of each compute pass it records (with perDispatch,
   * each dispatch in a pass of its own); `profiler.read()` gives the durations once the work has run.
   */
  profile<T>(fn: () => T, options: { perDispatch?: boolean } = {}): T {
    this.recorder.setProfiling({ perDispatch: options.perDispatch ?? false });
    try {
      return fn();
    } finally {
      this.recorder.setProfiling(null);
    }
  }

  /** The pool's byte counts. */
  poolStats(): PoolStats {
    return this.pool.stats();
  }

  /** Restart peak-memory tracking from the current use. */
  resetPeak(): void {
    this.pool.resetPeak();
  }

  /** Submit recorded work, then free the pool's idle buffers. */
  trim(): void {
    this.flush();
    this.pool.trim();
  }

  /**
   * Submit recorded work and release the device, or with an embedder's device (backend "external") only the
   * pooled buffers. Nothing works afterwards.
   */
  destroy(): void {
    if (this.lost) return;
    this.flush();
    this.lost = "destroyed";
    this.profiler.destroy();
    if (this.adapter.backend === "external") this.pool.trim();
    else this.device.destroy();
  }
}
