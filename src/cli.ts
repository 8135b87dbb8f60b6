/**
 * The `ddpm` command: train, sample, eval. Run `ddpm <command> --help` for each command's options.
 */
import { parseArgs } from "node:util";
import { Engine } from "./engine.js";
import { loadImageFolder } from "./io/images.js";
import { loadMnist } from "./io/mnist.js";
import { evalJob } from "./jobs/eval.js";
import { loadModelForSampling, sampleJob } from "./jobs/sample.js";
import { trainJob } from "./jobs/train.js";
import { PRESETS } from "./presets.js";

type OptionSpec = { type: "string" | "boolean"; help: string; default?: string | boolean };

const COMMANDS: Record<
  string,
  { summary: string; options: Record<string, OptionSpec>; run: (v: Record<string, string | boolean | undefined>) => Promise<void> }
> = {
  train: {
    summary: "train a DDPM U-Net (Algorithm 1), checkpoint it, then write samples.png, trajectory.png, loss.csv and loss.png",
    options: {
      data: { type: "string", default: "mnist", help: "'mnist' (the built-in 10,000 digits) or a folder of PNG images" },
      out: { type: "string", default: "runs/mnist", help: "output folder (checkpoint/ and the images)" },
      preset: {
        type: "string",
        help: `model and training preset: ${Object.keys(PRESETS).join(", ")} (default: mnist-16 on a software adapter, mnist-32 on a GPU)`,
      },
      size: { type: "string", help: "image size (default: the preset's)" },
      channels: { type: "string", default: "3", help: "channels for a PNG folder: 1 or 3" },
      steps: { type: "string", help: "training steps (default 20000: the time budget usually ends training first)" },
      minutes: {
        type: "string",
        default: "14",
        help: "time budget of the whole job in minutes (0 = none): training stops early enough for the sampling that follows",
      },
      batch: { type: "string", help: "batch size" },
      lr: { type: "string", help: "peak learning rate (linear warmup)" },
      "warmup-steps": { type: "string", help: "learning-rate warmup steps" },
      "grad-clip": { type: "string", help: "global-norm gradient clipping (default 1)" },
      "ema-decay": { type: "string", help: "EMA decay of the weights" },
      dropout: { type: "string", help: "U-Net dropout (default 0)" },
      flip: { type: "boolean", default: false, help: "random horizontal flips (not for digits)" },
      unconditional: { type: "boolean", default: false, help: "ignore class labels" },
      "label-dropout": {
        type: "string",
        help: "probability of training on the 'no class' label, for classifier-free guidance (default: the preset's)",
      },
      guidance: {
        type: "string",
        help: "classifier-free guidance scale for the samples (1 = none, plain conditional; default: the preset's)",
      },
      timesteps: { type: "string", help: "T, the number of diffusion steps (default 1000)" },
      schedule: {
        type: "string",
        help: "beta schedule: linear, scaled_linear, squaredcos_cap_v2, sigmoid, exponential (default: the preset's)",
      },
      prediction: { type: "string", help: "prediction type: epsilon, sample, v_prediction (default: the preset's)" },
      "checkpoint-every": { type: "string", default: "500", help: "steps between checkpoints" },
      resume: { type: "boolean", default: false, help: "continue the checkpoint in --out exactly where it stopped" },
      seed: { type: "string", default: "0", help: "seed of data order, timesteps, noise and initial weights" },
      samples: { type: "string", default: "64", help: "samples in samples.png" },
      "sample-steps": { type: "string", default: "25", help: "DDIM steps for the samples (0 = DDPM over all T steps)" },
    },
    run: async (v) => {
      const engine = await Engine.create({ validate: false });
      const preset = (v.preset as string | undefined) ?? (engine.adapter.isSoftware ? "mnist-16" : "mnist-32");
      const number = (key: string) => (v[key] === undefined ? undefined : toNumber(key, v[key] as string));
      const train = Object.fromEntries(
        Object.entries({
          steps: number("steps") ?? 20000,
          batchSize: number("batch"),
          learningRate: number("lr"),
          warmupSteps: number("warmup-steps"),
          gradClip: number("grad-clip"),
          emaDecay: number("ema-decay"),
          randomFlip: v.flip as boolean,
          seed: number("seed"),
          checkpointEvery: number("checkpoint-every"),
          labelDropout: number("label-dropout"),
        }).filter(([, value]) => value !== undefined),
      );
      const tty = process.stderr.isTTY;
      const result = await trainJob({
        engine,
        out: v.out as string,
        data: v.data as string,
        preset,
        size: number("size"),
        channels: toNumber("channels", v.channels as string) as 1 | 3,
        train,
        scheduler: Object.fromEntries(
          Object.entries({ num_train_timesteps: number("timesteps"), beta_schedule: v.schedule, prediction_type: v.prediction }).filter(
            ([, value]) => value !== undefined,
          ),
        ),
        model: v.dropout !== undefined ? { dropout: toNumber("dropout", v.dropout as string) } : {},
        minutes: toNumber("minutes", v.minutes as string) || undefined,
        startedAt: 0, // the budget counts from the process start (performance.now()'s origin)
        resume: v.resume as boolean,
        classConditional: !v.unconditional,
        samples: toNumber("samples", v.samples as string),
        sampleSteps: toNumber("sample-steps", v["sample-steps"] as string),
        guidance: number("guidance"),
        log: (line) => {
          if (tty) process.stderr.write("\r\x1b[K");
          console.log(line);
        },
        progress: tty ? (line) => process.stderr.write(`\r\x1b[K${line}`) : (line) => console.log(line),
      });
      const last = result.history.at(-1);
      console.log(
        `done: ${result.steps} steps` +
          (last
            ? `, final loss ${last.loss.toFixed(4)}, ${(result.history.length > 1 ? last.step / last.seconds : 0).toFixed(2)} steps/s`
            : ""),
      );
      engine.destroy();
    },
  },
  sample: {
    summary: "sample images from a diffusers folder (Algorithm 2, or DDIM) into a PNG grid",
    options: {
      model: { type: "string", help: "a diffusers folder (DIR/unet, DIR/unet_ema, DIR/scheduler) or a training checkpoint" },
      out: { type: "string", default: ".", help: "output folder" },
      name: { type: "string", default: "samples.png", help: "file name of the grid" },
      n: { type: "string", default: "64", help: "number of samples" },
      ddim: { type: "string", default: "50", help: "DDIM steps (0 = DDPM ancestral sampling over all T steps)" },
      eta: { type: "string", default: "0", help: "DDIM's η" },
      seed: { type: "string", default: "0", help: "seed (same seed, same images on the same adapter)" },
      label: { type: "string", help: "class label for every sample (class-conditional models; default: cycle through the classes)" },
      trajectory: { type: "boolean", default: false, help: "also write trajectory.png (x_T … x₀)" },
      guidance: {
        type: "string",
        help: "classifier-free guidance scale (1 = none, plain conditional; 0 = unconditional; default: the checkpoint's)",
      },
      "unconditional-label": {
        type: "string",
        help: "the model's 'no class' label for guidance (default: from the checkpoint's training_state.json)",
      },
    },
    run: async (v) => {
      if (!v.model) throw new Error("sample: --model DIR is required");
      const engine = await Engine.create({ validate: false });
      const { model, scheduler, source, classes } = await loadModelForSampling(engine, v.model as string);
      console.log(`model: ${source} (${model.parameterCount().toLocaleString("en")} parameters)`);
      const unconditionalLabel =
        v["unconditional-label"] !== undefined
          ? toNumber("unconditional-label", v["unconditional-label"] as string)
          : (classes?.unconditionalLabel ?? null);
      await sampleJob({
        engine,
        model,
        scheduler,
        out: v.out as string,
        count: toNumber("n", v.n as string),
        steps: toNumber("ddim", v.ddim as string),
        eta: toNumber("eta", v.eta as string),
        seed: toNumber("seed", v.seed as string),
        numClasses:
          classes?.numClasses ?? (unconditionalLabel !== null ? model.config.num_class_embeds! - 1 : model.config.num_class_embeds),
        label: v.label === undefined ? undefined : toNumber("label", v.label as string),
        guidance: v.guidance !== undefined ? toNumber("guidance", v.guidance as string) : (classes?.guidance ?? 1),
        unconditionalLabel,
        samplesName: v.name as string,
        trajectoryName: v.trajectory ? "trajectory.png" : null,
      });
      engine.destroy();
    },
  },
  eval: {
    summary: "the variational bound in bits/dim on held-out images (Ho et al. Table 2)",
    options: {
      model: { type: "string", help: "a diffusers folder or training checkpoint" },
      data: { type: "string", default: "mnist", help: "'mnist' (its held-out split) or a folder of PNG images" },
      images: { type: "string", default: "64", help: "number of held-out images" },
      batch: { type: "string", default: "16", help: "images per batch" },
      exact: { type: "boolean", default: false, help: "loop over all T timesteps (default: an unbiased estimate from sampled timesteps)" },
      samples: { type: "string", default: "50", help: "timesteps sampled per image for the estimate" },
      seed: { type: "string", default: "0", help: "seed of the noise" },
    },
    run: async (v) => {
      if (!v.model) throw new Error("eval: --model DIR is required");
      const engine = await Engine.create({ validate: false });
      const { model, scheduler, source } = await loadModelForSampling(engine, v.model as string);
      const size = model.config.sample_size ?? 32;
      const data =
        v.data === "mnist"
          ? await loadMnist({ size: size as 16 | 28 | 32, split: "test" })
          : await loadImageFolder(v.data as string, { size, channels: model.config.in_channels as 1 | 3 });
      const mode = v.exact ? "exact" : "estimate";
      console.log(
        `model: ${source}; data: ${data.name}; ` +
          (mode === "exact" ? `exact, all ${scheduler.T} timesteps` : `estimate, ${v.samples} sampled timesteps per image`),
      );
      const result = await evalJob({
        engine,
        model,
        scheduler,
        data,
        images: toNumber("images", v.images as string),
        batch: toNumber("batch", v.batch as string),
        mode,
        samples: toNumber("samples", v.samples as string),
        seed: toNumber("seed", v.seed as string),
        progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
      console.log(
        `bits/dim: ${result.bitsPerDim.toFixed(3)} over ${result.images} images (${result.mode}; prior ${result.prior.toFixed(4)}, ` +
          `L_0 decoder ${result.decoder.toFixed(3)}, KL terms ${result.kl.toFixed(3)})`,
      );
      engine.destroy();
    },
  },
};

function toNumber(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new Error(`--${name} must be a number, got '${text}'`);
  return value;
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
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(command.options).map(([key, o]) => [
        key,
        o.default === undefined ? { type: o.type } : { type: o.type, default: o.default },
      ]),
    );
    values = parseArgs({ args: rest, options: options as never, strict: true, allowPositionals: false }).values as never;
  } catch (error) {
    console.error(`ddpm ${name}: ${(error as Error).message}\n\n${commandHelp(name)}`);
    return 2;
  }
  try {
    await command.run(values);
    return 0;
  } catch (error) {
    console.error(`\nddpm ${name}: ${(error as Error).message}`);
    if (process.env.DDPM_DEBUG) console.error(error);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
