/**
 * The peer (browser-safe): TensorFlow.js with its WebGPU backend on the same adapter, doing the same work as
 * our rows — conv2d forward / input gradient / weight gradient, matmul forward / backward, and a U-Net of the
 * same layer shapes built from tfjs ops (tf.conv2d, group norm from tf.moments, attention from tf.matMul and
 * tf.softmax), trained with tf.train.adam through tf.variableGrads and sampled with the same fused-step
 * arithmetic written as tfjs ops.
 *
 * tfjs runs NHWC, its native layout (its NCHW paths are partial); inputs are transposed on the CPU, outside
 * any timing. The namespace is passed in rather than imported, because in Node the backend must be imported
 * only after navigator.gpu exists (bench/node.ts).
 */
import type * as TF from "@tensorflow/tfjs-core";
import type { StateDict } from "../src/index.js";
import type { UNet2DConfig } from "../src/nn/unet.js";
import { type Timing, timingOf } from "./timing.js";

export type TfNamespace = typeof TF;
type Tensor = TF.Tensor;
type T4 = TF.Tensor4D;

/** Axis orders for transposed(). */
const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const OIHW_TO_HWIO = [2, 3, 1, 0];
const HWIO_TO_OIHW = [3, 2, 0, 1];

/** Row-major `data` of `shape` with its axes reordered: the output's axis i is the input's axis order[i]. */
function transposed(data: ArrayLike<number>, shape: readonly number[], order: readonly number[]): Float32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; s *= shape[d], d--) strides[d] = s;
  const outShape = order.map((a) => shape[a]);
  const step = order.map((a) => strides[a]); // input offset per step along each output axis
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[from];
    // The next output index, last axis fastest.
    for (let d = rank - 1; d >= 0; d--) {
      from += step[d];
      if (++index[d] < outShape[d]) break;
      from -= step[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** The tfjs WebGPU backend's internals the bench uses to wait for the device (tfjs has no public sync). */
interface WebGPUBackendInternals {
  device: GPUDevice;
  supportTimestampQuery: boolean;
  adapterInfo?: { vendor?: string; architecture?: string };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export class TfjsPeer {
  readonly backend: WebGPUBackendInternals;
  readonly version: string;

  private constructor(readonly tf: TfNamespace) {
    this.backend = tf.backend() as unknown as WebGPUBackendInternals;
    this.version = (tf as unknown as { version_core: string }).version_core;
  }

  /** Select the webgpu backend (already registered by importing @tensorflow/tfjs-backend-webgpu). */
  static async create(tf: TfNamespace): Promise<TfjsPeer> {
    if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs: the webgpu backend failed to initialise");
    await tf.ready();
    return new TfjsPeer(tf);
  }

  get timestamps(): boolean {
    return this.backend.supportTimestampQuery;
  }

  get note(): string {
    return this.timestamps
      ? "kernel rows: GPU time from tf.time() (tfjs's own timestamp queries, one pass per kernel); U-Net rows: wall time"
      : "wall time (submit → onSubmittedWorkDone) only: the device has no timestamp-query";
  }

  /** Submit what tfjs has recorded and wait until the device is idle. */
  async sync(): Promise<void> {
    const b = this.backend;
    b.ensureCommandEncoderReady();
    b.endComputePassEncoder();
    b.submitQueue();
    await b.device.queue.onSubmittedWorkDone();
  }

  /**
   * Median times of `run` over `repeats` runs after `warmup` runs (its result tensors are disposed after each).
   * With `gpu` and timestamps, each run goes through tf.time() and the GPU time is its kernelMs (tf.time
   * submits each kernel on its own, so the wall time of those runs is not tfjs's normal wall time); otherwise
   * only the wall time (run → submit → onSubmittedWorkDone) is measured.
   */
  async measure(run: () => Tensor | Tensor[] | undefined, options: { repeats: number; warmup?: number; gpu?: boolean }): Promise<Timing> {
    const { tf } = this;
    const { repeats, warmup = 1 } = options;
    const timed = Boolean(options.gpu && this.timestamps);
    let dispose = () => {};
    const once = () => {
      const out = tf.tidy(run as () => Tensor | Tensor[]);
      dispose = () => {
        for (const t of Array.isArray(out) ? out : [out]) t?.dispose();
      };
    };
    const wallSamples: number[] = [];
    const gpuSamples: number[] = [];
    for (let i = 0; i < warmup + repeats; i++) {
      const start = performance.now();
      let info: TF.TimingInfo | null = null;
      if (timed) info = await tf.time(once);
      else once();
      await this.sync();
      const wall = performance.now() - start;
      dispose();
      if (i < warmup) continue;
      wallSamples.push(wall);
      if (info && typeof info.kernelMs === "number") gpuSamples.push(info.kernelMs);
    }
    return timingOf(wallSamples, gpuSamples, repeats);
  }

  // ------------------------------------------------------------------ kernels

  /** NCHW data → an NHWC tensor. */
  nhwc(data: ArrayLike<number>, shape: readonly number[]): T4 {
    return this.tf.tensor4d(transposed(data, shape, NCHW_TO_NHWC), NCHW_TO_NHWC.map((a) => shape[a]) as [number, number, number, number]);
  }

  /** An NHWC tensor's values in NCHW order. */
  async nchwData(t: Tensor): Promise<Float32Array> {
    return transposed(await t.data(), t.shape, NHWC_TO_NCHW);
  }

  /** PyTorch's [O, C, kh, kw] weight as tfjs's [kh, kw, C, O]. */
  hwio(data: ArrayLike<number>, shape: readonly number[]): T4 {
    return this.tf.tensor4d(transposed(data, shape, OIHW_TO_HWIO), OIHW_TO_HWIO.map((a) => shape[a]) as [number, number, number, number]);
  }

  /** [kh, kw, C, O] values in PyTorch's [O, C, kh, kw] order. */
  async oihwData(t: Tensor): Promise<Float32Array> {
    return transposed(await t.data(), t.shape, HWIO_TO_OIHW);
  }

  /** The input gradient of conv2d (tfjs's Conv2DBackpropInput, through conv2dTranspose). */
  conv2dInputGradient(dy: T4, w: T4, xShape: [number, number, number, number], stride: number, pad: number): T4 {
    return this.tf.conv2dTranspose(dy, w, xShape, stride, pad);
  }

  /** The weight gradient of conv2d (tfjs's Conv2DBackpropFilter kernel, as tf.grad of conv2d runs it). */
  conv2dWeightGradient(x: T4, dy: T4, filterShape: [number, number, number, number], stride: number, pad: number): T4 {
    const { tf } = this;
    return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: [stride, stride],
      pad,
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
      filterShape,
    } as unknown as TF.NamedAttrMap) as T4;
  }

  // ------------------------------------------------------------------ the U-Net

  /**
   * A tfjs U-Net with diffusers' UNet2DModel structure (the same blocks as src/nn/unet.ts), holding the given
   * state dict's values as tf.variables: conv weights as HWIO, linear weights as [in, out].
   */
  unet(config: UNet2DConfig, state: StateDict): TfjsUNet {
    return new TfjsUNet(this, config, state);
  }
}

/** A U-Net forward pass in tfjs ops, NHWC, with diffusers' block order. */
export class TfjsUNet {
  readonly variables = new Map<string, TF.Variable>();
  private readonly tf: TfNamespace;

  constructor(
    peer: TfjsPeer,
    readonly config: UNet2DConfig,
    state: StateDict,
  ) {
    const tf = peer.tf;
    this.tf = tf;
    for (const [name, { shape, data }] of state) {
      let value: Tensor;
      if (shape.length === 4) value = peer.hwio(data, shape);
      else if (shape.length === 2 && !name.startsWith("class_embedding")) {
        // Linear [out, in] → [in, out]
        value = tf.tensor2d(transposed(data, shape, [1, 0]), [shape[1], shape[0]]);
      } else value = tf.tensor(data, shape);
      this.variables.set(name, tf.variable(value, true, `unet/${name}`));
      value.dispose();
    }
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  private v(name: string): TF.Variable {
    const t = this.variables.get(name);
    if (!t) throw new Error(`tfjs U-Net: no parameter '${name}'`);
    return t;
  }

  private has(name: string): boolean {
    return this.variables.has(name);
  }

  private linear(x: TF.Tensor2D, name: string): TF.Tensor2D {
    return this.tf.add(this.tf.matMul(x, this.v(`${name}.weight`) as TF.Tensor2D), this.v(`${name}.bias`));
  }

  private conv(x: T4, name: string, stride = 1, pad: number | "pad-right-bottom" = 1): T4 {
    const { tf } = this;
    let h = x;
    let p: number | "valid" = pad === "pad-right-bottom" ? "valid" : pad;
    if (pad === "pad-right-bottom")
      h = tf.pad(x, [
        [0, 0],
        [0, 1],
        [0, 1],
        [0, 0],
      ]);
    if (p === 0) p = "valid";
    // tfjs's fused conv2d adds the bias in the convolution's epilogue (its gradient covers the bias too).
    return tf.fused.conv2d({ x: h, filter: this.v(`${name}.weight`) as T4, strides: stride, pad: p, bias: this.v(`${name}.bias`) });
  }

  /** GroupNorm over NHWC (μ and biased σ² per sample and group), affine, optional SiLU. */
  private groupNorm(x: T4, name: string, silu: boolean): T4 {
    const { tf } = this;
    const [n, h, w, c] = x.shape;
    const groups = this.config.norm_num_groups;
    const grouped = tf.reshape(x, [n, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.config.norm_eps))), [n, h, w, c]);
    const y = tf.add(tf.mul(normed, this.v(`${name}.weight`)), this.v(`${name}.bias`)) as T4;
    return silu ? (tf.mul(y, tf.sigmoid(y)) as T4) : y;
  }

  private resnet(x: T4, temb: TF.Tensor2D, name: string): T4 {
    const { tf } = this;
    let h = this.groupNorm(x, `${name}.norm1`, true);
    h = this.conv(h, `${name}.conv1`);
    const t = this.linear(tf.mul(temb, tf.sigmoid(temb)) as TF.Tensor2D, `${name}.time_emb_proj`);
    h = tf.add(h, tf.reshape(t, [t.shape[0], 1, 1, t.shape[1]]));
    h = this.groupNorm(h, `${name}.norm2`, true);
    h = this.conv(h, `${name}.conv2`);
    const shortcut = this.has(`${name}.conv_shortcut.weight`) ? this.conv(x, `${name}.conv_shortcut`, 1, 0) : x;
    return tf.add(shortcut, h);
  }

  private attention(x: T4, name: string): T4 {
    const { tf } = this;
    const [n, height, width, c] = x.shape;
    const length = height * width;
    const headDim = this.config.attention_head_dim ?? c;
    const heads = Math.floor(c / headDim);
    const tokens = tf.reshape(this.groupNorm(x, `${name}.group_norm`, false), [n * length, c]) as TF.Tensor2D;
    const split = (t: TF.Tensor2D) =>
      tf.reshape(tf.transpose(tf.reshape(t, [n, length, heads, headDim]), [0, 2, 1, 3]), [n * heads, length, headDim]) as TF.Tensor3D;
    const q = split(this.linear(tokens, `${name}.to_q`));
    const k = split(this.linear(tokens, `${name}.to_k`));
    const v = split(this.linear(tokens, `${name}.to_v`));
    const probabilities = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)));
    const attended = tf.matMul(probabilities, v);
    const merged = tf.reshape(tf.transpose(tf.reshape(attended, [n, heads, length, headDim]), [0, 2, 1, 3]), [
      n * length,
      c,
    ]) as TF.Tensor2D;
    const projected = tf.reshape(this.linear(merged, `${name}.to_out.0`), [n, height, width, c]);
    return tf.add(projected, x);
  }

  /** The sinusoidal timestep embedding (diffusers get_timestep_embedding), computed on the CPU. */
  private timestepEmbedding(timesteps: number[]): TF.Tensor2D {
    const dim = this.config.block_out_channels[0];
    const half = Math.floor(dim / 2);
    const out = new Float32Array(timesteps.length * dim);
    timesteps.forEach((t, b) => {
      for (let j = 0; j < half; j++) {
        const arg = t * Math.exp((-Math.log(10000) * j) / (half - this.config.freq_shift));
        const [first, second] = this.config.flip_sin_to_cos ? [Math.cos(arg), Math.sin(arg)] : [Math.sin(arg), Math.cos(arg)];
        out[b * dim + j] = first;
        out[b * dim + half + j] = second;
      }
    });
    return this.tf.tensor2d(out, [timesteps.length, dim]);
  }

  /** The model output (NHWC) for x (NHWC) at the given timesteps and class labels. */
  forward(x: T4, timesteps: number[], labels?: number[]): T4 {
    const { tf } = this;
    const c = this.config;
    const levels = c.block_out_channels.length;
    let temb = this.linear(
      tf.tidy(() => this.timestepEmbedding(timesteps)),
      "time_embedding.linear_1",
    );
    temb = this.linear(tf.mul(temb, tf.sigmoid(temb)) as TF.Tensor2D, "time_embedding.linear_2");
    if (labels && this.has("class_embedding.weight")) {
      const oneHot = tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), c.num_class_embeds!), "float32") as TF.Tensor2D;
      temb = tf.add(temb, tf.matMul(oneHot, this.v("class_embedding.weight") as TF.Tensor2D));
    }
    let h = this.conv(x, "conv_in");
    const skips: T4[] = [h];
    c.down_block_types.forEach((type, i) => {
      for (let j = 0; j < c.layers_per_block; j++) {
        h = this.resnet(h, temb, `down_blocks.${i}.resnets.${j}`);
        if (type === "AttnDownBlock2D") h = this.attention(h, `down_blocks.${i}.attentions.${j}`);
        skips.push(h);
      }
      if (i < levels - 1) {
        h = this.conv(h, `down_blocks.${i}.downsamplers.0.conv`, 2, c.downsample_padding === 0 ? "pad-right-bottom" : c.downsample_padding);
        skips.push(h);
      }
    });
    h = this.resnet(h, temb, "mid_block.resnets.0");
    if (c.add_attention) h = this.attention(h, "mid_block.attentions.0");
    h = this.resnet(h, temb, "mid_block.resnets.1");
    c.up_block_types.forEach((type, i) => {
      for (let j = 0; j <= c.layers_per_block; j++) {
        h = this.resnet(tf.concat([h, skips.pop()!], 3), temb, `up_blocks.${i}.resnets.${j}`);
        if (type === "AttnUpBlock2D") h = this.attention(h, `up_blocks.${i}.attentions.${j}`);
      }
      if (i < levels - 1) {
        const [, height, width] = h.shape;
        h = this.conv(tf.image.resizeNearestNeighbor(h, [2 * height, 2 * width]), `up_blocks.${i}.upsamplers.0.conv`);
      }
    });
    h = this.groupNorm(h, "conv_norm_out", true);
    return this.conv(h, "conv_out");
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
