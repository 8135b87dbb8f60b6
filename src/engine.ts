/**
 * The engine: one GPUDevice, its kernels, its buffer pool, its recorder, and the bookkeeping that tensors,
 * scopes and the tape need. Create one with `await Engine.create()`.
 */
import { type AdapterReport, type DeviceOptions, acquireDevice } from "./gpu/device.js";
import { type KernelInfo, KernelRegistry, type UniformValues } from "./gpu/kernels.js";
import { BufferPool, STORAGE_USAGE } from "./gpu/pool.js";
import { Recorder } from "./gpu/recorder.js";
import { type TuneResult, type TuneStore, Tuner, browserTuneStore, hashText, nodeTuneStore } from "./gpu/tuner.js";
import { backward as runBackward, savedForBackward } from "./autograd.js";
import { Tensor, type Shape, assertShape, shapeSize, shapeString } from "./tensor.js";
import * as elementwise from "./ops/elementwise.js";
import * as random from "./ops/random.js";

export interface EngineOptions extends DeviceOptions {
  /**
   * Check every pipeline and bind group with WebGPU error scopes and throw, naming the kernel, at the next
   * sync point (`await engine.sync()` or a readback). Costs one error scope (~2 µs of CPU in Dawn) per dispatch;
   * default true.
   */
  validate?: boolean;
  /** Seed of the engine's default random stream (used when an op is given no seed). Default 0. */
  seed?: number;
  /**
   * Kernel variant choice (src/gpu/tuner.ts): "auto" (default) measures the candidates of each shape when
   * `autotune()` runs (the training and sampling loops call it after their first step); "off" uses the built-in
   * heuristics only.
   */
  autotune?: "auto" | "off";
  /** Force kernel variants: `{ "conv2d.forward": "conv3x3_4x4" }` or `{ "family@shape": "variant" }`. */
  variants?: Record<string, string>;
  /**
   * Where measured choices are kept between runs. Default: a JSON file under $XDG_CACHE_HOME (or ~/.cache)
   * /ddpm-webgpu/ in Node, localStorage in a browser; null keeps them in memory only.
   */
  tuneStore?: TuneStore | null;
}

/** Live memory, as `engine.memory()` reports it. */
export interface MemoryInfo {
  /** Tensors created and not yet disposed. */
  liveTensors: number;
  /** Bytes of data in live tensors (views of one buffer counted once). */
  liveBytes: number;
  /** Bytes in pooled storage buffers handed out (≥ liveBytes: sizes are rounded up to 256-byte buckets). */
  usedBufferBytes: number;
  /** Bytes in free pooled buffers, ready for reuse. */
  freeBufferBytes: number;
  /** Peak of usedBufferBytes since the engine started or since resetPeak(). */
  peakBufferBytes: number;
  /** Storage buffers created so far (stops growing when the pool is warm). */
  buffersCreated: number;
}

/** Hand-written elementwise ops the tape itself needs (gradient accumulation). */
interface TapeOps {
  add(a: Tensor, b: Tensor): Tensor;
  accumulate(target: Tensor, value: Tensor): void;
  copy(a: Tensor): Tensor;
}

export class Engine {
  readonly device: GPUDevice;
  /** The adapter: vendor, architecture, backend, software or not, and the limits the engine got. */
  readonly adapter: AdapterReport;
  /** @internal */ readonly kernels: KernelRegistry;
  /** @internal */ readonly recorder: Recorder;
  /** Kernel variant choices (overrides, measured, heuristic); see autotune(). */
  readonly tuner: Tuner;
  private readonly pool: BufferPool;
  private readonly scopes: Set<Tensor>[] = [];
  /** Tensors sharing one buffer (reshape views): the buffer goes back to the pool when the last one is disposed. */
  private readonly bufferRefs = new Map<GPUBuffer, number>();
  private gradDepth = 0;
  private liveTensors = 0;
  private liveBytes = 0;
  private lost: string | null = null;
  private uncaptured: string[] = [];
  private randomStream = 0;
  readonly seed: number;
  /** @internal */ readonly ops: TapeOps = {
    add: (a, b) => elementwise.add(a, b),
    accumulate: (target, value) => elementwise.accumulate(target, value),
    copy: (a) => elementwise.scale(a, 1),
  };

