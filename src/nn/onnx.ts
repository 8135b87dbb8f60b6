/**
 * A UNet2DModel as an ONNX inference graph, built from its config and weights on the CPU (no GPU needed), so a
 * model trained here runs in any ONNX runtime. The graph follows the same diffusers structure as unet.ts, block
 * by block, and keeps the PyTorch parameter names as initializer names.
 *
 * Inputs and outputs carry the names of diffusers' ONNX exports (optimum): `sample` float [batch, C, H, W],
 * `timestep` float [batch], `class_labels` int64 [batch] when the model has num_class_embeds, and `out_sample`
 * float [batch, out_channels, H, W]. H and W are free (multiples of 2^(levels−1)).
 *
 * How each piece is written in opset 17 (no GroupNormalization, whose meaning changed in opset 21):
 *   GroupNorm   Reshape [N, G, −1] → InstanceNormalization (scale 1, bias 0, the config's eps) → Reshape back
 *               → Mul γ[C,1,1] → Add β[C,1,1], which is torch.onnx's own export of nn.GroupNorm;
 *   SiLU        x · Sigmoid(x);   Linear   MatMul with the transposed weight, Add bias;
 *   Attention   tokens [N, HW, C], per-head MatMuls, Softmax over keys, scaled by 1/√d as diffusers does;
 *   Upsample2D  Resize nearest ×2 with asymmetric coordinates and floor (torch's F.interpolate "nearest");
 *   timesteps   freq_j as an initializer, the same f32 values as the engine's (ops/misc.ts), then Sin and Cos.
 */
import { type AttributeValue, OnnxGraph } from "../io/onnx.js";
import { timestepFrequencies } from "../ops/index.js";
import type { StateDict } from "./module.js";
import { resolveUNetConfig, type UNet2DConfig } from "./unet.js";

/** Options of exportUNetOnnx. */
export interface OnnxExportOptions {
  /** ModelProto.producer_version (the producer is "ddpm-webgpu"). */
  producerVersion?: string;
  /** ModelProto.doc_string. */
  docString?: string;
  /** ModelProto.metadata_props (e.g. the scheduler config a sampler needs beside the network). */
  metadata?: Record<string, string>;
}

/**
 * The ONNX ModelProto bytes of a UNet2DModel with `config` (diffusers config.json keys) and the weights `state`
 * (PyTorch names: `await model.stateDict()`, or a diffusers folder's safetensors). Every weight the structure
 * needs must be there with its shape, and nothing else: a missing, misshapen or unexpected key is an error that
 * names it.
 */
export function exportUNetOnnx(config: Record<string, unknown>, state: StateDict, options: OnnxExportOptions = {}): Uint8Array {
  const c = resolveUNetConfig(config);
  if (options.metadata && "unet_config" in options.metadata) {
    throw new Error("exportUNetOnnx: the metadata key 'unet_config' is the export's own (the model's config)");
  }
  const builder = new UNetGraph(c, state);
  return builder.graph.serialize(
    { name: "ddpm-webgpu", version: options.producerVersion },
    options.docString ?? "UNet2DModel (diffusers structure)",
    { unet_config: JSON.stringify({ _class_name: "UNet2DModel", ...withoutBookkeeping(config) }), ...options.metadata },
  );
}

/** The config as given (a diffusers config.json's keys), without diffusers' "_" bookkeeping. */
function withoutBookkeeping(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => !key.startsWith("_")));
}

/** One pass over the structure, adding each block's nodes to the graph. */
class UNetGraph {
  readonly graph = new OnnxGraph("UNet2DModel");
  private readonly used = new Set<string>();
  /** The shape of a value as an int64 tensor, for the Reshapes back to [N, C, H, W]. */
  private readonly shapeOf = new Map<string, string>();
  private readonly tembChannels: number;

