/**
 * Normalisation (shaders/groupnorm.wgsl): GroupNorm with PyTorch's semantics, optional affine and an
 * optional fused SiLU (the `GroupNorm → SiLU` pair every diffusers ResnetBlock2D starts with).
 */
import { record, type Tensor } from "../engine.js";
import { grid1d, shapeString } from "../shape.js";

export interface GroupNormOptions {
  /** Added to the variance before the square root. Default 1e-5 (torch.nn.GroupNorm's default). */
  eps?: number;
  /** Apply SiLU (x·σ(x)) after the affine, in the same kernel. Default false. */
  silu?: boolean;
}

/**
 * Group normalisation of x [N, C, ...spatial] (rank ≥ 2) in `numGroups` groups of C / numGroups channels:
 * y = (x − μ) / √(σ² + eps) · weight[c] + bias[c], with μ and the biased variance σ² taken per sample and
 * group, as torch.nn.functional.group_norm; then y · σ(y) when `silu` is set. `weight` / `bias` [C] may be
 * null (no scale / no shift). Backward gives x, weight and bias gradients, through the SiLU when fused.
 *
 * The per-(sample, group) statistics (N·G·2 floats) are computed once in the forward and kept for the
 * backward, which frees them; the current scope frees them if the backward never runs.
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight: Tensor | null,
  bias: Tensor | null,
  options: GroupNormOptions = {},
): Tensor {
  const op = "groupNorm";
  const eps = options.eps ?? 1e-5;
  const silu = options.silu ?? false;
  if (x.rank < 2) throw new Error(`${op}: input must be [N, C, ...spatial] (rank ≥ 2), got ${shapeString(x.shape)}`);
  const [batch, channels] = x.shape;
  const spatial = x.shape.slice(2).reduce((p, d) => p * d, 1);
  if (!Number.isInteger(numGroups) || numGroups < 1 || channels % numGroups !== 0) {
    throw new Error(`${op}: ${numGroups} groups do not divide the ${channels} channels of ${shapeString(x.shape)}`);
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (!t) continue;
    if (t.engine !== x.engine) throw new Error(`${op}: ${name} belongs to a different engine than the input`);
    if (t.rank !== 1 || t.shape[0] !== channels) {
      throw new Error(`${op}: ${name} ${shapeString(t.shape)} must be [${channels}] for input ${shapeString(x.shape)}`);
    }
  }
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${op}: eps must be a finite number ≥ 0, got ${eps}`);

  const engine = x.engine;
  const uniforms = { batch, channels, spatial, groups: numGroups, eps };
  // Absent weight / bias: the kernels never read them (HAS_WEIGHT / HAS_BIAS = 0), x fills the binding.
  const weightBuffer = weight ?? x;
  const biasBuffer = bias ?? x;
  // Channel rows of a multiple of 4 elements: every access through the kernels' vec4 views.
  const vec4 = spatial % 4 === 0;
  const flags = { HAS_WEIGHT: weight ? 1 : 0, HAS_BIAS: bias ? 1 : 0, SILU: silu ? 1 : 0, VEC4: vec4 ? 1 : 0 };
  const suffix = vec4 ? "4" : "";

  // normalize_forward and backward_input: one invocation per four elements of a channel row.
  const rowChunks = batch * channels * Math.ceil(spatial / 4);
  const moments = engine.empty([batch * channels * 2], "groupNorm moments");
  engine.run("groupnorm/channel_moments", { x, x4: x, momentsOut: moments }, uniforms, grid1d(batch * channels), { VEC4: flags.VEC4 });
  const stats = engine.empty([batch * numGroups * 2], "groupNorm statistics");
  engine.run("groupnorm/group_stats", { moments, statsOut: stats }, uniforms, grid1d(batch * numGroups));
  moments.dispose();
  const out = engine.empty(x.shape, op);
  engine.run(
    `groupnorm/normalize_forward${suffix}`,
    vec4 ? { x4: x, stats, weight: weightBuffer, bias: biasBuffer, out4: out } : { x, stats, weight: weightBuffer, bias: biasBuffer, out },
    uniforms,
    grid1d(rowChunks),
    flags,
  );

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  record(op, out, inputs, (gradOut) => {
    const channelSums = engine.empty([batch * channels * 2], "groupNorm backward sums");
    engine.run(
      "groupnorm/backward_channel_sums",
      { x, x4: x, gradOut, gradOut4: gradOut, stats, weight: weightBuffer, bias: biasBuffer, channelSumsOut: channelSums },
      uniforms,
      grid1d(batch * channels),
      flags,
    );
    let gradWeight: Tensor | null = null;
    let gradBias: Tensor | null = null;
    if (weight?.requiresGrad || bias?.requiresGrad) {
      gradWeight = engine.empty([channels], "groupNorm backward weight");
      gradBias = engine.empty([channels], "groupNorm backward bias");
      engine.run("groupnorm/backward_params", { channelSums, gradWeight, gradBias }, uniforms, grid1d(channels));
      if (!weight?.requiresGrad) gradWeight = disposeNull(gradWeight);
      if (!bias?.requiresGrad) gradBias = disposeNull(gradBias);
    }
    let gradX: Tensor | null = null;
    if (x.requiresGrad) {
      const groupSums = engine.empty([batch * numGroups * 2], "groupNorm backward group sums");
      engine.run(
        "groupnorm/backward_group_sums",
        { channelSums, weight: weightBuffer, groupSumsOut: groupSums },
        uniforms,
        grid1d(batch * numGroups),
        { HAS_WEIGHT: flags.HAS_WEIGHT },
      );
      gradX = engine.empty(x.shape, "groupNorm backward input");
      engine.run(
        `groupnorm/backward_input${suffix}`,
        vec4
          ? { x4: x, gradOut4: gradOut, stats, weight: weightBuffer, bias: biasBuffer, groupSums, gradX4: gradX }
          : { x, gradOut, stats, weight: weightBuffer, bias: biasBuffer, groupSums, gradX },
        uniforms,
        grid1d(rowChunks),
        flags,
      );
      groupSums.dispose();
    }
    channelSums.dispose();
    stats.dispose(); // the tape runs each backward once
    return [gradX, ...(weight ? [gradWeight] : []), ...(bias ? [gradBias] : [])];
  });
  // Without a tape node nothing will read the statistics again.
  if (!out.node) stats.dispose();
  return out;
}

function disposeNull(t: Tensor): null {
  t.dispose();
  return null;
}
