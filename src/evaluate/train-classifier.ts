/**
 * Training the digit classifier on the engine: cross-entropy, AdamW with a warmup and a cosine decay, and
 * augmentation (shifts of up to ±2 px and a slight Gaussian blur, at 32 px) so that it reads shifted or soft
 * digits as a reader would. Every random choice comes from a seeded CPU generator and the kernel variants from
 * the heuristics (an engine created with autotune "off"), so the same seed gives the same weights, byte for byte,
 * on the same adapter.
 */
import type { Engine } from "../engine.js";
import { type Dataset, quantise8bit } from "../io/dataset.js";
import { InitRandom, type StateDict } from "../nn/module.js";
import { scale, softmax, sub } from "../ops/index.js";
import { AdamW } from "../optim/adamw.js";
import { type ClassifierSize, DigitClassifier, NUM_DIGIT_CLASSES } from "./classifier.js";
import { classify } from "./features.js";

export interface ClassifierTrainingOptions {
  engine: Engine;
  size: ClassifierSize;
  /** The training digits at 32 px, [count, 1, 32, 32] in [-1, 1], with labels (loadMnist({ size: 32 })). */
  train: Dataset;
  /** Held-out digits at `size`, to report the accuracy after each epoch (optional). */
  test?: Dataset;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  warmupSteps: number;
  seed: number;
  /** Largest shift, in 32 px pixels, along each axis. */
  maxShift: number;
  /** Probability of a blur, and the largest Gaussian σ in 32 px pixels (σ is drawn uniformly in [0.3, maxBlur]). */
  blurProbability: number;
  maxBlur: number;
  /** Stop after this many steps (tests); default: every epoch. */
  maxSteps?: number;
  log?: (line: string) => void;
}

export const CLASSIFIER_TRAINING_DEFAULTS = {
  epochs: 8,
  batchSize: 64,
  learningRate: 3e-3,
  weightDecay: 1e-4,
  warmupSteps: 50,
  seed: 0,
  maxShift: 2,
  blurProbability: 0.5,
  maxBlur: 1.0,
} satisfies Partial<ClassifierTrainingOptions>;

const SIDE = 32;

/** One 32×32 digit shifted by (dx, dy) pixels, the uncovered border filled with the background (−1). */
function shiftDigit(source: Float32Array, dx: number, dy: number, out: Float64Array): void {
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sy = y - dy;
      const sx = x - dx;
      out[y * SIDE + x] = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE ? source[sy * SIDE + sx] : -1;
    }
  }
}

/** A separable Gaussian blur of a 32×32 image in place, the image extended by its background (−1) at the edges. */
function blurDigit(image: Float64Array, sigma: number): void {
  const radius = Math.ceil(2 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const weights = taps.map((w) => w / total);
  const tmp = new Float64Array(SIDE * SIDE);
  const at = (img: Float64Array, y: number, x: number) => (y >= 0 && y < SIDE && x >= 0 && x < SIDE ? img[y * SIDE + x] : -1);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += weights[k + radius] * at(image, y, x + k);
      tmp[y * SIDE + x] = sum;
    }
  }
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += weights[k + radius] * at(tmp, y + k, x);
      image[y * SIDE + x] = sum;
    }
  }
}

/**
 * A 32×32 image at `size`: a copy at 32, the mean of each 2×2 block at 16 (the area downscale loadMnist uses),
 * then quantised to 256 levels, as a PNG of samples would hold it.
 */
function resizeAndQuantise(image: ArrayLike<number>, size: ClassifierSize, out: Float32Array, offset: number): void {
  const factor = SIDE / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let j = 0; j < factor; j++) for (let i = 0; i < factor; i++) sum += image[(y * factor + j) * SIDE + x * factor + i];
      out[offset + y * size + x] = quantise8bit(sum / (factor * factor));
    }
  }
}

/** Every digit of a 32 px dataset at `size`, quantised (the held-out set the classifier is measured on). */
export function digitsAtSize(data: Dataset, size: ClassifierSize): Dataset {
  checkDigits32(data);
  const per = size * size;
  const images = new Float32Array(data.count * per);
  for (let i = 0; i < data.count; i++)
    resizeAndQuantise(data.images.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE), size, images, i * per);
  return { ...data, images, height: size, width: size };
}

function checkDigits32(data: Dataset): void {
  if (data.channels !== 1 || data.height !== SIDE || data.width !== SIDE) {
    throw new Error(`digit classifier: expected 1×32×32 digits, got ${data.channels}×${data.height}×${data.width}`);
  }
  if (!data.labels) throw new Error("digit classifier: the digits need labels");
}

