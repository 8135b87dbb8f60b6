/**
 * `ddpm eval --samples`'s job (Node): reads generated digits from a PNG (one image or a grid such as samples.png)
 * or a folder of PNGs, and reports the digit evaluator's figures beside those of as many real held-out digits.
 */
import type { Engine } from "../engine.js";
import type { ClassifierSize } from "../evaluate/classifier.js";
import { type DigitEvaluation, DigitEvaluator, formatDigitEvaluation } from "../evaluate/evaluate.js";
import { type DigitImages, digitsFromRaster } from "../evaluate/images.js";
import { nodeModules, readBytes } from "../io/fs.js";
import { decodePng } from "../io/images.js";

export interface EvaluateSamplesOptions {
  engine: Engine;
  /** A PNG file (one digit, or a grid of them) or a folder of PNG files (read in name order). */
  samples: string;
  /** The digits' side, 16 or 32; default: read from the PNG's layout. */
  size?: ClassifierSize;
  /**
   * The intended labels: "cycle" (image i is digit i mod 10, as `ddpm train` and `ddpm sample` draw class-conditional
   * grids), a list of digits, or none (default) for unconditional samples.
   */
  labels?: "cycle" | readonly number[] | null;
  /** Another weights file for the classifier (default: the committed models/digit-classifier-SIZE.safetensors). */
  weightsFile?: string;
  log?: (line: string) => void;
}

async function readDigits(samples: string, size: ClassifierSize | undefined): Promise<DigitImages> {
  const { fs, path } = await nodeModules();
  let stat: import("node:fs").Stats;
  try {
    stat = await fs.stat(samples);
  } catch {
    throw new Error(`evaluate samples: ${samples} does not exist (expected a PNG file or a folder of PNG files)`);
  }
  const files = stat.isDirectory()
    ? (await fs.readdir(samples))
        .filter((f) => f.toLowerCase().endsWith(".png"))
        .sort()
        .map((f) => path.join(samples, f))
    : [samples];
  if (files.length === 0) throw new Error(`evaluate samples: ${samples} holds no .png file`);
  const sets: DigitImages[] = [];
  for (const file of files) {
    let raster: ReturnType<typeof decodePng>;
    try {
      raster = decodePng(await readBytes(file));
    } catch (error) {
      throw new Error(`evaluate samples: ${file} is not a readable PNG: ${(error as Error).message}`, { cause: error });
    }
    const set = digitsFromRaster(raster, file, size ?? sets[0]?.size);
    if (sets.length && set.size !== sets[0].size) {
      throw new Error(`evaluate samples: ${file} holds ${set.size} px digits, ${files[0]} holds ${sets[0].size} px ones`);
    }
    sets.push(set);
  }
  const count = sets.reduce((n, s) => n + s.count, 0);
  const side = sets[0].size;
  const images = new Float32Array(count * side * side);
  let offset = 0;
  for (const s of sets) {
    images.set(s.images, offset);
    offset += s.images.length;
  }
  return { images, count, size: side };
}

/** Reads the samples, evaluates them, logs the report and returns the figures. */
export async function evaluateSamplesJob(options: EvaluateSamplesOptions): Promise<DigitEvaluation> {
  const log = options.log ?? ((line: string) => console.log(line));
  const digits = await readDigits(options.samples, options.size);
  const labels =
    options.labels === "cycle" ? Array.from({ length: digits.count }, (_, i) => i % 10) : options.labels ? [...options.labels] : null;
  if (labels && labels.length !== digits.count) {
    throw new Error(`evaluate samples: ${labels.length} labels for the ${digits.count} digits in ${options.samples}`);
  }
  const evaluator = await DigitEvaluator.create(options.engine, digits.size, { weightsFile: options.weightsFile });
  try {
    const evaluation = await evaluator.evaluate(digits.images, digits.count, labels);
    log(`${options.samples}: ${digits.count} digit${digits.count === 1 ? "" : "s"} of ${digits.size}×${digits.size}`);
    for (const line of formatDigitEvaluation(evaluation)) log(line);
    return evaluation;
  } finally {
    evaluator.dispose();
  }
}
