/**
 * matmul kernels side by side (as bench/conv.ts does for conv2d) on the products of the two U-Nets' attention
 * blocks and linear layers: "register" (4×4 block per invocation), "register16" (16×16), "packed" (16×16 from
 * vec4 panels), "shared" (64×64 workgroup tiles in workgroup memory, for GPUs) and "tuned" (what ops.matmul
 * runs after engine.autotune()). Every variant is first checked against the float64 reference
 * (test/reference/ops.ts), then timed: median and best ms per call over interleaved repeats, and % of the FMA
 * peak (bench/peak.ts's peak_fma_16) measured in those same repeats (the machine may be shared: load changes
 * mostly cancel in the ratios).
 *
 *   node scripts/run.mjs bench/matmul.ts [--repeats 7] [--variants register,register16,packed]
 */
import { Engine, ops } from "../src/index.js";
import { MATMUL_VARIANTS } from "../src/ops/matmul/variants.js";
import * as R from "../test/reference/ops.js";
import { ref, rng, uniformData } from "../test/reference/tensor.js";
import { INVOCATIONS, interleavedTimes, peakVariant } from "./peak.js";
import { violation } from "./reference.js";
import { countOption, markdownTable, option } from "./stats.js";

interface Case {
  what: string;
  batch: number;
  m: number;
  k: number;
  n: number;
  /** B stored [N, K] and used transposed (a linear layer's weight). */
  transposeB: boolean;
}

const CASES: Case[] = [
  { what: "mnist-16 projection, 16×64 tokens", batch: 1, m: 1024, k: 32, n: 32, transposeB: true },
  { what: "mnist-16 q·kᵀ per image", batch: 16, m: 64, k: 32, n: 64, transposeB: true },
  { what: "mnist-16 p·v per image", batch: 16, m: 64, k: 64, n: 32, transposeB: false },
  { what: "cifar10-32 projection, 256 tokens", batch: 1, m: 256, k: 256, n: 256, transposeB: true },
  { what: "cifar10-32 p·v", batch: 1, m: 256, k: 256, n: 256, transposeB: false },
  { what: "cifar10-32 time embedding", batch: 1, m: 1, k: 512, n: 512, transposeB: true },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repeats = countOption(args, "repeats", 7);
  const engine = await Engine.create({ validate: false, tuneStore: null });
  const software = engine.adapter.isSoftware;
  const names = option(
    args,
    "variants",
    Object.keys(MATMUL_VARIANTS)
      .filter((v) => !(software && v === "shared"))
      .join(","),
  ).split(",");
  for (const v of names)
    if (!(v in MATMUL_VARIANTS)) throw new Error(`bench/matmul.ts: unknown variant '${v}' (${Object.keys(MATMUL_VARIANTS).join(", ")})`);
  console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.adapter.description || engine.adapter.backend})`);
  const sink = engine.zeros([INVOCATIONS * 4]).keep();
  const peak = peakVariant(engine, sink);
  const rows: (string | number)[][] = [];
  for (const c of CASES) {
    const random = rng(7);
    const aShape = [c.batch, c.m, c.k];
    const bShape = c.transposeB ? [c.n, c.k] : [c.batch, c.k, c.n];
    const aData = uniformData(
      aShape.reduce((x, y) => x * y),
      random,
    );
    const bData = uniformData(
      bShape.reduce((x, y) => x * y),
      random,
    );
    const a = engine.tensor(Float32Array.from(aData), aShape).keep();
    const b = engine.tensor(Float32Array.from(bData), bShape).keep();
    const expected = R.matmul(ref(aData, aShape), ref(bData, bShape), false, c.transposeB).data;
    const product = () => engine.tidy(() => void ops.matmul(a, b, { transposeB: c.transposeB }));
    const runs: Record<string, () => void> = { peak: peak.run };
    const checks: Record<string, number> = {};
    let tunedLabel = "tuned";
    for (const v of [...names, "tuned"]) {
      const use = () => engine.tuner.override("matmul", v === "tuned" ? undefined : v);
      use();
      if (v === "tuned") {
        product();
        await engine.sync();
        const [result] = await engine.autotune();
        tunedLabel = `tuned: ${result?.chosen ?? "heuristic"}`;
      }
      const out = ops.matmul(a, b, { transposeB: c.transposeB }).keep();
      checks[v] = violation(await out.data(), expected, 1e-4, 1e-5);
      out.dispose();
      if (checks[v] > 1) throw new Error(`bench/matmul.ts: ${v} on ${c.what} is off by ${checks[v].toFixed(2)}× the tolerance`);
      runs[v] = () => {
        use();
        product();
      };
    }
    const times = await interleavedTimes(engine, runs, repeats);
    const peakRate = peak.flops / times.peak.median / 1e6;
    const flops = 2 * c.batch * c.m * c.k * c.n;
    const shape = `${c.batch > 1 ? `${c.batch}×` : ""}[${c.m}×${c.k}]·[${c.k}×${c.n}]${c.transposeB ? " (Bᵀ)" : ""}`;
    for (const v of [...names, "tuned"]) {
      const t = times[v];
      const label = v === "tuned" ? tunedLabel : v;
      rows.push([
        c.what,
        shape,
        label,
        t.median.toFixed(2),
        t.min.toFixed(2),
        `${((flops / t.median / 1e6 / peakRate) * 100).toFixed(0)}%`,
        `${checks[v].toFixed(3)}×tol`,
      ]);
    }
    console.log(`${c.what} done (peak ${peakRate.toFixed(2)} GFLOP/s in these repeats)`);
    a.dispose();
    b.dispose();
  }
  console.log(
    `\nWall ms per call (submit → done), medians of ${repeats} interleaved repeats; % of the peak measured in the same repeats.\n`,
  );
  console.log(markdownTable(["case", "shape", "variant", "median ms", "best ms", "% of peak", "check"], rows));
}

await main();
