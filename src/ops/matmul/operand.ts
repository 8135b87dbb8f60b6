/** A matrix product's operand as the kernels read it: a batch of matrices through (batch, row, col) strides. */

/** One operand of a product as the kernels read it. */
export interface Operand {
  batch: number;
  rows: number;
  cols: number;
  /** Strides of (batch, row, col) of the operand as used (after the optional transpose). */
  strides: [number, number, number];
}

/**
 * `batch` dense row-major [rows × cols] matrices one after another (one matrix: batch stride 0, shared by every
 * batch of the product), used as they are or transposed.
 */
export function denseOperand(batch: number, rows: number, cols: number, transpose: boolean): Operand {
  const batchStride = batch === 1 ? 0 : rows * cols;
  return transposeOperand({ batch, rows, cols, strides: [batchStride, cols, 1] }, transpose);
}

/** The operand read transposed (rows and columns swapped), or as it is. */
export function transposeOperand(o: Operand, transpose: boolean): Operand {
  return transpose ? { batch: o.batch, rows: o.cols, cols: o.rows, strides: [o.strides[0], o.strides[2], o.strides[1]] } : o;
}

/** Elements an operand's strides reach: the buffer it needs. */
export function operandExtent(o: Operand, batch: number): number {
  return (o.strides[0] ? (batch - 1) * o.strides[0] : 0) + (o.rows - 1) * o.strides[1] + (o.cols - 1) * o.strides[2] + 1;
}
