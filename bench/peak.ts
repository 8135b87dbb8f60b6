/**
 * What the adapter can do: fp32 FMA throughput (peak_fma_N / peak_muladd_N, generated here: N independent vec4
 * accumulator chains per invocation) and the throughput of float loads and stores (bench/bench.wgsl). The suite and
 * bench/conv.ts report their kernels' GFLOP/s as a % of the best arithmetic rate measured the same way.
 *
 *   node scripts/run.mjs bench/peak.ts [--repeats 9]
 *
 * The machine may be shared: every repeat runs every variant once (interleaved), so a load change hits all
 * variants alike, and the tables give the median and the best (min) time of each.
 */
import { Engine, type Tensor } from "../src/index.js";
import benchShaders from "./bench.wgsl";
import { countOption, markdownTable } from "./stats.js";

/**
 * peak_OP_N: each invocation runs N independent vec4 accumulators through `iterations` steps of c = c·a + b (8 flops
 * per vec4 step), with fma() (OP = fma) or a separate multiply and add (muladd), and writes their sum so nothing is
 * optimised away. Flops = invocations · iterations · N · 8. The accumulators are separate variables, four
 * statements a line: a private array indexed in a loop would live in memory on SwiftShader (docs/performance.md).
 */
function peakShader(op: "fma" | "muladd", chains: number): string {
  const c = Array.from({ length: chains }, (_, j) => `c${j}`);
  const fours = (statements: string[], indent: string) =>
    Array.from({ length: chains / 4 }, (_, r) => `${indent}${statements.slice(4 * r, 4 * r + 4).join(" ")}`);
  return [
    "@compute @workgroup_size(64)",
    `fn peak_${op}_${chains}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {`,
    "  let i = gid.x + gid.y * groups.x * 64u;",
    "  let a = vec4<f32>(bp.a);",
    "  let b = vec4<f32>(bp.b);",
    ...fours(
      c.map((v, j) => `var ${v} = vec4<f32>(f32(i + ${j}u));`),
      "  ",
    ),
    "  for (var k = 0u; k < bp.iterations; k++) {",
    ...fours(
      c.map((v) => (op === "fma" ? `${v} = fma(${v}, a, b);` : `${v} = ${v} * a + b;`)),
      "    ",
    ),
    "  }",
    `  sink[i] = dot(${c.join(" + ")}, vec4<f32>(1.0));`,
    "}",
  ].join("\n");
}

const PEAK_SHADERS = [
  "struct BenchParams { iterations: u32, a: f32, b: f32, mask: u32 };",
  "@group(0) @binding(0) var<uniform> bp: BenchParams;",
  "@group(0) @binding(1) var<storage, read_write> sink: array<f32>;",
  ...(["fma", "muladd"] as const).flatMap((op) => [4, 8, 16, 32].map((chains) => peakShader(op, chains))),
].join("\n\n");

/** The benches' own kernel families, added to an engine on first use (Engine.create never compiles them). */
function addBenchKernels(engine: Engine): void {
  if (engine.kernels.hasFamily("bench")) return;
  engine.kernels.addFamily("bench", benchShaders, "bench/bench.wgsl");
  engine.kernels.addFamily("peak", PEAK_SHADERS, "bench/peak.ts (generated peak kernels)");
}

/** "bench/ENTRY", a kernel of bench/bench.wgsl. */
export function benchKernel(engine: Engine, entry: string): string {
  addBenchKernels(engine);
  return `bench/${entry}`;
}

/**
 * Median and best time (ms) of each variant; each repeat runs every variant once, each ended by sync(), starting
 * one variant further along the list each repeat. `time` times one run: wall time by default (bench/conv.ts
 * passes GPU timestamps or process CPU time).
 *
 * The rotation keeps a variant's place in the list from biasing it (docs/performance.md, Measuring on a shared
 * machine).
 */
export async function interleavedTimes(
  engine: Engine,
  variants: Record<string, () => void>,
  repeats: number,
  time: (run: () => void) => Promise<number> = async (run) => {
    const start = performance.now();
    run();
    await engine.sync();
    return performance.now() - start;
  },
): Promise<Record<string, { median: number; min: number }>> {
  const names = Object.keys(variants);
  for (let warmup = 0; warmup < 2; warmup++) {
    for (const name of names) {
      variants[name](); // pipeline creation, pool growth
      await engine.sync();
    }
  }
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(r + i) % names.length];
      times[name].push(await time(variants[name]));
    }
  }
  const result: Record<string, { median: number; min: number }> = {};
  for (const name of names) {
    const sorted = times[name].sort((a, b) => a - b);
    result[name] = { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0] };
  }
  return result;
}

