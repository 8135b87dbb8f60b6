/**
 * Float64 references for the convolution family: conv2d (PyTorch's F.pad then F.conv2d) and its gradients, nearest 2×
 * upsampling (F.interpolate(scale_factor=2, mode="nearest")) and concatenation (torch.cat). Plain loops.
 */
import type { Ref } from "./tensor.js";
import { sizeOf } from "./tensor.js";

/** [top, bottom, left, right]. */
export type Padding = number | [number, number, number, number];

/** A conv2d test case: the input's shape, the kernel, stride (default 1), padding (default 0), bias (default yes). */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  /** [O, kh, kw]; the weight is [O, C, kh, kw]. */
  kernel: [number, number, number];
  stride?: number;
  /** [top, bottom, left, right] or one number for all. */
  padding?: Padding;
  bias?: boolean;
}

/** Zero-pad x [N, C, H, W] by [top, bottom, left, right], as F.pad(x, (left, right, top, bottom)). */
export function pad2d(x: Ref, padding: Padding): Ref {
  const [top, bottom, left, right] = typeof padding === "number" ? [padding, padding, padding, padding] : padding;
  const [n, c, h, w] = x.shape;
  const shape = [n, c, h + top + bottom, w + left + right];
  const data = new Float64Array(sizeOf(shape));
  for (let plane = 0; plane < n * c; plane++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        data[(plane * shape[2] + y + top) * shape[3] + xx + left] = x.data[(plane * h + y) * w + xx];
      }
    }
  }
  return { data, shape };
}

/** F.conv2d(F.pad(x, padding), weight, bias, stride): x [N, C, H, W], weight [O, C, kh, kw], bias [O]. */
export function conv2d(x: Ref, weight: Ref, bias: Ref | null, stride = 1, padding: Padding = 0): Ref {
  const padded = pad2d(x, padding);
  const [n, c, h, w] = padded.shape;
  const [o, wc, kh, kw] = weight.shape;
  if (wc !== c) throw new Error("reference conv2d: channel mismatch");
  const ho = Math.floor((h - kh) / stride) + 1;
  const wo = Math.floor((w - kw) / stride) + 1;
  const shape = [n, o, ho, wo];
  const data = new Float64Array(sizeOf(shape));
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          let s = bias ? bias.data[oc] : 0;
          for (let ic = 0; ic < c; ic++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const xv = padded.data[((b * c + ic) * h + oy * stride + ky) * w + ox * stride + kx];
                s += weight.data[((oc * c + ic) * kh + ky) * kw + kx] * xv;
              }
            }
          }
          data[((b * o + oc) * ho + oy) * wo + ox] = s;
        }
      }
    }
  }
  return { data, shape };
}

/**
 * The exact vector-Jacobian products of conv2d for the output gradient g [N, O, HO, WO] (plain loops, scatter
 * form): input [N, C, H, W], weight [O, C, kh, kw] and bias [O]. Only the top and left padding place the taps;
 * the bottom and right padding only set HO and WO, which g's shape gives.
 */
export function conv2dGradients(
  x: Ref,
  w: Ref,
  g: Ref,
  stride: number,
  padTop: number,
  padLeft = padTop,
): { input: Ref; weight: Ref; bias: Ref } {
  const [n, c, h, wd] = x.shape;
  const [o, , kh, kw] = w.shape;
  const [, , ho, wo] = g.shape;
  const input = new Float64Array(x.data.length);
  const weight = new Float64Array(w.data.length);
  const bias = new Float64Array(o);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          const gv = g.data[((b * o + oc) * ho + oy) * wo + ox];
          bias[oc] += gv;
          for (let ic = 0; ic < c; ic++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * stride + ky - padTop;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * stride + kx - padLeft;
                if (ix < 0 || ix >= wd) continue;
                const xi = ((b * c + ic) * h + iy) * wd + ix;
                const wi = ((oc * c + ic) * kh + ky) * kw + kx;
                input[xi] += w.data[wi] * gv;
                weight[wi] += x.data[xi] * gv;
              }
            }
          }
        }
      }
    }
  }
  return { input: { data: input, shape: x.shape }, weight: { data: weight, shape: w.shape }, bias: { data: bias, shape: [o] } };
}

/** x [N, C, H, W] → [N, C, 2H, 2W]: y[n,c,Y,X] = x[n,c,⌊Y/2⌋,⌊X/2⌋]. */
export function upsampleNearest2x(x: Ref): Ref {
  const [n, c, h, w] = x.shape;
  const shape = [n, c, 2 * h, 2 * w];
  const data = new Float64Array(sizeOf(shape));
  for (let plane = 0; plane < n * c; plane++) {
    for (let y = 0; y < 2 * h; y++) {
      for (let xx = 0; xx < 2 * w; xx++) {
        data[(plane * 2 * h + y) * 2 * w + xx] = x.data[(plane * h + Math.floor(y / 2)) * w + Math.floor(xx / 2)];
      }
    }
  }
  return { data, shape };
}

/** torch.cat(parts, axis) for same-rank tensors (axis ≥ 0). */
export function concat(parts: Ref[], axis: number): Ref {
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const data = new Float64Array(sizeOf(shape));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const block = p.shape[axis] * inner;
      for (let k = 0; k < block; k++) data[at++] = p.data[o * block + k];
    }
  }
  return { data, shape };
}

/**
 * A case's inputs (x, weight, bias when it has one, then an output gradient, drawn in that order by `draw`), its
 * forward and the exact gradients for that output gradient.
 */
export function convCaseReference(c: ConvCase, draw: (shape: number[]) => Ref) {
  const [o, kh, kw] = c.kernel;
  const stride = c.stride ?? 1;
  const padding = c.padding ?? 0;
  const x = draw(c.x);
  const w = draw([o, c.x[1], kh, kw]);
  const b = (c.bias ?? true) ? draw([o]) : null;
  const out = conv2d(x, w, b, stride, padding);
  const gradOut = draw(out.shape);
  const [top, , left] = typeof padding === "number" ? [padding, padding, padding] : padding;
  const grads = conv2dGradients(x, w, gradOut, stride, top, left);
  return { x, w, b, out, gradOut, grads };
}
