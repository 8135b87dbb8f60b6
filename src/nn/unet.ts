/**
 * UNet2DModel with diffusers' structure, configuration keys and parameter names, so that a checkpoint moves
 * between PyTorch/diffusers and this engine both ways. The order of operations in every block follows
 * diffusers (unet_2d.py, unet_2d_blocks.py, resnet.py, attention_processor.py); the comments name the piece.
 */

import type { Engine, Tensor } from "../engine.js";
import {
  add,
  affine,
  attention,
  concat,
  dropout,
  permute,
  reshape,
  scale,
  silu,
  timestepEmbedding,
  upsampleNearest2x,
} from "../ops/index.js";
import { shapeString } from "../shape.js";
import { Conv2d, checkNCHW, Embedding, GroupNorm, Linear } from "./layers.js";
import { type Denoiser, InitRandom, Module } from "./module.js";

type DownBlockType = "DownBlock2D" | "AttnDownBlock2D";
type UpBlockType = "UpBlock2D" | "AttnUpBlock2D";

/** diffusers' UNet2DModel configuration (config.json keys), restricted to what this engine implements. */
export interface UNet2DConfig {
  sample_size: number | null;
  in_channels: number;
  out_channels: number;
  center_input_sample: boolean;
  time_embedding_type: "positional";
  freq_shift: number;
  flip_sin_to_cos: boolean;
  down_block_types: DownBlockType[];
  up_block_types: UpBlockType[];
  block_out_channels: number[];
  layers_per_block: number;
  mid_block_scale_factor: number;
  downsample_padding: number;
  downsample_type: "conv";
  upsample_type: "conv";
  dropout: number;
  act_fn: "silu";
  attention_head_dim: number | null;
  norm_num_groups: number;
  attn_norm_num_groups: number | null;
  norm_eps: number;
  resnet_time_scale_shift: "default";
  add_attention: boolean;
  class_embed_type: null;
  num_class_embeds: number | null;
  num_train_timesteps: number | null;
  mid_block_type: "UNetMidBlock2D";
  /** Width of the time embedding; null means block_out_channels[0] · 4. */
  time_embedding_dim: number | null;
}

/** diffusers' defaults for every key. */
export const UNET_DEFAULTS: UNet2DConfig = {
  sample_size: null,
  in_channels: 3,
  out_channels: 3,
  center_input_sample: false,
  time_embedding_type: "positional",
  freq_shift: 0,
  flip_sin_to_cos: true,
  down_block_types: ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"],
  up_block_types: ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
  block_out_channels: [224, 448, 672, 896],
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  downsample_padding: 1,
  downsample_type: "conv",
  upsample_type: "conv",
  dropout: 0,
  act_fn: "silu",
  attention_head_dim: 8,
  norm_num_groups: 32,
  attn_norm_num_groups: null,
  norm_eps: 1e-5,
  resnet_time_scale_shift: "default",
  add_attention: true,
  class_embed_type: null,
  num_class_embeds: null,
  num_train_timesteps: null,
  mid_block_type: "UNetMidBlock2D",
  time_embedding_dim: null,
};

/** Keys diffusers 0.30's UNet2DModel does not take; configJSON leaves them out at their defaults. */
const UNKNOWN_TO_DIFFUSERS_0_30 = ["mid_block_type", "time_embedding_dim"] as const;

/** Values for which only one choice is implemented; any other value is refused by name. */
const ONLY: Partial<Record<keyof UNet2DConfig, unknown>> = {
  time_embedding_type: "positional",
  downsample_type: "conv",
  upsample_type: "conv",
  act_fn: "silu",
  resnet_time_scale_shift: "default",
  class_embed_type: null,
  mid_block_type: "UNetMidBlock2D",
  // ResnetBlock2D's output_scale_factor in the mid block; every released DDPM checkpoint uses 1
  mid_block_scale_factor: 1,
};

const positiveInteger = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const orNull = (check: (v: unknown) => boolean) => (v: unknown) => v === null || check(v);
const isBoolean = (v: unknown) => typeof v === "boolean";
const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);

