/**
 * The conv2d families' kernel variants and how one is chosen per shape (src/gpu/tuner.ts), for each pass:
 * "conv2d.forward" and "conv2d.inputGrad" (a register tile of ./tiled.ts with its channel split, or the same tile
 * unsplit as NAME.s1; "matmul" for a 1×1 convolution, ./pointwise.ts; "shared", the implicit GEMM of ./shared.ts)
 * and "conv2d.weightGrad" (a register-tiled weight-gradient kernel, "matmul" for a 1×1 convolution, "shared").
 * A software adapter defaults to the register tiles and never times "shared"; a GPU defaults to "shared" and times
 * the GPU list: "shared", "matmul", and the register tiles within GPU_MAX_ACCUMULATORS (no quad kernel).
 * docs/performance.md has the measurements behind the heuristics.
 */
import type { Engine, Tensor } from "../../engine.js";
import { GPU_MAX_ACCUMULATORS, type TuneProblem, type Variant } from "../../gpu/tuner.js";
import { type ConvGeometry, geometryKey, is3x3, isPointwise } from "./geometry.js";
import { pointwiseForward, pointwiseInputGradient, pointwiseWeightGradient } from "./pointwise.js";
import { conv2dForwardShared, conv2dInputGradientShared, conv2dWeightGradientShared } from "./shared.js";
import {
  CONV_TILES,
  type ConvTile,
  defaultChannelSplits,
  passSizes,
  type TileChoice,
  tiledForward,
  tiledInputGradient,
  tiledWeightGradient,
  WEIGHT_GRAD_KERNELS,
  type WeightGradKernel,
} from "./tiled.js";

/** A forward / input-gradient variant: a register tile and split, the shared GEMM (tiled null), or the matmul form. */
interface ConvVariant extends Variant {
  tiled: TileChoice | null;
  pointwise?: boolean;
}

/** A weight-gradient variant: a register-tiled kernel, the shared GEMM (kernel null), or the matmul form. */
interface WeightGradVariant extends Variant {
  kernel: WeightGradKernel | null;
  pointwise?: boolean;
}

/** A kernel's variant name: its entry point ("conv2d/conv3x3_4x8" → "conv3x3_4x8"). */
const entryPoint = (kernel: string): string => kernel.split("/")[1];

/**
 * Whether a 1×1 convolution's default on a software adapter is the matmul form: at ≥ 64 channels in and out; on
 * narrower layers the tile wins every pass.
 */
const pointwiseByDefault = (g: ConvGeometry): boolean => Math.min(g.inChannels, g.outChannels) >= 64;

/**
 * Candidates not worth timing on a software adapter: "shared" (workgroup barriers cost more than they save on a
 * CPU) and the matmul form where pointwiseByDefault says it loses.
 */
const untimedOnSoftware = (v: { name: string; pointwise?: boolean }, g: ConvGeometry): boolean =>
  v.name === "shared" || (v.pointwise === true && !pointwiseByDefault(g));

/** f32 accumulators one invocation of a forward tile keeps: its output pixels × channels. */
const tileAccumulators = (tile: ConvTile): number => tile.height * tile.width * tile.channels;

/** f32 accumulators one invocation of a weight-gradient kernel keeps: output × input channels × taps (9 for 3×3). */
const weightGradAccumulators = (kernel: WeightGradKernel): number => kernel.outputs * kernel.inputs * (kernel.perTap ? 1 : 9);

/**
 * Whether a GPU times a variant: the shared GEMM and the matmul form (tiled / kernel null), and the register
 * kernels within GPU_MAX_ACCUMULATORS — not the quad kernels, whose quad layout WebGPU does not promise.
 */
const onGpuList = (tile: ConvTile | WeightGradKernel | null, accumulators: number): boolean =>
  tile === null || (tile.quad !== true && accumulators <= GPU_MAX_ACCUMULATORS);

