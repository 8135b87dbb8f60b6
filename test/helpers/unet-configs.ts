/** U-Net configurations the tests build (diffusers' UNet2DModel config keys). */
import type { UNet2DConfig } from "../../src/nn/unet.js";

/** google/ddpm-cifar10-32's config.json (diffusers). */
export const CIFAR10_CONFIG = {
  _class_name: "UNet2DModel",
  _diffusers_version: "0.0.4",
  act_fn: "silu",
  attention_head_dim: null,
  block_out_channels: [128, 256, 256, 256],
  center_input_sample: false,
  down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
  downsample_padding: 0,
  flip_sin_to_cos: false,
  freq_shift: 1,
  in_channels: 3,
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  norm_eps: 1e-6,
  norm_num_groups: 32,
  out_channels: 3,
  sample_size: 32,
  time_embedding_type: "positional",
  up_block_types: ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
};

/**
 * The smallest U-Net the tests train, save and load: two levels of 8 channels, one ResNet block each, no attention
 * (channels, size and classes are each test's own). A fresh object on every call, so no test shares another's arrays.
 */
export function tinyUNet(): Partial<UNet2DConfig> {
  return {
    block_out_channels: [8, 8],
    layers_per_block: 1,
    norm_num_groups: 4,
    down_block_types: ["DownBlock2D", "DownBlock2D"],
    up_block_types: ["UpBlock2D", "UpBlock2D"],
  };
}
