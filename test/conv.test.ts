/**
 * conv2d against the float64 reference (F.pad + F.conv2d), with gradients of x, weight and bias checked by
 * finite differences (checkOp). The cases reach every kernel of shaders/conv2d.wgsl: the 3×3 stride-1 tiles
 * (images narrower and wider than 8, padding applied as they read), the general tile (strides, 1×1 and 2×3
 * kernels, on a padded copy), the input gradient through dilation (stride 2) and through a crop (padding ≥
 * kernel size), and the weight gradient with its sum split and unsplit, with output sizes that are and are not
 * whole segments; the forward and input-gradient sums over channels split by default on a small map. A second
 * block calls every register kernel directly (./src/ops/conv/tiled.ts) with each tile, workgroup size,
 * channel-split count (uneven, and more than the channels), weight-gradient kernel and weight-gradient split,
 * against the reference's forward and its exact gradients; a third forces each tuner variant through the op.
 *
 * Tolerances (f32 accumulation over C·kh·kw terms forward, N·Ho·Wo terms for the weight gradient):
 *   forward            |gpu − ref| ≤ 1e-5 · max(1, max|ref|) + 1e-4 · |ref|
 *   gradients          |gpu − fd|  ≤ 1e-4 · max(1, max|fd|)  + 1e-3 · |fd|
 *   exact gradients    |gpu − ref| ≤ 1e-5 · max(1, max|ref|) + 1e-4 · |ref| (as the forward: the same f32 sums)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops, type Tensor } from "../src/index.js";
import { conv2dGeometry } from "../src/ops/conv/geometry.js";
import {
  CONV_TILES,
  type ConvTile,
  defaultChannelSplits,
  type TileChoice,
  tiledForward,
  tiledInputGradient,
  tiledWeightGradient,
  WEIGHT_GRAD_KERNELS,
  type WeightGradChoice,
} from "../src/ops/conv/tiled.js";
import { checkOp, expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/conv.js";
import { type Ref, rng, sizeOf, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

const FORWARD_TOL = { atol: 1e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

interface ConvCase extends R.ConvCase {
  maxGradCoords?: number;
}

const cases: ConvCase[] = [
  { name: "N1 C1 5×5, 3×3 pad 1", x: [1, 1, 5, 5], kernel: [1, 3, 3], padding: 1 },
  { name: "N2 C3→O5 7×6, 3×3 stride 2 pad 1", x: [2, 3, 7, 6], kernel: [5, 3, 3], stride: 2, padding: 1 },
  { name: "N2 C3→O4 8×8, 3×3 stride 2 pad (0,1,0,1)", x: [2, 3, 8, 8], kernel: [4, 3, 3], stride: 2, padding: [0, 1, 0, 1] },
  { name: "N1 C2→O3 7×7, 3×3 stride 2 pad (0,1,0,1)", x: [1, 2, 7, 7], kernel: [3, 3, 3], stride: 2, padding: [0, 1, 0, 1] },
  { name: "1×1 C17→O3 on 3×65", x: [1, 17, 3, 65], kernel: [3, 1, 1], maxGradCoords: 96 },
  { name: "1×1 C17→O3 N2 on 5×5", x: [2, 17, 5, 5], kernel: [3, 1, 1] },
  { name: "no bias, N1 C4→O6 5×9, 3×3 pad 1", x: [1, 4, 5, 9], kernel: [6, 3, 3], padding: 1, bias: false },
  { name: "no padding, N1 C1→O1 4×17, 3×3", x: [1, 1, 4, 17], kernel: [1, 3, 3] },
  { name: "1×1 images, N3 C2→O1, 3×3 pad 1", x: [3, 2, 1, 1], kernel: [1, 3, 3], padding: 1 },
  { name: "2×3 kernel, stride 2, pad (1,0,2,1), N1 C2→O3 6×9", x: [1, 2, 6, 9], kernel: [3, 2, 3], stride: 2, padding: [1, 0, 2, 1] },
  { name: "stride 2 pad 1, 3×3, C5→O9 on 9×5", x: [1, 5, 9, 5], kernel: [9, 3, 3], stride: 2, padding: 1 },
  { name: "medium N2 C8→O16 16×16, 3×3 pad 1", x: [2, 8, 16, 16], kernel: [16, 3, 3], padding: 1, maxGradCoords: 48 },
  { name: "one output row (weight gradient unsplit), N1 C2→O3 3×5, 3×3", x: [1, 2, 3, 5], kernel: [3, 3, 3] },
  { name: "one output row, no bias, N1 C5→O5 3×10, 3×3", x: [1, 5, 3, 10], kernel: [5, 3, 3], bias: false },
  { name: "1×1 kernel with padding 1 (input gradient crops), N2 C3→O2 4×5", x: [2, 3, 4, 5], kernel: [2, 1, 1], padding: 1 },
  { name: "3×3 with padding 3, N1 C2→O2 3×4", x: [1, 2, 3, 4], kernel: [2, 3, 3], padding: 3 },
  { name: "stride 3, 3×3 pad (2,0,1,1), N2 C3→O4 10×8", x: [2, 3, 10, 8], kernel: [4, 3, 3], stride: 3, padding: [2, 0, 1, 1] },
  // One 4×4 tile: the default splits the 64-channel sums in two, forward and input gradient alike.
  { name: "channel sums split by default, N1 C64→O64 3×2, 3×3 pad 1", x: [1, 64, 3, 2], kernel: [64, 3, 3], padding: 1, maxGradCoords: 32 },
];

/** Cases run on every register kernel called directly. */
const variantCases: ConvCase[] = [
  { name: "N2 C5→O9 7×10, 3×3 pad 1", x: [2, 5, 7, 10], kernel: [9, 3, 3], padding: 1 },
  { name: "N2 C3→O5 7×6, 3×3 stride 2 pad (0,1,0,1)", x: [2, 3, 7, 6], kernel: [5, 3, 3], stride: 2, padding: [0, 1, 0, 1] },
  // An odd number of tiles (3) and of 8-channel groups (3): the quad tile's pairs end in a clamped lane.
  { name: "N1 C3→O20 4×17, 3×3 pad 1", x: [1, 3, 4, 17], kernel: [20, 3, 3], padding: 1 },
  // The 4×4 tile, without a bias, under the channel splits.
  { name: "no bias, N1 C6→O4 4×4, 3×3 pad 1", x: [1, 6, 4, 4], kernel: [4, 3, 3], padding: 1, bias: false },
];