/** Invocations per peak run: enough workgroups for every core; one run takes tens of ms on SwiftShader. */
const WORKGROUPS = 256;
export const INVOCATIONS = WORKGROUPS * 64;

/** The peak kernel bench/conv.ts and bench/matmul.ts interleave with their variants. */
export const PEAK_KERNEL = "peak_fma_16";

/** A variant that runs one peak kernel (into `sink`, INVOCATIONS floats), and the flops it does. */
export function peakVariant(engine: Engine, sink: Tensor, kernel = PEAK_KERNEL, iterations = 64): { run: () => void; flops: number } {
  const chains = Number(kernel.split("_").at(-1));
  addBenchKernels(engine);
  return {
    run: () => engine.run(`peak/${kernel}`, { sink }, { iterations, a: 0.999, b: 0.001, mask: 0 }, [WORKGROUPS]),
    flops: INVOCATIONS * iterations * chains * 8,
  };
}

async function main(): Promise<void> {
  const repeats = countOption(process.argv.slice(2), "repeats", 9);
  const engine = await Engine.create({ validate: false });
  console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.adapter.description || engine.adapter.backend})`);

  const sink = engine.empty([INVOCATIONS], "peak sink");
  const floats = 1 << 18;
  const src = engine.tensor(new Float32Array(floats).fill(1), [floats]);
  const iterations = 256;
  const variants: Record<string, () => void> = {};
  const flops: Record<string, number> = {};
  for (const op of ["fma", "muladd"]) {
    for (const chains of [4, 8, 16, 32]) {
      const kernel = `peak_${op}_${chains}`;
      const v = peakVariant(engine, sink, kernel, iterations);
      variants[kernel] = v.run;
      flops[kernel] = v.flops;
    }
  }
  // Loads: 16 floats per invocation and step, as 16 f32 or 4 vec4 reads, from a 1 MiB buffer.
  for (const kernel of ["load_scalar", "load_vec4"]) {
    const buffers: Record<string, Tensor> = kernel === "load_scalar" ? { sink, src } : { sink, src4: src };
    variants[kernel] = () => engine.run(benchKernel(engine, kernel), buffers, { iterations, a: 0, b: 0, mask: floats - 1 }, [WORKGROUPS]);
  }
  // Stores: 16 floats per invocation and step, as 16 f32 or 4 vec4 writes, into a 1 MiB buffer.
  const dst = engine.empty([floats], "store target");
  for (const kernel of ["store_scalar", "store_vec4"]) {
    const buffers: Record<string, Tensor> = kernel === "store_scalar" ? { dst } : { dst4: dst };
    variants[kernel] = () => engine.run(benchKernel(engine, kernel), buffers, { iterations, a: 0, b: 0, mask: floats - 1 }, [WORKGROUPS]);
  }
  const times = await interleavedTimes(engine, variants, repeats);
  const bestFma = Math.max(...Object.keys(flops).map((name) => flops[name] / times[name].min / 1e6));
  const rows = Object.entries(times).map(([name, t]) => {
    if (name in flops) {
      return [name, t.median.toFixed(1), t.min.toFixed(1), `${(flops[name] / t.min / 1e6).toFixed(2)} GFLOP/s`, "—"];
    }
    // Memory rows: floats moved per second, and what one float costs in FMAs at the best FMA rate (2 flops each).
    const rate = (INVOCATIONS * iterations * 16) / t.min / 1e6;
    const what = name.startsWith("load") ? "G floats read/s" : "G floats written/s";
    return [name, t.median.toFixed(1), t.min.toFixed(1), `${rate.toFixed(2)} ${what}`, (bestFma / 2 / rate).toFixed(1)];
  });
  console.log(markdownTable(["kernel", "median ms", "best ms", "rate (best)", "FMA time per float"], rows));
  sink.dispose();
  src.dispose();
  dst.dispose();
  engine.destroy();
}

// Run as a script only (the suite imports this file in a browser page too, where there is no process).
if (typeof process !== "undefined" && process.argv?.[1]?.endsWith("peak.ts")) await main();
