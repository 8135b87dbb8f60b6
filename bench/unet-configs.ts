/** The U-Net configurations the benches use, and one training step (forward, MSE, backward) on a fixed batch. */
import { type DDPMSchedulerConfig, type Engine, ops, type Tensor } from "../src/index.js";
import { UNet2DModel } from "../src/nn/unet.js";
import { PRESETS } from "../src/presets.js";

const MNIST_16 = PRESETS["mnist-16"];

export const UNET_BENCH_CONFIGS = {
  "ddpm-cifar10-32": {
    batch: 1,
    config: {
      sample_size: 32,
      in_channels: 3,
      out_channels: 3,
      block_out_channels: [128, 256, 256, 256],
      layers_per_block: 2,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
      attention_head_dim: null,
      norm_eps: 1e-6,
      flip_sin_to_cos: false,
      freq_shift: 1,
      downsample_padding: 0,
    },
  },
  // The "mnist-16" preset (src/presets.ts: the main job on the software adapter) at its batch size, as a
  // class-conditional model of the 10 digits.
  "mnist-16": {
    batch: MNIST_16.train.batchSize ?? 16,
    config: {
      ...MNIST_16.model,
      sample_size: MNIST_16.size,
      in_channels: 1,
      out_channels: 1,
      num_class_embeds: 10,
    },
  },
  "mnist-16-small": {
    batch: 8,
    config: {
      sample_size: 16,
      in_channels: 1,
      out_channels: 1,
      block_out_channels: [32, 64, 64],
      layers_per_block: 1,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
      norm_num_groups: 8,
      attention_head_dim: 32,
      num_class_embeds: 10,
    },
  },
} as const;

export type UNetBenchName = keyof typeof UNET_BENCH_CONFIGS;

/** The scheduler each config trains and samples with (diffusers' DDPMScheduler config keys). */
export const BENCH_SCHEDULERS: Record<UNetBenchName, Partial<DDPMSchedulerConfig>> = {
  "ddpm-cifar10-32": {},
  "mnist-16": MNIST_16.scheduler ?? {},
  "mnist-16-small": {},
};

/** The learning rate of each config's training step (the mnist-16 preset's; Ho et al.'s CIFAR10 rate). */
export const BENCH_LEARNING_RATES: Record<UNetBenchName, number> = {
  "ddpm-cifar10-32": 2e-4,
  "mnist-16": MNIST_16.train.learningRate ?? 2e-3,
  "mnist-16-small": 2e-4,
};

/** A model of the named config, a fixed input batch, and closures for a forward pass and a training step. */
export function unetBenchCase(engine: Engine, name: UNetBenchName) {
  const { batch, config } = UNET_BENCH_CONFIGS[name];
  const model = new UNet2DModel(engine, config as Record<string, unknown>);
  const size = config.sample_size;
  const x: Tensor = engine.randn([batch, config.in_channels, size, size], { seed: 1 }).keep();
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
  const dispose = () => {
    x.dispose();
    model.dispose();
  };
  return { batch, model, forward, train, dispose };
}