/**
 * Forward / input-gradient choices: each tile (the 3×3 ones where the pass is a 3×3 stride-1 convolution), a
 * smaller workgroup, and channel splits — uneven ranges (C = 5 → 3 + 2 and 2 + 2 + 1 channels, C = 3 → 2 + 1 and
 * 1 + 1 + 1; the input gradients split O = 9 and 5 the same way), and 64 splits clamped to one channel each.
 */
const tileChoices: [string, ConvTile, Omit<TileChoice, "tile">][] = [
  ["general tile", CONV_TILES.general, { splits: 1 }],
  ["3×3 tile 4×4", CONV_TILES.conv3x3Small, { splits: 1 }],
  ["3×3 tile 4×8", CONV_TILES.conv3x3, { splits: 1 }],
  ["3×3 quad tile 4×8 (subgroups)", CONV_TILES.conv3x3Quad, { splits: 1 }],
  ["4×8 tile, workgroups of 16", CONV_TILES.conv3x3, { splits: 1, workgroupSize: 16 }],
  ["general tile, workgroups of 16", CONV_TILES.general, { splits: 1, workgroupSize: 16 }],
  ["4×4 tile, 2 channel splits", CONV_TILES.conv3x3Small, { splits: 2 }],
  ["4×8 tile, 3 channel splits", CONV_TILES.conv3x3, { splits: 3 }],
  ["quad tile, 3 channel splits", CONV_TILES.conv3x3Quad, { splits: 3 }],
  ["general tile, 3 channel splits", CONV_TILES.general, { splits: 3 }],
  ["4×4 tile, 64 channel splits (clamped to C)", CONV_TILES.conv3x3Small, { splits: 64 }],
];

