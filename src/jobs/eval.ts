/** `ddpm eval`'s job (Node): the variational bound on held-out images, in bits/dim (Ho et al. 2020, Table 2). */
import { variationalBound } from "../diffusion/bound.js";
import { checkModelChannels, type DDPMScheduler } from "../diffusion/schedulers.js";
import type { Engine } from "../engine.js";
import type { ImageDataset } from "../io/images.js";
import type { UNet2DModel } from "../nn/unet.js";

/** The variational bound on held-out images, in bits/dim, with the estimate's standard error. */
export async function evalJob(options: {
  engine: Engine;
  model: UNet2DModel;
  scheduler: DDPMScheduler;
  data: ImageDataset;
  images: number;
  batch: number;
  mode: "exact" | "estimate";
  samples?: number;
  seed?: number;
  progress?: (line: string) => void;
}) {
  const { engine, model, data } = options;
  checkModelChannels(options.scheduler, model.config, "the model");
  const per = data.channels * data.height * data.width;
  const count = Math.min(options.images, data.count);
  const perImage: number[] = [];
  let totals = { prior: 0, decoder: 0, kl: 0 };
  let evaluated = 0;
  /** Σ over batches of n² · SE²: the variance of the sum of per-image estimates. */
  let varianceOfSum = 0;
  for (let start = 0; start < count; start += options.batch) {
    const n = Math.min(options.batch, count - start);
    const x0 = engine.tensor(data.images.subarray(start * per, (start + n) * per), [n, data.channels, data.height, data.width]);
    const labels = data.labels && model.config.num_class_embeds ? Array.from(data.labels.subarray(start, start + n)) : undefined;
    const result = await variationalBound({
      scheduler: options.scheduler,
      model: (xt, t) => model.forward({ sample: xt, timesteps: t, classLabels: labels }),
      x0,
      mode: options.mode,
      samples: options.samples,
      seed: (options.seed ?? 0) + start,
      onProgress: (done, total) => options.progress?.(`images ${start + n}/${count}: timestep ${done}/${total}`),
    });
    x0.dispose();
    perImage.push(...result.perImage);
    totals = { prior: totals.prior + result.prior * n, decoder: totals.decoder + result.decoder * n, kl: totals.kl + result.kl * n };
    evaluated = result.timestepsEvaluated;
    varianceOfSum += (n * result.standardError) ** 2;
  }
  const bitsPerDim = perImage.reduce((a, b) => a + b, 0) / perImage.length;
  return {
    bitsPerDim,
    images: perImage.length,
    prior: totals.prior / count,
    decoder: totals.decoder / count,
    kl: totals.kl / count,
    mode: options.mode,
    timestepsEvaluated: evaluated,
    /** The estimate's standard error around the exact bound of these images (0 when exact). */
    standardError: Math.sqrt(varianceOfSum) / perImage.length,
  };
}
