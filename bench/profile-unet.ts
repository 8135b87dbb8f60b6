/**
 * Where the time of a U-Net training step goes, per kernel: every dispatch is submitted alone and waited for,
 * so the per-kernel sums are exact but the total exceeds a normal (batched) step.
 *
 *   node scripts/run.mjs bench/profile-unet.ts
 */
import { Engine } from "../src/index.js";
import { unetBenchCase } from "./unet-configs.js";

const engine = await Engine.create({ validate: false });
const { train: step } = unetBenchCase(engine, (process.argv[2] ?? "mnist-16-small") as Parameters<typeof unetBenchCase>[1]);
step();
await engine.sync();

// Time each dispatch on its own.
const recorder = engine.recorder as unknown as { dispatch: (...args: unknown[]) => void };
const original = recorder.dispatch.bind(recorder);
const pending: { name: string; done: Promise<number> }[] = [];
recorder.dispatch = (...args: unknown[]) => {
  engine.flush();
  original(...args);
  const start = performance.now();
  engine.flush();
  pending.push({ name: (args[0] as { name: string }).name, done: engine.device.queue.onSubmittedWorkDone().then(() => performance.now() - start) });
};
const wall = performance.now();
step();
await engine.sync();
const totals = new Map<string, { ms: number; count: number }>();
let previous = 0;
for (const p of pending) {
  const end = await p.done;
  // submissions complete in order: the time attributable to this dispatch is its completion minus the previous one's
  const ms = Math.max(0, end - previous);
  previous = end;
  const entry = totals.get(p.name) ?? { ms: 0, count: 0 };
  entry.ms += ms;
  entry.count++;
  totals.set(p.name, entry);
}
console.log(`step with per-dispatch submits: ${(performance.now() - wall).toFixed(0)} ms, ${pending.length} dispatches`);
for (const [name, { ms, count }] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(32)} ${ms.toFixed(1).padStart(9)} ms  ${String(count).padStart(4)}×`);
}
engine.destroy();