/** Weight-gradient choices: each kernel (the 3×3 ones for 3×3 stride-1 convolutions), unsplit, split per segment, small workgroups. */
const weightGradChoices: [string, WeightGradChoice][] = [
  ["general weight-gradient kernel", { kernel: WEIGHT_GRAD_KERNELS.general }],
  ["narrow 3×3 weight-gradient kernel", { kernel: WEIGHT_GRAD_KERNELS.conv3x3 }],
  ["wide 3×3 weight-gradient kernel", { kernel: WEIGHT_GRAD_KERNELS.conv3x3Wide }],
  ["quad 3×3 weight-gradient kernel (subgroups)", { kernel: WEIGHT_GRAD_KERNELS.conv3x3Quad }],
  ["unsplit wide 3×3 weight gradient", { kernel: WEIGHT_GRAD_KERNELS.conv3x3Wide, invocations: 1 }],
  ["quad 3×3 weight gradient, one split per output segment", { kernel: WEIGHT_GRAD_KERNELS.conv3x3Quad, invocations: 1e9 }],
  ["unsplit general weight gradient", { kernel: WEIGHT_GRAD_KERNELS.general, invocations: 1 }],
  ["general weight gradient, workgroups of 16", { kernel: WEIGHT_GRAD_KERNELS.general, workgroupSize: 16 }],
];

/** A case's inputs, its reference forward and exact gradients (for an output gradient drawn alongside). */
function convReference(c: ConvCase) {
  const random = rng(c.x.reduce((p, d) => p * d, 1) + c.kernel[0]);
  return R.convCaseReference(c, (shape) => ({ data: uniformData(sizeOf(shape), random), shape }));
}
function checkConv(c: ConvCase): Promise<void> {
  const [o, kh, kw] = c.kernel;
  const withBias = c.bias ?? true;
  const shapes = [c.x, [o, c.x[1], kh, kw], ...(withBias ? [[o]] : [])];
  const options = { stride: c.stride, padding: c.padding };
  return checkOp(engine, {
    name: `conv2d ${c.name}`,
    shapes,
    gpu: (x, w, b) => ops.conv2d(x, w, b, options),
    cpu: (x, w, b) => R.conv2d(x, w, b ?? null, c.stride ?? 1, c.padding ?? 0),
    forwardTol: FORWARD_TOL,
    gradTol: GRAD_TOL,
    maxGradCoords: c.maxGradCoords,
  });
}

describe("conv2d", () => {
  for (const c of cases) it(c.name, () => checkConv(c));

  it("the padding option matches diffusers' Downsample2D shapes", () => {
    engine.tidy(() => {
      const w = engine.zeros([4, 3, 3, 3]);
      // downsample_padding = 0: F.pad (0, 1, 0, 1) then 3×3 stride 2, no padding.
      expect(ops.conv2d(engine.zeros([1, 3, 8, 8]), w, null, { stride: 2, padding: [0, 1, 0, 1] }).shape).toEqual([1, 4, 4, 4]);
      expect(ops.conv2d(engine.zeros([1, 3, 7, 7]), w, null, { stride: 2, padding: [0, 1, 0, 1] }).shape).toEqual([1, 4, 3, 3]);
      // downsample_padding = 1: one on every side.
      expect(ops.conv2d(engine.zeros([1, 3, 8, 8]), w, null, { stride: 2, padding: 1 }).shape).toEqual([1, 4, 4, 4]);
      expect(ops.conv2d(engine.zeros([1, 3, 7, 7]), w, null, { stride: 2, padding: 1 }).shape).toEqual([1, 4, 4, 4]);
    });
  });

  it("gives only the weight a gradient when x does not require grad", async () => {
    const x = engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]).keep();
    const w = engine.parameter([1], [1, 1, 1, 1]);
    engine.tidy(() => engine.backward(ops.sum(ops.conv2d(x, w))));
    expect(x.grad).toBeNull();
    expect([...(await w.grad!.data())]).toEqual([10]);
    x.dispose();
    w.dispose();
  });
});