  constructor(
    private readonly c: UNet2DConfig,
    private readonly state: StateDict,
  ) {
    const g = this.graph;
    const channels = c.block_out_channels;
    const levels = channels.length;
    this.tembChannels = c.time_embedding_dim ?? channels[0] * 4;
    const sample = g.input({ name: "sample", type: "float", shape: ["batch", c.in_channels, "height", "width"] });
    const timestep = g.input({ name: "timestep", type: "float", shape: ["batch"] });
    const labels = c.num_class_embeds ? g.input({ name: "class_labels", type: "int64", shape: ["batch"] }) : null;

    // 1. time (and class) embedding
    let temb = this.timeEmbedding(timestep, channels[0]);
    if (labels) {
      const table = this.param("class_embedding.weight", [c.num_class_embeds!, this.tembChannels]);
      temb = g.op("Add", [temb, g.op("Gather", [table, labels], "class_embedding", { axis: { int: 0 } })], "temb_plus_class");
    }
    // The SiLU every resnet applies to temb before its projection, computed once.
    const tembSilu = this.silu(temb, "temb_silu");

    // 2. pre-process
    let h = sample;
    if (c.center_input_sample) h = g.op("Sub", [g.op("Mul", [h, g.scalar(2)], "center_scale"), g.scalar(1)], "center");
    h = this.conv(h, "conv_in", c.in_channels, channels[0], 3, 1);

    // 3. down: each level's states (and their channels) are kept for the up path
    const skips = [{ value: h, channels: channels[0] }];
    let width = channels[0];
    for (let i = 0; i < levels; i++) {
      const prefix = `down_blocks.${i}`;
      const attention = c.down_block_types[i] === "AttnDownBlock2D";
      for (let j = 0; j < c.layers_per_block; j++) {
        h = this.resnet(h, tembSilu, `${prefix}.resnets.${j}`, width, channels[i]);
        width = channels[i];
        if (attention) h = this.attention(h, `${prefix}.attentions.${j}`, width);
        skips.push({ value: h, channels: width });
      }
      if (i < levels - 1) {
        const pads = c.downsample_padding === 0 ? [0, 0, 1, 1] : [1, 1, 1, 1];
        h = this.conv(h, `${prefix}.downsamplers.0.conv`, width, width, 3, pads, 2);
        skips.push({ value: h, channels: width });
      }
    }

    // 4. mid
    h = this.resnet(h, tembSilu, "mid_block.resnets.0", width, width);
    if (c.add_attention) h = this.attention(h, "mid_block.attentions.0", width, c.attn_norm_num_groups ?? c.norm_num_groups);
    h = this.resnet(h, tembSilu, "mid_block.resnets.1", width, width);

    // 5. up: each resnet first concatenates the matching skip state along channels
    const reversed = [...channels].reverse();
    for (let i = 0; i < levels; i++) {
      const prefix = `up_blocks.${i}`;
      const attention = c.up_block_types[i] === "AttnUpBlock2D";
      for (let j = 0; j <= c.layers_per_block; j++) {
        const skip = skips.pop()!;
        h = g.op("Concat", [h, skip.value], `${prefix}.resnets.${j}.concat`, { axis: { int: 1 } });
        h = this.resnet(h, tembSilu, `${prefix}.resnets.${j}`, width + skip.channels, reversed[i]);
        width = reversed[i];
        if (attention) h = this.attention(h, `${prefix}.attentions.${j}`, width);
      }
      if (i < levels - 1) {
        const scales = g.constant("float", [4], [1, 1, 2, 2]);
        const resize = { mode: "nearest", coordinate_transformation_mode: "asymmetric", nearest_mode: "floor" };
        h = g.op("Resize", [h, "", scales], `${prefix}.upsamplers.0.resize`, resize);
        h = this.conv(h, `${prefix}.upsamplers.0.conv`, width, width, 3, 1);
      }
    }

    // 6. post-process
    h = this.silu(this.groupNorm(h, "conv_norm_out", width, c.norm_num_groups), "conv_norm_out.silu");
    h = this.conv(h, "conv_out", width, c.out_channels, 3, 1);
    g.output(h, { name: "out_sample", type: "float", shape: ["batch", c.out_channels, "height", "width"] });

    const unexpected = [...state.keys()].filter((k) => !this.used.has(k));
    if (unexpected.length) throw new Error(`exportUNetOnnx: weights the config has no place for: ${unexpected.join(", ")}`);
  }

  /** The weight `name`, checked against `shape`, as an initializer (its values transformed first, if asked). */
  private param(name: string, shape: number[], transform?: (data: Float32Array) => [number[], Float32Array]): string {
    const entry = this.state.get(name);
    if (!entry) throw new Error(`exportUNetOnnx: the weights have no '${name}'`);
    if (entry.shape.length !== shape.length || shape.some((d, i) => d !== entry.shape[i])) {
      throw new Error(`exportUNetOnnx: '${name}' has shape [${entry.shape.join(", ")}], expected [${shape.join(", ")}]`);
    }
    this.used.add(name);
    const [dims, data] = transform ? transform(entry.data) : [entry.shape, entry.data];
    return this.graph.weight(name, dims, data);
  }

