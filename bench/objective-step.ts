/**
 * What a training step costs under each objective, on the mnist-16 preset's U-Net (unconditional) at batch 16:
 * forward, loss, backward, global-norm clipping and AdamW, as trainLoop records them; L_simple (ε), L_vlb (ε, fixed
 * variance), L_hybrid (ε, learned_range: the U-Net has 2·C outputs) and L_vlb with importance-sampled t, whose
 * per-image terms are read back every step. Rounds interleave the objectives so load on a shared machine falls on
 * each alike; each row is the median over rounds of the mean step time of `--steps` steps, and the ratio to L_simple.
 *
 *   node scripts/run.mjs bench/objective-step.ts [--rounds 5] [--steps 3]
 */
import { hybridLoss, variationalBoundLoss, variationalBoundPerImage } from "../src/diffusion/bound.js";
import { LossSecondMomentSampler } from "../src/diffusion/timestep-sampler.js";
import { DDPMScheduler, Engine, ops, type Tensor, UNet2DModel } from "../src/index.js";
import { AdamW } from "../src/optim/adamw.js";
import { clipFactor } from "../src/optim/ema.js";
import { PRESETS } from "../src/presets.js";
import { countOption, markdownTable } from "./stats.js";

const args = process.argv.slice(2);
const rounds = countOption(args, "rounds", 5);
const stepsPerRound = countOption(args, "steps", 3);
const batch = 16;
const shape = [batch, 1, 16, 16];

const engine = await Engine.create({ verbose: false });
console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}; mnist-16 U-Net, batch ${batch}`);

interface Objective {
  name: string;
  learned: boolean;
  step: (model: UNet2DModel, scheduler: DDPMScheduler, sampler: LossSecondMomentSampler | null, step: number) => Promise<void>;
}

const preset = PRESETS["mnist-16"];
const x0Data = Float32Array.from({ length: batch * 256 }, (_, i) => Math.round(Math.sin(i * 0.37) * 127.5) / 127.5);
const timestepsAt = (step: number) => Array.from({ length: batch }, (_, b) => (step * 131 + b * 61) % 1000);

/** One recorded training step with `loss` as the objective; `after` sees the step's tensors before the tidy ends. */
function recordStep(
  model: UNet2DModel,
  scheduler: DDPMScheduler,
  optimizer: AdamW,
  step: number,
  timesteps: number[],
  loss: (x0: Tensor, noisy: Tensor, output: Tensor, target: Tensor) => { loss: Tensor; keep?: Tensor },
): Tensor | null {
  return engine.tidy(() => {
    const x0 = engine.tensor(x0Data, shape);
    const { noisy, target } = scheduler.noisyTrainingPair(x0, timesteps, 0, step);
    const output = model.forward({ sample: noisy, timesteps });
    const result = loss(x0, noisy, output, target);
    optimizer.zeroGrad();
    engine.backward(result.loss);
    const grads = optimizer.params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    optimizer.step({ lr: 1e-4, gradScale: clipFactor(engine, grads, 1) });
    optimizer.zeroGrad();
    return result.keep ? result.keep.keep() : null;
  });
}

const optimizers = new Map<string, AdamW>();
const optimizerOf = (name: string, model: UNet2DModel) => {
  if (!optimizers.has(name)) optimizers.set(name, new AdamW(engine, model.parameters(), { lr: 1e-4 }));
  return optimizers.get(name)!;
};

const objectives: Objective[] = [
  {
    name: "L_simple (ε)",
    learned: false,
    step: async (model, scheduler, _sampler, step) => {
      recordStep(model, scheduler, optimizerOf("simple", model), step, timestepsAt(step), (_x0, _noisy, output, target) => ({
        loss: ops.mseLoss(output, target),
      }));
    },
  },
  {
    name: "L_vlb (ε, fixed Σ)",
    learned: false,
    step: async (model, scheduler, _sampler, step) => {
      const t = timestepsAt(step);
      recordStep(model, scheduler, optimizerOf("vlb", model), step, t, (x0, noisy, output) => ({
        loss: variationalBoundLoss(scheduler, x0, noisy, output, t),
      }));
    },
  },
  {
    name: "L_hybrid (ε, learned Σ, 2·C outputs)",
    learned: true,
    step: async (model, scheduler, _sampler, step) => {
      const t = timestepsAt(step);
      recordStep(model, scheduler, optimizerOf("hybrid", model), step, t, (x0, noisy, output, target) => ({
        loss: hybridLoss(scheduler, x0, noisy, output, target, t),
      }));
    },
  },
  {
    name: "L_vlb, importance-sampled t (terms read back)",
    learned: false,
    step: async (model, scheduler, sampler, step) => {
      const draws = Array.from({ length: batch }, (_, b) => ((step * 7919 + b * 104729) % 1000) / 1000);
      const { timesteps, weights } = sampler!.draw(draws);
      const terms = recordStep(model, scheduler, optimizerOf("importance", model), step, timesteps, (x0, noisy, output) => {
        const perImage = variationalBoundPerImage(scheduler, x0, noisy, output, timesteps);
        return { loss: ops.mean(ops.mul(perImage, engine.tensor(Float32Array.from(weights), [batch]))), keep: perImage };
      })!;
      sampler!.update(timesteps, await terms.data());
      terms.dispose();
    },
  },
];

const setups = objectives.map((o) => {
  const scheduler = new DDPMScheduler({ ...preset.scheduler, ...(o.learned ? { variance_type: "learned_range" } : {}) });
  const model = new UNet2DModel(engine, { ...preset.model, sample_size: 16, in_channels: 1, out_channels: o.learned ? 2 : 1 });
  return { objective: o, scheduler, model, sampler: new LossSecondMomentSampler(1000), times: [] as number[] };
});
let step = 0;
// Warm-up: compile every pipeline, and time the kernel variants of every shape met.
for (const s of setups) await s.objective.step(s.model, s.scheduler, s.sampler, step++);
await engine.sync();
await engine.autotune();
for (let round = 0; round < rounds; round++) {
  for (const s of setups) {
    await engine.sync();
    const began = performance.now();
    for (let i = 0; i < stepsPerRound; i++) await s.objective.step(s.model, s.scheduler, s.sampler, step++);
    await engine.sync();
    s.times.push((performance.now() - began) / stepsPerRound);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(setups[0].times);
console.log(
  markdownTable(
    ["objective", "ms per step (median)", "× L_simple", "rounds"],
    setups.map((s) => [s.objective.name, median(s.times).toFixed(0), (median(s.times) / base).toFixed(2), s.times.length]),
  ),
);
await engine.destroy();