/** The type of every numeric, boolean and list key, checked before the model is built. */
const VALUE_CHECKS: Partial<Record<keyof UNet2DConfig, { ok: (v: unknown) => boolean; what: string }>> = {
  sample_size: { ok: orNull(positiveInteger), what: "a positive integer or null" },
  in_channels: { ok: positiveInteger, what: "a positive integer" },
  out_channels: { ok: positiveInteger, what: "a positive integer" },
  center_input_sample: { ok: isBoolean, what: "true or false" },
  freq_shift: { ok: finite, what: "a number" },
  flip_sin_to_cos: { ok: isBoolean, what: "true or false" },
  down_block_types: { ok: (v) => Array.isArray(v) && v.length > 0, what: "a list of block types" },
  up_block_types: { ok: (v) => Array.isArray(v) && v.length > 0, what: "a list of block types" },
  block_out_channels: { ok: (v) => Array.isArray(v) && v.length > 0 && v.every(positiveInteger), what: "a list of positive integers" },
  layers_per_block: { ok: positiveInteger, what: "a positive integer" },
  downsample_padding: { ok: (v) => v === 0 || v === 1, what: "0 or 1" },
  dropout: { ok: (v) => finite(v) && (v as number) >= 0 && (v as number) < 1, what: "a number in [0, 1)" },
  attention_head_dim: { ok: orNull(positiveInteger), what: "a positive integer or null" },
  norm_num_groups: { ok: positiveInteger, what: "a positive integer" },
  attn_norm_num_groups: { ok: orNull(positiveInteger), what: "a positive integer or null" },
  norm_eps: { ok: (v) => finite(v) && (v as number) > 0, what: "a positive number" },
  add_attention: { ok: isBoolean, what: "true or false" },
  num_class_embeds: { ok: orNull(positiveInteger), what: "a positive integer or null" },
  num_train_timesteps: { ok: orNull(positiveInteger), what: "a positive integer or null" },
  time_embedding_dim: { ok: orNull(positiveInteger), what: "a positive integer or null" },
};

/**
 * Complete a (partial) config with diffusers' defaults and check it. Keys starting with "_" (diffusers'
 * bookkeeping) are dropped; unknown keys and unsupported values are errors that name them.
 */
export function resolveUNetConfig(partial: Record<string, unknown>): UNet2DConfig {
  const config = { ...UNET_DEFAULTS } as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(partial)) {
    if (key.startsWith("_")) continue;
    if (!(key in UNET_DEFAULTS)) {
      problems.push(`unknown key '${key}'`);
      continue;
    }
    config[key] = value;
  }
  for (const [key, only] of Object.entries(ONLY)) {
    if (config[key] !== only) problems.push(`${key} = ${JSON.stringify(config[key])} is not supported (only ${JSON.stringify(only)})`);
  }
  for (const [key, check] of Object.entries(VALUE_CHECKS)) {
    if (!check.ok(config[key])) problems.push(`${key} = ${JSON.stringify(config[key])} must be ${check.what}`);
  }
  if (problems.length) throw new Error(`UNet2DModel config: ${problems.join("; ")}`);
  const c = config as unknown as UNet2DConfig;
  const levels = c.block_out_channels.length;
  if (c.down_block_types.length !== levels || c.up_block_types.length !== levels) {
    problems.push(
      `block_out_channels has ${levels} levels but down_block_types has ${c.down_block_types.length} ` +
        `and up_block_types ${c.up_block_types.length}`,
    );
  }
  for (const t of c.down_block_types)
    if (t !== "DownBlock2D" && t !== "AttnDownBlock2D") problems.push(`down block type '${t}' is not supported`);
  for (const t of c.up_block_types) if (t !== "UpBlock2D" && t !== "AttnUpBlock2D") problems.push(`up block type '${t}' is not supported`);
  const groups = c.norm_num_groups;
  for (const ch of c.block_out_channels) {
    if (ch % groups !== 0) problems.push(`norm_num_groups = ${groups} does not divide block_out_channels entry ${ch}`);
  }
  // Levels with attention, and the mid block's: heads · attention_head_dim must equal the channels.
  const attentionChannels = c.block_out_channels.filter(
    (_, i) => c.down_block_types[i] === "AttnDownBlock2D" || c.up_block_types[levels - 1 - i] === "AttnUpBlock2D",
  );
  if (c.add_attention) attentionChannels.push(c.block_out_channels[levels - 1]);
  for (const ch of attentionChannels) {
    if (c.attention_head_dim && ch % c.attention_head_dim !== 0) {
      problems.push(`attention_head_dim = ${c.attention_head_dim} does not divide ${ch} channels of an attention block`);
    }
  }
  if (problems.length) throw new Error(`UNet2DModel config: ${problems.join("; ")}`);
  return c;
}

