/**
 * Where the time of a U-Net training step goes, per kernel: EngineTimer.profileDispatches (bench/timing.ts)
 * gives every dispatch a compute pass of its own with timestamp writes at its beginning and end, so each
 * kernel's GPU time is measured on its own; the sum exceeds a normal step's time a little (a pass per dispatch,
 * no overlap). Without timestamp queries it says so and stops: the CPU cannot time single dispatches (Dawn's
 * completion callbacks run only after the whole step has been recorded).
 *
 *   node scripts/run.mjs bench/profile-unet.ts [config]   (config: bench/unet-configs.ts, default mnist-16-small)
 */
import { Engine } from "../src/index.js";
import { EngineTimer } from "./timing.js";
import { unetBenchCase } from "./unet-configs.js";

const engine = await Engine.create({ validate: false });
const timer = new EngineTimer(engine);
if (!timer.timestamps) {
  console.error(`profile-unet: per-kernel GPU times need timestamp queries; ${timer.note}`);
  engine.destroy();
  process.exit(1);
}
const { train: step } = unetBenchCase(engine, (process.argv[2] ?? "mnist-16-small") as Parameters<typeof unetBenchCase>[1]);
step();
await engine.sync();
await engine.autotune();
step();
await engine.sync();

const wall = performance.now();
const dispatches = (await timer.profileDispatches(step))!;
const wallMs = performance.now() - wall;

const totals = new Map<string, { ms: number; count: number }>();
let sum = 0;
for (const { kernel, ms } of dispatches) {
  sum += ms;
  const entry = totals.get(kernel) ?? { ms: 0, count: 0 };
  entry.ms += ms;
  entry.count++;
  totals.set(kernel, entry);
}
console.log(`step: ${dispatches.length} dispatches, ${sum.toFixed(1)} ms of kernel time (GPU timestamps), ${wallMs.toFixed(0)} ms wall`);
for (const [name, { ms, count: n }] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(
    `${name.padEnd(40)} ${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / sum).toFixed(1).padStart(5)}%  ${String(n).padStart(4)}×`,
  );
}
engine.destroy();
