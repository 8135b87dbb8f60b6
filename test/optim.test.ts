/**
 * The fused optimiser pass: AdamW with the EMA of the weights in one dispatch per parameter (optim/adamw_ema and
 * its vec4 form adamw_ema4) against float64 AdamW (PyTorch's decoupled weight decay) followed by the EMA, and bit
 * for bit against the two separate kernels and between the scalar and vec4 forms. A parameter without a
 * gradient keeps its value and still gets its EMA update. Global-norm clipping (optim/sum_squares, clip_factor)
 * against the float64 norm.
 */
import { describe, expect, it } from "vitest";
import { AdamW, clipFactor, EMA, type Engine, ops } from "../src/index.js";
import { expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import { adamw } from "./reference/optim.js";
import { rng, uniformData } from "./reference/tensor.js";

const options = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
const decay = 0.8;
const n = 67; // not a multiple of 4 or 64
const random = rng(21);
const p0 = uniformData(n, random);
const frozen0 = uniformData(5, random);
const grads = [uniformData(n, random), uniformData(n, random)];

async function run(engine: Engine, fused: boolean) {
  const param = engine.parameter(Float32Array.from(p0), [n], "p");
  const frozen = engine.parameter(Float32Array.from(frozen0), [5], "frozen");
  const optimizer = new AdamW(engine, [param, frozen], options);
  const ema = new EMA(engine, [param, frozen], decay);
  const scale = engine.tensor([0.5], [1]);
  for (let step = 0; step < 2; step++) {
    const g = engine.tensor(Float32Array.from(grads[step]), [n]);
    engine.tidy(() => {
      optimizer.zeroGrad();
      engine.backward(ops.sum(ops.mul(param, g))); // ∂/∂p Σ p·g = g; `frozen` gets no gradient
      if (fused) optimizer.step({ gradScale: scale, ema });
      else {
        optimizer.step({ gradScale: scale });
        ema.update();
      }
    });
    g.dispose();
  }
  const result = {
    param: await param.data(),
    frozen: await frozen.data(),
    shadow: await ema.shadows[0].data(),
    frozenShadow: await ema.shadows[1].data(),
  };
  optimizer.dispose();
  ema.dispose();
  for (const t of [param, frozen, scale]) t.dispose();
  return result;
}

describe.each([
  ["vec4 kernels", true],
  ["scalar kernels", false],
])("fused AdamW + EMA (%s)", (_, vec4) => {
  it("matches float64 AdamW followed by the EMA, and the separate kernels bit for bit", async () => {
    const engine = await testEngine();
    const previous = AdamW.vec4;
    AdamW.vec4 = vec4;
    const fused = await run(engine, true).finally(() => (AdamW.vec4 = previous));
    AdamW.vec4 = vec4;
    const separate = await run(engine, false).finally(() => (AdamW.vec4 = previous));
    expect(fused.param).toEqual(separate.param);
    expect(fused.shadow).toEqual(separate.shadow);
    expect(fused.frozenShadow).toEqual(separate.frozenShadow);

    const { param: p, shadow } = adamw(p0, grads, [0.5, 0.5], options, decay);
    expectClose(fused.param, p, { atol: 1e-6, rtol: 1e-5 }, "parameters");
    expectClose(fused.shadow, shadow, { atol: 1e-6, rtol: 1e-5 }, "EMA");
    // No gradient: the parameter is untouched, its EMA still moves towards it (a no-op here, since it never changed).
    expect(fused.frozen).toEqual(Float32Array.from(frozen0));
    expectClose(fused.frozenShadow, frozen0, { atol: 1e-7, rtol: 1e-6 }, "frozen EMA");
  });

  it("refuses an EMA decay outside [0, 1)", async () => {
    const engine = await testEngine();
    const param = engine.parameter([1, 2], [2]);
    const optimizer = new AdamW(engine, [param]);
    const ema = new EMA(engine, [param], 0.5);
    expect(() => optimizer.step({ ema, emaDecay: 1 })).toThrow(/EMA decay must be in \[0, 1\), got 1/);
    optimizer.dispose();
    ema.dispose();
    param.dispose();
  });
});

describe("AdamW's vec4 and scalar kernels", () => {
  it.each([1, 3, 4, 67, 300])("agree bit for bit on %i values (with and without the EMA)", async (size) => {
    const engine = await testEngine();
    const random = rng(size);
    const start = uniformData(size, random);
    const grad = uniformData(size, random);
    const update = async (vec4: boolean, withEma: boolean) => {
      const param = engine.parameter(Float32Array.from(start), [size], "p");
      const optimizer = new AdamW(engine, [param], options);
      const ema = withEma ? new EMA(engine, [param], decay) : undefined;
      const previous = AdamW.vec4;
      AdamW.vec4 = vec4;
      try {
        for (let step = 0; step < 2; step++) {
          param.grad = engine.tensor(Float32Array.from(grad), [size]);
          optimizer.step({ ema });
          optimizer.zeroGrad();
        }
      } finally {
        AdamW.vec4 = previous;
      }
      const values = [await param.data(), ...(ema ? [await ema.shadows[0].data()] : [])];
      optimizer.dispose();
      ema?.dispose();
      param.dispose();
      return values;
    };
    for (const withEma of [false, true]) {
      const a = await update(true, withEma);
      expect(a[0]).not.toEqual(Float32Array.from(start));
      expect(a).toEqual(await update(false, withEma));
    }
  });
});

describe("clipFactor (global-norm clipping on the GPU)", () => {
  const sizes = [1, 3, 67, 1000, 4];
  const data = sizes.map((size, i) => uniformData(size, rng(40 + i), -2, 2));
  const norm = Math.sqrt(data.reduce((sum, d) => sum + d.reduce((s, x) => s + x * x, 0), 0));

  it.each([
    ["clips when the norm exceeds maxNorm", 1],
    ["keeps the factor at 1 under maxNorm", 1e3],
  ])("%s (maxNorm %d): [factor, norm] against float64", async (_, maxNorm) => {
    const engine = await testEngine();
    const grads = data.map((d, i) => engine.tensor(Float32Array.from(d), [sizes[i]]));
    const clip = clipFactor(engine, grads, maxNorm);
    const [factor, measured] = await clip.data();
    expectClose([measured], [norm], { atol: 0, rtol: 1e-5 }, "norm");
    expectClose([factor], [Math.min(1, maxNorm / (norm + 1e-6))], { atol: 0, rtol: 1e-5 }, "factor");
    for (const t of [...grads, clip]) t.dispose();
  });

  it("refuses a maxNorm that is not positive", async () => {
    const engine = await testEngine();
    expect(() => clipFactor(engine, [], 0)).toThrow(/clipFactor: maxNorm must be > 0, got 0/);
  });
});