/** Per-step inputs shared by every block. */
interface Context {
  temb: Tensor;
  training: boolean;
  /** Dropout seeds advance per dropout layer so masks differ between layers. */
  nextSeed: () => number;
}

/** diffusers ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1). */
class ResnetBlock2D extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly timeEmbProj: Linear;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly convShortcut: Conv2d | null;

  constructor(
    engine: Engine,
    readonly inChannels: number,
    readonly outChannels: number,
    tembChannels: number,
    groups: number,
    eps: number,
    readonly dropoutP: number,
    random: InitRandom,
  ) {
    super(engine);
    this.norm1 = this.module("norm1", new GroupNorm(engine, groups, inChannels, eps));
    this.conv1 = this.module("conv1", new Conv2d(engine, inChannels, outChannels, 3, random, { padding: 1 }));
    this.timeEmbProj = this.module("time_emb_proj", new Linear(engine, tembChannels, outChannels, random));
    this.norm2 = this.module("norm2", new GroupNorm(engine, groups, outChannels, eps));
    this.conv2 = this.module("conv2", new Conv2d(engine, outChannels, outChannels, 3, random, { padding: 1 }));
    this.convShortcut =
      inChannels !== outChannels ? this.module("conv_shortcut", new Conv2d(engine, inChannels, outChannels, 1, random)) : null;
  }

  forward(x: Tensor, ctx: Context): Tensor {
    checkNCHW("ResnetBlock2D", x, this.inChannels);
    let h = this.norm1.forward(x, true);
    h = this.conv1.forward(h);
    // temb = time_emb_proj(SiLU(temb))[:, :, None, None]; h = h + temb
    const t = this.timeEmbProj.forward(silu(ctx.temb));
    h = add(h, reshape(t, [t.shape[0], this.outChannels, 1, 1]));
    h = this.norm2.forward(h, true);
    if (ctx.training && this.dropoutP > 0) h = dropout(h, this.dropoutP, ctx.nextSeed(), true);
    h = this.conv2.forward(h);
    const shortcut = this.convShortcut ? this.convShortcut.forward(x) : x;
    return add(shortcut, h);
  }
}

/** diffusers Attention as used by the attention blocks: GroupNorm, single- or multi-head self-attention, residual. */
class AttentionBlock extends Module {
  readonly groupNorm: GroupNorm;
  readonly toQ: Linear;
  readonly toK: Linear;
  readonly toV: Linear;
  readonly toOut: Linear;
  readonly heads: number;

  constructor(
    engine: Engine,
    readonly channels: number,
    readonly headDim: number,
    groups: number,
    eps: number,
    readonly rescaleOutputFactor: number,
    random: InitRandom,
  ) {
    super(engine);
    this.heads = Math.floor(channels / headDim);
    this.groupNorm = this.module("group_norm", new GroupNorm(engine, groups, channels, eps));
    this.toQ = this.module("to_q", new Linear(engine, channels, channels, random));
    this.toK = this.module("to_k", new Linear(engine, channels, channels, random));
    this.toV = this.module("to_v", new Linear(engine, channels, channels, random));
    // diffusers keeps to_out as a ModuleList [Linear, Dropout]: the linear is "to_out.0".
    const toOut = new ToOut(engine, channels, random);
    this.module("to_out", toOut);
    this.toOut = toOut.linear;
  }

