/**
 * Matrix products (shaders/matmul.wgsl): batched matmul with optional transposes and batch broadcasting,
 * and linear (x·Wᵀ + b, PyTorch's weight layout [out, in], as diffusers checkpoints store it).
 */
import { record } from "../autograd.js";
import { type Tensor, shapeString } from "../tensor.js";
import { add, reshape } from "./elementwise.js";
import { sum } from "./reduce.js";
import { grid1d } from "./shape.js";
import { dispatchMatmulShared } from "./gemm.js";
import type { Variant } from "../gpu/tuner.js";

export interface MatmulOptions {
  /** Use aᵀ (the last two axes swapped). */
  transposeA?: boolean;
  /** Use bᵀ (the last two axes swapped). */
  transposeB?: boolean;
}

/** @internal One operand of a product as the kernels read it. */
export interface Operand {
  batch: number;
  rows: number;
  cols: number;
  /** strides of (batch, row, col) of the operand as used (after the optional transpose) */
  strides: [number, number, number];
}

function operand(op: string, t: Tensor, transpose: boolean, which: string): Operand {
  if (t.rank < 2) throw new Error(`${op}: ${which} must have at least 2 dimensions, got ${shapeString(t.shape)}`);
  const r = t.shape[t.rank - 2];
  const c = t.shape[t.rank - 1];
  return denseOperand(t.size / (r * c || 1), r, c, transpose);
}

/**
 * @internal `batch` dense row-major [rows × cols] matrices one after another (one matrix: batch stride 0, shared
 * by every batch of the product), used as they are or transposed.
 */
export function denseOperand(batch: number, rows: number, cols: number, transpose: boolean): Operand {
  const batchStride = batch === 1 ? 0 : rows * cols;
  return transposeOperand({ batch, rows, cols, strides: [batchStride, cols, 1] }, transpose);
}

function transposeOperand(o: Operand, transpose: boolean): Operand {
  return transpose ? { batch: o.batch, rows: o.cols, cols: o.rows, strides: [o.strides[0], o.strides[2], o.strides[1]] } : o;
}

/** MatmulParams of shaders/matmul.wgsl for C = A·B read through the operands' strides. */
function stridedParams(a: Operand, b: Operand, batch: number) {
  return { M: a.rows, N: b.cols, K: a.cols, batch, aStrides: a.strides, bStrides: b.strides };
}

/**
 * The pipeline constants of a matmul.wgsl / matmul_quad.wgsl kernel: `constants` plus ACCUMULATE when the product
 * is added to C (shaders/lib/matmul_params.wgsl: a constant, so a product that overwrites C reads nothing of it).
 */
function storeConstants(accumulate: boolean, constants?: Record<string, number>): Record<string, number> | undefined {
  return accumulate ? { ...constants, ACCUMULATE: 1 } : constants;
}

/** The register-tiled kernel (shaders/matmul.wgsl): barrier-free 4×4 blocks, the most invocations. */
function dispatchMatmulRegister(A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate: boolean): void {
  const grid: [number, number, number] = [Math.ceil(b.cols / 32), Math.ceil(a.rows / 32), batch];
  A.engine.run("matmul/matmul", { A, B, C }, stridedParams(a, b, batch), grid, storeConstants(accumulate));
}

/** The 16×16-block register kernel (matmul_16x16): fewer reads per FMA than 4×4, a sixteenth of the invocations. */
function dispatchMatmulRegister16(A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate: boolean): void {
  const grid = grid1d(batch * Math.ceil(a.rows / 16) * Math.ceil(b.cols / 16), 64);
  A.engine.run("matmul/matmul_16x16", { A, B, C }, stridedParams(a, b, batch), grid, storeConstants(accumulate));
}

/**
 * The quad kernel reading A and B in place through their strides (matmul_quad_strided_16x16): 4 invocations per
 * 32×32 block of C, no packs, any layout, one float per read (the vec4 quad kernel needs K a multiple of 4 to read
 * in place; otherwise it packs, which costs more than it saves on a short product).
 */
