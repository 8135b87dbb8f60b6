/**
 * The layers the U-Net is built from, with PyTorch's parameter names, shapes and default initialisation.
 */
import type { Engine, Tensor } from "../engine.js";
import { conv2d, groupNorm, linear, matmul } from "../ops/index.js";
import { shapeString } from "../shape.js";
import { type InitRandom, Module } from "./module.js";

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    engine: Engine,
    readonly inFeatures: number,
    readonly outFeatures: number,
    random: InitRandom,
    bias = true,
  ) {
    super(engine);
    this.weight = this.parameter("weight", random.uniformFanIn(outFeatures * inFeatures, inFeatures), [outFeatures, inFeatures]);
    this.bias = bias ? this.parameter("bias", random.uniformFanIn(outFeatures, inFeatures), [outFeatures]) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric padding, or [top, bottom, left, right]. */
  padding?: number | [number, number, number, number];
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    engine: Engine,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    random: InitRandom,
    readonly options: Conv2dOptions = {},
  ) {
    super(engine);
    const fanIn = inChannels * kernelSize * kernelSize;
    this.weight = this.parameter("weight", random.uniformFanIn(outChannels * fanIn, fanIn), [
      outChannels,
      inChannels,
      kernelSize,
      kernelSize,
    ]);
    this.bias = options.bias === false ? null : this.parameter("bias", random.uniformFanIn(outChannels, fanIn), [outChannels]);
  }

  forward(x: Tensor, padding = this.options.padding ?? 0): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.options.stride ?? 1, padding });
  }
}

export class GroupNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(
    engine: Engine,
    readonly numGroups: number,
    readonly numChannels: number,
    readonly eps: number,
  ) {
    super(engine);
    if (numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: ${numGroups} groups do not divide ${numChannels} channels`);
    }
    this.weight = this.parameter("weight", new Float32Array(numChannels).fill(1), [numChannels]);
    this.bias = this.parameter("bias", new Float32Array(numChannels), [numChannels]);
  }

  /** Normalise; with `silu`, the SiLU that follows every GroupNorm in a ResnetBlock2D is fused in. */
  forward(x: Tensor, silu = false): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps, silu });
  }
}

/** nn.Embedding: a table of `count` vectors; looked up as one-hot · table so the gradient comes from matmul. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    engine: Engine,
    readonly count: number,
    readonly dim: number,
    random: InitRandom,
  ) {
    super(engine);
    this.weight = this.parameter("weight", random.normal(count * dim), [count, dim]);
  }

  forward(indices: ArrayLike<number>): Tensor {
    const oneHot = new Float32Array(indices.length * this.count);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i];
      if (!Number.isInteger(index) || index < 0 || index >= this.count) {
        throw new Error(`Embedding: index ${index} is outside [0, ${this.count})`);
      }
      oneHot[i * this.count + index] = 1;
    }
    return matmul(this.engine.tensor(oneHot, [indices.length, this.count]), this.weight);
  }
}

export function checkNCHW(op: string, x: Tensor, channels?: number): void {
  if (x.rank !== 4) throw new Error(`${op}: expected an NCHW tensor, got ${shapeString(x.shape)}`);
  if (channels !== undefined && x.shape[1] !== channels) {
    throw new Error(`${op}: expected ${channels} channels, got ${shapeString(x.shape)}`);
  }
}