  forward(x: Tensor): Tensor {
    checkNCHW("Attention", x, this.channels);
    const [n, c, height, width] = x.shape;
    const length = height * width;
    // group_norm on NCHW, then [B, C, HW] → [B, HW, C]
    const normed = this.groupNorm.forward(x);
    const tokens = permute(reshape(normed, [n, c, length]), [0, 2, 1]);
    // [B, L, heads·d] → [B, heads, L, d] → [B·heads, L, d]
    const splitHeads = (t: Tensor) =>
      reshape(permute(reshape(t, [n, length, this.heads, this.headDim]), [0, 2, 1, 3]), [n * this.heads, length, this.headDim]);
    const q = splitHeads(this.toQ.forward(tokens));
    const k = splitHeads(this.toK.forward(tokens));
    const v = splitHeads(this.toV.forward(tokens));
    const attended = attention(q, k, v, { scale: 1 / Math.sqrt(this.headDim) });
    // [B·heads, L, d] → [B, L, heads·d]
    const merged = reshape(permute(reshape(attended, [n, this.heads, length, this.headDim]), [0, 2, 1, 3]), [n, length, c]);
    const projected = this.toOut.forward(merged);
    // back to NCHW, residual, rescale
    const spatial = reshape(permute(projected, [0, 2, 1]), [n, c, height, width]);
    const out = add(spatial, x);
    return this.rescaleOutputFactor === 1 ? out : scale(out, 1 / this.rescaleOutputFactor);
  }
}

class ToOut extends Module {
  readonly linear: Linear;
  constructor(engine: Engine, channels: number, random: InitRandom) {
    super(engine);
    this.linear = this.module("0", new Linear(engine, channels, channels, random));
  }
}

/** diffusers Downsample2D with use_conv: 3×3 stride 2; padding 0 means pad (0,1,0,1) first. */
class Downsample2D extends Module {
  readonly conv: Conv2d;
  constructor(
    engine: Engine,
    channels: number,
    readonly padding: number,
    random: InitRandom,
  ) {
    super(engine);
    this.conv = this.module("conv", new Conv2d(engine, channels, channels, 3, random, { stride: 2 }));
  }
  forward(x: Tensor): Tensor {
    const pad: [number, number, number, number] =
      this.padding === 0 ? [0, 1, 0, 1] : [this.padding, this.padding, this.padding, this.padding];
    return this.conv.forward(x, pad);
  }
}

/** diffusers Upsample2D with use_conv: nearest ×2, then 3×3 conv. */
class Upsample2D extends Module {
  readonly conv: Conv2d;
  constructor(engine: Engine, channels: number, random: InitRandom) {
    super(engine);
    this.conv = this.module("conv", new Conv2d(engine, channels, channels, 3, random, { padding: 1 }));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(upsampleNearest2x(x));
  }
}

class ModuleList<M extends Module> extends Module {
  readonly items: M[] = [];
  push(item: M): M {
    this.items.push(item);
    return this.module(String(this.items.length - 1), item);
  }
}

/** DownBlock2D / AttnDownBlock2D. Returns the output and every state the up path will concatenate. */
class DownBlock extends Module {
  readonly resnets: ModuleList<ResnetBlock2D>;
  readonly attentions: ModuleList<AttentionBlock> | null;
  readonly downsamplers: ModuleList<Downsample2D> | null;

  constructor(
    engine: Engine,
    type: DownBlockType,
    c: UNet2DConfig,
    inChannels: number,
    outChannels: number,
    tembChannels: number,
    addDownsample: boolean,
    random: InitRandom,
  ) {
    super(engine);
    const withAttention = type === "AttnDownBlock2D";
    this.attentions = withAttention ? this.module("attentions", new ModuleList<AttentionBlock>(engine)) : null;
    this.resnets = this.module("resnets", new ModuleList<ResnetBlock2D>(engine));
    for (let i = 0; i < c.layers_per_block; i++) {
      this.resnets.push(
        new ResnetBlock2D(
          engine,
          i === 0 ? inChannels : outChannels,
          outChannels,
          tembChannels,
          c.norm_num_groups,
          c.norm_eps,
          c.dropout,
          random,
        ),
      );
      if (this.attentions) {
        const headDim = c.attention_head_dim ?? outChannels;
        this.attentions.push(new AttentionBlock(engine, outChannels, headDim, c.norm_num_groups, c.norm_eps, 1, random));
      }
    }
    this.downsamplers = addDownsample ? this.module("downsamplers", new ModuleList<Downsample2D>(engine)) : null;
    this.downsamplers?.push(new Downsample2D(engine, outChannels, c.downsample_padding, random));
  }

