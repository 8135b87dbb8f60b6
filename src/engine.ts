/**
 * The tensor layer: an Engine owns one GPU context (src/gpu/context.ts) and the tensors in its buffers, the scopes
 * that free them, and the tape that records how each was made. Create one with `await Engine.create()`.
 *
 * A Tensor is a handle to an engine's buffer: an f32 storage buffer, row-major and dense, with a shape, and a
 * gradient and tape node while it takes part in autograd. Reading back is explicit and async (`await t.data()`).
 *
 * The tape (micrograd's design): each op that has an input requiring grad attaches a TapeNode (its inputs and a
 * backward closure) to its output, next to its forward code (`record`). `engine.backward(loss)` sorts the graph
 * topologically, walks it in reverse and accumulates gradients: into a map for intermediate tensors (freed as soon
 * as they are used) and into `.grad` for leaves (parameters, or inputs marked requiresGrad).
 */
import { GpuContext } from "./gpu/context.js";
import type { AdapterReport, DeviceOptions } from "./gpu/device.js";
import type { KernelInfo, KernelRegistry, UniformValues } from "./gpu/kernels.js";
import type { Profiler } from "./gpu/profiler.js";
import type { RecorderStats } from "./gpu/recorder.js";
import { BINARY_OP, UNARY_OP } from "./gpu/shaders.js";
import type { TuneResult, Tuner, TuneStore } from "./gpu/tuner.js";
import { assertShape, grid1d, type Shape, sameShape, shapeSize, shapeString } from "./shape.js";

export type { Shape } from "./shape.js";

// ---------------------------------------------------------------------------------------------- tensors

/** The backward of one op: the gradient of each input given the gradient of the output (null: none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** How a tensor was made, for backward(): the op, its inputs and its backward closure. */
export interface TapeNode {
  op: string;
  inputs: Tensor[];
  backward: BackwardFn;
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  /** Set on parameters: backward() accumulates into `grad`. */
  requiresGrad = false;
  /** The gradient accumulated by backward() (parameters and other leaves that require grad). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, while its backward has not run. */
  node: TapeNode | null = null;
  /** Set once backward() has walked (and freed) the tape behind this tensor. */
  tapeUsed = false;
  /** Kept tensors survive the scope they were made in (parameters, gradients, returned values). */
  kept = false;
  /** A name for error messages (e.g. a parameter's diffusers key). */
  label?: string;
  private _buffer: GPUBuffer | null;
  /** What made it: the op name, for "used after dispose" messages. */
  readonly origin: string;

