/** Running the digit classifier over many images: class probabilities and penultimate features, read back in batches. */
import { softmax } from "../ops/index.js";
import { type DigitClassifier, FEATURE_DIM, NUM_DIGIT_CLASSES } from "./classifier.js";

/** Images per forward pass when classifying. */
const BATCH = 250;

/**
 * Class probabilities [count, 10] and penultimate features [count, FEATURE_DIM] of `count` images
 * ([count, 1, size, size], NCHW, in [-1, 1]), in evaluation mode and without the tape.
 */
export async function classify(
  model: DigitClassifier,
  images: Float32Array,
  count: number,
): Promise<{ probabilities: Float32Array; features: Float32Array }> {
  const { engine, size } = model;
  const per = size * size;
  if (images.length !== count * per) {
    throw new Error(`classify: ${count} images of 1×${size}×${size} need ${count * per} values, got ${images.length}`);
  }
  const probabilities = new Float32Array(count * NUM_DIGIT_CLASSES);
  const features = new Float32Array(count * FEATURE_DIM);
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const [p, f] = engine.tidy(() =>
      engine.noGrad(() => {
        const out = model.forward(engine.tensor(images.subarray(start * per, (start + n) * per), [n, 1, size, size]));
        return [softmax(out.logits), out.features];
      }),
    );
    probabilities.set(await p.data(), start * NUM_DIGIT_CLASSES);
    features.set(await f.data(), start * FEATURE_DIM);
    p.dispose();
    f.dispose();
  }
  return { probabilities, features };
}
