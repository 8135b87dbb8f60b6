/**
 * matmul and linear (shaders/matmul.wgsl) through checkOp: forward against float64 loops, gradients of both
 * operands (and the bias) against finite differences. Sizes straddle the kernel's 4×4 register block and
 * 32×32 workgroup tile (1, 3, 17, 63, 65), with transposes, batches and batch broadcasting.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { denseOperand } from "../src/ops/matmul/operand.js";
import { dispatchMatmul, MATMUL_VARIANTS } from "../src/ops/matmul/variants.js";
import { checkOp } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import * as R from "./reference/ops.js";
import { ref, rng, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

// f32 dot products of up to 65 terms of size ≤ 1: errors ~1e-6 relative to the largest output.
const forwardTol = { atol: 2e-5, rtol: 1e-4 };
const gradTol = { atol: 1e-4, rtol: 1e-3 };

/** Stored shape of an operand used as rows×cols, optionally transposed, with leading batch dims. */
function stored(batch: number[], rows: number, cols: number, transpose: boolean): number[] {
  return [...batch, ...(transpose ? [cols, rows] : [rows, cols])];
}

/** The largest |got[i] − expected[i]| (NaN when any is NaN, which fails every bound). */
function maxAbsError(got: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
  return worst;
}

describe("matmul, 2-D", () => {
  // [M, K, N]: a representative non-square set over {1, 3, 17, 63, 65}.
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 17, 3],
    [3, 1, 65],
    [17, 3, 1],
    [3, 63, 17],
    [65, 17, 3],
    [17, 65, 63],
    [63, 3, 65],
    [65, 65, 17],
  ];
  for (const [M, K, N] of sizes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      // Every size with plain operands; the transposes on a subset that still covers edge tiles.
      if ((ta || tb) && M * K * N < 100 && !(M === 1 && K === 17)) continue;
      const name = `matmul M=${M} K=${K} N=${N}${ta ? " Aᵀ" : ""}${tb ? " Bᵀ" : ""}`;
      it(name, () =>
        checkOp(engine, {
          name,
          shapes: [stored([], M, K, ta), stored([], K, N, tb)],
          gpu: (a, b) => ops.matmul(a, b, { transposeA: ta, transposeB: tb }),
          cpu: (a, b) => R.matmul(a, b, ta, tb),
          forwardTol,
          gradTol,
          // each finite-difference coordinate re-runs the float64 product: fewer on the big ones
          maxGradCoords: M * K * N > 20_000 ? 48 : 160,
        }),
      );
    }
  }
});

describe("matmul, batched", () => {
  const cases: { name: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
    { name: "[2] × [2]", a: [2, 3, 17], b: [2, 17, 5] },
    { name: "batch 1", a: [1, 17, 3], b: [1, 3, 65] },
    { name: "[2,3] × [2,3], Bᵀ", a: [2, 3, 5, 17], b: [2, 3, 4, 17], tb: true },
    { name: "[2] × [2], Aᵀ Bᵀ", a: [2, 17, 3], b: [2, 65, 17], ta: true, tb: true },
    // Batch broadcasting: one side 2-D (or a single batch) is reused for every batch of the other.
    { name: "[2] × 2-D", a: [2, 17, 3], b: [3, 63] },
    { name: "2-D × [2]", a: [5, 17], b: [2, 17, 3] },
    { name: "2-D × [2,3], Aᵀ", a: [17, 5], b: [2, 3, 17, 3], ta: true },
    { name: "[2] × [1], Bᵀ", a: [2, 3, 17], b: [1, 65, 17], tb: true },
    { name: "[1] × [3]", a: [1, 4, 17], b: [3, 17, 6] },
  ];
  for (const c of cases) {
    it(`matmul ${c.name}: ${JSON.stringify(c.a)} · ${JSON.stringify(c.b)}`, () =>
      checkOp(engine, {
        name: `matmul ${c.name}`,
        shapes: [c.a, c.b],
        gpu: (a, b) => ops.matmul(a, b, { transposeA: c.ta, transposeB: c.tb }),
        cpu: (a, b) => R.matmul(a, b, c.ta, c.tb),
        forwardTol,
        gradTol,
      }));
  }

  it("gradient of only one operand when the other does not require grad", async () => {
    const a = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = engine.parameter([1, 0, 0, 1, 1, 1], [3, 2]);
    engine.tidy(() => engine.backward(ops.sum(ops.matmul(a, b))));
    expect(a.grad).toBeNull();
    // d/dB Σ(A·B) = Aᵀ·1: column sums of A, repeated over B's columns.
    expect(Array.from(await b.grad!.data())).toEqual([5, 5, 7, 7, 9, 9]);
    a.dispose();
    b.dispose();
  });
});

