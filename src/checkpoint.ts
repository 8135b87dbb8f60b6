/**
 * Training checkpoints (Node): a diffusers folder whose `unet/` holds the EMA weights (what pipelines load, as
 * google/ddpm-* ship theirs), plus what only `--resume` reads.
 *
 * ```
 * DIR/model_index.json                      DDPMPipeline.from_pretrained(DIR) loads unet + scheduler
 * DIR/unet/                                 the EMA weights (config.json + diffusion_pytorch_model.safetensors)
 * DIR/scheduler/scheduler_config.json
 * DIR/training_state.json                   step, AdamW step count, the training config, the data, the loss history
 * DIR/training/unet/                        the raw weights the optimiser updates
 * DIR/training/optimizer.safetensors        AdamW moments: "m.<param>" and "v.<param>"
 * DIR/training/timestep_sampler.safetensors the loss history of importance-sampled t ("loss_history", "loss_counts"),
 *                                           only for a run with timestepSampling "importance"
 * ```
 *
 * Folders written before this layout (`unet/` raw, `unet_ema/` EMA, `training_state.safetensors`) are read too.
 *
 * Writing never leaves a half-written checkpoint: everything goes into DIR.tmp-<pid>, is flushed, and only then
 * replaces DIR (DIR → DIR.old, DIR.tmp → DIR, DIR.old removed). If the process dies between the two renames, only
 * DIR.old is left: every reader falls back to it, and `recoverCheckpoint` (run under the run folder's lock)
 * renames it back.
 */

import type { DDPMScheduler } from "./diffusion/schedulers.js";
import { readDiffusersUNet, writeDiffusersUNet, writeModelIndex, writeSchedulerConfig } from "./io/diffusers.js";
import { nodeModules, pathExists, readBytes, readJson, writeFilesAtomic } from "./io/fs.js";
import { deadProcess, pidOf } from "./io/lock.js";
import { checkFinite, parseSafetensors, serializeSafetensors, type TensorData } from "./io/safetensors.js";
import type { UNet2DModel } from "./nn/unet.js";
import type { TrainConfig, TrainState } from "./train.js";

/** What training_state.json holds. */
export interface TrainingStateFile {
  step: number;
  optimizerSteps: number;
  train: TrainConfig;
  data: Record<string, unknown>;
  history: { step: number; loss: number; seconds: number }[];
  /** The preset the run started from, when it started from one. */
  preset?: string;
}

const STATE_FILE = "training_state.json";
const RAW_WEIGHTS = "training/unet";
const MOMENTS_FILE = "training/optimizer.safetensors";
const SAMPLER_FILE = "training/timestep_sampler.safetensors";
/** The layout before `unet/` held the EMA weights. */
const LEGACY = { ema: "unet_ema", raw: "unet", moments: "training_state.safetensors" };

/**
 * The folder to read a checkpoint from: DIR when it holds anything, else DIR.old when a save was interrupted
 * between its renames; null if neither exists.
 */
export async function resolveCheckpointDir(dir: string): Promise<string | null> {
  if (await nonEmptyFolder(dir)) return dir;
  if (await nonEmptyFolder(`${dir}.old`)) return `${dir}.old`;
  return null;
}

async function nonEmptyFolder(dir: string): Promise<boolean> {
  const { fs } = await nodeModules();
  try {
    return (await fs.readdir(dir)).length > 0;
  } catch {
    return false;
  }
}

/** What a checkpoint folder holds: a training checkpoint, a diffusers model alone, something else, or nothing. */
export async function checkpointKind(dir: string): Promise<"training" | "diffusers" | "other" | "none"> {
  if (!(await nonEmptyFolder(dir))) return "none";
  if (await pathExists(`${dir}/${STATE_FILE}`)) return "training";
  if ((await pathExists(`${dir}/unet/config.json`)) || (await pathExists(`${dir}/config.json`))) return "diffusers";
  return "other";
}

/**
 * Before a run writes into `out` (under its lock): a checkpoint left only as checkpoint.old by a save interrupted
 * between its renames is renamed back, and temporary folders and files of dead processes are removed. Each action
 * is reported through `log`.
 */
export async function recoverCheckpoint(dir: string, log: (line: string) => void): Promise<void> {
  const { fs, path } = await nodeModules();
  const old = `${dir}.old`;
  if (!(await nonEmptyFolder(dir)) && (await nonEmptyFolder(old))) {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(old, dir);
    log(`checkpoint: recovered ${dir} from ${old} (a save was interrupted between its renames)`);
  }
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
    const pid = pidOf(name);
    const ours = name.startsWith(`${base}.tmp-`) || (name.startsWith(".") && name.endsWith(".tmp"));
    if (ours && pid !== null && deadProcess(pid)) {
      await fs.rm(path.join(parent, name), { recursive: true, force: true });
      log(`checkpoint: removed ${path.join(parent, name)}, left by a process that is gone (PID ${pid})`);
    }
  }
}

