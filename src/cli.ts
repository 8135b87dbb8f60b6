/**
 * The `ddpm` command: train, sample, eval, judge, export. Run `ddpm <command> --help` for each command's options.
 */
import { parseArgs } from "node:util";
import type { DDPMSchedulerConfig } from "./diffusion/config.js";
import { Engine } from "./engine.js";
import { loadImageFolder } from "./io/images.js";
import { loadMnist } from "./io/mnist.js";
import { evalJob } from "./jobs/eval.js";
import { evaluateSamplesJob } from "./jobs/evaluate-samples.js";
import { checkExportTarget, exportOnnxJob } from "./jobs/export.js";
import { loadModelForSampling, sampleJob } from "./jobs/sample.js";
import { trainJob } from "./jobs/train.js";
import { PRESETS } from "./presets.js";
import type { LearningRateSchedule, TimestepSampling, TrainConfig, TrainLoss } from "./train.js";

/** What a numeric option must be; every given or default value is checked before any work starts. */
const CHECKS = {
  count: { ok: (v: number) => Number.isInteger(v) && v >= 1, what: "a whole number ≥ 1" },
  countOrZero: { ok: (v: number) => Number.isInteger(v) && v >= 0, what: "a whole number ≥ 0" },
  positive: { ok: (v: number) => v > 0, what: "a positive number" },
  nonNegative: { ok: (v: number) => v >= 0, what: "a number ≥ 0" },
  probability: { ok: (v: number) => v >= 0 && v < 1, what: "a number in [0, 1)" },
  guidance: { ok: (v: number) => Math.abs(v) <= 1000, what: "a number in [−1000, 1000]" },
  seed: { ok: (v: number) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, what: "a whole number in [0, 4294967295]" },
  channels: { ok: (v: number) => v === 1 || v === 3, what: "1 or 3" },
  size: { ok: (v: number) => Number.isInteger(v) && v >= 4 && v <= 4096, what: "a whole number in [4, 4096]" },
  label: { ok: (v: number) => Number.isInteger(v) && v >= 0, what: "a class index (a whole number ≥ 0)" },
} as const;

type OptionSpec = { type: "string" | "boolean"; help: string; default?: string | boolean; check?: keyof typeof CHECKS };

/** A command's parsed options: the values given, the defaults, and which were given on the command line. */
class Options {
  constructor(
    private readonly values: Record<string, string | boolean | undefined>,
    private readonly specs: Record<string, OptionSpec>,
  ) {}

  /** True when the option was on the command line. */
  given(key: string): boolean {
    return this.values[key] !== undefined;
  }

  string(key: string): string | undefined {
    return (this.values[key] ?? this.specs[key].default) as string | undefined;
  }

  flag(key: string): boolean {
    return Boolean(this.values[key] ?? this.specs[key].default);
  }

  /** The option as a number (already checked), or undefined when neither given nor defaulted. */
  number(key: string): number | undefined {
    const text = this.string(key);
    return text === undefined ? undefined : Number(text);
  }

  /** Only when given on the command line. */
  givenNumber(key: string): number | undefined {
    return this.given(key) ? this.number(key) : undefined;
  }

  /** Every problem with a numeric option's value (given or default), as one line each. */
  problems(): string[] {
    const out: string[] = [];
    for (const [key, spec] of Object.entries(this.specs)) {
      const text = this.string(key);
      if (spec.type !== "string" || !spec.check || text === undefined) continue;
      const value = Number(text);
      const check = CHECKS[spec.check];
      if (text.trim() === "" || !Number.isFinite(value) || !check.ok(value)) out.push(`--${key} must be ${check.what}, got '${text}'`);
    }
    return out;
  }
}

