/**
 * Builds the digit classifier's weights from the built-in MNIST digits: `npm run build:classifier [-- SIZES]`
 * (default 16 32). Trains on the 9,000 training digits with the engine (autotune off, so the kernel variants and
 * the bytes written depend only on the seed and the adapter), reports the accuracy on the 1,000 held-out digits
 * and writes models/digit-classifier-SIZE.safetensors.
 */
import { writeFile } from "node:fs/promises";
import { Engine } from "../src/engine.js";
import type { ClassifierSize } from "../src/evaluate/classifier.js";
import { CLASSIFIER_TRAINING_DEFAULTS, digitsAtSize, trainDigitClassifier } from "../src/evaluate/train-classifier.js";
import { CLASSIFIER_WEIGHTS_DIR, classifierMetadata, classifierWeightsName } from "../src/evaluate/weights.js";
import { loadMnist } from "../src/io/mnist.js";
import { serializeSafetensors } from "../src/io/safetensors.js";

const args = process.argv.slice(2);
const sizes = (args.length ? args.map(Number) : [16, 32]) as ClassifierSize[];
const epochs = Number(process.env.CLASSIFIER_EPOCHS ?? CLASSIFIER_TRAINING_DEFAULTS.epochs);
const engine = await Engine.create({ autotune: "off", tuneStore: null, verbose: false });
console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}`);
const train = await loadMnist({ size: 32, split: "train" });
const test32 = await loadMnist({ size: 32, split: "test" });
for (const size of sizes) {
  if (size !== 16 && size !== 32) throw new Error(`build-classifier: sizes are 16 and 32, got ${size}`);
  const started = performance.now();
  const result = await trainDigitClassifier({
    ...CLASSIFIER_TRAINING_DEFAULTS,
    epochs,
    engine,
    size,
    train,
    test: digitsAtSize(test32, size),
    log: (line) => console.log(`${size} px: ${line} (${((performance.now() - started) / 1000).toFixed(0)} s)`),
  });
  const seconds = (performance.now() - started) / 1000;
  const accuracy = result.testAccuracy.at(-1)!;
  const metadata = classifierMetadata({ size, accuracy, steps: result.steps, epochs, seed: CLASSIFIER_TRAINING_DEFAULTS.seed });
  const bytes = serializeSafetensors(new Map([...result.state].map(([name, { shape, data }]) => [name, { shape, data }])), metadata);
  const path = `${CLASSIFIER_WEIGHTS_DIR}/${classifierWeightsName(size)}`;
  await writeFile(path, bytes);
  console.log(
    `${size} px: ${path} (${bytes.length} bytes), held-out accuracy ${(100 * accuracy).toFixed(2)}%, ` +
      `${result.steps} steps in ${seconds.toFixed(0)} s`,
  );
  result.model.dispose();
}
await engine.destroy();