function dispatchMatmulQuadStrided(A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate: boolean): void {
  const invocations = 4 * batch * Math.ceil(a.rows / 32) * Math.ceil(b.cols / 32);
  const workgroupSize = invocations >= 256 ? 64 : 16;
  A.engine.run(
    "matmul_quad/matmul_quad_strided_16x16",
    { A, B, C },
    stridedParams(a, b, batch),
    grid1d(invocations, workgroupSize),
    storeConstants(accumulate, { WG: workgroupSize }),
  );
}

/**
 * A kernel that reads A and B as vec4 panels (matmul_pack: 4 rows of A / 4 columns of B per k, padded to whole
 * tiles of `tm` rows / `tn` columns and K to a multiple of 4), each invocation group making one tm×tn block of C:
 * the packed register kernels (matmul_packed_{tm}x{tn}: one invocation per block, tm/4 + tn/4 vec4 reads per k
 * for tm·tn/4 vec4 FMAs) and the quad kernel (matmul_quad.wgsl: 4 invocations per 32×32 block, sharing loads).
 * An operand already laid out as panels is read in place; the quad kernel (`rows`) also reads in place an
 * operand stored as rows of vec4s along k (A stored [M, K], B stored [N, K]). Only the others are packed.
 */
function packedDispatch(kernel: string, tm: number, tn: number, invocationsPerBlock = 1, rows = false) {
  return (A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate: boolean): void => {
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
      const packed = engine.empty([packedBatch * depth * blocks * 4], "matmul packed operand");
      engine.run(
        "matmul/matmul_pack",
        { panelSource: X, packed },
        { rows: lines, depth, blocks, batch: packedBatch, strides, filled: K },
        grid1d(packedBatch * depth * blocks),
      );
      owned.push(packed);
      return { tensor: packed, strides: panelStrides, rows: false };
    };
    const invocations = batch * Math.ceil(a.rows / tm) * Math.ceil(b.cols / tn) * invocationsPerBlock;
    // At least 4 workgroups when the product is big enough for it (each is one task for the adapter's threads).
    const workgroupSize = invocations >= 256 ? 64 : 16;
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
    owned.forEach((t) => t.dispose());
  };
}

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
function inPlaceLayout(lines: number, tile: number, K: number, strides: readonly [number, number, number], rows: boolean): "panels" | "rows" | null {
  if (K % 4 !== 0) return null;
  if (strides[1] === 1 && strides[2] === lines && lines % tile === 0 && (strides[0] === 0 || strides[0] === K * lines)) return "panels";
  if (rows && strides[2] === 1 && strides[1] % 4 === 0 && strides[0] % 4 === 0) return "rows";
  return null;
}

/** The rows and columns of C one quad of the quad kernels computes (4 lanes, 16×16 each). */
const QUAD_TILE = 32;

interface MatmulVariant extends Variant {
  dispatch: (A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate: boolean) => void;
}

/**
 * @internal The matmul family's variants: register-blocked for CPU adapters ("register" 4×4, "register16" 16×16,
 * "packed" 16×16 and "packed16x32" 16×32 from vec4 panels, "quad" / "quadStrided" 16×16 per lane sharing loads
 * across a quad, from vec4 panels or rows / through the strides: they need the subgroups feature), "shared" (64×64
 * workgroup tiles) for GPUs.
 */
export const MATMUL_VARIANTS = {
  register: { name: "register", dispatch: dispatchMatmulRegister },
  register16: { name: "register16", dispatch: dispatchMatmulRegister16 },
  packed: { name: "packed", dispatch: packedDispatch("matmul/matmul_packed_16x16", 16, 16) },
  packed16x32: { name: "packed16x32", dispatch: packedDispatch("matmul/matmul_packed_16x32", 16, 32) },
  quad: { name: "quad", dispatch: packedDispatch("matmul_quad/matmul_quad_16x16", QUAD_TILE, QUAD_TILE, 4, true) },
  quadStrided: { name: "quadStrided", dispatch: dispatchMatmulQuadStrided },
  shared: { name: "shared", dispatch: dispatchMatmulShared },
} as const satisfies Record<string, MatmulVariant>;
const MATMUL_CANDIDATES: readonly MatmulVariant[] = Object.values(MATMUL_VARIANTS);
function isQuad(v: MatmulVariant): boolean {
  return v === MATMUL_VARIANTS.quad || v === MATMUL_VARIANTS.quadStrided;
}
/** Without the subgroups feature matmul_quad.wgsl does not compile: the quad kernel is no candidate there. */
const WITHOUT_QUAD: readonly MatmulVariant[] = MATMUL_CANDIDATES.filter((v) => !isQuad(v));