describe("conv2d register kernels called directly", () => {
  const tensor = (r: Ref) => engine.tensor(Float32Array.from(r.data), r.shape);
  for (const c of variantCases) {
    const padding = c.padding ?? 0;
    const options = { stride: c.stride, padding: typeof padding === "number" ? padding : (padding as [number, number, number, number]) };
    // Another workgroup size compiles every pipeline again (seconds on SwiftShader): one case is enough there.
    const once = c === variantCases[0];
    for (const [label, tile, rest] of tileChoices) {
      if (rest.workgroupSize && !once) continue;
      it(`${label}: ${c.name}`, async () => {
        if (tile.quad && !engine.kernels.supports("conv2d_quad")) return;
        const r = convReference(c);
        const [x, w, gradOut] = [tensor(r.x), tensor(r.w), tensor(r.gradOut)];
        const b = r.b ? tensor(r.b) : null;
        const g = conv2dGeometry(x, w, b, options);
        // The 3×3 tiles take 3×3 stride-1 convolutions: every input gradient here, the forward unless strided.
        const forward = !tile.only3x3 || (c.stride ?? 1) === 1 ? tiledForward(x, w, b, g, { tile, ...rest }) : null;
        const input = tiledInputGradient(gradOut, w, g, { tile, ...rest });
        if (forward) expectClose(await forward.data(), r.out.data, FORWARD_TOL, `${label} forward`);
        expectClose(await input.data(), r.grads.input.data, FORWARD_TOL, `${label} input gradient`);
        for (const t of [x, w, gradOut, b, forward, input]) t?.dispose();
      });
    }
    for (const [label, choice] of weightGradChoices) {
      if (choice.workgroupSize && !once) continue;
      it(`${label}: ${c.name}`, async () => {
        if (choice.kernel.quad && !engine.kernels.supports("conv2d_quad")) return;
        if (!choice.kernel.perTap && (c.stride ?? 1) !== 1) return;
        const r = convReference(c);
        const [x, w, gradOut] = [tensor(r.x), tensor(r.w), tensor(r.gradOut)];
        const g = conv2dGeometry(x, w, null, options);
        const [gradWeight, gradBias] = tiledWeightGradient(x, gradOut, g, r.b !== null, choice);
        expect(gradBias === null).toBe(r.b === null);
        expectClose(await gradWeight.data(), r.grads.weight.data, FORWARD_TOL, `${label} weight gradient`);
        if (gradBias) expectClose(await gradBias.data(), r.grads.bias.data, FORWARD_TOL, `${label} bias gradient`);
        for (const t of [x, w, gradOut, gradWeight, gradBias]) t?.dispose();
      });
    }
  }
});