/** An augmented batch: each digit shifted, sometimes blurred, then resized to `size` and quantised. */
function augmentedBatch(
  data: Dataset,
  indices: ArrayLike<number>,
  options: ClassifierTrainingOptions,
  random: () => number,
): { images: Float32Array; labels: number[] } {
  const { size } = options;
  const per = size * size;
  const images = new Float32Array(indices.length * per);
  const labels: number[] = [];
  const shifted = new Float64Array(SIDE * SIDE);
  for (let b = 0; b < indices.length; b++) {
    const index = indices[b];
    const span = 2 * options.maxShift + 1;
    const dx = Math.floor(random() * span) - options.maxShift;
    const dy = Math.floor(random() * span) - options.maxShift;
    shiftDigit(data.images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE), dx, dy, shifted);
    const blur = random() < options.blurProbability;
    const sigma = 0.3 + random() * (options.maxBlur - 0.3);
    if (blur) blurDigit(shifted, sigma);
    resizeAndQuantise(shifted, size, images, b * per);
    labels.push(data.labels![index]);
  }
  return { images, labels };
}

/** Learning rate at a step: linear warmup, then a cosine decay to zero at the last step. */
function learningRateAt(options: ClassifierTrainingOptions, step: number, totalSteps: number): number {
  if (step < options.warmupSteps) return (options.learningRate * (step + 1)) / options.warmupSteps;
  const progress = (step - options.warmupSteps) / Math.max(1, totalSteps - options.warmupSteps);
  return options.learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/**
 * Trains a DigitClassifier and returns it with its weights and what it measured: the mean training loss of each
 * epoch and, with `test`, the held-out accuracy after each epoch.
 */
export async function trainDigitClassifier(options: ClassifierTrainingOptions): Promise<{
  model: DigitClassifier;
  state: StateDict;
  epochLoss: number[];
  testAccuracy: number[];
  steps: number;
}> {
  const { engine, size, train } = options;
  checkDigits32(train);
  const model = new DigitClassifier(engine, size, options.seed);
  const optimizer = new AdamW(engine, model.parameters(), { lr: options.learningRate, weightDecay: options.weightDecay });
  const generator = new InitRandom(options.seed ^ 0x636c6173); // "clas"
  const random = () => generator.next();
  const stepsPerEpoch = Math.floor(train.count / options.batchSize);
  const totalSteps = Math.min(options.epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
  const epochLoss: number[] = [];
  const testAccuracy: number[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < options.epochs && step < totalSteps; epoch++) {
      // A seeded Fisher–Yates order per epoch.
      const order = Array.from({ length: train.count }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let lossSum = 0;
      let lossCount = 0;
      for (let s = 0; s < stepsPerEpoch && step < totalSteps; s++, step++) {
        const batch = augmentedBatch(train, order.slice(s * options.batchSize, (s + 1) * options.batchSize), options, random);
        const oneHot = new Float32Array(options.batchSize * NUM_DIGIT_CLASSES);
        batch.labels.forEach((label, b) => {
          oneHot[b * NUM_DIGIT_CLASSES + label] = 1;
        });
        const probabilities = engine.tidy(() => {
          const x = engine.tensor(batch.images, [options.batchSize, 1, size, size]);
          const { logits } = model.forward(x);
          // Cross-entropy's gradient with respect to the logits is (softmax − one-hot) / N: seeding the backward
          // with it avoids the log of a probability that rounds to zero.
          const p = engine.noGrad(() => softmax(logits));
          const seed = engine.noGrad(() => scale(sub(p, engine.tensor(oneHot, p.shape)), 1 / options.batchSize));
          optimizer.zeroGrad();
          engine.backward(logits, seed);
          optimizer.step({ lr: learningRateAt(options, step, totalSteps) });
          optimizer.zeroGrad();
          return p;
        });
        const p = await probabilities.data();
        probabilities.dispose();
        for (let b = 0; b < options.batchSize; b++) lossSum -= Math.log(Math.max(p[b * NUM_DIGIT_CLASSES + batch.labels[b]], 1e-30));
        lossCount += options.batchSize;
      }
      epochLoss.push(lossSum / lossCount);
      let line = `epoch ${epoch + 1}/${options.epochs}: step ${step}, loss ${(lossSum / lossCount).toFixed(4)}`;
      if (options.test) {
        const accuracy = await heldOutAccuracy(model, options.test);
        testAccuracy.push(accuracy);
        line += `, held-out accuracy ${(100 * accuracy).toFixed(2)}%`;
      }
      options.log?.(line);
    }
    return { model, state: await model.stateDict(), epochLoss, testAccuracy, steps: step };
  } finally {
    optimizer.dispose();
  }
}

/** Fraction of `data`'s digits (at the model's size, with labels) the model reads as their label. */
async function heldOutAccuracy(model: DigitClassifier, data: Dataset): Promise<number> {
  const { probabilities } = await classify(model, data.images, data.count);
  let correct = 0;
  for (let i = 0; i < data.count; i++) {
    const row = probabilities.subarray(i * NUM_DIGIT_CLASSES, (i + 1) * NUM_DIGIT_CLASSES);
    if (argmax(row) === data.labels![i]) correct++;
  }
  return correct / data.count;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
