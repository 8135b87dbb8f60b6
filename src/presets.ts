/**
 * The model presets of the training job, sized by measurement for each kind of adapter (see README). Browser-safe
 * (types only), so the demo page trains the same configurations as the CLI; src/pipeline.ts re-exports them.
 */
import type { DDPMSchedulerConfig } from "./diffusion/config.js";
import type { UNet2DConfig } from "./nn/unet.js";
import type { TrainConfig } from "./train.js";

/** Model presets, sized by measurement for each kind of adapter (see README). */
export interface Preset {
  size: number;
  model: Partial<UNet2DConfig>;
  train: Partial<TrainConfig>;
  scheduler?: Partial<DDPMSchedulerConfig>;
  /** Classifier-free guidance scale for the samples the training job writes (1 = none; other values need train.labelDropout > 0). */
  guidance?: number;
}

export const PRESETS: Record<string, Preset> = {
  // The software adapter (SwiftShader on a 2-core CPU): 16×16, a small two-level U-Net without attention, trained
  // class-conditionally with label dropout and sampled with classifier-free guidance (scale 2). Measured there
  // (bench/legibility.ts: a 5-NN pixel classifier reading 50 samples, DDIM 30 steps): at 300 steps, guidance
  // 1 / 2 / 4 gave 19 / 32 / 38 of 50 read as their label (with attention at 8×8); without attention, 600 steps
  // and guidance 2 gave 42 of 50 and legible digits, where guidance 4 over-saturates (16 of 50). Dropping
  // attention makes a step ~27% cheaper, which buys more steps than attention's gain per step. v-prediction on
  // the cosine schedule gives digit strokes where ε-prediction on the linear schedule still gives noise.
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
    guidance: 2,
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
