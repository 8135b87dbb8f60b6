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

export {
  hybridLoss,
  hybridPerImage,
  type VariationalBoundOptions,
  type VariationalBoundResult,
  variationalBound,
  variationalBoundLoss,
  variationalBoundPerImage,
} from "./diffusion/bound.js";
export type { DDIMSchedulerConfig, DDPMSchedulerConfig, PredictionType, TimestepSpacing, VarianceType } from "./diffusion/config.js";
export { type BetaSchedule, makeBetas, NoiseSchedule } from "./diffusion/schedule.js";
export { checkModelChannels, DDIMScheduler, DDPMScheduler, type StepCoefficients } from "./diffusion/schedulers.js";
export { LossSecondMomentSampler, type TimestepDraw } from "./diffusion/timestep-sampler.js";
export { Engine, type EngineOptions, type MemoryInfo, type Shape, Tensor } from "./engine.js";
export type { AdapterReport, DeviceOptions } from "./gpu/device.js";
export type { Dataset } from "./io/dataset.js";
export { parseUNetCheckpoint, renameLegacyAttentionKeys } from "./io/diffusers.js";
export {
  type ParsedSafetensors,
  parseSafetensors,
  type SafetensorsTensor,
  serializeSafetensors,
  type TensorData,
} from "./io/safetensors.js";
export { Conv2d, Embedding, GroupNorm, Linear } from "./nn/layers.js";
export { checkStateDict, type Denoiser, Module, type StateDict } from "./nn/module.js";
export { exportUNetOnnx, type OnnxExportOptions } from "./nn/onnx.js";
export { unetFromCheckpoint } from "./nn/pretrained.js";
export { resolveUNetConfig, UNET_DEFAULTS, type UNet2DConfig, UNet2DModel, type UNetInput } from "./nn/unet.js";
export * as ops from "./ops/index.js";
export { AdamW, type AdamWOptions } from "./optim/adamw.js";
export { clipFactor, EMA } from "./optim/ema.js";
export {
  guidedDenoiser,
  parseTrainedClasses,
  type SampleOptions,
  type SampleResult,
  sampleLoop,
  samplerOnnx,
  type TrainedClasses,
} from "./sample.js";
export {
  createTrainState,
  type LearningRateSchedule,
  type TimestepSampling,
  TRAIN_DEFAULTS,
  type TrainConfig,
  type TrainLoss,
  type TrainState,
  trainLoop,
} from "./train.js";
