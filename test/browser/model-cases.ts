/**
 * End-to-end runs inside the page: the U-Net against the PyTorch golden fixture (output, loss and every parameter
 * gradient, with test/helpers/golden-unet.ts's tolerances), a short training run of the demo's small U-Net on a handful of MNIST digits,
 * and a few DDIM sampling steps from it.
 */

import { decodeDataset } from "../../src/demo/dataset-file.js";
import {
  createTrainState,
  DDIMScheduler,
  DDPMScheduler,
  type Engine,
  ops,
  parseSafetensors,
  parseUNetCheckpoint,
  sampleLoop,
  TRAIN_DEFAULTS,
  type TrainConfig,
  trainLoop,
  UNet2DModel,
} from "../../src/index.js";
import { PRESETS } from "../../src/presets.js";
import { checkGoldenUNet } from "../helpers/golden-unet.js";

/** The bytes at `url`; a `.gz` file inflated, as the demo page inflates its data file. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`fetching ${url}: HTTP ${response.status}`);
  const body = url.endsWith(".gz") ? new Response(response.body.pipeThrough(new DecompressionStream("gzip"))) : response;
  return new Uint8Array(await body.arrayBuffer());
}

/** test/fixtures/unet/NAME (served under fixtures/NAME/): the Node golden test (test/unet-golden.test.ts), in the page. */
export async function goldenUNet(engine: Engine, name: string): Promise<{ parameters: number; worstOutputRatio: number }> {
  const base = `fixtures/${name}`;
  const checkpoint = parseUNetCheckpoint(
    new TextDecoder().decode(await fetchBytes(`${base}/unet/config.json`)),
    await fetchBytes(`${base}/unet/diffusion_pytorch_model.safetensors`),
    `${base}/unet`,
  );
  const golden = parseSafetensors(await fetchBytes(`${base}/golden.safetensors`)).tensors;
  const model = new UNet2DModel(engine, checkpoint.config);
  try {
    model.loadStateDict(new Map([...checkpoint.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])));
    const worstOutputRatio = await checkGoldenUNet(engine, name, model, golden);
    return { parameters: model.parameterCount(), worstOutputRatio };
  } finally {
    model.dispose();
  }
}

export interface TrainingReport {
  /** L_simple reported by the training loop at every step. */
  losses: number[];
  /** The loss on one fixed batch (fixed timesteps and noise) before and after training. */
  fixedBatchBefore: number;
  fixedBatchAfter: number;
  trainSeconds: number;
  samplingSteps: number;
  sampleMin: number;
  sampleMax: number;
  samplesFinite: boolean;
  liveTensorsAfter: number;
}

/**
 * A few training steps of the demo's preset U-Net ("mnist-16": the same model, schedule and prediction type) on
 * eight digits at batch 4, then DDIM sampling with the EMA weights. The data file is the one the demo page fetches.
 */
export async function trainingRun(engine: Engine, dataUrl: string, steps: number, samplingSteps: number): Promise<TrainingReport> {
  const preset = PRESETS["mnist-16"];
  const all = decodeDataset(await fetchBytes(dataUrl));
  const count = 8;
  const per = all.channels * all.height * all.width;
  const data = { ...all, count, images: all.images.slice(0, count * per), labels: all.labels!.slice(0, count) };
  const config: TrainConfig = { ...TRAIN_DEFAULTS, ...preset.train, batchSize: 4, steps, warmupSteps: 0, logEvery: 1, seed: 3 };
  const unconditionalLabel = config.labelDropout > 0 ? data.numClasses : null;
  const modelConfig = {
    ...preset.model,
    sample_size: data.height,
    in_channels: data.channels,
    out_channels: data.channels,
    num_class_embeds: data.numClasses! + (unconditionalLabel !== null ? 1 : 0),
  };
  const model = new UNet2DModel(engine, modelConfig, config.seed);
  const emaModel = new UNet2DModel(engine, model.configJSON());
  const scheduler = new DDPMScheduler(preset.scheduler ?? {});
  const state = createTrainState(engine, model, config);

  // The loss on the first four digits at fixed timesteps with fixed noise: comparable before and after.
  const fixedLoss = async () => {
    const loss = engine.noGrad(() =>
      engine.tidy(() => {
        const x0 = engine.tensor(data.images.subarray(0, 4 * per), [4, data.channels, data.height, data.width]);
        const timesteps = [100, 300, 500, 700];
        const { noisy, target } = scheduler.noisyTrainingPair(x0, timesteps, 77, 0);
        return ops.mseLoss(model.forward({ sample: noisy, timesteps, classLabels: Array.from(data.labels.subarray(0, 4)) }), target);
      }),
    );
    const value = await loss.item();
    loss.dispose();
    return value;
  };
  const fixedBatchBefore = await fixedLoss();
  const losses: number[] = [];
  const started = performance.now();
  await trainLoop({
    engine,
    model: model.asDenoiser(),
    scheduler,
    data,
    config,
    state,
    conditional: true,
    onLog: (report) => {
      losses.push(report.loss);
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const fixedBatchAfter = await fixedLoss();

  state.ema.copyTo(emaModel.parameters());
  const ddim = DDIMScheduler.fromDDPM(scheduler);
  const labels = [0, 1, 2, 3];
  const { images } = await sampleLoop({
    engine,
    scheduler: ddim,
    shape: [4, data.channels, data.height, data.width],
    seed: 1,
    steps: samplingSteps,
    model: (x, t) => emaModel.forward({ sample: x, timesteps: t, classLabels: labels }),
  });
  state.optimizer.dispose();
  state.ema.dispose();
  model.dispose();
  emaModel.dispose();
  return {
    losses,
    fixedBatchBefore,
    fixedBatchAfter,
    trainSeconds,
    samplingSteps: ddim.timesteps.length,
    sampleMin: Math.min(...images),
    sampleMax: Math.max(...images),
    samplesFinite: images.every(Number.isFinite),
    liveTensorsAfter: engine.memory().liveTensors,
  };
}
