/**
 * UNet2DModel ⇄ diffusers folders (Node). Loading checks the whole state dict against the model built from the
 * folder's config before any weight is written, so a mismatched checkpoint loads nothing.
 */
import type { Engine } from "../engine.js";
import { type DiffusersUNet, readDiffusersUNet, writeDiffusersUNet } from "../io/diffusers.js";
import { checkFinite } from "../io/safetensors.js";
import { UNet2DModel } from "./unet.js";

/**
 * Build a UNet2DModel from a parsed checkpoint (config + tensors). Errors name the folder: a config value of the
 * wrong type names its key, a weight holding NaN or infinity its tensor.
 */
export function unetFromCheckpoint(engine: Engine, checkpoint: DiffusersUNet): UNet2DModel {
  checkFinite(checkpoint.tensors, `${checkpoint.source}/diffusion_pytorch_model.safetensors`);
  let model: UNet2DModel;
  try {
    model = new UNet2DModel(engine, checkpoint.config);
  } catch (error) {
    throw new Error(`${checkpoint.source}/config.json: ${(error as Error).message}`, { cause: error });
  }
  try {
    model.loadStateDict(new Map([...checkpoint.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])));
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Load dir/unet (or dir itself) written by diffusers' save_pretrained or by this engine. */
export async function loadUNet(engine: Engine, dir: string): Promise<UNet2DModel> {
  return unetFromCheckpoint(engine, await readDiffusersUNet(dir));
}

/** Save as dir/<subfolder>/{config.json, diffusion_pytorch_model.safetensors}, atomically. */
export async function saveUNet(model: UNet2DModel, dir: string, subfolder = "unet"): Promise<void> {
  const state = await model.stateDict();
  await writeDiffusersUNet(dir, model.configJSON(), state, subfolder);
}
