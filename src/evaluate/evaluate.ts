/**
 * The digit evaluator: reads a set of generated digits with the engine-trained DigitClassifier and reports, beside
 * the same figures for as many real held-out digits:
 *
 * - accuracy: the fraction read as their intended label (class-conditional samples; real digits: their label);
 * - confident rate: the fraction whose largest class probability is at least 0.9;
 * - the class histogram of the classifier's readings and its entropy in bits (log₂ 10 ≈ 3.32 when balanced);
 * - the Fréchet distance d² between the penultimate-layer features and those of the 1,000 held-out digits
 *   (Heusel et al. 2017's FID, with this classifier's 64 features in place of Inception's).
 *
 * The distance shrinks as n grows, so the real figures are for the same n: the mean and standard deviation over
 * disjoint draws of n held-out digits, each draw measured against the statistics of the other held-out digits.
 */
import type { Engine } from "../engine.js";
import type { Dataset } from "../io/dataset.js";
import { loadMnist } from "../io/mnist.js";
import { type ClassifierSize, type DigitClassifier, FEATURE_DIM, NUM_DIGIT_CLASSES } from "./classifier.js";
import { classify } from "./features.js";
import { type FeatureStatistics, featureStatistics, frechetDistance } from "./frechet.js";
import { argmax, digitsAtSize } from "./train-classifier.js";
import { loadDigitClassifier } from "./weights.js";

/** A reading is confident when its largest class probability is at least this. */
const CONFIDENT_PROBABILITY = 0.9;
/** Real draws measured per n at most: enough for a standard deviation, and a few seconds of CPU at small n. */
const MAX_DRAWS = 20;
/** Below this many images the Fréchet distance is reported with a warning: its covariance is too poorly estimated. */
const MIN_RELIABLE_COUNT = 16;

/** The evaluator's figures for one set of images. */
export interface DigitSetFigures {
  count: number;
  /** Fraction read as the intended label; null without labels. */
  accuracy: number | null;
  /** Fraction with max p ≥ 0.9. */
  confidentRate: number;
  /** How many images the classifier reads as each digit 0–9. */
  histogram: number[];
  /** Entropy of the histogram, in bits. */
  entropyBits: number;
  /** Squared Fréchet distance of the features to the held-out digits'; null for fewer than 2 images. */
  frechet: number | null;
}

/** A figure over disjoint draws of real held-out digits. */
export interface Spread {
  mean: number;
  sd: number;
}

export interface RealDigitFigures {
  count: number;
  draws: number;
  accuracy: Spread;
  confidentRate: Spread;
  entropyBits: Spread;
  frechet: Spread;
}

export interface DigitEvaluation {
  size: ClassifierSize;
  /** The classifier's own accuracy on the held-out digits. */
  classifierAccuracy: number;
  samples: DigitSetFigures;
  /** The same figures for real held-out digits at the same n; null when n is too large for two disjoint draws. */
  real: RealDigitFigures | null;
  /** What makes a figure unreliable (few images). */
  warnings: string[];
}

function entropyBits(histogram: readonly number[]): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const count of histogram) if (count > 0) h -= (count / total) * Math.log2(count / total);
  return h;
}

