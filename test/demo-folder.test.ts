/**
 * The demo's folder picker (src/demo/folder.ts): where the U-Net, its scheduler config, model_index.json and
 * training_state.json are found among the picked folder's files, for each folder a user may pick.
 */
import { describe, expect, it } from "vitest";
import { locateCheckpoint, schedulerClassFromIndex } from "../src/demo/folder.js";

const UNET = ["config.json", "diffusion_pytorch_model.safetensors"];
const under = (dir: string, names: string[]) => names.map((n) => `${dir}${n}`);
/** A `ddpm train` checkpoint folder's files in the earlier layout (raw weights in unet/, EMA in unet_ema/), under `dir`. */
const checkpoint = (dir: string) => [
  ...under(`${dir}unet/`, UNET),
  ...under(`${dir}unet_ema/`, UNET),
  `${dir}scheduler/scheduler_config.json`,
  `${dir}model_index.json`,
  `${dir}training_state.json`,
  `${dir}training_state.safetensors`,
];

/** The same folder as `ddpm train` writes it now: the EMA weights as unet/, the raw ones under training/. */
const checkpointNow = (dir: string) => [
  ...under(`${dir}unet/`, UNET),
  ...under(`${dir}training/unet/`, UNET),
  `${dir}training/optimizer.safetensors`,
  `${dir}scheduler/scheduler_config.json`,
  `${dir}model_index.json`,
  `${dir}training_state.json`,
];

describe("locateCheckpoint", () => {
  it("a `ddpm train` checkpoint with the EMA weights as unet/: unet/, never training/unet/, from the run or the checkpoint folder", () => {
    const expected = (dir: string) => ({
      unetDir: `${dir}unet/`,
      schedulerConfig: `${dir}scheduler/scheduler_config.json`,
      modelIndex: `${dir}model_index.json`,
      trainingState: `${dir}training_state.json`,
    });
    expect(locateCheckpoint(["loss.csv", ...checkpointNow("checkpoint/")])).toEqual(expected("checkpoint/"));
    expect(locateCheckpoint(checkpointNow(""))).toEqual(expected(""));
  });

  it("a run folder: the EMA U-Net two levels down, the newest checkpoint before checkpoint.old/, its scheduler beside it", () => {
    const files = ["loss.csv", "samples.png", ...checkpoint("checkpoint.old/"), ...checkpoint("checkpoint/")];
    expect(locateCheckpoint(files)).toEqual({
      unetDir: "checkpoint/unet_ema/",
      schedulerConfig: "checkpoint/scheduler/scheduler_config.json",
      modelIndex: "checkpoint/model_index.json",
      trainingState: "checkpoint/training_state.json",
    });
  });

  it("a checkpoint or pipeline folder: unet_ema/ before unet/, one level down", () => {
    expect(locateCheckpoint(checkpoint(""))).toEqual({
      unetDir: "unet_ema/",
      schedulerConfig: "scheduler/scheduler_config.json",
      modelIndex: "model_index.json",
      trainingState: "training_state.json",
    });
    expect(locateCheckpoint([...under("unet/", UNET), "model_index.json"])).toEqual({
      unetDir: "unet/",
      schedulerConfig: null,
      modelIndex: "model_index.json",
      trainingState: null,
    });
  });

  it("a U-Net folder: the U-Net is the folder itself; a scheduler_config.json beside it counts, nothing above is visible", () => {
    expect(locateCheckpoint(UNET)).toEqual({ unetDir: "", schedulerConfig: null, modelIndex: null, trainingState: null });
    expect(locateCheckpoint([...UNET, "scheduler_config.json"])?.schedulerConfig).toBe("scheduler_config.json");
  });

  it("nothing deeper than two levels, and no U-Net without both of its files", () => {
    expect(locateCheckpoint(under("runs/mnist/checkpoint/unet/", UNET))).toBeNull();
    expect(locateCheckpoint(["unet/config.json", "scheduler/scheduler_config.json"])).toBeNull();
    expect(locateCheckpoint([])).toBeNull();
  });

  it("a scheduler two levels above a U-Net found two levels down is used when none is nearer", () => {
    const files = [...under("models/unet/", UNET), "scheduler/scheduler_config.json"];
    expect(locateCheckpoint(files)?.schedulerConfig).toBe("scheduler/scheduler_config.json");
  });
});

describe("schedulerClassFromIndex", () => {
  it("reads the scheduler class a model_index.json names", () => {
    expect(schedulerClassFromIndex({ scheduler: ["diffusers", "DDIMScheduler"], unet: ["diffusers", "UNet2DModel"] })).toBe(
      "DDIMScheduler",
    );
    expect(schedulerClassFromIndex({ unet: ["diffusers", "UNet2DModel"] })).toBeNull();
    expect(schedulerClassFromIndex({ scheduler: "DDIMScheduler" })).toBeNull();
  });
});
