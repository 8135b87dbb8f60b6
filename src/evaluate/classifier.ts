/**
 * A small convolutional digit classifier, built from the engine's own layers (conv2d, group norm with fused SiLU,
 * mean pooling, linear): the judge `evaluateDigits` uses to read generated digits.
 *
 * Layout for an s×s gray image (s = 16 or 32), NCHW:
 *
 *   stem      3×3 conv 1 → 16, stride s/16, pad 1      → 16×16     group norm (4 groups) + SiLU
 *   down1     3×3 conv 16 → 32, stride 2, pad 1        → 8×8       group norm (8) + SiLU
 *   conv2     3×3 conv 32 → 32, stride 1, pad 1        → 8×8       group norm (8) + SiLU
 *   down2     3×3 conv 32 → 64, stride 2, pad 1        → 4×4       group norm (8) + SiLU
 *   fc        linear 64·4·4 → 64                       → 64 features (the penultimate layer), SiLU
 *   head      linear 64 → 10                           → logits
 *
 * The fully connected layer reads the 4×4 map as it is (no global pooling), so where a stroke lies still counts.
 *
 * At 32 px the stem's stride 2 brings the image to the 16×16 grid the rest works on, so both sizes cost about
 * the same.
 */
import type { Engine, Tensor } from "../engine.js";
import { Conv2d, GroupNorm, Linear } from "../nn/layers.js";
import { InitRandom, Module } from "../nn/module.js";
import { reshape, silu } from "../ops/index.js";

/** Image sides the classifier is built for. */
export type ClassifierSize = 16 | 32;

/** Width of the penultimate layer: the features the Fréchet distance compares. */
export const FEATURE_DIM = 64;
export const NUM_DIGIT_CLASSES = 10;
const GROUP_NORM_EPS = 1e-5;

export interface ClassifierOutput {
  /** [N, 10] unnormalised class scores. */
  logits: Tensor;
  /** [N, FEATURE_DIM] features of the penultimate layer (fc, after its SiLU). */
  features: Tensor;
}

export class DigitClassifier extends Module {
  readonly stem: Conv2d;
  readonly stemNorm: GroupNorm;
  readonly down1: Conv2d;
  readonly down1Norm: GroupNorm;
  readonly conv2: Conv2d;
  readonly conv2Norm: GroupNorm;
  readonly down2: Conv2d;
  readonly down2Norm: GroupNorm;
  readonly fc: Linear;
  readonly head: Linear;

  constructor(
    engine: Engine,
    readonly size: ClassifierSize,
    seed = 0,
  ) {
    super(engine);
    if (size !== 16 && size !== 32) throw new Error(`DigitClassifier: size must be 16 or 32, got ${size}`);
    const random = new InitRandom(seed);
    this.stem = this.module("stem", new Conv2d(engine, 1, 16, 3, random, { stride: size / 16, padding: 1 }));
    this.stemNorm = this.module("stem_norm", new GroupNorm(engine, 4, 16, GROUP_NORM_EPS));
    this.down1 = this.module("down1", new Conv2d(engine, 16, 32, 3, random, { stride: 2, padding: 1 }));
    this.down1Norm = this.module("down1_norm", new GroupNorm(engine, 8, 32, GROUP_NORM_EPS));
    this.conv2 = this.module("conv2", new Conv2d(engine, 32, 32, 3, random, { padding: 1 }));
    this.conv2Norm = this.module("conv2_norm", new GroupNorm(engine, 8, 32, GROUP_NORM_EPS));
    this.down2 = this.module("down2", new Conv2d(engine, 32, FEATURE_DIM, 3, random, { stride: 2, padding: 1 }));
    this.down2Norm = this.module("down2_norm", new GroupNorm(engine, 8, FEATURE_DIM, GROUP_NORM_EPS));
    this.fc = this.module("fc", new Linear(engine, FEATURE_DIM * 16, FEATURE_DIM, random));
    this.head = this.module("head", new Linear(engine, FEATURE_DIM, NUM_DIGIT_CLASSES, random));
  }

  /** Logits and penultimate features of x [N, 1, size, size] in [-1, 1]. */
  forward(x: Tensor): ClassifierOutput {
    if (x.rank !== 4 || x.shape[1] !== 1 || x.shape[2] !== this.size || x.shape[3] !== this.size) {
      throw new Error(`DigitClassifier: expected [N, 1, ${this.size}, ${this.size}] images, got [${x.shape.join(", ")}]`);
    }
    let h = this.stemNorm.forward(this.stem.forward(x), true);
    h = this.down1Norm.forward(this.down1.forward(h), true);
    h = this.conv2Norm.forward(this.conv2.forward(h), true);
    h = this.down2Norm.forward(this.down2.forward(h), true);
    const features = silu(this.fc.forward(reshape(h, [x.shape[0], FEATURE_DIM * 16])));
    return { logits: this.head.forward(features), features };
  }
}