/**
 * The CPU adapters' guess before measuring (bench/matmul.ts and the bench's autotune on SwiftShader): with the
 * subgroups feature and at least 32 rows and columns, a quad kernel: the vec4 one once K ≥ 32 (at 256³ typically
 * 1.15× itself with both operands packed and 1.3–1.4× packed16x32; since its store stopped reading C behind a
 * runtime branch, at K = 32–64, in place or packed, 0.71–0.89× quadStrided's GPU time on five shapes, 31 paired
 * repeats each), else quadStrided (at K = 16 the vec4 kernel measured 0.88–1.05× its time: no clear gain for the
 * packs); otherwise, with at least 16 rows and columns, a packed kernel once K ≥ 64 (the packs pay for
 * themselves there: [16×64]·[64×64] measured faster packed than with either strided kernel; 16×32 blocks once
 * N ≥ 128, measured 1.0–1.1× the 16×16 ones at 256³, where 32×32 blocks gained nothing more), else the strided
 * 16×16 kernel while it still runs 32 invocations or more; otherwise (a matrix-vector product, a tiny product)
 * the 4×4 one, which has 16 times the invocations for the cores and SIMD lanes.
 */
function softwareHeuristic(M: number, N: number, K: number, batch: number, quad: boolean): MatmulVariant {
  if (M < 16 || N < 16) return MATMUL_VARIANTS.register;
  if (quad && M >= 32 && N >= 32) return K >= 32 ? MATMUL_VARIANTS.quad : MATMUL_VARIANTS.quadStrided;
  if (K >= 64) return N >= 128 ? MATMUL_VARIANTS.packed16x32 : MATMUL_VARIANTS.packed;
  return batch * Math.ceil(M / 16) * Math.ceil(N / 16) >= 32 ? MATMUL_VARIANTS.register16 : MATMUL_VARIANTS.register;
}

/** Elements an operand's strides reach: the buffer a trial needs for it. */
function operandExtent(o: Operand, batch: number): number {
  return (o.strides[0] ? (batch - 1) * o.strides[0] : 0) + (o.rows - 1) * o.strides[1] + (o.cols - 1) * o.strides[2] + 1;
}

/**
 * @internal Record C = A·B for operands described by strides; C is dense [batch, M, N]. The kernel is the tuner's
 * choice for this shape (family "matmul").
 */
export function dispatchMatmul(A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate = false): void {
  const engine = A.engine;
  const quad = engine.kernels.supports("matmul_quad");
  const layout = (o: Operand) => (o.strides[2] === 1 ? "" : "ᵀ") + (o.strides[0] === 0 && batch > 1 ? "*" : "");
  const variant = engine.tuner.choose({
    family: "matmul",
    key: `${batch}×[${a.rows}×${a.cols}${layout(a)}]·[${b.rows}×${b.cols}${layout(b)}]${accumulate ? "+" : ""}`,
    candidates: quad ? MATMUL_CANDIDATES : WITHOUT_QUAD,
    heuristic: engine.adapter.isSoftware ? softwareHeuristic(a.rows, b.cols, a.cols, batch, quad) : MATMUL_VARIANTS.shared,
    // Workgroup barriers cost more than they save on a CPU adapter (shaders/gemm.wgsl): not worth timing there.
    // The quad kernel relies on SwiftShader's layout of subgroups (shaders/matmul_quad.wgsl): timed only there.
    untimed: (v) => (engine.adapter.isSoftware ? v === MATMUL_VARIANTS.shared : isQuad(v)),
    trial: (v) => {
      const ta = engine.randn([operandExtent(a, batch)], { seed: 1 });
      const tb = engine.randn([operandExtent(b, batch)], { seed: 2 });
      const tc = engine.zeros([batch * a.rows * b.cols]);
      return {
        run: () => v.dispatch(ta, a, tb, b, tc, batch, accumulate),
        dispose: () => [ta, tb, tc].forEach((t) => t.dispose()),
      };
    },
  });
  variant.dispatch(A, a, B, b, C, batch, accumulate);
}