  forward(x: Tensor, ctx: Context): { output: Tensor; states: Tensor[] } {
    const states: Tensor[] = [];
    let h = x;
    this.resnets.items.forEach((resnet, i) => {
      h = resnet.forward(h, ctx);
      if (this.attentions) h = this.attentions.items[i].forward(h);
      states.push(h);
    });
    if (this.downsamplers) {
      h = this.downsamplers.items[0].forward(h);
      states.push(h);
    }
    return { output: h, states };
  }
}

/** UpBlock2D / AttnUpBlock2D: each resnet first concatenates the matching skip state along channels. */
class UpBlock extends Module {
  readonly resnets: ModuleList<ResnetBlock2D>;
  readonly attentions: ModuleList<AttentionBlock> | null;
  readonly upsamplers: ModuleList<Upsample2D> | null;

  constructor(
    engine: Engine,
    type: UpBlockType,
    c: UNet2DConfig,
    inChannels: number,
    prevOutputChannels: number,
    outChannels: number,
    tembChannels: number,
    addUpsample: boolean,
    random: InitRandom,
  ) {
    super(engine);
    const layers = c.layers_per_block + 1;
    this.attentions = type === "AttnUpBlock2D" ? this.module("attentions", new ModuleList<AttentionBlock>(engine)) : null;
    this.resnets = this.module("resnets", new ModuleList<ResnetBlock2D>(engine));
    for (let i = 0; i < layers; i++) {
      const skipChannels = i === layers - 1 ? inChannels : outChannels;
      const resnetIn = i === 0 ? prevOutputChannels : outChannels;
      this.resnets.push(
        new ResnetBlock2D(engine, resnetIn + skipChannels, outChannels, tembChannels, c.norm_num_groups, c.norm_eps, c.dropout, random),
      );
      if (this.attentions) {
        const headDim = c.attention_head_dim ?? outChannels;
        this.attentions.push(new AttentionBlock(engine, outChannels, headDim, c.norm_num_groups, c.norm_eps, 1, random));
      }
    }
    this.upsamplers = addUpsample ? this.module("upsamplers", new ModuleList<Upsample2D>(engine)) : null;
    this.upsamplers?.push(new Upsample2D(engine, outChannels, random));
  }

  forward(x: Tensor, skips: Tensor[], ctx: Context): Tensor {
    let h = x;
    this.resnets.items.forEach((resnet, i) => {
      const skip = skips.pop()!;
      h = resnet.forward(concat([h, skip], 1), ctx);
      if (this.attentions) h = this.attentions.items[i].forward(h);
    });
    if (this.upsamplers) h = this.upsamplers.items[0].forward(h);
    return h;
  }
}

/** UNetMidBlock2D: resnet, then (attention, resnet) once. */
class MidBlock extends Module {
  readonly resnets: ModuleList<ResnetBlock2D>;
  readonly attentions: ModuleList<AttentionBlock> | null;

  constructor(engine: Engine, c: UNet2DConfig, channels: number, tembChannels: number, random: InitRandom) {
    super(engine);
    this.attentions = c.add_attention ? this.module("attentions", new ModuleList<AttentionBlock>(engine)) : null;
    this.resnets = this.module("resnets", new ModuleList<ResnetBlock2D>(engine));
    const resnet = () => new ResnetBlock2D(engine, channels, channels, tembChannels, c.norm_num_groups, c.norm_eps, c.dropout, random);
    this.resnets.push(resnet());
    if (this.attentions) {
      const headDim = c.attention_head_dim ?? channels;
      const groups = c.attn_norm_num_groups ?? c.norm_num_groups;
      this.attentions.push(new AttentionBlock(engine, channels, headDim, groups, c.norm_eps, c.mid_block_scale_factor, random));
    }
    this.resnets.push(resnet());
  }