  /** diffusers get_timestep_embedding, then TimestepEmbedding (linear_1, SiLU, linear_2): [N] → [N, temb]. */
  private timeEmbedding(timestep: string, dim: number): string {
    const g = this.graph;
    const half = Math.floor(dim / 2);
    if (half >= 1 && Math.fround(half - this.c.freq_shift) === 0) {
      throw new Error(
        `exportUNetOnnx: freq_shift = ${this.c.freq_shift} equals half the embedding width (${half}): its frequencies divide by zero`,
      );
    }
    const frequencies = timestepFrequencies(half, this.c.freq_shift, 10000);
    const column = g.op("Unsqueeze", [timestep, g.ints([1])], "time_proj.column");
    const args = g.op("Mul", [column, g.weight("time_proj.frequencies", [half], frequencies.subarray(0, half))], "time_proj.args");
    const sin = g.op("Sin", [args], "time_proj.sin");
    const cos = g.op("Cos", [args], "time_proj.cos");
    let emb = g.op("Concat", this.c.flip_sin_to_cos ? [cos, sin] : [sin, cos], "time_proj", { axis: { int: 1 } });
    if (dim % 2 === 1) emb = g.op("Pad", [emb, g.ints([0, 0, 0, 1])], "time_proj.pad");
    const hidden = this.silu(this.linear(emb, "time_embedding.linear_1", dim, this.tembChannels), "time_embedding.act");
    return this.linear(hidden, "time_embedding.linear_2", this.tembChannels, this.tembChannels);
  }

  private silu(x: string, name: string): string {
    const g = this.graph;
    return g.op("Mul", [x, g.op("Sigmoid", [x], `${name}.sigmoid`)], name);
  }

