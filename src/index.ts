/**
 * ddpm-webgpu: the public API for embedders (browser and Node). Node-only helpers (files, MNIST, PNG, the CLI's
 * jobs) are in "ddpm-webgpu/node".
 *
 * ```ts
 * import { Engine, ops } from "ddpm-webgpu";
 * const engine = await Engine.create();
 * const w = engine.parameter([1, 2, 3, 4], [2, 2]);
 * const loss = engine.tidy(() => ops.mean(ops.square(ops.matmul(engine.ones([3, 2]), w))));
 * engine.backward(loss);
 * console.log(await loss.item(), await w.grad!.data());
 * ```
 */
export { Engine, Tensor, type EngineOptions, type MemoryInfo, type Shape } from "./engine.js";
export type { AdapterReport, DeviceOptions } from "./gpu/device.js";
export { AdamW, type AdamWOptions } from "./optim/adamw.js";
export { EMA, clipFactor } from "./optim/ema.js";
export * as ops from "./ops/index.js";
export { Module, checkStateDict, type Denoiser, type StateDict } from "./nn/module.js";
export { Linear, Conv2d, GroupNorm, Embedding } from "./nn/layers.js";
export { UNet2DModel, UNET_DEFAULTS, resolveUNetConfig, type UNet2DConfig, type UNetInput } from "./nn/unet.js";
export { NoiseSchedule, makeBetas, type BetaSchedule } from "./diffusion/schedule.js";
export { DDPMScheduler, DDIMScheduler, type StepCoefficients } from "./diffusion/schedulers.js";
export type { DDPMSchedulerConfig, DDIMSchedulerConfig, PredictionType, VarianceType, TimestepSpacing } from "./diffusion/config.js";
export { variationalBound, type VariationalBoundOptions, type VariationalBoundResult } from "./diffusion/bound.js";
export { trainLoop, createTrainState, TRAIN_DEFAULTS, type TrainConfig, type TrainState } from "./train.js";
export type { Dataset } from "./io/dataset.js";
export { sampleLoop, guidedDenoiser, parseTrainedClasses, type TrainedClasses, type SampleOptions, type SampleResult } from "./sample.js";
export { parseSafetensors, serializeSafetensors } from "./io/safetensors.js";
export { parseUNetCheckpoint, renameLegacyAttentionKeys } from "./io/diffusers.js";
export { unetFromCheckpoint } from "./nn/pretrained.js";
