/**
 * Training checkpoints (Node): a diffusers folder plus the optimiser state, replaced as a whole.
 *
 * ```
 * DIR/model_index.json                      DDPMPipeline.from_pretrained(DIR) loads unet + scheduler
 * DIR/unet/                                 the trained weights (config.json + diffusion_pytorch_model.safetensors)
 * DIR/unet_ema/                             their exponential moving average (what sampling uses by default)
 * DIR/scheduler/scheduler_config.json
 * DIR/training_state.safetensors            AdamW moments: "m.<param>" and "v.<param>"
 * DIR/training_state.json                   step, AdamW step count, the training config, the data, the loss history
 * ```
 *
 * Writing never leaves a half-written checkpoint: everything goes into DIR.tmp-<pid>, is flushed, and only then
 * replaces DIR (DIR → DIR.old, DIR.tmp → DIR, DIR.old removed). If the process dies between the two renames,
 * `resolveCheckpointDir` finds DIR.old.
 */

import type { DDPMScheduler } from "./diffusion/schedulers.js";
import { readDiffusersUNet, writeDiffusersUNet, writeModelIndex, writeSchedulerConfig } from "./io/diffusers.js";
import { nodeModules, pathExists, readBytes, readJson, writeFilesAtomic } from "./io/fs.js";
import { parseSafetensors, serializeSafetensors } from "./io/safetensors.js";
import type { UNet2DModel } from "./nn/unet.js";
import type { TrainConfig, TrainState } from "./train.js";

/** What training_state.json holds. */
export interface TrainingStateFile {
  step: number;
  optimizerSteps: number;
  train: TrainConfig;
  data: Record<string, unknown>;
  history: { step: number; loss: number; seconds: number }[];
}

/** The folder to resume from: DIR, or DIR.old left by a save interrupted between its renames; null if neither. */
export async function resolveCheckpointDir(dir: string): Promise<string | null> {
  if (await pathExists(`${dir}/training_state.json`)) return dir;
  if (await pathExists(`${dir}.old/training_state.json`)) return `${dir}.old`;
  return null;
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
  await fs.mkdir(tmp, { recursive: true });
  const { model, emaModel, scheduler, state, meta } = parts;
  parts.state.ema.copyTo(emaModel.parameters());
  await writeDiffusersUNet(tmp, model.configJSON(), await model.stateDict(), "unet");
  await writeDiffusersUNet(tmp, emaModel.configJSON(), await emaModel.stateDict(), "unet_ema");
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
    { path: `${tmp}/training_state.safetensors`, data: serializeSafetensors(moments) },
    { path: `${tmp}/training_state.json`, data: `${JSON.stringify(stateFile, null, 2)}\n` },
  ]);
  // Swap the whole folder in.
  const old = `${dir}.old`;
  await fs.rm(old, { recursive: true, force: true });
  if (await pathExists(dir)) await fs.rename(dir, old);
  await fs.rename(tmp, dir);
  await fs.rm(old, { recursive: true, force: true });
}

/** Read a checkpoint's training state and weights (the caller builds the models and optimiser from them). */
export async function readCheckpoint(dir: string) {
  const resolved = await resolveCheckpointDir(dir);
  if (!resolved) throw new Error(`no checkpoint to resume in ${dir} (no training_state.json)`);
  const stateFile = (await readJson(`${resolved}/training_state.json`)) as unknown as TrainingStateFile;
  if (!Number.isInteger(stateFile.step) || !stateFile.train) throw new Error(`${resolved}/training_state.json is incomplete`);
  const unet = await readDiffusersUNet(`${resolved}/unet`);
  const ema = await readDiffusersUNet(`${resolved}/unet_ema`);
  const moments = parseSafetensors(await readBytes(`${resolved}/training_state.safetensors`)).tensors;
  return { dir: resolved, state: stateFile, unet, ema, moments };
}
