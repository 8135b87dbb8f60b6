/**
 * What the adapter can do: fp32 FMA throughput (shaders/bench.wgsl peak_fma / peak_muladd, vec4 chains of
 * independent accumulators) and gather-load throughput. bench/conv.ts reports its GFLOP/s as a % of the best
 * arithmetic rate measured here.
 *
 *   node scripts/run.mjs bench/peak.ts
 */
import { Engine } from "../src/index.js";
import { markdownTable, medianMs } from "./stats.js";

/** Invocations per run: enough workgroups for every core, few enough to keep one run near 100 ms. */
const WORKGROUPS = 256;
const INVOCATIONS = WORKGROUPS * 64;

export interface PeakResult {
  kernel: string;
  chains: number;
  ms: number;
  gflops: number;
}

/** Measure the arithmetic peak: every kernel × chain count; returns the rows, best last-sorted by caller. */
export async function measurePeak(engine: Engine, options: { iterations?: number; chains?: number[]; repeats?: number } = {}): Promise<PeakResult[]> {
  const iterations = options.iterations ?? 256;
  const results: PeakResult[] = [];
  const sink = engine.empty([INVOCATIONS], "peak sink");
  for (const kernel of ["peak_fma", "peak_muladd"]) {
    for (const chains of options.chains ?? [4, 8, 16]) {
      const run = () =>
        engine.run(`bench/${kernel}_${chains}`, { sink }, { iterations, a: 0.999, b: 0.001, mask: 0 }, [WORKGROUPS]);
      const ms = await medianMs(engine, run, options.repeats ?? 5);
      results.push({ kernel, chains, ms, gflops: (INVOCATIONS * iterations * chains * 8) / ms / 1e6 });
    }
  }
  sink.dispose();
  return results;
}

/** The best arithmetic rate (GFLOP/s) among the peak kernels. */
export async function peakGflops(engine: Engine): Promise<number> {
  const rows = await measurePeak(engine, { chains: [8, 16], repeats: 3 });
  return Math.max(...rows.map((r) => r.gflops));
}

async function main(): Promise<void> {
  const engine = await Engine.create({ validate: false });
  console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.adapter.description || engine.adapter.backend})`);
  const rows = await measurePeak(engine);
  console.log(markdownTable(["kernel", "chains", "median ms", "GFLOP/s"], rows.map((r) => [r.kernel, r.chains, r.ms.toFixed(1), r.gflops.toFixed(2)])));

  // Loads: 16 floats per step as 16 f32 or 4 vec4 reads, from a 1 MiB buffer; loop_only is the loop alone.
  const floats = 1 << 18;
  const src = engine.tensor(new Float32Array(floats).fill(1), [floats]);
  const sink = engine.empty([INVOCATIONS]);
  const iterations = 256;
  const loadRows: (string | number)[][] = [];
  for (const kernel of ["loop_only", "load_scalar", "load_vec4", "load_vec4_same", "load_plain_seq", "load_atomic_seq", "load_atomic_same"]) {
    const buffers = kernel === "loop_only" ? { sink } : kernel.includes("atomic") ? { sink, srcAtomic: src } : kernel === "load_scalar" || kernel === "load_plain_seq" ? { sink, src } : { sink, src4: src };
    const run = () => engine.run(`bench/${kernel}`, buffers, { iterations, a: 0.999, b: 0.001, mask: floats - 1 }, [WORKGROUPS]);
    const ms = await medianMs(engine, run);
    const steps = INVOCATIONS * iterations;
    loadRows.push([kernel, ms.toFixed(1), ((ms * 1e6) / steps).toFixed(1), kernel === "loop_only" ? "" : ((steps * 16) / ms / 1e6).toFixed(2)]);
  }
  console.log(markdownTable(["kernel", "median ms", "ns per invocation step (2 cores)", "G floats loaded/s"], loadRows));
  src.dispose();
  sink.dispose();
  engine.destroy();
}

if (process.argv[1]?.endsWith("peak.ts")) await main();