  forward(x: Tensor, ctx: Context): Tensor {
    let h = this.resnets.items[0].forward(x, ctx);
    if (this.attentions) h = this.attentions.items[0].forward(h);
    return this.resnets.items[1].forward(h, ctx);
  }
}

class TimestepEmbeddingMLP extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  constructor(engine: Engine, inChannels: number, dim: number, random: InitRandom) {
    super(engine);
    this.linear1 = this.module("linear_1", new Linear(engine, inChannels, dim, random));
    this.linear2 = this.module("linear_2", new Linear(engine, dim, dim, random));
  }
  forward(x: Tensor): Tensor {
    return this.linear2.forward(silu(this.linear1.forward(x)));
  }
}

/** Inputs of one forward pass. */
export interface UNetInput {
  /** Noisy images [N, in_channels, H, W]. */
  sample: Tensor;
  /** One timestep per sample: numbers, or a [N] tensor of float timesteps. */
  timesteps: ArrayLike<number> | Tensor;
  /** One class label per sample, when the model has num_class_embeds. */
  classLabels?: ArrayLike<number>;
  /** Seed for dropout masks (training only). */
  dropoutSeed?: number;
}

export class UNet2DModel extends Module {
  readonly config: UNet2DConfig;
  readonly convIn: Conv2d;
  readonly timeEmbedding: TimestepEmbeddingMLP;
  readonly classEmbedding: Embedding | null;
  readonly downBlocks: ModuleList<DownBlock>;
  readonly midBlock: MidBlock;
  readonly upBlocks: ModuleList<UpBlock>;
  readonly convNormOut: GroupNorm;
  readonly convOut: Conv2d;

  /** Build the model; weights are initialised like PyTorch's defaults from `seed`. */
  constructor(engine: Engine, config: Partial<UNet2DConfig> | Record<string, unknown> = {}, seed = 0) {
    super(engine);
    const c = resolveUNetConfig(config as Record<string, unknown>);
    this.config = c;
    const random = new InitRandom(seed);
    const channels = c.block_out_channels;
    const timeEmbedDim = c.time_embedding_dim ?? channels[0] * 4;

    this.convIn = this.module("conv_in", new Conv2d(engine, c.in_channels, channels[0], 3, random, { padding: 1 }));
    this.timeEmbedding = this.module("time_embedding", new TimestepEmbeddingMLP(engine, channels[0], timeEmbedDim, random));
    this.classEmbedding = c.num_class_embeds
      ? this.module("class_embedding", new Embedding(engine, c.num_class_embeds, timeEmbedDim, random))
      : null;

    this.downBlocks = this.module("down_blocks", new ModuleList<DownBlock>(engine));
    let outputChannel = channels[0];
    c.down_block_types.forEach((type, i) => {
      const inputChannel = outputChannel;
      outputChannel = channels[i];
      this.downBlocks.push(new DownBlock(engine, type, c, inputChannel, outputChannel, timeEmbedDim, i < channels.length - 1, random));
    });

    this.midBlock = this.module("mid_block", new MidBlock(engine, c, channels[channels.length - 1], timeEmbedDim, random));

    this.upBlocks = this.module("up_blocks", new ModuleList<UpBlock>(engine));
    const reversed = [...channels].reverse();
    outputChannel = reversed[0];
    c.up_block_types.forEach((type, i) => {
      const prevOutputChannel = outputChannel;
      outputChannel = reversed[i];
      const inputChannel = reversed[Math.min(i + 1, channels.length - 1)];
      this.upBlocks.push(
        new UpBlock(engine, type, c, inputChannel, prevOutputChannel, outputChannel, timeEmbedDim, i < channels.length - 1, random),
      );
    });

    this.convNormOut = this.module("conv_norm_out", new GroupNorm(engine, c.norm_num_groups, channels[0], c.norm_eps));
    this.convOut = this.module("conv_out", new Conv2d(engine, channels[0], c.out_channels, 3, random, { padding: 1 }));
  }