  /** @internal Tensors are made by the engine and by ops, not with `new`. */
  constructor(
    readonly engine: Engine,
    buffer: GPUBuffer,
    shape: Shape,
    origin: string,
  ) {
    this._buffer = buffer;
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.origin = origin;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Bytes of data (the buffer itself may be rounded up by the pool). */
  get byteLength(): number {
    return this.size * 4;
  }

  get isDisposed(): boolean {
    return this._buffer === null;
  }

  /** The storage buffer (row-major NCHW f32), for binding in an embedder's own passes; throws after dispose(). */
  get buffer(): GPUBuffer {
    if (!this._buffer) {
      throw new Error(
        `tensor #${this.id}${this.label ? ` '${this.label}'` : ""} ${shapeString(this.shape)} (made by ${this.origin}) ` +
          "was used after dispose()",
      );
    }
    return this._buffer;
  }

  /** Copy the values to the CPU. Flushes recorded work first. */
  async data(): Promise<Float32Array> {
    if (this.size === 0) return new Float32Array(0);
    return new Float32Array(await this.engine.gpu.read(this.buffer, this.byteLength));
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item(): tensor has shape ${shapeString(this.shape)}, not one element`);
    return (await this.data())[0];
  }

  /** Keep this tensor alive past the end of the current scope. */
  keep(): this {
    this.kept = true;
    return this;
  }

  /** Return the buffer to the pool. Idempotent. */
  dispose(): void {
    if (!this._buffer) return;
    this.engine.releaseTensor(this, this._buffer);
    this._buffer = null;
    this.node = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  toString(): string {
    return `Tensor#${this.id}${shapeString(this.shape)}${this.label ? ` '${this.label}'` : ""}`;
  }
}

/** Attach a tape node to `output` when gradients are being recorded and an input needs one. */
export function record(op: string, output: Tensor, inputs: Tensor[], backward: BackwardFn): Tensor {
  if (!output.engine.gradEnabled || !inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.node = { op, inputs, backward };
  return output;
}

// ---------------------------------------------------------------------------------------------- the engine

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

export class Engine {
  /** @internal The device, its kernels, pool, recorder, profiler and tuner. */
  readonly gpu: GpuContext;
  private readonly scopes: Set<Tensor>[] = [];
  /** Tensors sharing one buffer (reshape views): the buffer goes back to the pool when the last one is disposed. */
  private readonly bufferRefs = new Map<GPUBuffer, number>();
  private gradDepth = 0;
  private liveTensors = 0;
  private liveBytes = 0;
  private randomStream = 0;
  readonly seed: number;

  private constructor(gpu: GpuContext, options: EngineOptions) {
    this.gpu = gpu;
    this.seed = options.seed ?? 0;
  }

  /** Acquire a device (or wrap the one given), compile every shader module, and return a ready engine. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const gpu = await GpuContext.create({ ...options, tuner: { mode: options.autotune, overrides: options.variants } });
    return new Engine(gpu, options);
  }

  /** The GPUDevice: an embedder's own passes can bind tensors' buffers on it (`engine.flush()` first). */
  get device(): GPUDevice {
    return this.gpu.device;
  }

  /** The adapter: vendor, architecture, backend, software or not, and the limits the engine got. */
  get adapter(): AdapterReport {
    return this.gpu.adapter;
  }

  /** Kernel variant choices (overrides, measured, heuristic); see autotune(). */
  get tuner(): Tuner {
    return this.gpu.tuner;
  }

  /** @internal The reflected kernels (ops ask `supports(file)` when choosing one). */
  get kernels(): KernelRegistry {
    return this.gpu.kernels;
  }

  /** GPU time of profiled work (see profile()). */
  get profiler(): Profiler {
    return this.gpu.profiler;
  }

  /** Whether ops record tape nodes (false inside noGrad). */
  get gradEnabled(): boolean {
    return this.gradDepth === 0;
  }

  // ---------------------------------------------------------------- tensors

  /** @internal A tensor with uninitialised contents, from the pool. */
  empty(shape: Shape, origin = "empty", hostWrite = false): Tensor {
    assertShape(shape, origin);
    const bytes = shapeSize(shape) * 4;
    const buffer = this.gpu.allocate(bytes, `${origin} ${shapeString(shape)}`, hostWrite);
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
    if (data.length) this.gpu.write(t.buffer, data instanceof Float32Array ? data : Float32Array.from(data));
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
    this.gpu.write(target.buffer, data);
  }

  /** A trainable parameter: kept across scopes, requires grad. */
  parameter(data: ArrayLike<number>, shape: Shape, label?: string): Tensor {
    const t = this.tensor(data, shape).keep();
    t.requiresGrad = true;
    t.label = label;
    return t;
  }

  zeros(shape: Shape): Tensor {
    return this.full(shape, 0);
  }

  ones(shape: Shape): Tensor {
    return this.full(shape, 1);
  }

  full(shape: Shape, value: number): Tensor {
    const out = this.empty(shape, "fill");
    this.run("elementwise/fill", { out }, { n: out.size, alpha: value, beta: 0 }, grid1d(out.size));
    return out;
  }

  /**
   * Normal noise drawn on the GPU by a counter-based RNG (Philox4x32-10, shaders/rng.wgsl): the same seed gives
   * the same numbers on any adapter; element 4i..4i+3 come from Philox block (i, stream) under key seed. Without a
   * seed, draws from the engine's own stream (engine seed, advancing per call). `stream` picks one of 2^32
   * independent sequences under the same seed (the fused diffusion kernels use the timestep), so their noise can
   * be reproduced here.
   */
  randn(shape: Shape, options: { seed?: number; stream?: number; mean?: number; std?: number } = {}): Tensor {
    return this.draw("normal", shape, options.seed, options.stream, options.mean ?? 0, options.std ?? 1);
  }

  /** Uniform noise in [low, high), same RNG as randn. */
  rand(shape: Shape, options: { seed?: number; stream?: number; low?: number; high?: number } = {}): Tensor {
    const low = options.low ?? 0;
    return this.draw("uniform01", shape, options.seed, options.stream, low, (options.high ?? 1) - low);
  }

  /** @internal One rng.wgsl kernel: `entry`'s values scaled by `scale` and shifted by `shift`. */
  draw(entry: "normal" | "uniform01" | "raw_bits", shape: Shape, seed?: number, stream?: number, shift = 0, scale = 1): Tensor {
    const [key, counter] = seed === undefined ? [this.seed, ++this.randomStream] : [seed, stream ?? 0];
    if (!Number.isSafeInteger(key) || key < 0) throw new Error(`random: seed must be an integer in [0, 2^53), got ${key}`);
    const out = this.empty(shape, entry);
    this.run(
      `rng/${entry}`,
      { out },
      { n: out.size, seedLo: key % 2 ** 32, seedHi: Math.floor(key / 2 ** 32), stream: counter >>> 0, mean: shift, scale },
      grid1d(Math.ceil(out.size / 4)),
    );
    return out;
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
      this.gpu.release(buffer);
      this.liveBytes -= tensor.byteLength;
    } else {
      this.bufferRefs.set(buffer, refs);
    }
    this.liveTensors--;
    for (const scope of this.scopes) scope.delete(tensor);
  }

  /** @internal Record a copy of `source`'s values into `target` (same size), in order with the dispatches around it. */
  copyInto(source: Tensor, target: Tensor): void {
    if (source.size !== target.size) throw new Error(`copyInto: ${source} and ${target} differ in size`);
    this.gpu.checkAlive();
    this.gpu.recorder.copy(source.buffer, 0, target.buffer, 0, source.byteLength);
  }

  /** @internal target += alpha · value, in place, no tape (gradient accumulation, optimiser steps). */
  accumulate(target: Tensor, value: Tensor, alpha = 1): void {
    if (!sameShape(target.shape, value.shape)) {
      throw new Error(`accumulate: target ${shapeString(target.shape)} and value ${shapeString(value.shape)} differ`);
    }
    this.run("elementwise/axpy", { a: value, out: target }, { n: target.size, alpha, beta: 0 }, grid1d(target.size));
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

  /**
   * Accumulate d(loss)/d(leaf) into every leaf's `.grad`. `loss` is usually a scalar; for other shapes pass the
   * output gradient `seed` (defaults to ones). The graph's nodes are released afterwards.
   */
  backward(loss: Tensor, seed?: Tensor): void {
    if (!loss.requiresGrad) {
      throw new Error("backward(): the loss does not depend on any tensor that requires grad (or was made inside noGrad)");
    }
    if (seed && !sameShape(seed.shape, loss.shape)) {
      throw new Error(`backward(): seed shape ${shapeString(seed.shape)} differs from loss shape ${shapeString(loss.shape)}`);
    }
    if (loss.tapeUsed) {
      throw new Error(
        `backward(): the tape behind ${loss} (made by ${loss.origin}) was used by an earlier backward() and freed; ` +
          "record the forward pass again to take another gradient",
      );
    }
    const hadTape = loss.node !== null;
    this.noGrad(() => this.walkTape(loss, seed));
    if (hadTape) loss.tapeUsed = true;
  }

  /** Reverse-mode accumulation over the graph behind `loss` (backward()'s body, inside noGrad). */
  private walkTape(loss: Tensor, seed: Tensor | undefined): void {
    const order = topologicalOrder(loss);
    // Gradients of intermediate tensors, with a reference count so an aliased tensor is freed only once unused.
    const grads = new Map<Tensor, Tensor>();
    const refs = new Map<Tensor, number>();
    const hold = (t: Tensor) => refs.set(t, (refs.get(t) ?? 0) + 1);
    const drop = (t: Tensor) => {
      const n = (refs.get(t) ?? 1) - 1;
      if (n > 0) refs.set(t, n);
      else {
        refs.delete(t);
        if (!t.kept) t.dispose();
      }
    };
    const start = seed ?? this.ones(loss.shape);
    grads.set(loss, start);
    hold(start);
    if (seed) hold(seed); // the caller's seed is never freed here

    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node!;
      t.node = null;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi || !input.requiresGrad) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new Error(
            `backward of ${node.op}: gradient for input ${i} has shape ${shapeString(gi.shape)}, input has ${shapeString(input.shape)}`,
          );
        }
        if (input.node) {
          const existing = grads.get(input);
          if (existing) {
            const sum = this.sumOf(existing, gi);
            grads.set(input, sum);
            hold(sum);
            drop(existing);
          } else {
            grads.set(input, gi);
            hold(gi);
          }
        } else if (input.grad) {
          this.accumulate(input.grad, gi);
        } else {
          // Take ownership unless the tensor is shared (aliased to g, another input's gradient, or the map).
          const shared =
            gi === g || refs.has(gi) || this.sharesBuffer(gi) || inputGrads.indexOf(gi) !== i || inputGrads.lastIndexOf(gi) !== i;
          input.grad = (shared ? this.copyOf(gi) : gi).keep();
        }
      });
      drop(g);
      for (const gi of inputGrads) {
        if (gi && gi !== g && !refs.has(gi) && !gi.kept) gi.dispose();
      }
    }
    for (const leftover of grads.values()) drop(leftover);
  }

  /** a + b for tensors of one shape (the tape's sum of two gradients of one tensor). */
  private sumOf(a: Tensor, b: Tensor): Tensor {
    const out = this.empty(a.shape, "add");
    this.run("elementwise/binary_contiguous", { a, b, out }, { n: out.size, alpha: 0, beta: 0 }, grid1d(out.size), { OP: BINARY_OP.add });
    return out;
  }

  /** A copy of `a` (a leaf's gradient that must not alias another tensor). */
  private copyOf(a: Tensor): Tensor {
    const out = this.empty(a.shape, "affine");
    this.run("elementwise/unary", { a, out }, { n: a.size, alpha: 1, beta: 0 }, grid1d(a.size), { UOP: UNARY_OP.affine });
    return out;
  }

  /**
   * The activations the tape behind `loss` holds for backward(): the distinct buffers its ops took as inputs,
   * parameters and other kept tensors excepted (they are state, not activations), and their bytes.
   */
  savedForBackward(loss: Tensor): { tensors: number; bytes: number } {
    const buffers = new Map<GPUBuffer, number>();
    const visited = new Set<Tensor>();
    const stack = [loss];
    while (stack.length) {
      const t = stack.pop()!;
      if (visited.has(t) || !t.node) continue;
      visited.add(t);
      for (const input of t.node.inputs) {
        if (!input.kept && !input.isDisposed) buffers.set(input.buffer, Math.max(buffers.get(input.buffer) ?? 0, input.byteLength));
        stack.push(input);
      }
    }
    let bytes = 0;
    for (const b of buffers.values()) bytes += b;
    return { tensors: buffers.size, bytes };
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
    this.gpu.checkAlive();
    const buffers: Record<string, GPUBuffer> = {};
    for (const [name, t] of Object.entries(tensors)) buffers[name] = t instanceof Tensor ? t.buffer : t;
    this.gpu.recorder.dispatch(this.gpu.kernels.kernel(kernel), buffers, uniforms, workgroups, constants);
  }

  /**
   * Compile, ahead and concurrently, the pipelines that `fn` would use, so the first real step does not stall on
   * shader compilation. `fn` runs with every dispatch collected instead of recorded (nothing reaches the GPU;
   * the tensors it makes are freed; the engine's random stream is left as it was); it must not read back. Any
   * CPU-side state it changes (an optimiser's step count, ...) is the caller's to restore. Returns the number of
   * pipelines created.
   */
  async precompile(fn: () => unknown): Promise<number> {
    this.gpu.checkAlive();
    const recorder = this.gpu.recorder;
    if (recorder.collecting) throw new Error("precompile(): already collecting (precompile calls do not nest)");
    const stream = this.randomStream;
    const collected: [KernelInfo, Record<string, number>][] = [];
    recorder.collecting = collected;
    try {
      this.tidy(() => {
        fn();
      });
    } finally {
      recorder.collecting = null;
      this.randomStream = stream;
    }
    return this.gpu.kernels.precompile(collected);
  }

  /**
   * Record `fn` with GPU timestamps at the beginning and end of each compute pass it records (`perDispatch`:
   * each dispatch in a pass of its own); after `await engine.sync()`, `await engine.profiler.read()` gives each
   * pass's milliseconds. Without the timestamp-query feature it only runs `fn` (`profiler.available` is false).
   */
  profile<T>(fn: () => T, options: { perDispatch?: boolean } = {}): T {
    return this.gpu.profile(fn, options);
  }

  /** Submit everything recorded so far (one command buffer). */
  flush(): void {
    this.gpu.flush();
  }

  /** Submit, wait for the GPU to finish, and throw any validation error found since the last sync. */
  sync(): Promise<void> {
    return this.gpu.sync();
  }

  /**
   * Measure the kernel variants of every shape the ops have met since the last call and not measured before
   * (on this adapter, per the tune store), and use the fastest from then on. A few seconds on a software adapter
   * for a small U-Net; nothing to do when every shape is known. Work recorded so far is submitted first.
   * `deadline` (performance.now() milliseconds): no shape is started after it; the others keep the heuristic's
   * choice until a later call measures them.
   */
  async autotune(
    onProgress?: (done: number, total: number, result: TuneResult) => void,
    options: { deadline?: number } = {},
  ): Promise<TuneResult[]> {
    this.flush();
    return this.tuner.tune(() => this.sync(), onProgress, options.deadline);
  }

  /** Counters of recorded work: dispatches, submits, readbacks (reset them freely). */
  get stats(): RecorderStats {
    return this.gpu.recorder.stats;
  }

  memory(): MemoryInfo {
    const pool = this.gpu.poolStats();
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
    this.gpu.resetPeak();
  }

  /** Free the pool's idle buffers. */
  trim(): void {
    this.gpu.trim();
  }

  /**
   * Release the device, or, when the embedder passed its own device, only the engine's pooled buffers (the
   * device stays the embedder's). The engine is unusable afterwards.
   */
  destroy(): void {
    this.gpu.destroy();
  }
}

/** The tensors with a tape node behind `loss`, inputs before the tensors made from them. */
function topologicalOrder(loss: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const visit = (t: Tensor) => {
    if (visited.has(t) || !t.node) return;
    visited.add(t);
    for (const input of t.node.inputs) {
      // A disposed intermediate has lost its tape node: going on would silently cut the graph there.
      if (input.requiresGrad && input.isDisposed) {
        throw new Error(
          `backward(): ${input} (made by ${input.origin}) was disposed before backward() reached it; ` +
            "call backward() inside the tidy() that built the graph",
        );
      }
      visit(input);
    }
    order.push(t);
  };
  visit(loss);
  return order;
}

function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into);
  }
}
