/**
 * How legible are a class-conditional MNIST checkpoint's samples? A 5-nearest-neighbour classifier on the pixels
 * of the 9,000 training digits (the same 16×16 or 32×32 preprocessing as training) reads every sample, and the
 * score is how often it agrees with the label the sample was drawn for. The classifier's own accuracy on the
 * 1,000 held-out digits is printed first, as the ceiling of the score.
 *
 *   node scripts/run.mjs bench/legibility.ts runs/mnist/checkpoint [--guidance 1,3] [--steps 30] [--eta 0] [--per-class 10]
 *
 * Writes legibility-g{guidance}-s{steps}.png (one column per class) beside the checkpoint folder.
 */

import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { DDIMScheduler, Engine, guidedDenoiser, sampleLoop } from "../src/index.js";
import { imageGrid, writePng } from "../src/io/images.js";
import { loadMnist } from "../src/io/mnist.js";
import { loadModelForSampling } from "../src/jobs/sample.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    guidance: { type: "string", default: "" },
    steps: { type: "string", default: "30" },
    eta: { type: "string", default: "0" },
    "per-class": { type: "string", default: "10" },
    seed: { type: "string", default: "0" },
  },
});
const dir = positionals[0];
if (!dir) throw new Error("usage: bench/legibility.ts CHECKPOINT_DIR [--guidance 1,3] [--steps 30] [--eta 0] [--per-class 10]");

const engine = await Engine.create({ validate: false });
const { model, scheduler: trained, classes } = await loadModelForSampling(engine, dir);
const size = model.config.sample_size ?? 32;
const numClasses = classes?.numClasses ?? 10;
if (!model.config.num_class_embeds) throw new Error(`${dir}: not a class-conditional model`);
const pixels = size * size;
const train = await loadMnist({ size: size as 16 | 32, split: "train" });
const test = await loadMnist({ size: size as 16 | 32, split: "test" });

/** Majority label of the 5 nearest training digits (ties: the nearest among the tied labels). */
function classify(images: Float32Array, offset: number): number {
  const nearest: [number, number][] = [];
  for (let j = 0; j < train.count; j++) {
    let d = 0;
    for (let k = 0; k < pixels; k++) {
      const e = images[offset + k] - train.images[j * pixels + k];
      d += e * e;
    }
    if (nearest.length < 5 || d < nearest[4][0]) {
      nearest.push([d, train.labels![j]]);
      nearest.sort((a, b) => a[0] - b[0]);
      if (nearest.length > 5) nearest.pop();
    }
  }
  const votes = new Array(numClasses).fill(0);
  for (const [, label] of nearest) votes[label]++;
  const most = Math.max(...votes);
  return nearest.find(([, label]) => votes[label] === most)![1];
}

let correct = 0;
for (let i = 0; i < test.count; i++) if (classify(test.images, i * pixels) === test.labels![i]) correct++;
console.log(`5-NN classifier on the ${test.count} held-out digits: ${((100 * correct) / test.count).toFixed(1)}% correct (the ceiling)`);

const steps = Number(values.steps);
const perClass = Number(values["per-class"]);
const n = perClass * numClasses;
const labels = Array.from({ length: n }, (_, i) => i % numClasses);
const guidances = values.guidance ? values.guidance.split(",").map(Number) : [classes?.guidance ?? 1];
for (const guidance of guidances) {
  const scheduler = steps > 0 ? DDIMScheduler.fromDDPM(trained) : trained;
  const started = performance.now();
  const { images } = await sampleLoop({
    engine,
    scheduler,
    shape: [n, 1, size, size],
    seed: Number(values.seed),
    steps: steps > 0 ? steps : undefined,
    eta: Number(values.eta),
    model: guidedDenoiser(model, labels, guidance, classes?.unconditionalLabel ?? null),
  });
  const perLabel = new Array(numClasses).fill(0);
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (classify(images, i * pixels) === labels[i]) {
      agree++;
      perLabel[labels[i]]++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `guidance ${guidance}, ${steps > 0 ? `DDIM ${steps} steps, η ${values.eta}` : `DDPM ${trained.T} steps`}: ` +
      `${agree}/${n} samples read as their label (per class ${perLabel.join(" ")}), ${seconds.toFixed(0)} s`,
  );
  const out = join(dirname(dir), `legibility-g${guidance}-s${steps}.png`);
  await writePng(out, imageGrid(images, n, 1, size, size, { columns: numClasses, upscale: 2 }));
}
engine.destroy();