function spread(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

/** Figures of the rows `rows` of a classified set, against `reference` statistics. */
function figuresOf(
  probabilities: Float32Array,
  features: Float32Array,
  rows: readonly number[],
  labels: ArrayLike<number> | null,
  reference: FeatureStatistics,
): DigitSetFigures {
  const histogram = new Array<number>(NUM_DIGIT_CLASSES).fill(0);
  let confident = 0;
  let correct = 0;
  rows.forEach((row, i) => {
    const p = probabilities.subarray(row * NUM_DIGIT_CLASSES, (row + 1) * NUM_DIGIT_CLASSES);
    const predicted = argmax(p);
    histogram[predicted]++;
    if (p[predicted] >= CONFIDENT_PROBABILITY) confident++;
    if (labels && predicted === labels[i]) correct++;
  });
  const n = rows.length;
  return {
    count: n,
    accuracy: labels ? correct / n : null,
    confidentRate: confident / n,
    histogram,
    entropyBits: entropyBits(histogram),
    frechet: n >= 2 ? frechetDistance(featureStatistics(features, FEATURE_DIM, rows), reference) : null,
  };
}

/** The classifier for one image size, with the held-out digits' readings, ready to evaluate sets of images. */
export class DigitEvaluator {
  private readonly reference: FeatureStatistics;
  private readonly realByCount = new Map<number, RealDigitFigures | null>();
  readonly classifierAccuracy: number;

  private constructor(
    readonly classifier: DigitClassifier,
    private readonly heldOut: Dataset,
    private readonly heldOutProbabilities: Float32Array,
    private readonly heldOutFeatures: Float32Array,
  ) {
    this.reference = featureStatistics(heldOutFeatures, FEATURE_DIM);
    const all = Array.from({ length: heldOut.count }, (_, i) => i);
    this.classifierAccuracy = figuresOf(heldOutProbabilities, heldOutFeatures, all, heldOut.labels, this.reference).accuracy!;
  }

  /**
   * The evaluator for `size`: the committed classifier weights (or `weightsFile`) and the 1,000 held-out MNIST
   * digits at that size, quantised to 8 bits as a PNG holds them. Node only.
   */
  static async create(engine: Engine, size: ClassifierSize, options: { weightsFile?: string } = {}): Promise<DigitEvaluator> {
    const classifier = await loadDigitClassifier(engine, size, options.weightsFile);
    const heldOut = digitsAtSize(await loadMnist({ size: 32, split: "test" }), size);
    const { probabilities, features } = await classify(classifier, heldOut.images, heldOut.count);
    return new DigitEvaluator(classifier, heldOut, probabilities, features);
  }

  get size(): ClassifierSize {
    return this.classifier.size;
  }

  /** The held-out digits at this size, [1000, 1, size, size] in [-1, 1], with their labels. */
  get heldOutDigits(): Dataset {
    return this.heldOut;
  }

  /**
   * Evaluates `count` images ([count, 1, size, size], NCHW, in [-1, 1]), with their intended labels when they
   * are class-conditional samples, beside the real held-out digits at the same n.
   */
  async evaluate(images: Float32Array, count: number, labels?: ArrayLike<number> | null): Promise<DigitEvaluation> {
    const size = this.size;
    if (!Number.isInteger(count) || count < 1) throw new Error(`digit evaluator: count must be a positive integer, got ${count}`);
    if (images.length !== count * size * size) {
      throw new Error(`digit evaluator: ${count} images of 1×${size}×${size} need ${count * size * size} values, got ${images.length}`);
    }
    for (let i = 0; i < images.length; i++) {
      const v = images[i];
      if (!(v >= -1.001 && v <= 1.001)) {
        throw new Error(
          `digit evaluator: image ${Math.floor(i / (size * size))} holds ${v}; the evaluator expects values in [-1, 1] ` +
            "(the DDPM data range; 0..255 pixels map to -1..1)",
        );
      }
    }
    if (labels && labels.length !== count) throw new Error(`digit evaluator: ${labels.length} labels for ${count} images`);
    if (labels) {
      for (let i = 0; i < labels.length; i++) {
        if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= NUM_DIGIT_CLASSES) {
          throw new Error(`digit evaluator: label ${i} is ${labels[i]}, expected a digit 0–9`);
        }
      }
    }
    const { probabilities, features } = await classify(this.classifier, images, count);
    const rows = Array.from({ length: count }, (_, i) => i);
    const samples = figuresOf(probabilities, features, rows, labels ?? null, this.reference);
    const warnings: string[] = [];
    if (count < MIN_RELIABLE_COUNT) {
      warnings.push(
        `only ${count} images: the Fréchet distance is unreliable below ${MIN_RELIABLE_COUNT} (a covariance of ${FEATURE_DIM} ` +
          `features from ${count} images); compare it only with the real digits at the same n`,
      );
    }
    return { size, classifierAccuracy: this.classifierAccuracy, samples, real: this.realFigures(count), warnings };
  }

  /**
   * The figures of disjoint draws of `count` held-out digits (at most MAX_DRAWS), each against the statistics of
   * the other held-out digits; null when fewer than 2 draws fit. Computed once per count.
   */
  realFigures(count: number): RealDigitFigures | null {
    if (!this.realByCount.has(count)) this.realByCount.set(count, this.measureRealDraws(count));
    return this.realByCount.get(count)!;
  }

  private measureRealDraws(count: number): RealDigitFigures | null {
    const total = this.heldOut.count;
    const draws = Math.min(MAX_DRAWS, Math.floor(total / count));
    if (draws < 2 || count < 2) return null;
    const results: DigitSetFigures[] = [];
    for (let d = 0; d < draws; d++) {
      const rows = Array.from({ length: count }, (_, i) => d * count + i);
      const others = Array.from({ length: total }, (_, i) => i).filter((i) => i < d * count || i >= (d + 1) * count);
      const reference = featureStatistics(this.heldOutFeatures, FEATURE_DIM, others);
      const labels = rows.map((r) => this.heldOut.labels![r]);
      results.push(figuresOf(this.heldOutProbabilities, this.heldOutFeatures, rows, labels, reference));
    }
    return {
      count,
      draws,
      accuracy: spread(results.map((r) => r.accuracy!)),
      confidentRate: spread(results.map((r) => r.confidentRate)),
      entropyBits: spread(results.map((r) => r.entropyBits)),
      frechet: spread(results.map((r) => r.frechet!)),
    };
  }

  dispose(): void {
    this.classifier.dispose();
  }
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The evaluation as a few lines of text: the samples' figures beside the real digits' mean ± s.d. */
export function formatDigitEvaluation(e: DigitEvaluation): string[] {
  const { samples, real } = e;
  const column = (text: string) => text.padEnd(14);
  const rows: [string, string, string][] = [
    [
      "accuracy",
      samples.accuracy === null ? "(no labels)" : percent(samples.accuracy),
      real ? `${percent(real.accuracy.mean)} ± ${percent(real.accuracy.sd)}` : "",
    ],
    [
      `confident (p ≥ ${CONFIDENT_PROBABILITY})`,
      percent(samples.confidentRate),
      real ? `${percent(real.confidentRate.mean)} ± ${percent(real.confidentRate.sd)}` : "",
    ],
    [
      "class entropy",
      `${samples.entropyBits.toFixed(2)} bits`,
      real ? `${real.entropyBits.mean.toFixed(2)} ± ${real.entropyBits.sd.toFixed(2)} bits` : "",
    ],
    [
      "Fréchet distance",
      samples.frechet === null ? "(n < 2)" : samples.frechet.toFixed(3),
      real ? `${real.frechet.mean.toFixed(3)} ± ${real.frechet.sd.toFixed(3)}` : "",
    ],
  ];
  const noReal = samples.count < 2 ? "too few to compare with real digits" : "too many for two disjoint draws of real digits";
  const realColumn = real ? `${real.draws} draws of ${real.count} real held-out digits (mean ± s.d.)` : "";
  const header = real
    ? `${column("")}        ${column(`${samples.count} images`)}${realColumn}`
    : `${column("")}        ${samples.count} images (${noReal})`;
  return [
    `digit evaluator (${e.size} px classifier, ${percent(e.classifierAccuracy)} on the held-out digits):`,
    header,
    ...rows.map(([name, a, b]) => `  ${name.padEnd(20)}${column(a)}${b}`),
    `  class histogram     ${samples.histogram.map((n, digit) => `${digit}:${n}`).join(" ")}`,
    ...e.warnings.map((w) => `  warning: ${w}`),
  ];
}
