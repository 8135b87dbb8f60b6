/**
 * ddpm-webgpu's Node-only API: checkpoints and diffusers folders on disk, MNIST, PNG files, and the jobs behind
 * the `ddpm` CLI. Everything in the main entry point works here too.
 */
export * from "./index.js";
export { loadUNet, saveUNet } from "./nn/pretrained.js";
export { readDiffusersUNet, writeDiffusersUNet, readSchedulerConfig, writeSchedulerConfig, writeModelIndex } from "./io/diffusers.js";
export { loadMnist, type MnistOptions } from "./io/mnist.js";
export { loadImageFolder, writePng, encodePng, decodePng, imageGrid, type ImageDataset } from "./io/images.js";
export { lossCurvePng } from "./io/plot.js";
export { saveCheckpoint, readCheckpoint, resolveCheckpointDir } from "./checkpoint.js";
export { PRESETS, type Preset } from "./presets.js";
export { trainJob, type TrainJobOptions } from "./jobs/train.js";
export { sampleJob, loadModelForSampling, type SampleJobOptions } from "./jobs/sample.js";
export { evalJob } from "./jobs/eval.js";