  private constructor(device: GPUDevice, adapter: AdapterReport, options: EngineOptions, store: TuneStore | undefined) {
    this.device = device;
    this.adapter = adapter;
    this.seed = options.seed ?? 0;
    this.kernels = new KernelRegistry(device, options.validate ?? true);
    const adapterKey = [adapter.backend, adapter.vendor, adapter.architecture, adapter.device, adapter.description].join("|");
    this.tuner = new Tuner(adapterKey, hashText(this.kernels.sourceText()), {
      mode: options.autotune,
      overrides: options.variants,
      store,
    });
    this.pool = new BufferPool(device, STORAGE_USAGE, "tensor");
    this.recorder = new Recorder(device, this.kernels, this.pool);
    device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
    device.addEventListener?.("uncapturederror", (event) => {
      this.uncaptured.push((event as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** Acquire a device (or wrap the one given), compile every shader module, and return a ready engine. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const { device, adapter } = await acquireDevice(options);
    const store = options.tuneStore === null ? undefined : (options.tuneStore ?? browserTuneStore() ?? (await nodeTuneStore()));
    const engine = new Engine(device, adapter, options, store);
    await engine.kernels.compileAll();
    return engine;
  }

  /** Whether ops record tape nodes (false inside noGrad). */
  get gradEnabled(): boolean {
    return this.gradDepth === 0;
  }

  // ---------------------------------------------------------------- tensors

  /** @internal A tensor with uninitialised contents, from the pool. */
  empty(shape: Shape, origin = "empty", hostWrite = false): Tensor {
    this.checkAlive();
    assertShape(shape, origin);
    const bytes = shapeSize(shape) * 4;
    this.checkBytes(bytes, `${origin} ${shapeString(shape)}`);
    const buffer = this.pool.acquire(bytes, hostWrite);
    this.liveBytes += bytes;
    return this.adopt(buffer, shape, origin);
  }

  /** @internal A tensor of another shape over the same buffer (no copy); the buffer is freed with its last view. */
  view(source: Tensor, shape: Shape, origin = "reshape"): Tensor {
    assertShape(shape, origin);
    if (shapeSize(shape) !== source.size) {
      throw new Error(`${origin}: cannot view ${shapeString(source.shape)} (${source.size} elements) as ${shapeString(shape)}`);
    }
    return this.adopt(source.buffer, shape, origin);
  }

  private adopt(buffer: GPUBuffer, shape: Shape, origin: string): Tensor {
    this.bufferRefs.set(buffer, (this.bufferRefs.get(buffer) ?? 0) + 1);
    const tensor = new Tensor(this, buffer, shape, origin);
    this.liveTensors++;
    this.scopes.at(-1)?.add(tensor);
    return tensor;
  }

  /** A tensor holding `data` (row-major) with the given shape. NaN and ±Infinity are allowed here. */
  tensor(data: ArrayLike<number>, shape: Shape = [data.length]): Tensor {
    assertShape(shape, "tensor()");
    if (shapeSize(shape) !== data.length) {
      throw new Error(`tensor(): ${data.length} values do not fill shape ${shapeString(shape)} (${shapeSize(shape)} elements)`);
    }
    const t = this.empty(shape, "tensor()", true);
    if (data.length) {
      const array = data instanceof Float32Array ? data : Float32Array.from(data);
      this.device.queue.writeBuffer(t.buffer, 0, array.buffer, array.byteOffset, array.byteLength);
    }
    return t;
  }

  /**
   * Overwrite a tensor's values from the CPU. Work recorded so far is submitted first, so commands recorded
   * before this call still see the old values.
   */
  write(target: Tensor, data: Float32Array): void {
    if (data.length !== target.size) {
      throw new Error(`write: ${data.length} values for ${target} (${target.size} elements)`);
    }
    this.flush();
    this.device.queue.writeBuffer(target.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** A trainable parameter: kept across scopes, requires grad. */
  parameter(data: ArrayLike<number>, shape: Shape, label?: string): Tensor {
    const t = this.tensor(data, shape).keep();
    t.requiresGrad = true;
    t.label = label;
    return t;
  }

  zeros(shape: Shape): Tensor {
    return elementwise.fill(this, shape, 0);
  }

  ones(shape: Shape): Tensor {
    return elementwise.fill(this, shape, 1);
  }

  full(shape: Shape, value: number): Tensor {
    return elementwise.fill(this, shape, value);
  }

  /**
   * Normal noise drawn on the GPU by a counter-based RNG (Philox4x32-10): the same seed gives the same numbers
   * on any adapter. Without a seed, draws from the engine's own stream (engine seed, advancing per call).
   * `stream` picks one of 2^32 independent sequences under the same seed (the fused diffusion kernels use the
   * timestep), so their noise can be reproduced here.
   */
  randn(shape: Shape, options: { seed?: number; stream?: number; mean?: number; std?: number } = {}): Tensor {
    const [seed, stream] = this.rngKey(options.seed, options.stream);
    return random.normal(this, shape, seed, stream, options.mean ?? 0, options.std ?? 1);
  }

  /** Uniform noise in [low, high), same RNG as randn. */
  rand(shape: Shape, options: { seed?: number; stream?: number; low?: number; high?: number } = {}): Tensor {
    const [seed, stream] = this.rngKey(options.seed, options.stream);
    const low = options.low ?? 0;
    return random.uniform(this, shape, seed, stream, low, (options.high ?? 1) - low);
  }

  private rngKey(seed: number | undefined, stream: number | undefined): [number, number] {
    return seed === undefined ? [this.seed, ++this.randomStream] : [seed, stream ?? 0];
  }

  /** @internal Whether another live tensor views the same buffer (in-place writes would show through it). */
  sharesBuffer(t: Tensor): boolean {
    return (this.bufferRefs.get(t.buffer) ?? 0) > 1;
  }

  /** @internal Called by Tensor.dispose(). */
  releaseTensor(tensor: Tensor, buffer: GPUBuffer): void {
    const refs = this.bufferRefs.get(buffer)! - 1;
    if (refs === 0) {
      this.bufferRefs.delete(buffer);
      this.pool.release(buffer);
      this.liveBytes -= tensor.byteLength;
    } else {
      this.bufferRefs.set(buffer, refs);
    }
    this.liveTensors--;
    for (const scope of this.scopes) scope.delete(tensor);
  }

  private checkBytes(bytes: number, what: string): void {
    const limits = this.device.limits;
    if (bytes > limits.maxStorageBufferBindingSize) {
      throw new Error(
        `${what} needs ${bytes} bytes, more than the adapter's maxStorageBufferBindingSize = ${limits.maxStorageBufferBindingSize}`,
      );
    }
    if (bytes > limits.maxBufferSize) {
      throw new Error(`${what} needs ${bytes} bytes, more than the adapter's maxBufferSize = ${limits.maxBufferSize}`);
    }
  }

  // ---------------------------------------------------------------- scopes and the tape

  /**
   * Run `fn` in a scope: every tensor created inside and still alive at the end is disposed, except the
   * tensors in what `fn` returns (a tensor, an array or an object of them) and kept tensors. If `fn` throws,
   * every tensor it made (except kept ones) is disposed before the error propagates.
   */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      for (const t of scope) if (!t.kept) t.dispose();
      throw error;
    } finally {
      this.scopes.pop();
    }
    const survivors = new Set<Tensor>();
    collectTensors(result, survivors);
    for (const t of scope) {
      if (!survivors.has(t) && !t.kept) t.dispose();
    }
    const parent = this.scopes.at(-1);
    if (parent) for (const t of survivors) if (!t.kept && !t.isDisposed) parent.add(t);
    return result;
  }

  /** Run `fn` without recording the tape (inference, optimiser updates). */
  noGrad<T>(fn: () => T): T {
    this.gradDepth++;
    try {
      return fn();
    } finally {
      this.gradDepth--;
    }
  }

  /** Accumulate gradients of `loss` into `.grad` of every leaf tensor that requires grad. */
  backward(loss: Tensor, seed?: Tensor): void {
    runBackward(this, loss, seed);
  }

  /** The activations the tape behind `loss` holds for backward(): distinct non-kept input buffers and their bytes. */
  savedForBackward(loss: Tensor): { tensors: number; bytes: number } {
    return savedForBackward(loss);
  }

  // ---------------------------------------------------------------- execution

  /**
   * @internal Record one dispatch of `kernel` ("file/entry"). `tensors` maps WGSL binding names to tensors or
   * raw buffers; `uniforms` fills the kernel's uniform struct by field name.
   */
  run(
    kernel: string,
    tensors: Record<string, Tensor | GPUBuffer>,
    uniforms: UniformValues,
    workgroups: readonly [number, number?, number?],
    constants?: Record<string, number>,
  ): void {
    this.checkAlive();
    const buffers: Record<string, GPUBuffer> = {};
    for (const [name, t] of Object.entries(tensors)) buffers[name] = t instanceof Tensor ? t.buffer : t;
    this.recorder.dispatch(this.kernels.kernel(kernel), buffers, uniforms, workgroups, constants);
  }

  /**
   * Compile, ahead and concurrently, the pipelines that `fn` would use, so the first real step does not stall on
   * shader compilation. `fn` runs with every dispatch collected instead of recorded (nothing reaches the GPU;
   * the tensors it makes are freed; the engine's random stream is left as it was); it must not read back. Any
   * CPU-side state it changes (an optimiser's step count, ...) is the caller's to restore. Returns the number of
   * pipelines created.
   */
  async precompile(fn: () => unknown): Promise<number> {
    this.checkAlive();
    if (this.recorder.collecting) throw new Error("precompile(): already collecting (precompile calls do not nest)");
    const stream = this.randomStream;
    const collected: [KernelInfo, Record<string, number>][] = [];
    this.recorder.collecting = collected;
    try {
      this.tidy(() => {
        fn();
      });
    } finally {
      this.recorder.collecting = null;
      this.randomStream = stream;
    }
    return this.kernels.precompile(collected);
  }

  /** Submit everything recorded so far (one command buffer). */
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

  /** @internal */
  async readBuffer(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive();
    const data = await this.recorder.read(buffer, 0, bytes);
    await this.throwPendingErrors();
    return data;
  }

  private async throwPendingErrors(): Promise<void> {
    const messages = await this.kernels.takeErrors();
    messages.push(...this.uncaptured.splice(0));
    if (messages.length) throw new Error(`WebGPU validation error:\n${messages.join("\n")}`);
  }

  private checkAlive(): void {
    if (this.lost) throw new Error(`the GPU device was lost (${this.lost}); create a new Engine`);
  }

  /**
   * Measure the kernel variants of every shape the ops have met since the last call and not measured before
   * (on this adapter, per the tune store), and use the fastest from then on. A few seconds on a software adapter
   * for a small U-Net; nothing to do when every shape is known. Work recorded so far is submitted first.
   */
  async autotune(onProgress?: (done: number, total: number, result: TuneResult) => void): Promise<TuneResult[]> {
    this.flush();
    return this.tuner.tune(() => this.sync(), onProgress);
  }

  /** Counters of recorded work: dispatches, submits, readbacks (reset them freely). */
  get stats() {
    return this.recorder.stats;
  }

  memory(): MemoryInfo {
    const pool = this.pool.stats();
    return {
      liveTensors: this.liveTensors,
      liveBytes: this.liveBytes,
      usedBufferBytes: pool.usedBytes,
      freeBufferBytes: pool.freeBytes,
      peakBufferBytes: pool.peakBytes,
      buffersCreated: pool.buffersCreated,
    };
  }

  /** Restart peak-memory tracking from the current use. */
  resetPeak(): void {
    this.pool.resetPeak();
  }

  /** Free the pool's idle buffers. */
  trim(): void {
    this.flush();
    this.pool.trim();
  }

  /**
   * Release the device, or, when the embedder passed its own device, only the engine's pooled buffers (the
   * device stays the embedder's). The engine is unusable afterwards.
   */
  destroy(): void {
    if (this.lost) return;
    this.flush();
    this.lost = "destroyed";
    if (this.adapter.backend === "external") this.pool.trim();
    else this.device.destroy();
  }
}

function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into);
  }
}
