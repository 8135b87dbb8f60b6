/**
 * U-Net speed and memory: forward ms, forward + backward ms, dispatches per pass and peak GPU bytes, for
 * google/ddpm-cifar10-32 at batch 1 and a small MNIST config at batch 8. Medians over warmed-up runs.
 *
 *   node scripts/run.mjs bench/unet.ts [--repeats 3] [--only mnist|cifar10]
 */
import { Engine } from "../src/index.js";
import { countOption, markdownTable, medianMs, mib, option } from "./stats.js";
import { UNET_BENCH_CONFIGS, type UNetBenchName, unetBenchCase } from "./unet-configs.js";

const args = process.argv.slice(2);
const repeats = countOption(args, "repeats", 3);
const only = option(args, "only", "");

const engine = await Engine.create({ validate: false });
console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.adapter.description || engine.adapter.backend})`);
const rows: (string | number)[][] = [];
for (const name of Object.keys(UNET_BENCH_CONFIGS) as UNetBenchName[]) {
  if (only && !name.includes(only)) continue;
  const { batch, model, forward, train, dispose } = unetBenchCase(engine, name);
  const count = (run: () => void) => {
    const before = engine.stats.dispatches;
    run();
    return engine.stats.dispatches - before;
  };
  const forwardMs = await medianMs(engine, forward, repeats);
  const forwardDispatches = count(forward);
  await engine.sync();
  engine.resetPeak();
  const trainMs = await medianMs(engine, train, repeats);
  const trainDispatches = count(train);
  await engine.sync();
  const memory = engine.memory();
  rows.push([
    name,
    batch,
    model.parameterCount(),
    forwardMs.toFixed(0),
    trainMs.toFixed(0),
    forwardDispatches,
    trainDispatches,
    mib(memory.peakBufferBytes),
  ]);
  console.log(rows.at(-1)!.join("  "));
  dispose();
}
console.log();
console.log(
  markdownTable(
    ["config", "batch", "parameters", "forward ms", "forward+backward ms", "dispatches fwd", "dispatches fwd+bwd", "peak GPU MiB"],
    rows,
  ),
);
engine.destroy();
