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
 */
import type { DDPMScheduler, UNet2DModel } from "../index.js";
import { serializeSafetensors } from "../io/safetensors.js";
import { zipStore } from "./zip.js";

/** The diffusers release whose file layout and config keys the engine matches. */
const DIFFUSERS_VERSION = "0.30.0";

/** JSON as diffusers writes it: keys sorted at every level, two-space indent, a final newline. */
function sortedJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (typeof v === "object" && v !== null)
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

interface ExportedClasses {
  step: number;
  numClasses: number | null;
  unconditionalLabel: number | null;
  guidance: number;
}

/** The zip of the diffusers folder for `model` (the EMA weights) trained on `scheduler`'s schedule. */
export async function diffusersZip(model: UNet2DModel, scheduler: DDPMScheduler, classes: ExportedClasses): Promise<Uint8Array> {
  const text = (value: unknown) => new TextEncoder().encode(sortedJson(value));
  const files = [
    {
      path: "model_index.json",
      data: text({
        _class_name: "DDPMPipeline",
        _diffusers_version: DIFFUSERS_VERSION,
        scheduler: ["diffusers", "DDPMScheduler"],
        unet: ["diffusers", "UNet2DModel"],
      }),
    },
    { path: "unet/config.json", data: text({ _diffusers_version: DIFFUSERS_VERSION, ...model.configJSON(), _class_name: "UNet2DModel" }) },
    { path: "unet/diffusion_pytorch_model.safetensors", data: serializeSafetensors(await model.stateDict(), { format: "pt" }) },
    {
      path: "scheduler/scheduler_config.json",
      data: text({ _class_name: "DDPMScheduler", _diffusers_version: DIFFUSERS_VERSION, ...scheduler.config }),
    },
  ];
  if (classes.numClasses !== null) {
    const { step, numClasses, unconditionalLabel, guidance } = classes;
    files.push({ path: "training_state.json", data: text({ step, data: { numClasses, unconditionalLabel, guidance } }) });
  }
  return zipStore(files);
}
