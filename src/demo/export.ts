/**
 * The model trained in the page as a diffusers folder, zipped for download: what `ddpm train` writes as its
 * checkpoint's sampling part (src/checkpoint.ts), which `ddpm sample` and diffusers' `DDPMPipeline.from_pretrained`
 * load:
 *
 *   model_index.json                          the pipeline's class and parts
 *   unet/config.json                          the U-Net's config (keys sorted, as diffusers writes it)
 *   unet/diffusion_pytorch_model.safetensors  the EMA weights, F32
 *   scheduler/scheduler_config.json           the training schedule
 *   training_state.json                       a class-conditional model's classes and guidance (only then)
 *   unet.onnx                                 the same U-Net as an ONNX graph (exportUNetOnnx), its scheduler config
 *                                             and classes in the metadata, for any ONNX runtime
 */
import { type DDPMScheduler, samplerOnnx, type UNet2DModel } from "../index.js";
import { formatModelIndex, formatSchedulerConfig, formatUNetConfig, sortedJson } from "../io/diffusers.js";
import { serializeSafetensors } from "../io/safetensors.js";
import { zipStore } from "./zip.js";

interface ExportedClasses {
  step: number;
  numClasses: number | null;
  unconditionalLabel: number | null;
  guidance: number;
}

/** The zip of the diffusers folder for `model` (the EMA weights) trained on `scheduler`'s schedule. */
export async function diffusersZip(model: UNet2DModel, scheduler: DDPMScheduler, classes: ExportedClasses): Promise<Uint8Array> {
  const encode = (text: string) => new TextEncoder().encode(text);
  const state = await model.stateDict();
  const files = [
    { path: "model_index.json", data: encode(formatModelIndex()) },
    { path: "unet/config.json", data: encode(formatUNetConfig(model.configJSON())) },
    { path: "unet/diffusion_pytorch_model.safetensors", data: serializeSafetensors(state, { format: "pt" }) },
    { path: "scheduler/scheduler_config.json", data: encode(formatSchedulerConfig(scheduler.toJSON())) },
  ];
  if (classes.numClasses !== null) {
    const { step, numClasses, unconditionalLabel, guidance } = classes;
    files.push({ path: "training_state.json", data: encode(sortedJson({ step, data: { numClasses, unconditionalLabel, guidance } })) });
  }
  files.push({ path: "unet.onnx", data: samplerOnnx(model, state, scheduler, classes) });
  return zipStore(files);
}
