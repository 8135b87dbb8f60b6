/**
 * U-Net speed and memory: forward ms, forward + backward ms, dispatches per pass and peak GPU bytes, for
 * google/ddpm-cifar10-32 at batch 1 and a small MNIST config at batch 8. Medians over warmed-up runs.
 *
 *   node scripts/run.mjs bench/unet.ts [--repeats 3] [--only mnist|cifar10]
 */
import { Engine, ops } from "../src/index.js";
import { UNet2DModel } from "../src/nn/unet.js";
import { markdownTable, medianMs, mib } from "./stats.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const repeats = Number(option("repeats", "3"));
const only = option("only", "");

const CONFIGS = {
  "ddpm-cifar10-32": {
    batch: 1,
    config: {
      sample_size: 32, in_channels: 3, out_channels: 3, block_out_channels: [128, 256, 256, 256], layers_per_block: 2,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
      attention_head_dim: null, norm_eps: 1e-6, flip_sin_to_cos: false, freq_shift: 1, downsample_padding: 0,
    },
  },
  "mnist-16-small": {
    batch: 8,
    config: {
      sample_size: 16, in_channels: 1, out_channels: 1, block_out_channels: [32, 64, 64], layers_per_block: 1,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"], up_block_types: ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
      norm_num_groups: 8, attention_head_dim: 32, num_class_embeds: 10,
    },
  },
} as const;

const engine = await Engine.create({ validate: false });
console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture} (${engine.adapter.description || engine.adapter.backend})`);
const rows: (string | number)[][] = [];
for (const [name, { batch, config }] of Object.entries(CONFIGS)) {
  if (only && !name.includes(only)) continue;
  const model = new UNet2DModel(engine, config as Record<string, unknown>);
  const size = config.sample_size;
  const x = engine.randn([batch, config.in_channels, size, size], { seed: 1 }).keep();
  const labels = "num_class_embeds" in config ? Array.from({ length: batch }, (_, i) => i % 10) : undefined;
  const timesteps = Array.from({ length: batch }, (_, i) => (i * 97) % 1000);
  const forward = () => engine.noGrad(() => engine.tidy(() => void model.forward({ sample: x, timesteps, classLabels: labels })));
  const train = () =>
    engine.tidy(() => {
      const out = model.forward({ sample: x, timesteps, classLabels: labels });
      engine.backward(ops.mseLoss(out, x));
      for (const p of model.parameters()) {
        p.grad?.dispose();
        p.grad = null;
      }
    });
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
  rows.push([name, batch, model.parameterCount(), forwardMs.toFixed(0), trainMs.toFixed(0), forwardDispatches, trainDispatches, mib(memory.peakBufferBytes)]);
  console.log(rows.at(-1)!.join("  "));
  x.dispose();
  model.dispose();
}
console.log();
console.log(
  markdownTable(["config", "batch", "parameters", "forward ms", "forward+backward ms", "dispatches fwd", "dispatches fwd+bwd", "peak GPU MiB"], rows),
);
engine.destroy();
