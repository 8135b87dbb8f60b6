/**
 * How each matmul kernel is dispatched: C = A·B (+ C when accumulating) for operands read through their strides,
 * C dense [batch, M, N]. Register-blocked, barrier-free kernels for CPU adapters (shaders/matmul.wgsl, and the
 * quad kernels of shaders/matmul_quad.wgsl that share loads among the four lanes of a subgroup quad), and the
 * shared-memory 64×64 tiles for GPUs (shaders/gemm.wgsl). variants.ts names them for the tuner.
 */
import type { Tensor } from "../../engine.js";
import { grid1d } from "../../shape.js";
import type { Operand } from "./operand.js";

/** A kernel's dispatch, all with one contract. */
export type MatmulKernel = (A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate: boolean) => void;

/** MatmulParams of shaders/lib/matmul_params.wgsl for C = A·B read through the operands' strides. */
function stridedParams(a: Operand, b: Operand, batch: number) {
  return { M: a.rows, N: b.cols, K: a.cols, batch, aStrides: a.strides, bStrides: b.strides };
}

/** The pipeline constants plus ACCUMULATE when the product is added to C (a constant: an overwrite reads nothing of C). */
function storeConstants(accumulate: boolean, constants?: Record<string, number>): Record<string, number> | undefined {
  return accumulate ? { ...constants, ACCUMULATE: 1 } : constants;
}

/** At least 4 workgroups when the product is big enough for it (each is one task for a CPU adapter's threads). */
const workgroupFor = (invocations: number): number => (invocations >= 256 ? 64 : 16);

/** The 4×4-block register kernel (matmul): the most invocations, for tiny and matrix-vector products. */
export const register: MatmulKernel = (A, a, B, b, C, batch, accumulate) => {
  const grid: [number, number, number] = [Math.ceil(b.cols / 32), Math.ceil(a.rows / 32), batch];
  A.engine.run("matmul/matmul", { A, B, C }, stridedParams(a, b, batch), grid, storeConstants(accumulate));
};

/** The 16×16-block register kernel (matmul_16x16): fewer reads per FMA than 4×4, a sixteenth of the invocations. */
export const register16: MatmulKernel = (A, a, B, b, C, batch, accumulate) => {
  const grid = grid1d(batch * Math.ceil(a.rows / 16) * Math.ceil(b.cols / 16), 64);
  A.engine.run("matmul/matmul_16x16", { A, B, C }, stridedParams(a, b, batch), grid, storeConstants(accumulate));
};

/**
 * The quad kernel reading A and B in place through their strides (matmul_quad_strided_16x16): 4 invocations per
 * 32×32 block of C, no packs, any layout, one float per read.
 */
export const quadStrided: MatmulKernel = (A, a, B, b, C, batch, accumulate) => {
  const invocations = 4 * batch * Math.ceil(a.rows / QUAD_TILE) * Math.ceil(b.cols / QUAD_TILE);
  const workgroupSize = workgroupFor(invocations);
  A.engine.run(
    "matmul_quad/matmul_quad_strided_16x16",
    { A, B, C },
    stridedParams(a, b, batch),
    grid1d(invocations, workgroupSize),
    storeConstants(accumulate, { WG: workgroupSize }),
  );
};

/** The rows and columns of C one quad of the quad kernels computes (4 lanes, 16×16 each). */
const QUAD_TILE = 32;

/**
 * A kernel that reads A and B as vec4 panels (matmul_pack: 4 rows of A / 4 columns of B per k, padded to whole
 * tiles of `tm` rows / `tn` columns and K to a multiple of 4), each invocation group making one tm×tn block of C:
 * the packed register kernels (one invocation per block) and the quad kernel (4 invocations per 32×32 block,
 * sharing loads). An operand already laid out as panels is read in place; the quad kernel (`rows`) also reads in
 * place an operand stored as rows of vec4s along k (A stored [M, K], B stored [N, K]). Only the others are packed.
 */