/**
 * The register tile on a software adapter: the general tile unless 3×3 at stride 1; there the 4×8 tile (its quad
 * form with subgroups), which halves the weight reads per output, except on images narrower than 8 where half
 * its work would be wasted. `stride` and `outWidth` are the pass's own (the input gradient: 1 and the input's width).
 */
export function defaultTile(engine: Engine, g: ConvGeometry, stride: number, outWidth: number): ConvTile {
  if (!is3x3(g, stride)) return CONV_TILES.general;
  if (outWidth < 8) return CONV_TILES.conv3x3Small;
  return engine.kernels.supports("conv2d_quad") ? CONV_TILES.conv3x3Quad : CONV_TILES.conv3x3;
}

/**
 * The register weight-gradient kernel on a software adapter: the general one unless 3×3 at stride 1; there the
 * quad kernel where it applies, else the wide one (8 output channels) on maps of 64 pixels or more.
 */
export function defaultWeightGradKernel(engine: Engine, g: ConvGeometry): WeightGradKernel {
  if (!is3x3(g)) return WEIGHT_GRAD_KERNELS.general;
  if (g.outChannels >= 8 && engine.kernels.supports("conv2d_quad")) return WEIGHT_GRAD_KERNELS.conv3x3Quad;
  return g.outChannels >= 8 && g.outHeight * g.outWidth >= 64 ? WEIGHT_GRAD_KERNELS.conv3x3Wide : WEIGHT_GRAD_KERNELS.conv3x3;
}

/** The forward ("forward") or input-gradient ("inputGrad") problem for the tuner. */
function tiledProblem(engine: Engine, pass: "forward" | "inputGrad", g: ConvGeometry, withBias: boolean): TuneProblem<ConvVariant> {
  const forward = pass === "forward";
  const dims = passSizes(g, forward);
  const stride = dims.stride;
  const quad = engine.kernels.supports("conv2d_quad");
  const candidates: ConvVariant[] = [];
  for (const tile of Object.values(CONV_TILES) as ConvTile[]) {
    if ((tile.only3x3 && !is3x3(g, stride)) || (tile.quad && !quad)) continue;
    const name = entryPoint(tile.kernel);
    const splits = defaultChannelSplits(dims, tile, engine.adapter.isSoftware);
    candidates.push({ name, tiled: { tile, splits } });
    if (splits > 1) candidates.push({ name: `${name}.s1`, tiled: { tile, splits: 1 } });
  }
  if (isPointwise(g)) candidates.push({ name: "matmul", tiled: null, pointwise: true });
  candidates.push({ name: "shared", tiled: null });
  const heuristicName = !engine.adapter.isSoftware
    ? "shared"
    : isPointwise(g) && pointwiseByDefault(g)
      ? "matmul"
      : entryPoint(defaultTile(engine, g, stride, dims.outWidth).kernel);
  return {
    family: forward ? "conv2d.forward" : "conv2d.inputGrad",
    key: `${geometryKey(g)}${forward && withBias ? " +bias" : ""}`,
    candidates,
    heuristic: candidates.find((c) => c.name === heuristicName)!,
    untimed: (v) =>
      engine.adapter.isSoftware ? untimedOnSoftware(v, g) : !onGpuList(v.tiled?.tile ?? null, v.tiled ? tileAccumulators(v.tiled.tile) : 0),
    trial: (variant) => {
      const weight = engine.randn([g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth], { seed: 31 });
      const bias = forward && withBias ? engine.randn([g.outChannels], { seed: 32 }) : null;
      const input = forward
        ? engine.randn([g.batch, g.inChannels, g.inHeight, g.inWidth], { seed: 33 })
        : engine.randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { seed: 34 });
      return {
        run: () =>
          engine.tidy(() => {
            (forward ? forwardWith(variant, input, weight, bias, g) : inputGradientWith(variant, input, weight, g)).dispose();
          }),
        dispose: () => {
          for (const t of [weight, bias, input]) t?.dispose();
        },
      };
    },
  };
}

