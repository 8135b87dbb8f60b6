/**
 * The sets the digit evaluator is validated on, built from held-out digits ([count, 1, size, size] in [-1, 1]):
 * real digits, the same digits with Gaussian noise or blurred, digits of one class, random blobs, pure noise.
 * Shared by test/evaluate.test.ts and bench/digit-evaluator.ts.
 */
import type { Dataset } from "../../src/io/dataset.js";
import { InitRandom } from "../../src/nn/module.js";

export interface DigitSet {
  name: string;
  images: Float32Array;
  /** The digits' true labels, where the set has them. */
  labels: number[] | null;
}

const clamp = (v: number) => Math.min(1, Math.max(-1, v));

/** A separable Gaussian blur of each size×size image, σ in pixels, the background (−1) beyond the edges. */
export function blurDigits(images: Float32Array, size: number, sigma: number): Float32Array {
  const per = size * size;
  const radius = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const weights = taps.map((t) => t / total);
  const out = new Float32Array(images.length);
  const rows = new Float64Array(per);
  for (let n = 0; n < images.length / per; n++) {
    const at = (y: number, x: number) => (x >= 0 && x < size ? images[n * per + y * size + x] : -1);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) sum += weights[k + radius] * at(y, x + k);
        rows[y * size + x] = sum;
      }
    }
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) sum += weights[k + radius] * (y + k >= 0 && y + k < size ? rows[(y + k) * size + x] : -1);
        out[n * per + y * size + x] = sum;
      }
    }
  }
  return out;
}

/** 1–3 Gaussian blobs per image at random places and widths (in units of size / 16) on the black background. */
function blobs(count: number, size: number, random: InitRandom): Float32Array {
  const per = size * size;
  const unit = size / 16;
  const out = new Float32Array(count * per).fill(-1);
  for (let n = 0; n < count; n++) {
    const k = 1 + Math.floor(3 * random.next());
    for (let b = 0; b < k; b++) {
      const cx = (3 + 10 * random.next()) * unit;
      const cy = (3 + 10 * random.next()) * unit;
      const s = (1 + 2 * random.next()) * unit;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const v = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
          out[n * per + y * size + x] = clamp(out[n * per + y * size + x] + 2 * v);
        }
      }
    }
  }
  return out;
}

/**
 * The validation sets of `n` images each from the held-out digits at their size: the first n digits ("real"), the
 * same with N(0, 0.5²) noise added and clamped ("noisy"), the same blurred with σ = 1.2 px at 16 px (2.4 at 32,
 * beyond the classifier's augmentation) ("blurred"), the first n digits of class 3 ("one class"), random blobs
 * and uniform noise in [-1, 1] ("pure noise").
 */
export function digitValidationSets(heldOut: Dataset, n: number, seed = 24): DigitSet[] {
  const size = heldOut.height;
  const per = size * size;
  const labels = heldOut.labels!;
  const real = heldOut.images.slice(0, n * per);
  const realLabels = Array.from(labels.subarray(0, n));
  const random = new InitRandom(seed);
  const noise = random.normal(n * per);
  const threes: number[] = [];
  for (let i = 0; threes.length < n && i < heldOut.count; i++) if (labels[i] === 3) threes.push(i);
  const oneClass = new Float32Array(n * per);
  threes.forEach((index, i) => {
    oneClass.set(heldOut.images.subarray(index * per, (index + 1) * per), i * per);
  });
  return [
    { name: "real", images: real, labels: realLabels },
    { name: "noisy", images: real.map((v, i) => clamp(v + 0.5 * noise[i])), labels: realLabels },
    { name: "blurred", images: blurDigits(real, size, (1.2 * size) / 16), labels: realLabels },
    { name: "one class", images: oneClass, labels: Array(n).fill(3) },
    { name: "blobs", images: blobs(n, size, random), labels: null },
    { name: "pure noise", images: Float32Array.from({ length: n * per }, () => 2 * random.next() - 1), labels: null },
  ];
}
