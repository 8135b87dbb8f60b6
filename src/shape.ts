/** Shape arithmetic shared by the engine and the ops: sizes, broadcasting, strides, dispatch grids. */

/** A tensor shape: dimension sizes, outermost first. */
export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function assertShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: invalid shape ${shapeString(shape)} (sizes must be integers ≥ 0)`);
  }
}

/** Kernels take up to this many dimensions (two vec4<u32> in their uniforms). */
export const MAX_RANK = 8;

/** Row-major strides of a dense shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${shapeString(a)} and ${shapeString(b)} cannot be broadcast together`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides to read `shape` as if broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, k) => {
    const own = k - offset;
    if (own < 0 || shape[own] === 1) return 0;
    return strides[own];
  });
}

export function checkRank(op: string, shape: Shape): void {
  if (shape.length > MAX_RANK) throw new Error(`${op}: rank ${shape.length} exceeds the supported ${MAX_RANK} dimensions`);
}

/**
 * Workgroups for a 1-D problem of `n` invocations in groups of `workgroupSize`, folded into a 2-D grid when
 * it exceeds the 65535-per-dimension limit. Kernels recover the index as gid.x + gid.y · nwg.x · WG.
 */
export function grid1d(n: number, workgroupSize = 64): [number, number] {
  const groups = Math.ceil(n / workgroupSize);
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Merge dimensions that every operand walks contiguously (stride[d] = stride[d+1]·shape[d+1] for all) and drop
 * size-1 dimensions, so kernels index with as few divisions as possible. Returns at least one dimension.
 */
export function coalesce(shape: Shape, strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      for (const [k, s] of strides.entries()) outStrides[k][last] = s[d];
    } else {
      outShape.push(shape[d]);
      for (const [k, s] of strides.entries()) outStrides[k].push(s[d]);
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