const COMMANDS: Record<string, { summary: string; options: Record<string, OptionSpec>; run: (o: Options) => Promise<void> }> = {
  train: {
    summary: "train a DDPM U-Net (Algorithm 1), checkpoint it, then write samples.png, trajectory.png, loss.csv and loss.png",
    options: {
      data: { type: "string", help: "'mnist' (the built-in 10,000 digits; the default) or a folder of PNG images" },
      out: { type: "string", default: "runs/mnist", help: "output folder (checkpoint/ and the images); one run writes it at a time" },
      preset: {
        type: "string",
        help: `model and training preset: ${Object.keys(PRESETS).join(", ")} (default: mnist-16 on a software adapter, mnist-32 on a GPU)`,
      },
      "init-from": {
        type: "string",
        help: "fine-tune the U-Net of this diffusers folder (its EMA weights if present) with its scheduler config",
      },
      size: { type: "string", check: "size", help: "image size (default: the preset's)" },
      channels: { type: "string", check: "channels", help: "channels for a PNG folder: 1 or 3 (default 3)" },
      steps: { type: "string", check: "countOrZero", help: "training steps (default 20000: the time budget usually ends training first)" },
      minutes: {
        type: "string",
        default: "14",
        check: "nonNegative",
        help: "time budget of the whole job in minutes (0 = none): training stops early enough for the sampling that follows",
      },
      batch: { type: "string", check: "count", help: "batch size" },
      lr: { type: "string", check: "positive", help: "peak learning rate (linear warmup)" },
      "warmup-steps": { type: "string", check: "countOrZero", help: "learning-rate warmup steps" },
      "lr-schedule": {
        type: "string",
        help: "learning rate after the warmup: constant, or cosine (down to 0 at --steps, which a resume then keeps) (default constant)",
      },
      "grad-clip": { type: "string", check: "nonNegative", help: "global-norm gradient clipping (default 1; 0 = none)" },
      "ema-decay": { type: "string", check: "probability", help: "EMA decay of the weights" },
      dropout: { type: "string", check: "probability", help: "U-Net dropout (default 0)" },
      flip: { type: "boolean", help: "random horizontal flips (not for digits)" },
      unconditional: { type: "boolean", help: "ignore class labels" },
      "label-dropout": {
        type: "string",
        check: "probability",
        help: "probability of training on the 'no class' label, for classifier-free guidance (default: the preset's)",
      },
      guidance: {
        type: "string",
        check: "guidance",
        help: "classifier-free guidance scale for the samples (1 = none, plain conditional; default: the preset's)",
      },
      timesteps: { type: "string", check: "count", help: "T, the number of diffusion steps (default 1000)" },
      schedule: {
        type: "string",
        help: "beta schedule: linear, scaled_linear, squaredcos_cap_v2, sigmoid, exponential (default: the preset's)",
      },
      prediction: {
        type: "string",
        help: "prediction type: epsilon, sample, v_prediction, posterior_mean (default: the preset's)",
      },
      loss: {
        type: "string",
        help:
          "training objective: simple (L_simple), vlb (the variational bound) or hybrid (L_simple + 0.001·L_vlb with " +
          "learned variances: out_channels 2·C, variance_type learned_range) (default simple)",
      },
      "timestep-sampling": {
        type: "string",
        help:
          "how t is drawn: uniform, or importance (p_t ∝ √E[L_t²] over the last 10 losses at each t, terms weighted by " +
          "1/(T·p_t); Nichol & Dhariwal 2021; not with --loss simple) (default uniform)",
      },
      "checkpoint-every": { type: "string", check: "countOrZero", help: "steps between checkpoints (default 500; 0 = only at the end)" },
      resume: {
        type: "boolean",
        help:
          "continue the checkpoint in --out exactly where it stopped, with its settings " +
          "(only --steps, --minutes, --checkpoint-every and the samples' options can change)",
      },
      seed: { type: "string", check: "seed", help: "seed of data order, timesteps, noise and initial weights (default 0)" },
      samples: { type: "string", default: "64", check: "countOrZero", help: "samples in samples.png" },
      "sample-steps": {
        type: "string",
        check: "countOrZero",
        help: "DDIM steps for the samples (default 25, at most T; 0 = DDPM over all T steps)",
      },
    },
    run: async (o) => {
      const out = o.string("out")!;
      await refuseFile(out, "--out");
      if (o.given("timesteps") && o.given("sample-steps") && o.number("sample-steps")! > o.number("timesteps")!) {
        throw new Error(`--sample-steps ${o.number("sample-steps")} exceeds --timesteps ${o.number("timesteps")} (0 samples with DDPM)`);
      }
      const train: Partial<TrainConfig> = {
        steps: o.givenNumber("steps"),
        batchSize: o.givenNumber("batch"),
        learningRate: o.givenNumber("lr"),
        warmupSteps: o.givenNumber("warmup-steps"),
        learningRateSchedule: o.string("lr-schedule") as LearningRateSchedule | undefined,
        gradClip: o.givenNumber("grad-clip"),
        emaDecay: o.givenNumber("ema-decay"),
        randomFlip: o.given("flip") ? true : undefined,
        seed: o.givenNumber("seed"),
        checkpointEvery: o.givenNumber("checkpoint-every"),
        labelDropout: o.givenNumber("label-dropout"),
        loss: o.string("loss") as TrainLoss | undefined,
        timestepSampling: o.string("timestep-sampling") as TimestepSampling | undefined,
      };
      const engine = await createEngine();
      const tty = process.stderr.isTTY;
      const result = await trainJob({
        engine,
        out,
        data: o.string("data"),
        preset: o.string("preset"),
        initFrom: o.string("init-from"),
        size: o.givenNumber("size"),
        channels: o.givenNumber("channels") as 1 | 3 | undefined,
        train: defined(train),
        trainDefaults: { steps: 20000, checkpointEvery: 500 },
        scheduler: defined({
          num_train_timesteps: o.givenNumber("timesteps"),
          beta_schedule: o.string("schedule"),
          prediction_type: o.string("prediction"),
        }) as Partial<DDPMSchedulerConfig>,
        model: defined({ dropout: o.givenNumber("dropout") }),
        minutes: o.number("minutes") || undefined,
        startedAt: 0, // the budget counts from the process start (performance.now()'s origin)
        resume: o.flag("resume"),
        classConditional: o.given("unconditional") ? false : undefined,
        samples: o.number("samples"),
        sampleSteps: o.givenNumber("sample-steps"),
        guidance: o.givenNumber("guidance"),
        log: (line) => {
          if (tty) process.stderr.write("\r\x1b[K");
          console.log(line);
        },
        progress: tty ? (line) => process.stderr.write(`\r\x1b[K${line}`) : (line) => console.log(line),
      });
      const last = result.history.at(-1);
      console.log(
        `done: ${result.steps} steps` +
          (last ? `, final loss ${last.loss.toFixed(4)}, ${(last.seconds > 0 ? last.step / last.seconds : 0).toFixed(2)} steps/s` : ""),
      );
      engine.destroy();
    },
  },
  sample: {
    summary: "sample images from a diffusers folder (Algorithm 2, or DDIM) into a PNG grid",
    options: {
      model: { type: "string", help: "a diffusers folder (DIR/unet, DIR/scheduler) or a training checkpoint" },
      out: { type: "string", default: ".", help: "output folder" },
      name: { type: "string", default: "samples.png", help: "file name of the grid" },
      n: { type: "string", default: "64", check: "count", help: "number of samples" },
      ddim: { type: "string", default: "50", check: "countOrZero", help: "DDIM steps (0 = DDPM ancestral sampling over all T steps)" },
      eta: { type: "string", default: "0", check: "nonNegative", help: "DDIM's η" },
      seed: { type: "string", default: "0", check: "seed", help: "seed (same seed, same images on the same adapter)" },
      label: {
        type: "string",
        check: "label",
        help: "class label for every sample (class-conditional models; default: cycle through the classes)",
      },
      trajectory: { type: "boolean", help: "also write trajectory.png (x_T … x₀)" },
      guidance: {
        type: "string",
        check: "guidance",
        help: "classifier-free guidance scale (1 = none, plain conditional; 0 = unconditional; default: the checkpoint's)",
      },
      "unconditional-label": {
        type: "string",
        check: "label",
        help: "the model's 'no class' label for guidance (default: from the checkpoint's training_state.json)",
      },
      "default-scheduler": {
        type: "boolean",
        help: "sample a folder without a scheduler config with diffusers' defaults (linear β, ε-prediction, T = 1000)",
      },
    },
    run: async (o) => {
      const dir = o.string("model");
      if (!dir) throw new Error("sample: --model DIR is required");
      const out = o.string("out")!;
      await refuseFile(out, "--out");
      const engine = await createEngine();
      const { model, scheduler, source, classes } = await loadModelForSampling(engine, dir, {
        defaultScheduler: o.flag("default-scheduler"),
      });
      console.log(`model: ${source}, ${model.parameterCount().toLocaleString("en")} parameters`);
      const steps = o.number("ddim")!;
      if (steps > scheduler.T) throw new Error(`--ddim ${steps} exceeds the model's T = ${scheduler.T} training timesteps`);
      const unconditionalLabel = o.givenNumber("unconditional-label") ?? classes?.unconditionalLabel ?? null;
      await sampleJob({
        engine,
        model,
        scheduler,
        out,
        count: o.number("n")!,
        steps,
        eta: o.number("eta"),
        seed: o.number("seed")!,
        numClasses:
          classes?.numClasses ?? (unconditionalLabel !== null ? model.config.num_class_embeds! - 1 : model.config.num_class_embeds),
        label: o.givenNumber("label"),
        guidance: o.givenNumber("guidance") ?? classes?.guidance ?? 1,
        unconditionalLabel,
        samplesName: o.string("name"),
        trajectoryName: o.flag("trajectory") ? "trajectory.png" : null,
      });
      engine.destroy();
    },
  },
  eval: {
    summary: "the variational bound in bits/dim on held-out images (Ho et al. Table 2), with its standard error",
    options: {
      model: { type: "string", help: "a diffusers folder or training checkpoint" },
      data: { type: "string", default: "mnist", help: "'mnist' (its held-out split) or a folder of PNG images" },
      images: { type: "string", default: "64", check: "count", help: "number of held-out images" },
      batch: { type: "string", default: "16", check: "count", help: "images per batch" },
      exact: { type: "boolean", help: "loop over all T timesteps (default: an unbiased estimate from sampled timesteps)" },
      samples: { type: "string", default: "100", check: "count", help: "timesteps sampled per image for the estimate" },
      seed: { type: "string", default: "0", check: "seed", help: "seed of the noise" },
      "default-scheduler": {
        type: "boolean",
        help: "evaluate a folder without a scheduler config with diffusers' defaults (linear β, ε-prediction, T = 1000)",
      },
    },
    run: async (o) => {
      const dir = o.string("model");
      if (!dir) throw new Error("eval: --model DIR is required");
      const engine = await createEngine();
      const { model, scheduler, source } = await loadModelForSampling(engine, dir, { defaultScheduler: o.flag("default-scheduler") });
      const size = model.config.sample_size ?? 32;
      const data =
        o.string("data") === "mnist"
          ? await loadMnist({ size: size as 16 | 28 | 32, split: "test" })
          : await loadImageFolder(o.string("data")!, { size, channels: model.config.in_channels as 1 | 3 });
      const mode = o.flag("exact") ? "exact" : "estimate";
      console.log(
        `model: ${source}; data: ${data.name}; ` +
          (mode === "exact" ? `exact, all ${scheduler.T} timesteps` : `estimate, ${o.number("samples")} sampled timesteps per image`),
      );
      const result = await evalJob({
        engine,
        model,
        scheduler,
        data,
        images: o.number("images")!,
        batch: o.number("batch")!,
        mode,
        samples: o.number("samples"),
        seed: o.number("seed"),
        progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
      console.log(
        `bits/dim: ${result.bitsPerDim.toFixed(3)} ± ${(1.96 * result.standardError).toFixed(3)} (95% interval; standard error ` +
          `${result.standardError.toFixed(4)} over ${result.images} images` +
          (result.mode === "estimate"
            ? ` and ${result.timestepsEvaluated - 1} stratified timesteps each, L₀ exact); `
            : ", exact in t); ") +
          `prior ${result.prior.toFixed(4)}, L_0 decoder ${result.decoder.toFixed(3)}, KL terms ${result.kl.toFixed(3)}`,
      );
      engine.destroy();
    },
  },
  judge: {
    summary: "read generated digits (a PNG grid such as samples.png, or a folder of PNGs) with the digit evaluator, beside real digits",
    options: {
      images: { type: "string", help: "a PNG file (one digit or a grid of them) or a folder of PNG files" },
      labels: {
        type: "string",
        default: "cycle",
        help: "intended labels: 'cycle' (image i is digit i mod 10, as train and sample draw them) or 'none'",
      },
      size: { type: "string", check: "size", help: "the digits' side, 16 or 32 (default: from the PNG's layout)" },
    },
    run: async (o) => {
      const images = o.string("images");
      if (!images) throw new Error("judge: --images DIR_OR_PNG is required");
      const labels = o.string("labels");
      if (labels !== "cycle" && labels !== "none") throw new Error(`--labels must be 'cycle' or 'none', got '${labels}'`);
      const size = o.number("size");
      if (size !== undefined && size !== 16 && size !== 32) throw new Error(`--size must be 16 or 32, got ${size}`);
      const engine = await createEngine();
      await evaluateSamplesJob({ engine, samples: images, labels: labels === "cycle" ? "cycle" : null, size });
      engine.destroy();
    },
  },
  export: {
    summary: "write a model's U-Net as an ONNX file (opset 17), to run it in any ONNX runtime",
    options: {
      model: { type: "string", help: "a diffusers folder, a training checkpoint (its EMA weights) or a run folder" },
      onnx: { type: "string", help: "the ONNX file to write (an existing file is refused)" },
      "default-scheduler": {
        type: "boolean",
        help: "export a folder without a scheduler config, recording diffusers' defaults in the file's metadata",
      },
    },
    run: async (o) => {
      const dir = o.string("model");
      if (!dir) throw new Error("export: --model DIR is required");
      const out = o.string("onnx");
      if (!out) throw new Error("export: --onnx FILE is required");
      await checkExportTarget(out);
      const engine = await createEngine();
      const { bytes, source } = await exportOnnxJob({ engine, dir, out, defaultScheduler: o.flag("default-scheduler") });
      console.log(
        `wrote ${out} (${(bytes / 2 ** 20).toFixed(1)} MiB) from ${source}: inputs sample [batch, C, H, W] float32, timestep [batch] ` +
          "float32 (and class_labels [batch] int64 for a class-conditional model), output out_sample; the scheduler config " +
          "is in the file's metadata (scheduler_config)",
      );
      engine.destroy();
    },
  },
};

/** The engine every command uses; DDPM_AUTOTUNE=off keeps the heuristic kernel choices (no timing at start). */
function createEngine(): Promise<Engine> {
  return Engine.create({ validate: false, autotune: process.env.DDPM_AUTOTUNE === "off" ? "off" : "auto" });
}

/** Drop the undefined entries (options not given). */
function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An output folder that exists as a file is refused before any work. */
async function refuseFile(path: string, flag: string): Promise<void> {
  const { stat } = await import("node:fs/promises");
  const info = await stat(path).catch(() => null);
  if (info && !info.isDirectory()) throw new Error(`${flag} ${path} is a file; it must be a folder (it is created if missing)`);
}

function usage(): string {
  return [
    "usage: ddpm <command> [options]",
    "",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`),
    "",
    "Run `ddpm <command> --help` for the options of a command.",
  ].join("\n");
}

function commandHelp(name: string): string {
  const c = COMMANDS[name];
  const lines = Object.entries(c.options).map(([key, o]) => {
    const flag = o.type === "boolean" ? `--${key}` : `--${key} <value>`;
    const fallback = o.default !== undefined && o.type !== "boolean" ? ` (default: ${o.default})` : "";
    return `  ${flag.padEnd(28)} ${o.help}${fallback}`;
  });
  return [`usage: ddpm ${name} [options]`, "", c.summary, "", ...lines, `  ${"--help".padEnd(28)} this text`].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`ddpm: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(commandHelp(name));
    return 0;
  }
  let options: Options;
  try {
    const specs = Object.fromEntries(Object.entries(command.options).map(([key, o]) => [key, { type: o.type }]));
    // A negative number after an option is its value ("--batch -1"), not another option: pass it as "--batch=-1"
    // so the check below names the problem.
    const args: string[] = [];
    for (const arg of rest) {
      const previous = args.at(-1);
      if (/^-[\d.]/.test(arg) && previous !== undefined && /^--[^=]+$/.test(previous)) args[args.length - 1] = `${previous}=${arg}`;
      else args.push(arg);
    }
    const values = parseArgs({ args, options: specs as never, strict: true, allowPositionals: false }).values as never;
    options = new Options(values, command.options);
  } catch (error) {
    console.error(`ddpm ${name}: ${(error as Error).message}\n\n${commandHelp(name)}`);
    return 2;
  }
  const problems = options.problems();
  if (problems.length) {
    console.error(`ddpm ${name}: ${problems.join("; ")}`);
    return 2;
  }
  try {
    await command.run(options);
    return 0;
  } catch (error) {
    console.error(`\nddpm ${name}: ${(error as Error).message}`);
    if (process.env.DDPM_DEBUG) console.error(error);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