// The tuner's variants (src/ops/conv/variants.ts), each forced through conv2d by a family
// override, forward and every gradient: whichever the autotune picks on some adapter is tested. A family's
// override also forces the other passes' defaults, so each family is forced on its own.
describe("conv2d tuner variants through the op", () => {
  const threeByThree: ConvCase = { name: "N2 C5→O9 7×10, 3×3 pad 1", x: [2, 5, 7, 10], kernel: [9, 3, 3], padding: 1 };
  const strided: ConvCase = {
    name: "N2 C3→O5 7×6, 3×3 stride 2 pad (0,1,0,1)",
    x: [2, 3, 7, 6],
    kernel: [5, 3, 3],
    stride: 2,
    padding: [0, 1, 0, 1],
  };
  // Default split 2 here (one 4×4 tile, one channel group): ".s1" is a candidate.
  const splitByDefault: ConvCase = { name: "N1 C64→O8 4×4, 3×3 pad 1", x: [1, 64, 4, 4], kernel: [8, 3, 3], padding: 1, maxGradCoords: 24 };
  // 1×1 convolutions as matrix products (the "matmul" variant of each family): batch 3 with a bias (the forward
  // accumulates onto it; the weight gradient sums per-image products), one channel without a bias, and one big
  // enough (M, N ≥ 32) for the matmul heuristic's quad kernel.
  const pointwise: ConvCase[] = [
    { name: "N3 C5→O7 3×5, 1×1", x: [3, 5, 3, 5], kernel: [7, 1, 1] },
    { name: "N1 C1→O2 1×6, 1×1, no bias", x: [1, 1, 1, 6], kernel: [2, 1, 1], bias: false },
    { name: "N1 C40→O36 6×7, 1×1", x: [1, 40, 6, 7], kernel: [36, 1, 1], maxGradCoords: 48 },
  ];
  const runs: [string, string, ConvCase][] = [
    ...pointwise.flatMap((c): [string, string, ConvCase][] => [
      ["conv2d.forward", "matmul", c],
      ["conv2d.inputGrad", "matmul", c],
      ["conv2d.weightGrad", "matmul", c],
    ]),
    ["conv2d.forward", "conv_general", strided],
    ["conv2d.forward", "conv3x3_4x4", threeByThree],
    ["conv2d.forward", "conv3x3_4x8", threeByThree],
    ["conv2d.forward", "conv3x3_quad_4x8", threeByThree],
    ["conv2d.forward", "conv3x3_4x4.s1", splitByDefault],
    ["conv2d.forward", "shared", strided],
    ["conv2d.forward", "shared", threeByThree],
    ["conv2d.inputGrad", "conv_general", threeByThree],
    ["conv2d.inputGrad", "conv3x3_4x4", strided],
    ["conv2d.inputGrad", "conv3x3_4x8", threeByThree],
    ["conv2d.inputGrad", "conv3x3_quad_4x8", threeByThree],
    ["conv2d.inputGrad", "shared", strided],
    ["conv2d.weightGrad", "weight_grad_general", threeByThree],
    ["conv2d.weightGrad", "weight_grad_3x3", threeByThree],
    ["conv2d.weightGrad", "weight_grad_3x3_wide", threeByThree],
    ["conv2d.weightGrad", "weight_grad_3x3_quad", threeByThree],
    ["conv2d.weightGrad", "shared", strided],
  ];
  for (const [family, variant, c] of runs) {
    it(`${family} = ${variant}: ${c.name}`, async () => {
      const previous = engine.tuner.override(family, variant);
      try {
        await checkConv(c);
      } finally {
        engine.tuner.override(family, previous);
      }
    });
  }

  it("an override naming a variant that does not apply to the shape is refused by name", () => {
    const previous = engine.tuner.override("conv2d.forward", "conv3x3_4x8");
    try {
      engine.tidy(() => {
        expect(() => ops.conv2d(engine.zeros([1, 2, 5, 5]), engine.zeros([3, 2, 1, 1]))).toThrow(
          /variant override conv2d.forward = 'conv3x3_4x8' does not apply to N1 C2→O3 5×5 k1×1 s1 p0,0; its variants there: conv_general, matmul, shared/,
        );
      });
    } finally {
      engine.tuner.override("conv2d.forward", previous);
    }
  });
});