  /** The model as the training loop's denoiser (class labels and the dropout seed passed through). */
  asDenoiser(): Denoiser {
    return {
      forward: (sample, timesteps, classLabels, dropoutSeed) => this.forward({ sample, timesteps, classLabels, dropoutSeed }),
      parameters: () => this.parameters(),
    };
  }

  /** ε (or x₀, or v, as trained) for a batch of noisy samples. */
  forward(input: UNetInput): Tensor {
    const c = this.config;
    const { sample } = input;
    checkNCHW("UNet2DModel", sample, c.in_channels);
    const [n, , height, width] = sample.shape;
    const factor = 2 ** (c.block_out_channels.length - 1);
    if (height % factor !== 0 || width % factor !== 0) {
      throw new Error(
        `UNet2DModel: input ${shapeString(sample.shape)} has a size not divisible by 2^(levels−1) = ${factor} ` +
          `(${c.block_out_channels.length} levels)`,
      );
    }
    const timesteps = this.timestepTensor(input.timesteps, n);
    if (this.classEmbedding && !input.classLabels)
      throw new Error("UNet2DModel: the model is class-conditional (num_class_embeds); pass classLabels");
    if (input.classLabels && !this.classEmbedding)
      throw new Error("UNet2DModel: classLabels given, but the config has no num_class_embeds");
    if (input.classLabels && input.classLabels.length !== n) {
      throw new Error(`UNet2DModel: ${input.classLabels.length} class labels for a batch of ${n}`);
    }

    // 1. time (and class) embedding
    const tProj = timestepEmbedding(this.engine, timesteps, c.block_out_channels[0], {
      flipSinToCos: c.flip_sin_to_cos,
      downscaleFreqShift: c.freq_shift,
    });
    let temb = this.timeEmbedding.forward(tProj);
    if (this.classEmbedding) temb = add(temb, this.classEmbedding.forward(input.classLabels!));

    let seed = (input.dropoutSeed ?? 0) * 1000;
    const ctx: Context = { temb, training: this.training, nextSeed: () => seed++ };

    // 2. pre-process
    let h = c.center_input_sample ? affine(sample, 2, -1) : sample;
    h = this.convIn.forward(h);

    // 3. down
    const skips: Tensor[] = [h];
    for (const block of this.downBlocks.items) {
      const { output, states } = block.forward(h, ctx);
      h = output;
      skips.push(...states);
    }

    // 4. mid
    h = this.midBlock.forward(h, ctx);

    // 5. up
    for (const block of this.upBlocks.items) h = block.forward(h, skips, ctx);

    // 6. post-process
    h = this.convNormOut.forward(h, true);
    return this.convOut.forward(h);
  }

  /**
   * config.json's object, as diffusers 0.30's UNet2DModel takes it: `mid_block_type` and `time_embedding_dim`,
   * which that release does not know (and warns about), are written only when they differ from the default.
   */
  configJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { _class_name: "UNet2DModel", ...this.config };
    for (const key of UNKNOWN_TO_DIFFUSERS_0_30) if (json[key] === UNET_DEFAULTS[key]) delete json[key];
    return json;
  }

  private timestepTensor(timesteps: ArrayLike<number> | Tensor, n: number): Tensor {
    if ("engine" in (timesteps as object)) {
      const t = timesteps as Tensor;
      if (t.rank !== 1 || t.shape[0] !== n) throw new Error(`UNet2DModel: timesteps ${shapeString(t.shape)} for a batch of ${n}`);
      return t;
    }
    const list = timesteps as ArrayLike<number>;
    if (list.length === 1 && n > 1) return this.engine.tensor(new Float32Array(n).fill(list[0]), [n]);
    if (list.length !== n) throw new Error(`UNet2DModel: ${list.length} timesteps for a batch of ${n}`);
    return this.engine.tensor(Float32Array.from(list), [n]);
  }
}