describe("linear", () => {
  const cases: { x: number[]; out: number; bias: boolean }[] = [
    { x: [1, 1], out: 1, bias: true },
    { x: [3, 17], out: 5, bias: true },
    { x: [65, 3], out: 17, bias: false },
    { x: [1, 63], out: 65, bias: true },
    { x: [2, 17, 3], out: 4, bias: true },
    { x: [2, 3, 65], out: 3, bias: false },
    { x: [1, 1, 17], out: 63, bias: true },
  ];
  for (const c of cases) {
    const inFeatures = c.x[c.x.length - 1];
    const name = `linear ${JSON.stringify(c.x)} → ${c.out}${c.bias ? " + bias" : ""}`;
    it(name, () =>
      checkOp(engine, {
        name,
        shapes: c.bias ? [c.x, [c.out, inFeatures], [c.out]] : [c.x, [c.out, inFeatures]],
        gpu: (x, w, b) => ops.linear(x, w, b),
        cpu: (x, w, b) => R.linear(x, w, b),
        forwardTol,
        gradTol,
      }),
    );
  }
});

// Every matmul variant (src/ops/matmul/variants.ts MATMUL_VARIANTS), forced through the op, forward and both gradients:
// the tuner may pick any of them on some adapter. (test/gemm.test.ts covers the shared kernel's edges directly.)
describe("matmul variants through the op", () => {
  for (const variant of Object.keys(MATMUL_VARIANTS)) {
    const cases: { a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
      { a: [65, 17], b: [17, 3] },
      { a: [2, 17, 5], b: [63, 17], ta: true, tb: true },
      { a: [1, 3], b: [3, 70] },
      { a: [3, 20, 33], b: [3, 33, 18] },
      // several 32-row and 32-column blocks (the quad kernel's), B broadcast over the batch
      { a: [2, 70, 37], b: [37, 65] },
      // 256 or more blocks: the packed kernels' 64-invocation workgroups
      { a: [64, 20, 3], b: [64, 3, 33] },
      // operands already in panel layout, read in place by the packed kernels: b (forward), aᵀ and the gradient
      // (the gradient of b), and aᵀ stored [K, M] (forward)
      { a: [2, 32, 64], b: [64, 32] },
      { a: [48, 32], b: [48, 36], ta: true },
      // both read in place as rows of vec4s along k by the quad kernel, with edge rows and columns
      { a: [3, 36, 20], b: [45, 20], tb: true },
    ];
    for (const c of cases) {
      it(`${variant}: ${JSON.stringify(c.a)}${c.ta ? "ᵀ" : ""} · ${JSON.stringify(c.b)}${c.tb ? "ᵀ" : ""}`, async () => {
        const previous = engine.tuner.override("matmul", variant);
        try {
          await checkOp(engine, {
            name: `matmul (${variant})`,
            shapes: [c.a, c.b],
            gpu: (a, b) => ops.matmul(a, b, { transposeA: c.ta, transposeB: c.tb }),
            cpu: (a, b) => R.matmul(a, b, c.ta, c.tb),
            forwardTol,
            gradTol,
            maxGradCoords: 64,
          });
        } finally {
          engine.tuner.override("matmul", previous);
        }
      });
    }
  }
});

// C += A·B (the 1×1 convolutions' bias-first products): each register kernel takes it as the pipeline constant
// ACCUMULATE (shaders/lib/matmul_store.wgsl), the shared kernel as the uniform; C's values outside the product's
// rows and columns must survive, and a product that does not accumulate must not read C.
describe("matmul variants accumulating into C", () => {
  const cases: { M: number; K: number; N: number; batch: number; tb?: boolean }[] = [
    { M: 65, K: 17, N: 3, batch: 1 }, // edge rows and columns of every block size
    { M: 1, K: 3, N: 70, batch: 1 },
    { M: 33, K: 36, N: 45, batch: 2, tb: true }, // the quad kernel reads A and Bᵀ in place as rows
  ];
  for (const variant of Object.keys(MATMUL_VARIANTS)) {
    for (const c of cases) {
      it(`${variant}: ${c.batch}×[${c.M}×${c.K}]·[${c.K}×${c.N}]${c.tb ? " (Bᵀ stored)" : ""} + C, then overwriting C`, async () => {
        const previous = engine.tuner.override("matmul", variant);
        try {
          const random = rng(11);
          const aShape = [c.batch, c.M, c.K];
          const bShape = [c.batch, ...(c.tb ? [c.N, c.K] : [c.K, c.N])];
          const aData = uniformData(c.batch * c.M * c.K, random);
          const bData = uniformData(c.batch * c.K * c.N, random);
          const cData = uniformData(c.batch * c.M * c.N, random);
          const product = R.matmul(ref(aData, aShape), ref(bData, bShape), false, c.tb ?? false).data;
          const a = engine.tensor(Float32Array.from(aData), aShape);
          const b = engine.tensor(Float32Array.from(bData), bShape);
          const a0 = denseOperand(c.batch, c.M, c.K, false);
          const b0 = c.tb ? denseOperand(c.batch, c.N, c.K, true) : denseOperand(c.batch, c.K, c.N, false);
          for (const accumulate of [true, false]) {
            const out = engine.tensor(Float32Array.from(cData), [c.batch, c.M, c.N]);
            dispatchMatmul(a, a0, b, b0, out, c.batch, accumulate);
            const expected = product.map((v, i) => v + (accumulate ? cData[i] : 0));
            const worst = maxAbsError(await out.data(), expected);
            // f32 sums of K + 1 terms of size ≤ 1: rounding ~(K + 1) · 6e-8.
            expect(worst, accumulate ? "C + A·B" : "A·B").toBeLessThan(1e-6 * (c.K + 1));
            out.dispose();
          }
          for (const t of [a, b]) t.dispose();
        } finally {
          engine.tuner.override("matmul", previous);
        }
      });
    }
  }
});

