/**
 * Where the time of a U-Net training step goes, per kernel: every dispatch gets a compute pass of its own with
 * timestamp writes at its beginning and end (the timestamp-query feature), so each kernel's GPU time is
 * measured on its own; the sum exceeds a normal step's time a little (a pass per dispatch, no overlap).
 * Without timestamp queries it says so and stops: timing each dispatch from the CPU cannot work here, as
 * Dawn's completion callbacks run only once the synchronous recording of the whole step has returned (an
 * earlier version charged that recording time to the step's first kernel).
 *
 *   node scripts/run.mjs bench/profile-unet.ts [config]   (config: bench/unet-configs.ts, default mnist-16-small)
 */
import { Engine } from "../src/index.js";
import { unetBenchCase } from "./unet-configs.js";

const engine = await Engine.create({ validate: false });
if (!engine.device.features.has("timestamp-query")) {
  console.error("profile-unet: this adapter has no timestamp-query feature; per-kernel GPU times need it");
  engine.destroy();
  process.exit(1);
}
const { train: step } = unetBenchCase(engine, (process.argv[2] ?? "mnist-16-small") as Parameters<typeof unetBenchCase>[1]);
step();
await engine.sync();
await engine.autotune();
step();
await engine.sync();

// The recorder's internals (src/gpu/recorder.ts), as bench/timing.ts hooks them.
interface RecorderInternals {
  dispatch: (info: { name: string }, ...rest: unknown[]) => void;
  ensureEncoder: () => GPUCommandEncoder;
  endPass: () => void;
  pass: GPUComputePassEncoder | null;
}
const recorder = engine.recorder as unknown as RecorderInternals;
const capacity = 4096;
const querySet = engine.device.createQuerySet({ type: "timestamp", count: capacity });
const names: string[] = [];
const dispatch = recorder.dispatch.bind(recorder);
recorder.dispatch = (info, ...rest) => {
  if (2 * names.length + 2 > capacity) throw new Error(`profile-unet: more than ${capacity / 2} dispatches in one step`);
  // A pass of its own, with timestamps, for this dispatch.
  recorder.endPass();
  const at = 2 * names.length;
  recorder.pass = recorder.ensureEncoder().beginComputePass({
    timestampWrites: { querySet, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 },
  });
  names.push(info.name);
  dispatch(info, ...rest);
  recorder.endPass();
};
const wall = performance.now();
step();
await engine.sync();
const wallMs = performance.now() - wall;
recorder.dispatch = dispatch;

const count = 2 * names.length;
const resolve = engine.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const read = engine.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const encoder = engine.device.createCommandEncoder();
encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
encoder.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
engine.device.queue.submit([encoder.finish()]);
await read.mapAsync(GPUMapMode.READ);
const stamps = new BigUint64Array(read.getMappedRange().slice(0));
read.unmap();

const totals = new Map<string, { ms: number; count: number }>();
let sum = 0;
names.forEach((name, i) => {
  const ms = stamps[2 * i + 1] > stamps[2 * i] ? Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6 : 0;
  sum += ms;
  const entry = totals.get(name) ?? { ms: 0, count: 0 };
  entry.ms += ms;
  entry.count++;
  totals.set(name, entry);
});
console.log(`step: ${names.length} dispatches, ${sum.toFixed(1)} ms of kernel time (GPU timestamps), ${wallMs.toFixed(0)} ms wall`);
for (const [name, { ms, count: n }] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(40)} ${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / sum).toFixed(1).padStart(5)}%  ${String(n).padStart(4)}×`);
}
[querySet, resolve, read].forEach((o) => o.destroy());
engine.destroy();
