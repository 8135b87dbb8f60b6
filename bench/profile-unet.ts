/**
 * Where the time of a U-Net training step goes, per kernel: every dispatch is submitted alone and waited for,
 * so the per-kernel sums are exact but the total exceeds a normal (batched) step.
 *
 *   node scripts/run.mjs bench/profile-unet.ts
 */
import { Engine, ops } from "../src/index.js";
import { UNet2DModel } from "../src/nn/unet.js";

const engine = await Engine.create({ validate: false });
const model = new UNet2DModel(engine, {
  sample_size: 16, in_channels: 1, out_channels: 1, block_out_channels: [32, 64, 64], layers_per_block: 1,
  down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"], up_block_types: ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
  norm_num_groups: 8, attention_head_dim: 32, num_class_embeds: 10,
});
const batch = 8;
const x = engine.randn([batch, 1, 16, 16], { seed: 1 }).keep();
const labels = Array.from({ length: batch }, (_, i) => i % 10);
const timesteps = labels.map((l) => l * 97);
const step = () =>
  engine.tidy(() => {
    const out = model.forward({ sample: x, timesteps, classLabels: labels });
    engine.backward(ops.mseLoss(out, x));
    for (const p of model.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  });
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