// The packed kernels read an operand in place when it is already laid out as their panels, and the quad kernel
// also one stored as rows of vec4s along k (src/ops/matmul/kernels.ts inPlaceLayout): one pack dispatch fewer per such
// operand, the same values (the cases above check gradients through these paths too).
describe("matmul panels read in place", () => {
  const cases: { variant: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean; packs: number }[] = [
    { variant: "quad", a: [2, 32, 64], b: [64, 32], packs: 0 }, // a as rows along k, b as panels ([K, N])
    { variant: "quad", a: [64, 32], b: [64, 64], ta: true, packs: 0 }, // aᵀ stored [K, M]: panels
    { variant: "quad", a: [2, 33, 64], b: [40, 64], tb: true, packs: 0 }, // bᵀ stored [N, K]: rows, edge lines
    { variant: "quad", a: [2, 32, 62], b: [62, 32], packs: 2 }, // K not a multiple of 4: padded, so packed
    { variant: "quad", a: [2, 32, 64], b: [64, 48], packs: 1 }, // b [K, N] but 48 columns: not whole tiles
    { variant: "packed16x32", a: [48, 16], b: [48, 64], ta: true, packs: 0 },
    { variant: "packed", a: [48, 24], b: [48, 16], ta: true, packs: 1 }, // 24 rows: not whole 16-row tiles
  ];
  for (const c of cases) {
    it(`${c.variant}: ${JSON.stringify(c.a)}${c.ta ? "ᵀ" : ""} · ${JSON.stringify(c.b)}${c.tb ? "ᵀ" : ""} packs ${c.packs} operand(s)`, async () => {
      const previous = engine.tuner.override("matmul", c.variant);
      try {
        const random = rng(3);
        const aData = uniformData(
          c.a.reduce((x, y) => x * y),
          random,
        );
        const bData = uniformData(
          c.b.reduce((x, y) => x * y),
          random,
        );
        const a = engine.tensor(Float32Array.from(aData), c.a);
        const b = engine.tensor(Float32Array.from(bData), c.b);
        const before = engine.stats.dispatches;
        const product = ops.matmul(a, b, { transposeA: c.ta, transposeB: c.tb });
        expect(engine.stats.dispatches - before).toBe(c.packs + 1);
        const expected = R.matmul(ref(aData, c.a), ref(bData, c.b), c.ta, c.tb);
        const worst = maxAbsError(await product.data(), expected.data);
        // f32 sums of K terms of size ≤ 1: rounding ~K · 6e-8.
        expect(worst).toBeLessThan(1e-6 * (c.ta ? c.a[0] : c.a[c.a.length - 1]));
        for (const t of [a, b, product]) t.dispose();
      } finally {
        engine.tuner.override("matmul", previous);
      }
    });
  }
});

describe("matmul's guess on a software adapter before measuring", () => {
  it("picks the vec4 quad kernel from K = 32 on at least 32 rows and columns, quadStrided below", () => {
    // The rule is the software adapters' (the test engine runs the guesses: autotune "off").
    if (!engine.adapter.isSoftware || !engine.kernels.supports("matmul_quad")) return;
    const cases: { a: number[]; b: number[]; tb?: boolean; guess: string }[] = [
      { a: [32, 64], b: [40, 64], tb: true, guess: "quad" }, // both stored as rows along k
      { a: [32, 64], b: [64, 48], guess: "quad" }, // b needs a pack
      { a: [32, 32], b: [36, 32], tb: true, guess: "quad" }, // K = 32
      { a: [32, 31], b: [31, 48], guess: "quadStrided" }, // K < 32
      { a: [31, 64], b: [64, 48], guess: "packed" }, // fewer than 32 rows: no quad kernel
    ];
    const choose = vi.spyOn(engine.tuner, "choose");
    try {
      for (const c of cases)
        engine.tidy(() => ops.matmul(engine.randn(c.a, { seed: 1 }), engine.randn(c.b, { seed: 2 }), { transposeB: c.tb }));
      const chosen = choose.mock.results.map((r) => (r.value as { name: string }).name);
      expect(chosen).toEqual(cases.map((c) => c.guess));
    } finally {
      choose.mockRestore();
    }
  });
});
