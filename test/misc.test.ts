/**
 * permute, timestepEmbedding, dropout and mseLoss (shaders/misc.wgsl, src/ops/misc.ts) against float64
 * references. Default checkOp tolerances unless stated: forward 1e-5 abs (scaled by max|ref|) + 1e-4 rel,
 * gradients 1e-4 abs + 1e-3 rel.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { checkOp, expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import { take } from "./helpers/readback.js";
import * as R from "./reference/nn.js";
import { rng, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("permute", () => {
  const cases: [number[], number[]][] = [
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [17, 1, 3],
      [1, 2, 0],
    ],
    [
      [2, 3, 5, 7],
      [0, 2, 3, 1],
    ], // NCHW → NHWC
    [
      [2, 5, 7, 3],
      [0, 3, 1, 2],
    ], // NHWC → NCHW
    [
      [2, 5, 3, 4],
      [0, 2, 1, 3],
    ], // [B, L, heads, d] → [B, heads, L, d]
    [
      [3, 65],
      [-1, -2],
    ],
    [
      [2, 1, 3, 1, 2, 1, 2, 2],
      [7, 6, 5, 4, 3, 2, 1, 0],
    ], // rank 8
    [
      [4, 3],
      [0, 1],
    ], // identity: a view
  ];
  for (const [shape, dims] of cases) {
    it(`permute ${JSON.stringify(shape)} by [${dims}]`, () =>
      checkOp(engine, {
        name: `permute ${JSON.stringify(shape)} [${dims}]`,
        shapes: [shape],
        gpu: (x) => ops.permute(x, dims),
        cpu: (x) =>
          R.permute(
            x,
            dims.map((d) => (d < 0 ? d + shape.length : d)),
          ),
        // A permutation copies values: exact (a tolerance of 0 would make the helper divide 0 by 0).
        forwardTol: { atol: 1e-12, rtol: 0 },
      }));
  }

  it("rejects orders that are not permutations of the axes", () => {
    const x = engine.zeros([2, 3, 4]);
    expect(() => ops.permute(x, [0, 1])).toThrow(/permute: \[0, 1\] is not a permutation of the 3 axes of \[2, 3, 4\]/);
    expect(() => ops.permute(x, [0, 1, 1])).toThrow(/permute: \[0, 1, 1\] is not a permutation/);
    expect(() => ops.permute(x, [0, 1, 3])).toThrow(/permute: \[0, 1, 3\] is not a permutation/);
    x.dispose();
  });
});

describe("timestepEmbedding", () => {
  // Up to t = 999 (arguments ~999 rad), fractional t, and random t in [0, 1000).
  const random = rng(7);
  const timesteps = [0, 1, 2.5, 17, 500.25, 998, 999, ...Array.from({ length: 9 }, () => Math.fround(1000 * random()))];
  const cases: [number, R.TimestepOptions][] = [
    [128, {}],
    [32, { flipSinToCos: true, downscaleFreqShift: 0 }], // UNet2DModel's defaults
    [7, { flipSinToCos: true }], // odd: one zero column
    [1, {}], // no frequencies at all: a zero column
    [2, { downscaleFreqShift: 0 }], // one frequency, exp(0) = 1: sin(t), cos(t) up to t = 999
    [20, { maxPeriod: 100, scale: 2.5 }], // arguments up to ~2500 rad
  ];
  for (const [dim, options] of cases) {
    it(`dim ${dim} ${JSON.stringify(options)} matches the float64 reference within 2e-5`, async () => {
      const t = engine.tensor(timesteps, [timesteps.length]);
      const out = ops.timestepEmbedding(engine, t, dim, options);
      expect([...out.shape]).toEqual([timesteps.length, dim]);
      const expected = R.timestepEmbedding(timesteps, dim, options);
      // Absolute: the reference's sin/cos of the same f32 arguments are exact to ~1e-16.
      expectClose(await take(out), expected.data, { atol: 2e-5, rtol: 0 }, `timestepEmbedding dim ${dim}`);
      t.dispose();
    });
  }

  it("is accurate to 1e-6 over every t in 0..999 (dim 64)", async () => {
    const all = Array.from({ length: 1000 }, (_, i) => i);
    const t = engine.tensor(all, [1000]);
    const expected = R.timestepEmbedding(all, 64);
    expectClose(await take(ops.timestepEmbedding(engine, t, 64)), expected.data, { atol: 1e-6, rtol: 0 }, "timestepEmbedding t = 0..999");
    t.dispose();
  });

  // torch 1.13 (CPU, float32) running diffusers' get_timestep_embedding for t = [0, 1, 17.5, 999], dim 32.
  // Torch's exp is within 1 ulp of the correctly rounded result our frequencies hold (it differs on ~1 in 8);
  // at t = 999 one ulp of a frequency near 1 moves the argument by 999·2^-24 = 6e-5, hence 1e-4 here.
  const torchDefault = [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [
      0.84147096, 0.51513875, 0.2886959, 0.15782663, 0.08566447, 0.046399217, 0.025116224, 0.0135931475, 0.0073563578, 0.0039810594,
      0.0021544322, 0.0011659142, 0.00063095725, 0.00034145487, 0.00018478505, 0.00009999999, 0.54030234, 0.8571068, 0.9574208, 0.9874668,
      0.99632406, 0.99892294, 0.9996846, 0.9999076, 0.99997294, 0.9999921, 0.9999977, 0.99999934, 0.9999998, 0.99999994, 1, 1,
    ],
    [
      -0.975626, -0.04567276, -0.91602546, 0.3597776, 0.997563, 0.7258559, 0.42555955, 0.23565006, 0.12838212, 0.06961238, 0.03769366,
      0.020402087, 0.011041529, 0.005975425, 0.003233733, 0.0017499989, 0.21943997, -0.99895644, 0.4011201, -0.9330381, 0.06977173,
      0.6878468, 0.9049304, 0.971838, 0.9917248, 0.9975741, 0.99928933, 0.99979186, 0.999939, 0.9999822, 0.9999948, 0.9999985,
    ],
    [
      -0.026460752, 0.27098918, -0.39261892, 0.9493602, -0.75837797, 0.68486977, -0.038985163, 0.8487424, 0.8752161, -0.74162966,
      0.83564895, 0.9186891, 0.5894084, 0.33453655, 0.1835536, 0.09973391, 0.9996498, 0.9625824, -0.9197012, 0.31418988, -0.65181506,
      -0.72866553, 0.9992398, 0.52880645, 0.48373213, -0.6708095, -0.54926383, 0.39498156, 0.8078352, 0.94238275, 0.9830097, 0.99501413,
    ],
  ];
  // The same with flip_sin_to_cos=True, downscale_freq_shift=0 (UNet2DModel's defaults).
  const torchFlipped = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [
      0.54030234, 0.84600914, 0.9504153, 0.9842302, 0.9950042, 0.9984193, 0.99950004, 0.99984187, 0.99995, 0.9999842, 0.999995, 0.99999845,
      0.9999995, 0.9999999, 0.99999994, 1, 0.84147096, 0.53316844, 0.3109836, 0.17689219, 0.099833414, 0.05620449, 0.031617504, 0.01778186,
      0.009999833, 0.0056233825, 0.0031622713, 0.0017782785, 0.0009999998, 0.0005623411, 0.0003162278, 0.00017782794,
    ],
    [
      0.21943997, -0.91463387, 0.7322345, -0.99956185, -0.17824593, 0.5536152, 0.85074323, 0.9519671, 0.98472655, 0.99516165, 0.9984692,
      0.99951583, 0.9998469, 0.9999516, 0.9999847, 0.9999952, -0.975626, -0.40428317, -0.6810526, 0.029599309, 0.98398596, 0.8327726,
      0.52558154, 0.30620018, 0.17410813, 0.09825095, 0.0553116, 0.031114867, 0.017499104, 0.009840812, 0.005533958, 0.0031119839,
    ],
    [
      0.9996498, -0.8440027, -0.18047352, -0.1495677, 0.80745506, 0.9320461, 0.9846872, 0.46731663, -0.84446985, 0.78667206, -0.9998465,
      -0.2042572, 0.54114354, 0.8463089, 0.9505136, 0.9842617, -0.026460752, 0.53633887, 0.9835799, 0.9887515, -0.5899291, -0.36233974,
      0.17433034, -0.88409, -0.53560317, -0.6173711, -0.017520811, 0.97891724, 0.8409302, 0.5326925, 0.31068304, 0.17671716,
    ],
  ];
  for (const [name, golden, options] of [
    ["defaults", torchDefault, {}],
    ["flipped, shift 0", torchFlipped, { flipSinToCos: true, downscaleFreqShift: 0 }],
  ] as const) {
    it(`matches torch's float32 get_timestep_embedding (${name}) within 1e-4`, async () => {
      const t = engine.tensor([0, 1, 17.5, 999], [4]);
      expectClose(await take(ops.timestepEmbedding(engine, t, 32, options)), golden.flat(), { atol: 1e-4, rtol: 0 }, `torch ${name}`);
      t.dispose();
    });
  }

  it("rejects bad arguments", () => {
    const t = engine.zeros([3]);
    const t2 = engine.zeros([3, 1]);
    expect(() => ops.timestepEmbedding(engine, t2, 8)).toThrow(/timestepEmbedding: timesteps must be 1-D \[N\], got \[3, 1\]/);
    expect(() => ops.timestepEmbedding(engine, t, 2.5)).toThrow(/timestepEmbedding: dim must be an integer/);
    expect(() => ops.timestepEmbedding(engine, t, 2)).toThrow(/timestepEmbedding: dim\/2 − downscaleFreqShift = 1 − 1 = 0/);
    t.dispose();
    t2.dispose();
  });
});

describe("dropout", () => {
  it("draws the same mask for the same seed, a different one for another seed", async () => {
    const x = engine.ones([1000]);
    const a = await take(ops.dropout(x, 0.5, 42, true));
    const b = await take(ops.dropout(x, 0.5, 42, true));
    const c = await take(ops.dropout(x, 0.5, 43, true));
    expect(Array.from(a)).toEqual(Array.from(b));
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differ++;
    expect(differ).toBeGreaterThan(400); // ~500 expected for independent masks
    x.dispose();
  });

  it("keeps ≈ 1 − p of a big tensor, scales kept values by exactly 1/(1 − p), and equals the CPU Philox mask", async () => {
    const n = 1 << 18;
    const p = 0.3;
    const seed = 2 ** 40 + 12345; // uses both key words
    const values = uniformData(n, rng(3), 0.5, 1.5); // nonzero, so zeros mark dropped elements
    const x = engine.tensor(Float32Array.from(values), [n]);
    const y = await take(ops.dropout(x, p, seed, true));
    const mask = R.dropoutMask(n, p, seed);
    const scale = Math.fround(1 / (1 - p));
    let kept = 0;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i]) kept++;
      const expected = mask[i] ? Math.fround(values[i] * scale) : 0;
      if (y[i] !== expected) wrong++;
    }
    expect(wrong, "elements differing from the CPU mask · x · f32(1/(1−p))").toBe(0);
    // Binomial(n, 0.7): σ of the kept fraction = √(0.21 / 2^18) ≈ 9e-4; 5e-3 is > 5σ.
    expect(Math.abs(kept / n - (1 - p))).toBeLessThan(5e-3);
    x.dispose();
  });

  for (const [shape, p, seed] of [
    [[3, 17], 0.5, 123],
    [[65], 0.1, 7],
    [[1], 0.5, 1],
    [[2, 3, 5, 7], 0.9, 2 ** 33 + 5],
  ] as const) {
    it(`gradient check ${JSON.stringify(shape)} p=${p} seed=${seed}`, () =>
      checkOp(engine, {
        name: `dropout ${JSON.stringify(shape)} p=${p}`,
        shapes: [[...shape]],
        gpu: (x) => ops.dropout(x, p, seed, true),
        cpu: (x) => R.dropout(x, p, seed),
      }));
  }

  it("is the identity when not training or p = 0, and zero when p = 1", async () => {
    const x = engine.tensor([1, -2, 3, 4, 5], [5]);
    expect(ops.dropout(x, 0.5, 1, false)).toBe(x);
    expect(ops.dropout(x, 0, 1, true)).toBe(x);
    expect(Array.from(await take(ops.dropout(x, 1, 1, true)))).toEqual([0, 0, 0, 0, 0]);
    expect(() => ops.dropout(x, 1.5, 1, true)).toThrow(/dropout: p must be in \[0, 1\], got 1.5/);
    expect(() => ops.dropout(x, 0.5, -1, true)).toThrow(/dropout: seed must be an integer/);
    x.dispose();
  });
});

describe("mseLoss", () => {
  for (const shape of [[1], [3, 17], [2, 3, 5, 7], [65]]) {
    it(`mseLoss ${JSON.stringify(shape)}`, () =>
      checkOp(engine, {
        name: `mseLoss ${JSON.stringify(shape)}`,
        shapes: [shape, shape],
        gpu: (a, b) => ops.mseLoss(a, b),
        cpu: (a, b) => R.mseLoss(a, b),
      }));
  }

  it("rejects different shapes", () => {
    const a = engine.zeros([2, 3]);
    const b = engine.zeros([3, 2]);
    expect(() => ops.mseLoss(a, b)).toThrow(/mseLoss: prediction \[2, 3\] and target \[3, 2\] differ/);
    a.dispose();
    b.dispose();
  });
});
