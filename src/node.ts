/**
 * ddpm-webgpu's Node-only API: checkpoints and diffusers folders on disk, MNIST, PNG files, and the jobs behind
 * the `ddpm` CLI. Everything in the main entry point works here too.
 */

export { readCheckpoint, resolveCheckpointDir, saveCheckpoint } from "./checkpoint.js";
export {
  type DigitEvaluation,
  DigitEvaluator,
  type DigitSetFigures,
  formatDigitEvaluation,
  type RealDigitFigures,
  type Spread,
} from "./evaluate/evaluate.js";
export * from "./index.js";
export { readDiffusersUNet, readSchedulerConfig, writeDiffusersUNet, writeModelIndex, writeSchedulerConfig } from "./io/diffusers.js";
export { decodePng, encodePng, type ImageDataset, imageGrid, loadImageFolder, writePng } from "./io/images.js";
export { loadMnist, type MnistOptions } from "./io/mnist.js";
export { lossCurvePng } from "./io/plot.js";
export { evalJob } from "./jobs/eval.js";
export { type EvaluateSamplesOptions, evaluateSamplesJob } from "./jobs/evaluate-samples.js";
export { loadModelForSampling, type SampleJobOptions, sampleJob } from "./jobs/sample.js";
export { type TrainJobOptions, trainJob } from "./jobs/train.js";
export { loadUNet, saveUNet } from "./nn/pretrained.js";
export { PRESETS, type Preset } from "./presets.js";
