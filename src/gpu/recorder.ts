/**
 * Recording: every dispatch of a step goes into one command encoder (inside one compute pass where
 * possible) and is submitted together at flush(). Uniforms are staged in CPU memory, written into
 * 256-byte slots of reusable uniform chunks just before the submit. Nothing is read back unless asked.
 */
import { type KernelInfo, type KernelRegistry, packUniforms, type UniformValues } from "./kernels.js";
import { BufferPool } from "./pool.js";
import type { Profiler } from "./profiler.js";

const UNIFORM_CHUNK_BYTES = 64 * 1024;
const UNIFORM_USAGE = 0x0040 | 0x0008; // UNIFORM | COPY_DST
const MAP_READ_USAGE = 0x0001 | 0x0008; // MAP_READ | COPY_DST

interface UniformChunk {
  buffer: GPUBuffer;
  staging: ArrayBuffer;
  view: DataView;
  used: number;
}

/** Counters a benchmark or test can read and reset. */
export interface RecorderStats {
  dispatches: number;
  submits: number;
  readbacks: number;
}

/**
 * A buffer bound writable must not be bound again in the same dispatch (WebGPU's usage rule for one
 * synchronization scope). Checked here so the error names the kernel and bindings: the device would only
 * report it when the whole command buffer is finished, without saying which dispatch.
 */
function checkAliasing(info: KernelInfo, buffers: Record<string, GPUBuffer>): void {
  for (const b of info.bindings) {
    if (b.kind !== "storage") continue;
    const other = info.bindings.find((o) => o !== b && o.kind !== "uniform" && buffers[o.name] === buffers[b.name]);
    if (other) {
      throw new Error(
        `kernel ${info.name}: the buffer bound to writable '${b.name}' is also bound to '${other.name}' ` +
          "(an op may not write a tensor it reads, or a view of it, in the same dispatch)",
      );
    }
  }
}

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly chunks: UniformChunk[] = [];
  private chunkIndex = 0;
  private readonly alignment: number;
  readonly stats: RecorderStats = { dispatches: 0, submits: 0, readbacks: 0 };
  private readonly readPool: BufferPool;
  /** While set (Engine.precompile), dispatches are only collected here, not recorded. */
  collecting: [KernelInfo, Record<string, number>][] | null = null;
  /** While set, every compute pass gets timestamps from the profiler (with perDispatch, one pass per dispatch). */
  private profiling: { perDispatch: boolean } | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly kernels: KernelRegistry,
    private readonly storagePool: BufferPool,
    private readonly profiler: Profiler,
  ) {
    this.alignment = device.limits.minUniformBufferOffsetAlignment;
    this.readPool = new BufferPool(device, MAP_READ_USAGE, "readback");
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: "step" });
    return this.encoder;
  }

  private ensurePass(kernel: string): GPUComputePassEncoder {
    if (!this.pass) {
      const timestampWrites = this.profiling ? this.profiler.nextPass(this.profiling.perDispatch ? kernel : null) : undefined;
      this.pass = this.ensureEncoder().beginComputePass(timestampWrites ? { timestampWrites } : undefined);
    }
    return this.pass;
  }

  /**
   * Profile the passes recorded from now on (null: stop). The current pass ends either way, so a profiled pass
   * holds only profiled work.
   */
  setProfiling(mode: { perDispatch: boolean } | null): void {
    this.endPass();
    this.profiling = mode;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** A 256-byte-aligned slot for one dispatch's uniforms. */
  private uniformSlot(bytes: number): { chunk: UniformChunk; offset: number } {
    const size = Math.ceil(bytes / this.alignment) * this.alignment;
    let chunk = this.chunks[this.chunkIndex];
    if (chunk && chunk.used + size > UNIFORM_CHUNK_BYTES) chunk = this.chunks[++this.chunkIndex];
    if (!chunk) {
      const staging = new ArrayBuffer(UNIFORM_CHUNK_BYTES);
      chunk = {
        buffer: this.device.createBuffer({ size: UNIFORM_CHUNK_BYTES, usage: UNIFORM_USAGE, label: "uniforms" }),
        staging,
        view: new DataView(staging),
        used: 0,
      };
      this.chunks[this.chunkIndex] = chunk;
    }
    const offset = chunk.used;
    chunk.used += size;
    return { chunk, offset };
  }

  /** Record one dispatch. `buffers` maps each storage binding's WGSL name to its buffer. */
  dispatch(
    info: KernelInfo,
    buffers: Record<string, GPUBuffer>,
    uniforms: UniformValues,
    workgroups: readonly [number, number?, number?],
    constants: Record<string, number> = {},
  ): void {
    if (this.collecting) {
      this.collecting.push([info, constants]);
      return;
    }
    const pipeline = this.kernels.pipeline(info, constants);
    const entries: GPUBindGroupEntry[] = [];
    for (const b of info.bindings) {
      if (b.kind === "uniform") {
        const { chunk, offset } = this.uniformSlot(info.uniform!.size);
        packUniforms(info, uniforms, chunk.view, offset);
        entries.push({ binding: b.binding, resource: { buffer: chunk.buffer, offset, size: info.uniform!.size } });
      } else {
        const buffer = buffers[b.name];
        if (!buffer) throw new Error(`kernel ${info.name}: no buffer given for binding '${b.name}'`);
        entries.push({ binding: b.binding, resource: { buffer } });
      }
    }
    for (const name of Object.keys(buffers)) {
      if (!info.bindings.some((b) => b.name === name)) {
        throw new Error(`kernel ${info.name}: it has no binding '${name}' (it binds ${info.bindings.map((b) => b.name).join(", ")})`);
      }
    }
    if (!info.uniform && Object.keys(uniforms).length) {
      throw new Error(`kernel ${info.name} has no uniform struct, but uniforms were given`);
    }
    const [x, y = 1, z = 1] = workgroups;
    const limit = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > limit || y > limit || z > limit) {
      throw new Error(`kernel ${info.name}: dispatch of ${x}×${y}×${z} workgroups exceeds maxComputeWorkgroupsPerDimension = ${limit}`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    checkAliasing(info, buffers);
    const createBindGroup = () => this.device.createBindGroup({ layout: info.layout, entries, label: info.name });
    // Scoped in validate mode, so a bad binding (wrong usage, zero size, ...) is reported naming the kernel.
    const bindGroup = this.kernels.validating ? this.kernels.scoped(`kernel ${info.name}`, createBindGroup) : createBindGroup();
    const pass = this.ensurePass(info.name);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    // Profiled per dispatch: this dispatch's pass ends here, so the next one opens its own.
    if (this.profiling?.perDispatch) this.endPass();
    this.stats.dispatches++;
  }

  /** Record a buffer-to-buffer copy (ends the current compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Submit everything recorded so far; pooled buffers released meanwhile become reusable. */
  flush(): void {
    if (this.encoder) {
      this.endPass();
      for (let i = 0; i <= this.chunkIndex && i < this.chunks.length; i++) {
        const chunk = this.chunks[i];
        if (chunk.used) this.device.queue.writeBuffer(chunk.buffer, 0, chunk.staging, 0, chunk.used);
        chunk.used = 0;
      }
      this.chunkIndex = 0;
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.stats.submits++;
    }
    this.storagePool.recycle();
  }

  /** Copy `bytes` from a buffer to the CPU; flushes pending work first. */
  async read(src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const staging = this.readPool.acquire(bytes);
    this.copy(src, offset, staging, 0, bytes);
    this.flush();
    this.stats.readbacks++;
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.readPool.release(staging);
    this.readPool.recycle();
    return copy;
  }
}
