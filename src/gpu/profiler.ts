/**
 * GPU time from timestamp queries (the `timestamp-query` feature): while the recorder profiles (GpuContext.profile),
 * every compute pass it opens writes a timestamp at its beginning and its end; `read()` resolves them into each
 * pass's duration once the GPU has run the work. A whole step is one pass, so its duration is the time the device
 * spent on the recorded work, without the CPU's recording or the submit round trip; with a pass per dispatch it is
 * each kernel's time.
 */

/** One profiled compute pass: its kernel (when each dispatch had a pass of its own) and its GPU milliseconds. */
export interface PassTime {
  kernel: string | null;
  ms: number;
}

/** Timestamps the query set holds: two per compute pass. */
const CAPACITY = 4096;

export class Profiler {
  /** Whether the device writes timestamps; without them nothing is recorded and read() gives []. */
  readonly available: boolean;
  private buffers: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | null = null;
  private kernels: (string | null)[] = [];
  private overflow = false;

  constructor(private readonly device: GPUDevice) {
    this.available = device.features.has("timestamp-query");
  }

  /** @internal The timestamp writes of the next compute pass (the recorder asks), or undefined when full or unavailable. */
  nextPass(kernel: string | null): GPUComputePassTimestampWrites | undefined {
    if (!this.available) return undefined;
    const index = 2 * this.kernels.length;
    if (index + 2 > CAPACITY) {
      this.overflow = true;
      return undefined;
    }
    this.kernels.push(kernel);
    return { querySet: this.querySets().querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 };
  }

  private querySets() {
    if (!this.buffers) {
      const bytes = CAPACITY * 8;
      this.buffers = {
        querySet: this.device.createQuerySet({ type: "timestamp", count: CAPACITY, label: "profiler timestamps" }),
        resolve: this.device.createBuffer({
          size: bytes,
          usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
          label: "profiler resolve",
        }),
        read: this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: "profiler read" }),
      };
    }
    return this.buffers;
  }

  /**
   * The passes profiled since the last read, in recording order, and forget them. Call it once the GPU has run
   * them (after `engine.sync()`). Throws if more passes were profiled than the query set holds.
   */
  async read(): Promise<PassTime[]> {
    const kernels = this.kernels;
    this.kernels = [];
    if (this.overflow) {
      this.overflow = false;
      throw new Error(`profiler: more than ${CAPACITY / 2} compute passes between two reads`);
    }
    if (kernels.length === 0) return [];
    const { querySet, resolve, read } = this.querySets();
    const bytes = kernels.length * 16;
    const encoder = this.device.createCommandEncoder({ label: "profiler read" });
    encoder.resolveQuerySet(querySet, 0, 2 * kernels.length, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, read, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ, 0, bytes);
    const stamps = new BigUint64Array(read.getMappedRange(0, bytes).slice(0));
    read.unmap();
    return kernels.map((kernel, i) => {
      const [begin, end] = [stamps[2 * i], stamps[2 * i + 1]];
      return { kernel, ms: end > begin ? Number(end - begin) / 1e6 : 0 };
    });
  }

  /** Free the query set and its buffers. */
  destroy(): void {
    this.buffers?.querySet.destroy();
    this.buffers?.resolve.destroy();
    this.buffers?.read.destroy();
    this.buffers = null;
  }
}
