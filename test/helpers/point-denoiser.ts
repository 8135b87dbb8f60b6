/**
 * A small denoiser for 2-D points [N, 2, 1, 1]: sinusoidal time features concatenated to x, three linear layers with
 * SiLU; [N, outChannels, 1, 1] out (4 for a learned variance: the prediction, then the variance values). And its
 * training on a point set, as trainLoop runs Algorithm 1.
 */
import type { DDPMScheduler } from "../../src/diffusion/schedulers.js";
import type { Engine, Tensor } from "../../src/index.js";
import type { Dataset } from "../../src/io/dataset.js";
import { Linear } from "../../src/nn/layers.js";
import { InitRandom, Module } from "../../src/nn/module.js";
import * as ops from "../../src/ops/index.js";
import { createTrainState, type TrainConfig, type TrainState, trainLoop } from "../../src/train.js";

export class PointDenoiser extends Module {
  readonly l1: Linear;
  readonly l2: Linear;
  readonly l3: Linear;
  constructor(
    engine: Engine,
    seed: number,
    readonly outChannels = 2,
  ) {
    super(engine);
    const random = new InitRandom(seed);
    this.l1 = this.module("l1", new Linear(engine, 2 + 16, 64, random));
    this.l2 = this.module("l2", new Linear(engine, 64, 64, random));
    this.l3 = this.module("l3", new Linear(engine, 64, outChannels, random));
  }
  forward(x: Tensor, timesteps: number[]): Tensor {
    const n = x.shape[0];
    const t = ops.timestepEmbedding(this.engine, this.engine.tensor(timesteps, [n]), 16, { flipSinToCos: true, downscaleFreqShift: 0 });
    const h = ops.concat([ops.reshape(x, [n, 2]), t], 1);
    const out = this.l3.forward(ops.silu(this.l2.forward(ops.silu(this.l1.forward(h)))));
    return ops.reshape(out, [n, this.outChannels, 1, 1]);
  }
}

/**
 * Train `model` unconditionally on the points of `data` with `config` through trainLoop; the state (its optimiser
 * and EMA are the caller's to use and dispose) and the losses logged every `config.logEvery` steps.
 */
export async function trainPointDenoiser(
  engine: Engine,
  model: PointDenoiser,
  scheduler: DDPMScheduler,
  data: Dataset,
  config: TrainConfig,
): Promise<{ state: TrainState; losses: number[] }> {
  const state = createTrainState(engine, model, config);
  const losses: number[] = [];
  await trainLoop({
    engine,
    model: { forward: (x, t) => model.forward(x, t), parameters: () => model.parameters() },
    scheduler,
    data,
    config,
    state,
    conditional: false,
    onLog: (r) => {
      losses.push(r.loss);
    },
  });
  return { state, losses };
}
