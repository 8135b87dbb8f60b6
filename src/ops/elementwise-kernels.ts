/**
 * The elementwise kernels' dispatches (shaders/elementwise.wgsl), without the tape: the ops of ./elementwise.ts
 * record them, and backward closures (which run without a tape) call them directly.
 */
import type { Tensor } from "../engine.js";
import { BINARY_OP, UNARY_OP } from "../gpu/shaders.js";
import { broadcastShapes, broadcastStrides, checkRank, coalesce, grid1d } from "../shape.js";

function checkSameEngine(op: string, a: Tensor, b: Tensor): void {
  if (a.engine !== b.engine) throw new Error(`${op}: tensors belong to different engines`);
}

/** a op b with NumPy broadcasting: contiguous, 2-D strided or general kernel, whichever the shapes allow. */
export function binaryKernel(op: keyof typeof BINARY_OP, a: Tensor, b: Tensor): Tensor {
  checkSameEngine(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  checkRank(op, shape);
  const out = a.engine.empty(shape, op);
  const packed = coalesce(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  if (packed.shape.length === 1 && packed.strides[0][0] === 1 && packed.strides[1][0] === 1) {
    a.engine.run("elementwise/binary_contiguous", { a, b, out }, { n: out.size, alpha: 0, beta: 0 }, grid1d(out.size), {
      OP: BINARY_OP[op],
    });
    return out;
  }
  if (packed.shape.length <= 2) {
    const [rows, cols] = packed.shape.length === 2 ? packed.shape : [1, packed.shape[0]];
    const [[aRow, aCol], [bRow, bCol]] = packed.strides.map((s) => (s.length === 2 ? s : [0, s[0]]));
    a.engine.run("elementwise/binary_2d", { a, b, out }, { n: rows * cols, cols, aRow, aCol, bRow, bCol }, grid1d(out.size), {
      OP: BINARY_OP[op],
    });
    return out;
  }
  a.engine.run(
    "elementwise/binary",
    { a, b, out },
    { n: out.size, rank: packed.shape.length, outShape: packed.shape, aStrides: packed.strides[0], bStrides: packed.strides[1] },
    grid1d(Math.ceil(out.size / 4)),
    { OP: BINARY_OP[op] },
  );
  return out;
}

/** alpha · a + beta, or another unary function of a (UNARY_OP). */
export function unaryKernel(op: keyof typeof UNARY_OP, a: Tensor, alpha = 1, beta = 0): Tensor {
  const out = a.engine.empty(a.shape, op);
  a.engine.run("elementwise/unary", { a, out }, { n: a.size, alpha, beta }, grid1d(a.size), { UOP: UNARY_OP[op] });
  return out;
}

/** Write `a` broadcast to out's shape into `out` (no autograd record): broadcastTo's kernel. */
export function broadcastInto(a: Tensor, out: Tensor): void {
  const packed = coalesce(out.shape, [broadcastStrides(a.shape, out.shape)]);
  // The kernel shares its indexing with `binary`, which also binds b: bind a there too (it is not read).
  a.engine.run(
    "elementwise/broadcast",
    { a, b: a, out },
    { n: out.size, rank: packed.shape.length, outShape: packed.shape, aStrides: packed.strides[0], bStrides: [] },
    grid1d(Math.ceil(out.size / 4)),
  );
}