function packed(kernel: string, tm: number, tn: number, invocationsPerBlock = 1, rows = false): MatmulKernel {
  return (A, a, B, b, C, batch, accumulate) => {
    const engine = A.engine;
    const K = a.cols;
    const depth = Math.ceil(K / 4) * 4;
    const owned: Tensor[] = [];
    // How the kernel reads an operand whose strides are (batch, line, k), lines being rows of A / columns of B:
    // the tensor or its pack, the strides the kernel takes (panels: the batch stride in vec4s) and whether as rows.
    const prepare = (X: Tensor, lines: number, tile: number, strides: [number, number, number]) => {
      const blocks = (Math.ceil(lines / tile) * tile) / 4;
      const panelStrides: [number, number, number] = [strides[0] === 0 ? 0 : depth * blocks, 0, 0];
      const layout = inPlaceLayout(lines, tile, K, strides, rows);
      if (layout === "panels") return { tensor: X, strides: panelStrides, rows: false };
      if (layout === "rows") return { tensor: X, strides, rows: true };
      const packedBatch = strides[0] === 0 ? 1 : batch;
      const panels = engine.empty([packedBatch * depth * blocks * 4], "matmul packed operand");
      engine.run(
        "matmul/matmul_pack",
        { panelSource: X, packed: panels },
        { rows: lines, depth, blocks, batch: packedBatch, strides, filled: K },
        grid1d(packedBatch * depth * blocks),
      );
      owned.push(panels);
      return { tensor: panels, strides: panelStrides, rows: false };
    };
    const invocations = batch * Math.ceil(a.rows / tm) * Math.ceil(b.cols / tn) * invocationsPerBlock;
    const workgroupSize = workgroupFor(invocations);
    const pa = prepare(A, a.rows, tm, lineStrides(a, "a"));
    const pb = prepare(B, b.cols, tn, lineStrides(b, "b"));
    const [s0, sLine, sK] = pb.strides;
    engine.run(
      kernel,
      { packedA: pa.tensor, packedB: pb.tensor, C },
      // B's strides back in MatmulParams' order (batch, k, n).
      { M: a.rows, N: b.cols, K: depth, batch, aStrides: pa.strides, bStrides: [s0, sK, sLine] },
      grid1d(invocations, workgroupSize),
      storeConstants(accumulate, rows ? { WG: workgroupSize, A_ROWS: pa.rows ? 1 : 0, B_ROWS: pb.rows ? 1 : 0 } : { WG: workgroupSize }),
    );
    for (const t of owned) t.dispose();
  };
}

/** 16×16 blocks from vec4 panels (matmul_packed_16x16). */
export const packed16 = packed("matmul/matmul_packed_16x16", 16, 16);
/** 16×32 blocks from vec4 panels (matmul_packed_16x32). */
export const packed16x32 = packed("matmul/matmul_packed_16x32", 16, 32);
/** 16×16 per lane, a 32×32 block per quad, from vec4 panels or rows (matmul_quad_16x16). */
export const quad = packed("matmul_quad/matmul_quad_16x16", QUAD_TILE, QUAD_TILE, 4, true);

/** An operand's strides as (batch, line, k), its lines being the rows of A (`a`) or the columns of B (`b`). */
function lineStrides(o: Operand, side: "a" | "b"): [number, number, number] {
  return side === "a" ? [o.strides[0], o.strides[1], o.strides[2]] : [o.strides[0], o.strides[2], o.strides[1]];
}

/**
 * How a vec4 kernel with `tile`-line tiles can read an operand in place, from its strides (batch, line, k):
 * "panels" when it is already in matmul_pack's layout (lines of one k contiguous, k after k: X[b, line, k] at
 * (b·K + k)·lines + line), "rows" when it is stored as lines of whole vec4s along k and the kernel reads rows
 * (`rows`: the quad kernel), null when it needs a pack.
 */
function inPlaceLayout(
  lines: number,
  tile: number,
  K: number,
  strides: readonly [number, number, number],
  rows: boolean,
): "panels" | "rows" | null {
  if (K % 4 !== 0) return null;
  if (strides[1] === 1 && strides[2] === lines && lines % tile === 0 && (strides[0] === 0 || strides[0] === K * lines)) return "panels";
  if (rows && strides[2] === 1 && strides[1] % 4 === 0 && strides[0] % 4 === 0) return "rows";
  return null;
}

/** Output rows and columns per workgroup of the shared-memory kernels (TILE in shaders/gemm.wgsl). */
export const GEMM_TILE = 64;
const MAX_GROUPS = 65535;

/** Workgroups [x, y, z] of a shared-memory dispatch; throws naming the kernel and the problem past the limit. */
export function gemmGrid(kernel: string, x: number, y: number, z: number, what: string): [number, number, number] {
  if (x > MAX_GROUPS || y > MAX_GROUPS || z > MAX_GROUPS) {
    throw new Error(`${kernel}: ${what} needs workgroups [${x}, ${y}, ${z}], more than ${MAX_GROUPS} in one dimension`);
  }
  return [x, y, z];
}

/** The shared-memory tiled kernel (gemm.wgsl matmul_shared): 256 invocations per 64×64 block, for GPUs. */
export const shared: MatmulKernel = (A, a, B, b, C, batch, accumulate) => {
  const M = a.rows;
  const N = b.cols;
  const what = `C [${batch}, ${M}, ${N}] = A [${a.rows}, ${a.cols}] · B [${b.rows}, ${b.cols}]`;
  A.engine.run(
    "gemm/matmul_shared",
    { A, B, C },
    stridedParams(a, b, batch),
    gemmGrid("gemm/matmul_shared", Math.ceil(N / GEMM_TILE), Math.ceil(M / GEMM_TILE), batch, what),
    storeConstants(accumulate),
  );
};
