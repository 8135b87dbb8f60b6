/**
 * Resampling and joining (shaders/resample.wgsl): nearest-neighbour 2× upsampling, as diffusers' Upsample2D
 * (F.interpolate(scale_factor=2, mode="nearest")), and concatenation along any axis, as the U-Net's skip
 * connections (torch.cat along channels). Each op's backward sits right below its forward.
 */
import { type Engine, record, type Tensor } from "../engine.js";
import { grid1d, shapeString } from "../shape.js";

/** x [N, C, H, W] → [N, C, 2H, 2W], each value copied to a 2×2 block. The gradient sums each block. */
export function upsampleNearest2x(x: Tensor): Tensor {
  const op = "upsampleNearest2x";
  if (x.rank !== 4) throw new Error(`${op}: x must be 4-D [N, C, H, W], got ${shapeString(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const engine = x.engine;
  const out = engine.empty([n, c, 2 * h, 2 * w], op);
  const uniforms = { n: x.size, inWidth: w };
  if (x.size > 0) engine.run("resample/upsample_nearest2x", { upIn: x, upOut: out }, uniforms, grid1d(x.size));
  return record(op, out, [x], (g) => {
    const gx = engine.empty(x.shape, `${op} backward`);
    if (x.size > 0) engine.run("resample/upsample_nearest2x_backward", { upIn: g, upOut: gx }, uniforms, grid1d(x.size));
    return [gx];
  });
}

/** A part of a concatenation: [outer, size along the axis, inner] and where it starts along the axis. */
interface Part {
  tensor: Tensor;
  /** Uniforms of copy_into / copy_from. */
  uniforms: { n: number; partBlock: number; wholeBlock: number; offset: number };
}

/**
 * Join tensors of equal rank along `axis` (negative counts from the end); every other dimension must match.
 * Gradients are the matching slices of the output gradient.
 */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  const op = "concat";
  if (tensors.length === 0) throw new Error(`${op}: no tensors given`);
  const shapes = tensors.map((t) => shapeString(t.shape)).join(", ");
  const first = tensors[0];
  const rank = first.rank;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for rank ${rank} (shapes ${shapes})`);
  }
  const dim = axis < 0 ? axis + rank : axis;
  for (const t of tensors) {
    if (t.engine !== first.engine) throw new Error(`${op}: tensors belong to different engines`);
    if (t.rank !== rank || t.shape.some((d, k) => k !== dim && d !== first.shape[k])) {
      throw new Error(`${op}: shapes ${shapes} differ outside axis ${dim}`);
    }
  }
  const engine: Engine = first.engine;
  const inner = first.shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  const total = tensors.reduce((s, t) => s + t.shape[dim], 0);
  const outShape = first.shape.map((d, k) => (k === dim ? total : d));
  const out = engine.empty(outShape, op);

  let offset = 0;
  const parts: Part[] = tensors.map((tensor) => {
    const part = {
      tensor,
      uniforms: { n: tensor.size, partBlock: tensor.shape[dim] * inner, wholeBlock: total * inner, offset: offset * inner },
    };
    offset += tensor.shape[dim];
    return part;
  });
  for (const { tensor, uniforms } of parts) {
    if (tensor.size > 0) engine.run("resample/copy_into", { part: tensor, whole: out }, uniforms, grid1d(tensor.size));
  }

  return record(op, out, [...tensors], (g) =>
    parts.map(({ tensor, uniforms }) => {
      if (!tensor.requiresGrad) return null;
      const slice = engine.empty(tensor.shape, `${op} backward`);
      if (tensor.size > 0) engine.run("resample/copy_from", { wholeIn: g, partOut: slice }, uniforms, grid1d(tensor.size));
      return slice;
    }),
  );
}