export async function saveCheckpoint(
  dir: string,
  parts: {
    model: UNet2DModel;
    emaModel: UNet2DModel;
    scheduler: DDPMScheduler;
    state: TrainState;
    meta: Omit<TrainingStateFile, "step" | "optimizerSteps">;
  },
): Promise<void> {
  const { fs } = await nodeModules();
  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  try {
    await fs.mkdir(tmp, { recursive: true });
    const { model, emaModel, scheduler, state, meta } = parts;
    parts.state.ema.copyTo(emaModel.parameters());
    await writeDiffusersUNet(tmp, emaModel.configJSON(), await emaModel.stateDict(), "unet");
    await writeDiffusersUNet(tmp, model.configJSON(), await model.stateDict(), RAW_WEIGHTS);
    await writeSchedulerConfig(tmp, scheduler.toJSON());
    await writeModelIndex(tmp);
    const moments = new Map<string, { shape: number[]; data: Float32Array }>();
    const names = new Map(model.namedParameters().map(([name, t]) => [t, name]));
    for (const [param, { m, v }] of state.optimizer.moments()) {
      const name = names.get(param);
      if (!name) throw new Error("saveCheckpoint: the optimiser holds a tensor that is not a model parameter");
      moments.set(`m.${name}`, { shape: [...m.shape], data: await m.data() });
      moments.set(`v.${name}`, { shape: [...v.shape], data: await v.data() });
    }
    const stateFile: TrainingStateFile = { step: state.step, optimizerSteps: state.optimizer.stepCount, ...meta };
    await writeFilesAtomic([
      { path: `${tmp}/${MOMENTS_FILE}`, data: serializeSafetensors(moments) },
      ...(state.timestepSampler ? [{ path: `${tmp}/${SAMPLER_FILE}`, data: serializeSafetensors(state.timestepSampler.toTensors()) }] : []),
      { path: `${tmp}/${STATE_FILE}`, data: `${JSON.stringify(stateFile, null, 2)}\n` },
    ]);
  } catch (error) {
    // A failed save (a full disk, say) leaves nothing behind: the previous checkpoint is untouched.
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  // Swap the whole folder in. DIR.old at this point is a superseded copy of DIR (left by a cleanup that did not
  // finish): DIR itself is complete, since it only ever appears by the rename of a finished temporary folder.
  const old = `${dir}.old`;
  if (await pathExists(dir)) {
    await fs.rm(old, { recursive: true, force: true });
    await fs.rename(dir, old);
  }
  await fs.rename(tmp, dir);
  await fs.rm(old, { recursive: true, force: true });
}

/** Parse a safetensors file, naming it in any error; every tensor must be finite. */
async function readTensors(file: string): Promise<Map<string, TensorData>> {
  let tensors: Map<string, TensorData>;
  try {
    tensors = parseSafetensors(await readBytes(file)).tensors;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  checkFinite(tensors, file);
  return tensors;
}

/** Read a checkpoint's training state and weights (the caller builds the models and optimiser from them). */
export async function readCheckpoint(dir: string) {
  const resolved = await resolveCheckpointDir(dir);
  if (!resolved || !(await pathExists(`${resolved}/${STATE_FILE}`))) {
    throw new Error(`no checkpoint to resume in ${dir} (no ${STATE_FILE})`);
  }
  const stateFile = (await readJson(`${resolved}/${STATE_FILE}`)) as unknown as TrainingStateFile;
  if (!Number.isInteger(stateFile.step) || !stateFile.train) throw new Error(`${resolved}/${STATE_FILE} is incomplete`);
  const legacy = !(await pathExists(`${resolved}/training`));
  const unet = await readDiffusersUNet(`${resolved}/${legacy ? LEGACY.raw : RAW_WEIGHTS}`);
  const ema = await readDiffusersUNet(`${resolved}/${legacy ? LEGACY.ema : "unet"}`);
  checkFinite(ema.tensors, ema.source); // the raw weights are checked as they are loaded (unetFromCheckpoint)
  const moments = await readTensors(`${resolved}/${legacy ? LEGACY.moments : MOMENTS_FILE}`);
  // A checkpoint written without importance sampling's history has none: the run starts a fresh sampler.
  const samplerFile = `${resolved}/${SAMPLER_FILE}`;
  const timestepSampler = (await pathExists(samplerFile)) ? { source: samplerFile, tensors: await readTensors(samplerFile) } : null;
  return { dir: resolved, state: stateFile, unet, ema, moments, timestepSampler };
}

/**
 * The weights a sampler should use in a model folder, and what they are: a training checkpoint's EMA weights
 * (`unet/` today, `unet_ema/` in the older layout), or a diffusers folder's `unet/` (or the folder itself).
 * A `unet_ema/` without its config.json is refused rather than passed over.
 */
export async function samplingWeights(dir: string): Promise<{ folder: string; description: string }> {
  const training = await pathExists(`${dir}/${STATE_FILE}`);
  const emaDir = `${dir}/${LEGACY.ema}`;
  if (await pathExists(emaDir)) {
    if (!(await pathExists(`${emaDir}/config.json`))) {
      throw new Error(`${emaDir} has no config.json: the EMA weights are incomplete (restore the folder, or remove it to use ${dir}/unet)`);
    }
    return { folder: emaDir, description: "the EMA weights" };
  }
  if (training && (await pathExists(`${dir}/${RAW_WEIGHTS}`))) return { folder: dir, description: "the EMA weights" };
  // Only the older layout kept the raw weights in unet/ (beside its optimiser state at the top level).
  const legacyRaw = training && (await pathExists(`${dir}/${LEGACY.moments}`));
  return { folder: dir, description: legacyRaw ? "the raw weights (this checkpoint has no EMA copy)" : "the folder's weights" };
}