/**
 * a·b over the last two axes. Leading (batch) axes must match, or one side has none / a single batch,
 * which is then broadcast. The result has the batch shape of the batched side.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const op = "matmul";
  const ta = options.transposeA ?? false;
  const tb = options.transposeB ?? false;
  const A = operand(op, a, ta, "a");
  const B = operand(op, b, tb, "b");
  const shapes = `${shapeString(a.shape)}${ta ? "ᵀ" : ""} · ${shapeString(b.shape)}${tb ? "ᵀ" : ""}`;
  if (A.cols !== B.rows) throw new Error(`${op}: inner dimensions differ in ${shapes}`);
  if (A.batch !== B.batch && A.batch !== 1 && B.batch !== 1) throw new Error(`${op}: batch sizes differ in ${shapes}`);
  const batch = Math.max(A.batch, B.batch);
  const batchShape = (A.batch >= B.batch ? a : b).shape.slice(0, -2);
  const out = a.engine.empty([...batchShape, A.rows, B.cols], op);
  if (batch > 65535) throw new Error(`${op}: ${batch} batches exceed the 65535 workgroups a dispatch allows per dimension`);
  dispatchMatmul(a, A, b, B, out, batch);

  return record(op, out, [a, b], (g) => {
    // C = A·B  ⇒  dA = dC·Bᵀ, dB = Aᵀ·dC, then undo each operand's transpose and batch broadcast.
    const G: Operand = { batch, rows: A.rows, cols: B.cols, strides: [A.rows * B.cols, B.cols, 1] };
    const grads: (Tensor | null)[] = [null, null];
    if (a.requiresGrad) {
      // dA (as used, M×K) = G·Bᵀ; when a is stored transposed we want (G·Bᵀ)ᵀ = B·Gᵀ instead (K×M).
      const full = g.engine.empty([batch, ta ? A.cols : A.rows, ta ? A.rows : A.cols], "matmul backward a");
      if (ta) dispatchMatmul(b, B, g, transposeOperand(G, true), full, batch);
      else dispatchMatmul(g, G, b, transposeOperand(B, true), full, batch);
      grads[0] = reduceBatch(full, A.batch, batch, a);
    }
    if (b.requiresGrad) {
      // dB (as used, K×N) = Aᵀ·G; when b is stored transposed, (Aᵀ·G)ᵀ = Gᵀ·A (N×K).
      const full = g.engine.empty([batch, tb ? B.cols : B.rows, tb ? B.rows : B.cols], "matmul backward b");
      if (tb) dispatchMatmul(g, transposeOperand(G, true), a, A, full, batch);
      else dispatchMatmul(a, transposeOperand(A, true), g, G, full, batch);
      grads[1] = reduceBatch(full, B.batch, batch, b);
    }
    return grads;
  });
}

/** A gradient computed per batch [batch, r, c], summed over the batch when the operand was broadcast. */
function reduceBatch(full: Tensor, ownBatch: number, batch: number, like: Tensor): Tensor {
  if (ownBatch === batch) {
    const out = full.engine.view(full, like.shape, "matmul backward");
    full.dispose();
    return out;
  }
  const summed = sum(full, 0);
  full.dispose();
  const out = summed.engine.view(summed, like.shape, "matmul backward");
  summed.dispose();
  return out;
}

/** y = x·Wᵀ + b over the last axis of x; weight is [out, in], bias is [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${shapeString(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.shape[x.rank - 1] !== inFeatures) {
    throw new Error(`linear: input ${shapeString(x.shape)} does not end in in_features = ${inFeatures} (weight ${shapeString(weight.shape)})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outFeatures)) {
    throw new Error(`linear: bias ${shapeString(bias.shape)} does not match out_features = ${outFeatures}`);
  }
  const flat = x.rank === 2 ? x : reshape(x, [-1, inFeatures]);
  const product = matmul(flat, weight, { transposeB: true });
  const withBias = bias ? add(product, bias) : product;
  return x.rank === 2 ? withBias : reshape(withBias, [...x.shape.slice(0, -1), outFeatures]);
}