/** The weight-gradient problem for the tuner (family "conv2d.weightGrad"). */
function weightGradProblem(engine: Engine, g: ConvGeometry, withBias: boolean): TuneProblem<WeightGradVariant> {
  const tiled = (k: WeightGradKernel): WeightGradVariant => ({ name: entryPoint(k.kernel), kernel: k });
  const threeByThree = is3x3(g);
  const candidates: WeightGradVariant[] = [
    ...(threeByThree ? [tiled(WEIGHT_GRAD_KERNELS.conv3x3Wide), tiled(WEIGHT_GRAD_KERNELS.conv3x3)] : []),
    ...(threeByThree && engine.kernels.supports("conv2d_quad") ? [tiled(WEIGHT_GRAD_KERNELS.conv3x3Quad)] : []),
    tiled(WEIGHT_GRAD_KERNELS.general),
    ...(isPointwise(g) ? [{ name: "matmul", kernel: null, pointwise: true }] : []),
    { name: "shared", kernel: null },
  ];
  const softwareChoice = isPointwise(g) && pointwiseByDefault(g) ? "matmul" : entryPoint(defaultWeightGradKernel(engine, g).kernel);
  const heuristicName = engine.adapter.isSoftware ? softwareChoice : "shared";
  return {
    family: "conv2d.weightGrad",
    key: `${geometryKey(g)}${withBias ? " +bias" : ""}`,
    candidates,
    heuristic: candidates.find((c) => c.name === heuristicName)!,
    untimed: (v) =>
      engine.adapter.isSoftware ? untimedOnSoftware(v, g) : !onGpuList(v.kernel, v.kernel ? weightGradAccumulators(v.kernel) : 0),
    trial: (variant) => {
      const x = engine.randn([g.batch, g.inChannels, g.inHeight, g.inWidth], { seed: 21 });
      const gradOut = engine.randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { seed: 22 });
      return {
        run: () =>
          engine.tidy(() => {
            for (const t of weightGradientWith(variant, x, gradOut, g, withBias)) t?.dispose();
          }),
        dispose: () => {
          x.dispose();
          gradOut.dispose();
        },
      };
    },
  };
}

function forwardWith(variant: ConvVariant, x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  if (variant.pointwise) return pointwiseForward(x, weight, bias, g);
  return variant.tiled ? tiledForward(x, weight, bias, g, variant.tiled) : conv2dForwardShared(x, weight, bias, g);
}

function inputGradientWith(variant: ConvVariant, gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  if (variant.pointwise) return pointwiseInputGradient(gradOut, weight, g);
  return variant.tiled ? tiledInputGradient(gradOut, weight, g, variant.tiled) : conv2dInputGradientShared(gradOut, weight, g);
}

function weightGradientWith(
  variant: WeightGradVariant,
  x: Tensor,
  gradOut: Tensor,
  g: ConvGeometry,
  withBias: boolean,
): [Tensor, Tensor | null] {
  if (variant.pointwise) return pointwiseWeightGradient(x, gradOut, g, withBias);
  return variant.kernel
    ? tiledWeightGradient(x, gradOut, g, withBias, { kernel: variant.kernel })
    : conv2dWeightGradientShared(x, gradOut, g, withBias);
}

/** The forward pass out [N, O, Ho, Wo] with the tuner's variant. */
export function conv2dForward(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  return forwardWith(x.engine.tuner.choose(tiledProblem(x.engine, "forward", g, bias !== null)), x, weight, bias, g);
}

/** The input gradient [N, C, H, W] with the tuner's variant. */
export function conv2dInputGradient(gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  return inputGradientWith(gradOut.engine.tuner.choose(tiledProblem(gradOut.engine, "inputGrad", g, false)), gradOut, weight, g);
}

/** gradWeight [O, C, kh, kw] (and gradBias [O] when `withBias`) with the tuner's variant. */
export function conv2dWeightGradient(x: Tensor, gradOut: Tensor, g: ConvGeometry, withBias: boolean): [Tensor, Tensor | null] {
  return weightGradientWith(x.engine.tuner.choose(weightGradProblem(x.engine, g, withBias)), x, gradOut, g, withBias);
}