  /** x · Wᵀ + b over the last axis; the weight is stored transposed ([in, out]) under its PyTorch name. */
  private linear(x: string, prefix: string, inFeatures: number, outFeatures: number): string {
    const g = this.graph;
    const weight = this.param(`${prefix}.weight`, [outFeatures, inFeatures], (data) => {
      const t = new Float32Array(data.length);
      for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) t[i * outFeatures + o] = data[o * inFeatures + i];
      return [[inFeatures, outFeatures], t];
    });
    const bias = this.param(`${prefix}.bias`, [outFeatures]);
    return g.op("Add", [g.op("MatMul", [x, weight], `${prefix}.matmul`), bias], prefix);
  }

  /** A k×k conv with symmetric padding `pads` (or [top, left, bottom, right]) and `stride`. */
  private conv(x: string, prefix: string, inChannels: number, outChannels: number, k: number, pads: number | number[], stride = 1): string {
    const weight = this.param(`${prefix}.weight`, [outChannels, inChannels, k, k]);
    const bias = this.param(`${prefix}.bias`, [outChannels]);
    const attributes: Record<string, AttributeValue> = {
      kernel_shape: [k, k],
      pads: typeof pads === "number" ? [pads, pads, pads, pads] : pads,
      strides: [stride, stride],
    };
    return this.graph.op("Conv", [x, weight, bias], prefix, attributes);
  }

  /** The shape of `x` as an int64 tensor (one Shape node per value). */
  private shape(x: string): string {
    let shape = this.shapeOf.get(x);
    if (!shape) {
      shape = this.graph.op("Shape", [x], `${x}.shape`);
      this.shapeOf.set(x, shape);
    }
    return shape;
  }

  /** nn.GroupNorm, as torch.onnx writes it (see the file comment). */
  private groupNorm(x: string, prefix: string, channels: number, groups: number): string {
    const g = this.graph;
    const grouped = g.op("Reshape", [x, g.ints([0, groups, -1])], `${prefix}.group`);
    const unit = g.constant("float", [groups], new Array(groups).fill(1));
    const zero = g.constant("float", [groups], new Array(groups).fill(0));
    const eps = { float: this.c.norm_eps };
    const normed = g.op("InstanceNormalization", [grouped, unit, zero], `${prefix}.normalize`, { epsilon: eps });
    const back = g.op("Reshape", [normed, this.shape(x)], `${prefix}.ungroup`);
    const perChannel = (data: Float32Array): [number[], Float32Array] => [[channels, 1, 1], data];
    const gamma = this.param(`${prefix}.weight`, [channels], perChannel);
    const beta = this.param(`${prefix}.bias`, [channels], perChannel);
    return g.op("Add", [g.op("Mul", [back, gamma], `${prefix}.scale`), beta], prefix);
  }

  /** ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1); a 1×1 conv_shortcut when the widths differ. */
  private resnet(x: string, tembSilu: string, prefix: string, inChannels: number, outChannels: number): string {
    const g = this.graph;
    const groups = this.c.norm_num_groups;
    let h = this.silu(this.groupNorm(x, `${prefix}.norm1`, inChannels, groups), `${prefix}.act1`);
    h = this.conv(h, `${prefix}.conv1`, inChannels, outChannels, 3, 1);
    const projected = this.linear(tembSilu, `${prefix}.time_emb_proj`, this.tembChannels, outChannels);
    h = g.op("Add", [h, g.op("Unsqueeze", [projected, g.ints([2, 3])], `${prefix}.temb`)], `${prefix}.add_temb`);
    h = this.silu(this.groupNorm(h, `${prefix}.norm2`, outChannels, groups), `${prefix}.act2`);
    h = this.conv(h, `${prefix}.conv2`, outChannels, outChannels, 3, 1);
    const shortcut = inChannels !== outChannels ? this.conv(x, `${prefix}.conv_shortcut`, inChannels, outChannels, 1, 0) : x;
    return g.op("Add", [shortcut, h], prefix);
  }

  /** diffusers Attention (the attention blocks'): GroupNorm, multi-head self-attention over H·W tokens, residual. */
  private attention(x: string, prefix: string, channels: number, groups = this.c.norm_num_groups): string {
    const g = this.graph;
    const headDim = this.c.attention_head_dim ?? channels;
    const heads = Math.floor(channels / headDim);
    // [N, C, H, W] → [N, HW, C]
    const normed = this.groupNorm(x, `${prefix}.group_norm`, channels, groups);
    const flat = g.op("Reshape", [normed, g.ints([0, channels, -1])], `${prefix}.flatten`);
    const tokens = g.op("Transpose", [flat], `${prefix}.tokens`, { perm: [0, 2, 1] });
    // [N, HW, heads·d] → [N, heads, HW, d] (keys: [N, heads, d, HW])
    const split = (t: string, name: string, perm: number[]) =>
      g.op("Transpose", [g.op("Reshape", [t, g.ints([0, -1, heads, headDim])], `${name}.split`)], `${name}.heads`, { perm });
    const q = split(this.linear(tokens, `${prefix}.to_q`, channels, channels), `${prefix}.q`, [0, 2, 1, 3]);
    const kT = split(this.linear(tokens, `${prefix}.to_k`, channels, channels), `${prefix}.k`, [0, 2, 3, 1]);
    const v = split(this.linear(tokens, `${prefix}.to_v`, channels, channels), `${prefix}.v`, [0, 2, 1, 3]);
    const scores = g.op("Mul", [g.op("MatMul", [q, kT], `${prefix}.qk`), g.scalar(1 / Math.sqrt(headDim))], `${prefix}.scores`);
    const probs = g.op("Softmax", [scores], `${prefix}.softmax`, { axis: { int: -1 } });
    const attended = g.op("MatMul", [probs, v], `${prefix}.attended`);
    // [N, heads, HW, d] → [N, HW, C] → to_out.0 → [N, C, H, W], residual
    const tokensOut = g.op("Transpose", [attended], `${prefix}.merge`, { perm: [0, 2, 1, 3] });
    const merged = g.op("Reshape", [tokensOut, g.ints([0, -1, channels])], `${prefix}.merged`);
    const projected = this.linear(merged, `${prefix}.to_out.0`, channels, channels);
    const channelsFirst = g.op("Transpose", [projected], `${prefix}.channels_first`, { perm: [0, 2, 1] });
    const spatial = g.op("Reshape", [channelsFirst, this.shape(x)], `${prefix}.spatial`);
    return g.op("Add", [spatial, x], prefix);
  }
}