describe("defaultChannelSplits", () => {
  const g = (batch: number, inChannels: number, outChannels: number, size: number) => ({
    batch,
    inChannels,
    outChannels,
    outHeight: size,
    outWidth: size,
  });
  it("splits small maps with many channels until about 256 invocations run on a software adapter", () => {
    // 1 tile × 32 channel groups = 32 invocations → 8 splits of 32 channels.
    expect(defaultChannelSplits(g(1, 256, 256, 4), CONV_TILES.conv3x3Small, true)).toBe(8);
    expect(defaultChannelSplits(g(1, 256, 256, 8), CONV_TILES.conv3x3, true)).toBe(4);
  });
  it("keeps at least 32 channels per split, and does not split layers with enough tiles", () => {
    expect(defaultChannelSplits(g(16, 32, 32, 8), CONV_TILES.conv3x3, true)).toBe(1);
    expect(defaultChannelSplits(g(1, 63, 256, 4), CONV_TILES.conv3x3Small, true)).toBe(1);
    expect(defaultChannelSplits(g(1, 64, 8, 1), CONV_TILES.general, true)).toBe(2);
    expect(defaultChannelSplits(g(1, 128, 128, 32), CONV_TILES.conv3x3, true)).toBe(1);
    expect(defaultChannelSplits(g(16, 16, 16, 16), CONV_TILES.conv3x3, true)).toBe(1);
  });
  it("wants more invocations on a GPU", () => {
    // 64 tiles × 16 channel groups = 1024 invocations; 16 splits wanted, 4 allowed.
    expect(defaultChannelSplits(g(1, 128, 128, 32), CONV_TILES.conv3x3Small, false)).toBe(4);
    expect(defaultChannelSplits(g(1, 256, 256, 32), CONV_TILES.conv3x3Small, false)).toBe(8);
  });
  it("a split count must be a positive integer", () => {
    for (const splits of [0, 1.5]) {
      engine.tidy(() => {
        const x = engine.zeros([1, 2, 3, 3]);
        const w = engine.zeros([1, 2, 3, 3]);
        const g = conv2dGeometry(x, w, null, {});
        expect(() => tiledForward(x, w, null, g, { tile: CONV_TILES.conv3x3Small, splits })).toThrow(
          new RegExp(`conv2d: channelSplits must be a positive integer, got ${splits}`),
        );
      });
    }
  });
});

describe("conv2d input errors name the op and the shapes", () => {
  const attempt =
    (xShape: number[], wShape: number[], bShape: number[] | null, options = {}) =>
    () =>
      engine.tidy(() => {
        const t = (shape: number[]): Tensor => engine.zeros(shape);
        ops.conv2d(t(xShape), t(wShape), bShape ? t(bShape) : null, options);
      });
  it("channel mismatch", () => {
    expect(attempt([1, 3, 5, 5], [4, 2, 3, 3], null)).toThrow(
      /conv2d: x has 3 channels but weight expects 2.*\[1, 3, 5, 5\].*\[4, 2, 3, 3\]/,
    );
  });
  it("bias length", () => {
    expect(attempt([1, 3, 5, 5], [4, 3, 3, 3], [5])).toThrow(/conv2d: bias must be \[4\].*bias \[5\]/);
  });
  it("non-4-D input", () => {
    expect(attempt([3, 5, 5], [4, 3, 3, 3], null)).toThrow(/conv2d: x must be 4-D.*x \[3, 5, 5\]/);
    expect(attempt([1, 3, 5, 5], [4, 3, 9], null)).toThrow(/conv2d: weight must be 4-D.*weight \[4, 3, 9\]/);
  });
  it("empty output", () => {
    expect(attempt([1, 3, 2, 2], [4, 3, 3, 3], null)).toThrow(/conv2d: output size \[1, 4, 0, 0\] is empty for x \[1, 3, 2, 2\]/);
  });
  it("bad stride or padding", () => {
    expect(attempt([1, 3, 5, 5], [4, 3, 3, 3], null, { stride: 0 })).toThrow(/conv2d: stride.*\[1, 3, 5, 5\]/);
    expect(attempt([1, 3, 5, 5], [4, 3, 3, 3], null, { padding: [1, 1] })).toThrow(/conv2d: padding.*\[1, 3, 5, 5\]/);
  });
});
