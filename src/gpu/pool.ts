/**
 * Size-bucketed buffer reuse. Storage buffers are rounded up to a 256-byte bucket and kept in a free
 * list per bucket; a training step asks for the same sizes every time, so after the first step the pool
 * serves every request and no buffer is created.
 *
 * A buffer released while commands that use it are still being recorded is free at once for work that the GPU
 * writes later in the same command stream (commands run in recording order, so its earlier readers are done with
 * it by then): a step's transient buffers are reused within the step and the peak is what is live at once. A
 * buffer the CPU writes (queue.writeBuffer, for engine.tensor()) is only ever a clean one, released before the
 * last submit: a queue write into a recently released buffer would land before the recorded reads of its
 * previous contents.
 */

/**
 * STORAGE | COPY_SRC | COPY_DST. Spelled as numbers (fixed by the spec) because in Node the GPUBufferUsage
 * global only exists once Dawn has been loaded.
 */
export const STORAGE_USAGE = 0x0080 | 0x0004 | 0x0008;

/** Round a byte size up to its bucket. */
function bucketSize(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

export interface PoolStats {
  /** Bytes in buffers handed out and not yet released. */
  usedBytes: number;
  /** Bytes in buffers sitting in the free lists. */
  freeBytes: number;
  /** Largest usedBytes seen since the last resetPeak(). */
  peakBytes: number;
  /** GPU buffers created over the pool's life (a counter that stops growing once warm). */
  buffersCreated: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Released since the last submit: reusable for GPU-written data only, until recycle() moves them to `free`. */
  private readonly released = new Map<number, GPUBuffer[]>();
  private releasedCount = 0;
  private readonly sizes = new WeakMap<GPUBuffer, number>();
  private usedBytes = 0;
  private freeBytes = 0;
  private peakBytes = 0;
  private created = 0;

  /** Buffers the device failed to allocate (out of memory): destroyed on release, never reused. */
  private readonly failed = new WeakSet<GPUBuffer>();

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly label: string,
    /** Wraps each createBuffer call (the context's out-of-memory error scope); `fail` marks the buffer unusable. */
    private readonly guard: (create: () => GPUBuffer, size: number, fail: (buffer: GPUBuffer) => void) => GPUBuffer = (create) => create(),
  ) {}

  /** A buffer of at least `bytes`; `hostWrite`: the CPU will write it with queue.writeBuffer before any GPU use. */
  acquire(bytes: number, hostWrite = false): GPUBuffer {
    const size = bucketSize(bytes);
    let buffer = hostWrite ? undefined : this.released.get(size)?.pop();
    if (buffer) this.releasedCount--;
    else buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.freeBytes -= size;
    } else {
      const descriptor = { size, usage: this.usage, label: `${this.label}:${size}` };
      buffer = this.guard(
        () => this.device.createBuffer(descriptor),
        size,
        (b) => this.failed.add(b),
      );
      this.sizes.set(buffer, size);
      this.created++;
    }
    this.usedBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.usedBytes);
    return buffer;
  }

  /** Release a buffer: free at once for GPU-written use, and for any use after the next `recycle()`. */
  release(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer)!;
    this.usedBytes -= size;
    if (this.failed.has(buffer)) {
      buffer.destroy();
      return;
    }
    this.freeBytes += size;
    let list = this.released.get(size);
    if (!list) {
      list = [];
      this.released.set(size, list);
    }
    list.push(buffer);
    this.releasedCount++;
  }

  /** Called after a submit: buffers released before it are free for any use. */
  recycle(): void {
    if (this.releasedCount === 0) return;
    for (const [size, buffers] of this.released) {
      let list = this.free.get(size);
      if (!list) {
        list = [];
        this.free.set(size, list);
      }
      list.push(...buffers);
      buffers.length = 0;
    }
    this.releasedCount = 0;
  }

  /** Destroy every free buffer (memory goes back to the device). */
  trim(): void {
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.free.clear();
    this.freeBytes = 0;
  }

  resetPeak(): void {
    this.peakBytes = this.usedBytes;
  }

  stats(): PoolStats {
    return { usedBytes: this.usedBytes, freeBytes: this.freeBytes, peakBytes: this.peakBytes, buffersCreated: this.created };
  }
}
