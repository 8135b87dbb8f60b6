/**
 * The committed classifier weights: models/digit-classifier-SIZE.safetensors in the package (built by
 * `npm run build:classifier`), found from this module's location, and the metadata written with them. Node only.
 */
import type { Engine } from "../engine.js";
import { nodeModules, pathExists, readBytes } from "../io/fs.js";
import { parseSafetensors } from "../io/safetensors.js";
import { type ClassifierSize, DigitClassifier } from "./classifier.js";

/** The folder holding the weights, relative to the package root. */
export const CLASSIFIER_WEIGHTS_DIR = "models";

export function classifierWeightsName(size: ClassifierSize): string {
  return `digit-classifier-${size}.safetensors`;
}

/** What the weights file records about how it was made (safetensors metadata is string to string). */
export function classifierMetadata(info: { size: ClassifierSize; accuracy: number; steps: number; epochs: number; seed: number }) {
  return {
    format: "ddpm-webgpu digit classifier",
    size: String(info.size),
    held_out_accuracy: info.accuracy.toFixed(4),
    steps: String(info.steps),
    epochs: String(info.epochs),
    seed: String(info.seed),
  };
}

/**
 * The path of the committed weights for `size`: the first models/ folder holding them, walking up from this
 * module (src/evaluate/ in a checkout, dist/ in the package, a bundle's cache folder under node_modules).
 */
async function classifierWeightsPath(size: ClassifierSize): Promise<string> {
  const { path } = await nodeModules();
  const { fileURLToPath } = await import("node:url");
  const name = classifierWeightsName(size);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 8; level++) {
    const candidate = path.join(dir, CLASSIFIER_WEIGHTS_DIR, name);
    if (await pathExists(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `digit classifier: no ${CLASSIFIER_WEIGHTS_DIR}/${name} above ${fileURLToPath(import.meta.url)} (npm run build:classifier makes it)`,
  );
}

/** A DigitClassifier with the committed weights for `size` (or those in `file`), in evaluation mode. */
export async function loadDigitClassifier(engine: Engine, size: ClassifierSize, file?: string): Promise<DigitClassifier> {
  const source = file ?? (await classifierWeightsPath(size));
  const parsed = parseSafetensors(await readBytes(source));
  const recorded = parsed.metadata.size;
  if (recorded !== undefined && recorded !== String(size)) {
    throw new Error(`digit classifier: ${source} holds weights for ${recorded} px images, not ${size} px`);
  }
  const model = new DigitClassifier(engine, size);
  model.loadStateDict(new Map([...parsed.tensors].map(([name, t]) => [name, { shape: t.shape, data: t.data }])));
  return model.eval();
}
