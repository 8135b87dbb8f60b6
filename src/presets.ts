/**
 * The model presets of the training job, one per kind of adapter (docs/performance.md says how they were sized).
 * Browser-safe (types only), so the demo page trains the same configurations as the CLI.
 */
import type { DDPMSchedulerConfig } from "./diffusion/config.js";
import type { UNet2DConfig } from "./nn/unet.js";
import type { TrainConfig } from "./train.js";

/** A model, training and schedule configuration the training job starts from. */
export interface Preset {
  size: number;
  model: Partial<UNet2DConfig>;
  train: Partial<TrainConfig>;
  scheduler?: Partial<DDPMSchedulerConfig>;
  /** Classifier-free guidance scale for the samples the training job writes (1 = none; other values need train.labelDropout > 0). */
  guidance?: number;
}

export const PRESETS: Record<string, Preset> = {
  // The software adapter (a CPU): 16×16, a small two-level U-Net without attention (a cheaper step buys more steps
  // in the budget than attention gains per step), trained class-conditionally with label dropout and sampled with
  // classifier-free guidance at scale 1.5 (bench/results/recipe.md: after 1,400 steps it reads as real digits to the
  // digit evaluator, where 2 loses the 1s and doubles the Fréchet distance); v-prediction on the cosine schedule
  // (Salimans & Ho 2022; Nichol & Dhariwal 2021).
  "mnist-16": {
    size: 16,
    model: {
      block_out_channels: [16, 32],
      layers_per_block: 1,
      down_block_types: ["DownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "UpBlock2D"],
      add_attention: false,
      norm_num_groups: 8,
    },
    train: { batchSize: 16, learningRate: 2e-3, warmupSteps: 50, emaDecay: 0.99, logEvery: 10, labelDropout: 0.1 },
    scheduler: { prediction_type: "v_prediction", beta_schedule: "squaredcos_cap_v2" },
    guidance: 1.5,
  },
  // A GPU: 32×32, three levels.
  "mnist-32": {
    size: 32,
    model: {
      block_out_channels: [64, 128, 128],
      layers_per_block: 2,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
      attention_head_dim: 32,
      norm_num_groups: 16,
    },
    train: { batchSize: 64, learningRate: 5e-4, warmupSteps: 200, emaDecay: 0.999 },
    scheduler: { prediction_type: "v_prediction", beta_schedule: "squaredcos_cap_v2" },
  },
};
