import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  parseUNetCheckpoint,
  readDiffusersUNet,
  readSchedulerConfig,
  renameLegacyAttentionKeys,
  writeDiffusersUNet,
  writeModelIndex,
  writeSchedulerConfig,
} from "../src/io/diffusers.js";
import { parseSafetensors, serializeSafetensors, type TensorData } from "../src/io/safetensors.js";
import { checkStateDict } from "../src/nn/module.js";

// Fault injection for the crash tests: node:fs/promises as it is, except where a test arms a fault.
const faults = vi.hoisted(() => ({ renameFailsAt: -1, renames: 0, writeFailsHalfway: false }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const rename: typeof actual.rename = async (from, to) => {
    if (faults.renames++ === faults.renameFailsAt) throw Object.assign(new Error("simulated rename failure"), { code: "EIO" });
    return actual.rename(from, to);
  };
  const open = (async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    if (!faults.writeFailsHalfway) return handle;
    // A handle whose writeFile stops half way through, as a full disk or a killed process would leave it.
    return new Proxy(handle, {
      get(target, prop, receiver) {
        if (prop === "writeFile") {
          return async (data: Uint8Array | string) => {
            const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
            await target.write(bytes.subarray(0, bytes.length >> 1));
            throw Object.assign(new Error("simulated ENOSPC"), { code: "ENOSPC" });
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }) as typeof actual.open;
  return { ...actual, default: { ...actual, rename, open }, rename, open };
});

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ddpm-io-"));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  faults.renameFailsAt = -1;
  faults.renames = 0;
  faults.writeFailsHalfway = false;
});

function randomTensors(seed: number): Map<string, TensorData> {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  };
  const make = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, next) });
  return new Map([
    ["conv_in.weight", make([4, 1, 3, 3])],
    ["conv_in.bias", make([4])],
    ["mid_block.attentions.0.to_q.weight", make([4, 4])],
    ["mid_block.attentions.0.to_out.0.bias", make([4])],
  ]);
}

const config = { sample_size: 8, in_channels: 1, out_channels: 1, block_out_channels: [4], norm_num_groups: 2 };

function expectSameTensors(a: Map<string, TensorData>, b: Map<string, TensorData>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [key, t] of a) {
    expect(b.get(key)!.shape, key).toEqual(t.shape);
    expect(Array.from(b.get(key)!.data), key).toEqual(Array.from(t.data));
  }
}

describe("writeDiffusersUNet / readDiffusersUNet", () => {
  it("round-trips config and weights, and leaves exactly the two files", async () => {
    const dir = tempDir();
    const tensors = randomTensors(1);
    await writeDiffusersUNet(dir, config, tensors);
    expect(readdirSync(join(dir, "unet")).sort()).toEqual(["config.json", "diffusion_pytorch_model.safetensors"]);
    const back = await readDiffusersUNet(dir);
    expect(back.config).toEqual({ ...config, _class_name: "UNet2DModel", _diffusers_version: "0.30.0" });
    expectSameTensors(tensors, back.tensors);
    // diffusers' layout: sorted keys, two-space indent, final newline; safetensors metadata {"format": "pt"}
    const text = readFileSync(join(dir, "unet", "config.json"), "utf8");
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), Object.keys(JSON.parse(text)).sort(), 2)}\n`);
    expect(text.indexOf('"_class_name"')).toBeLessThan(text.indexOf('"block_out_channels"'));
    const raw = parseSafetensors(new Uint8Array(readFileSync(join(dir, "unet", "diffusion_pytorch_model.safetensors"))));
    expect(raw.metadata).toEqual({ format: "pt" });
  });

  it("reads the unet folder itself, and writes without a subfolder", async () => {
    const dir = tempDir();
    await writeDiffusersUNet(dir, config, randomTensors(2), "");
    expect(readdirSync(dir).sort()).toEqual(["config.json", "diffusion_pytorch_model.safetensors"]);
    const back = await readDiffusersUNet(dir);
    expectSameTensors(randomTensors(2), back.tensors);
    const fixture = await readDiffusersUNet("test/fixtures/unet/attn-class/unet");
    expect(fixture.config.block_out_channels).toEqual([16, 32]);
  });

  it("keeps a _diffusers_version from the config and always sets _class_name", async () => {
    const dir = tempDir();
    await writeDiffusersUNet(dir, { ...config, _diffusers_version: "0.25.1", _class_name: "Whatever" }, randomTensors(3));
    const back = await readDiffusersUNet(dir);
    expect(back.config._diffusers_version).toBe("0.25.1");
    expect(back.config._class_name).toBe("UNet2DModel");
  });

  it("maps the old attention key names (query, key, value, proj_attn) as diffusers does on load", async () => {
    const oldFile = parseSafetensors(
      new Uint8Array(readFileSync("test/fixtures/unet/attn-class-old-keys/unet/diffusion_pytorch_model.safetensors")),
    );
    const oldKeys = [...oldFile.tensors.keys()];
    for (const name of ["query", "key", "value", "proj_attn"]) {
      expect(
        oldKeys.some((k) => k.includes(`.${name}.`)),
        name,
      ).toBe(true);
    }
    const current = await readDiffusersUNet("test/fixtures/unet/attn-class");
    const legacy = await readDiffusersUNet("test/fixtures/unet/attn-class-old-keys");
    expect(legacy.config).toEqual(current.config);
    expectSameTensors(current.tensors, legacy.tensors);
    expect(legacy.tensors.has("mid_block.attentions.0.to_out.0.weight")).toBe(true);
    expect(legacy.tensors.has("up_blocks.0.attentions.1.to_k.bias")).toBe(true);
    checkStateDict(new Map([...current.tensors].map(([k, t]) => [k, t.shape])), legacy.tensors);
  });

  it("refuses a checkpoint holding one weight under both names", () => {
    const t = { shape: [1], data: new Float32Array(1) };
    expect(() =>
      renameLegacyAttentionKeys(
        new Map([
          ["a.to_q.weight", t],
          ["a.query.weight", t],
        ]),
      ),
    ).toThrow(/both "a.to_q.weight" and "a.query.weight"/);
  });

  it("says where it looked when there is no checkpoint, and why a folder cannot be read", async () => {
    const dir = tempDir();
    await expect(readDiffusersUNet(dir)).rejects.toThrow(/no U-Net checkpoint in .*unet[/\\]config.json and .*config.json/);
    mkdirSync(join(dir, "unet"));
    writeFileSync(join(dir, "unet", "config.json"), JSON.stringify(config));
    writeFileSync(join(dir, "unet", "diffusion_pytorch_model.bin"), "pickle");
    await expect(readDiffusersUNet(dir)).rejects.toThrow(/no diffusion_pytorch_model.safetensors in .*\.bin pickles are not read/);
    writeFileSync(join(dir, "unet", "diffusion_pytorch_model.safetensors"), new Uint8Array(4));
    await expect(readDiffusersUNet(dir)).rejects.toThrow(/diffusion_pytorch_model.safetensors: safetensors: file is 4 bytes/);
  });

  it("refuses a config of another model class, and config text that is not JSON", () => {
    const weights = serializeSafetensors(randomTensors(4));
    expect(() => parseUNetCheckpoint('{"_class_name": "UNet2DConditionModel"}', weights)).toThrow(
      /describes a UNet2DConditionModel; only UNet2DModel is supported/,
    );
    expect(() => parseUNetCheckpoint("{oops", weights)).toThrow(/config.json is not valid JSON/);
    expect(parseUNetCheckpoint("{}", weights).tensors.size).toBe(4);
  });
});

describe("an interrupted save leaves the previous checkpoint in place", () => {
  async function savedCheckpoint() {
    const dir = tempDir();
    await writeDiffusersUNet(dir, config, randomTensors(10));
    const files = ["config.json", "diffusion_pytorch_model.safetensors"].map((f) => join(dir, "unet", f));
    return { dir, files, before: files.map((f) => readFileSync(f)) };
  }

  it("when the write stops half way through", async () => {
    const { dir, files, before } = await savedCheckpoint();
    faults.writeFailsHalfway = true;
    await expect(writeDiffusersUNet(dir, { ...config, sample_size: 16 }, randomTensors(11))).rejects.toThrow(
      /previous files were left in place \(simulated ENOSPC\)/,
    );
    faults.writeFailsHalfway = false;
    for (const [i, f] of files.entries()) expect(readFileSync(f).equals(before[i])).toBe(true);
    expect(readdirSync(join(dir, "unet")).sort()).toEqual(["config.json", "diffusion_pytorch_model.safetensors"]);
    expectSameTensors(randomTensors(10), (await readDiffusersUNet(dir)).tensors);
  });

  it("when the rename fails", async () => {
    const { dir, files, before } = await savedCheckpoint();
    faults.renames = 0;
    faults.renameFailsAt = 0;
    await expect(writeDiffusersUNet(dir, { ...config, sample_size: 16 }, randomTensors(12))).rejects.toThrow(
      /previous files were left in place \(simulated rename failure\)/,
    );
    for (const [i, f] of files.entries()) expect(readFileSync(f).equals(before[i])).toBe(true);
    expect(readdirSync(join(dir, "unet")).sort()).toEqual(["config.json", "diffusion_pytorch_model.safetensors"]);
  });

  it("when only the last rename fails, the message says which file was already replaced", async () => {
    const { dir, files, before } = await savedCheckpoint();
    faults.renames = 0;
    faults.renameFailsAt = 1;
    await expect(writeDiffusersUNet(dir, config, randomTensors(13))).rejects.toThrow(
      /diffusion_pytorch_model.safetensors already replaced, .*config.json left as they were/,
    );
    expect(readFileSync(files[0]).equals(before[0])).toBe(true); // config.json untouched
    expect(readdirSync(join(dir, "unet")).sort()).toEqual(["config.json", "diffusion_pytorch_model.safetensors"]);
    expectSameTensors(randomTensors(13), (await readDiffusersUNet(dir)).tensors);
  });
});

describe("checkStateDict", () => {
  const expected = new Map<string, number[]>([
    ["conv_in.weight", [4, 1, 3, 3]],
    ["conv_in.bias", [4]],
    ["conv_out.weight", [1, 4, 3, 3]],
    ["mid.norm.weight", [4]],
  ]);

  it("accepts a matching state dict", () => {
    expect(() => checkStateDict(expected, new Map([...expected].map(([k, s]) => [k, { shape: s }])))).not.toThrow();
  });

  it("lists every missing, unexpected and wrongly shaped key in one error", () => {
    const got = new Map<string, { shape: number[] }>([
      ["conv_in.weight", { shape: [4, 3, 3, 3] }],
      ["conv_in.bias", { shape: [4] }],
      ["mid.norm.weight", { shape: [4, 1] }],
      ["extra.bias", { shape: [7] }],
      ["more.weight", { shape: [2, 2] }],
    ]);
    let message = "";
    try {
      checkStateDict(expected, got);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("1 missing, 2 unexpected, 2 wrongly shaped");
    expect(message).toContain("conv_out.weight [1, 4, 3, 3]");
    expect(message).toContain("extra.bias [7]");
    expect(message).toContain("more.weight [2, 2]");
    expect(message).toContain("conv_in.weight: expected [4, 1, 3, 3], got [4, 3, 3, 3]");
    expect(message).toContain("mid.norm.weight: expected [4], got [4, 1]");
    expect(message).not.toContain("conv_in.bias");
  });
});

describe("scheduler config and model index", () => {
  it("round-trips scheduler_config.json, defaulting the class name", async () => {
    const dir = tempDir();
    const scheduler = { num_train_timesteps: 1000, beta_schedule: "linear", beta_start: 0.0001, beta_end: 0.02, clip_sample: true };
    await writeSchedulerConfig(dir, scheduler);
    expect(readdirSync(join(dir, "scheduler"))).toEqual(["scheduler_config.json"]);
    expect(await readSchedulerConfig(dir)).toEqual({ ...scheduler, _class_name: "DDPMScheduler", _diffusers_version: "0.30.0" });
    expect(await readSchedulerConfig(join(dir, "scheduler"))).toEqual(await readSchedulerConfig(dir));
    await writeSchedulerConfig(dir, { _class_name: "DDIMScheduler", num_train_timesteps: 50 });
    expect((await readSchedulerConfig(dir))._class_name).toBe("DDIMScheduler");
    await expect(readSchedulerConfig(tempDir())).rejects.toThrow(/no scheduler config in .*scheduler_config.json/);
  });

  it("a half-written scheduler config never replaces the old one", async () => {
    const dir = tempDir();
    await writeSchedulerConfig(dir, { num_train_timesteps: 1000 });
    faults.writeFailsHalfway = true;
    await expect(writeSchedulerConfig(dir, { num_train_timesteps: 10 })).rejects.toThrow(/simulated ENOSPC/);
    faults.writeFailsHalfway = false;
    expect((await readSchedulerConfig(dir)).num_train_timesteps).toBe(1000);
    expect(readdirSync(join(dir, "scheduler"))).toEqual(["scheduler_config.json"]);
  });

  it("writes model_index.json naming the pipeline and its parts", async () => {
    const dir = tempDir();
    await writeModelIndex(dir);
    expect(JSON.parse(readFileSync(join(dir, "model_index.json"), "utf8"))).toEqual({
      _class_name: "DDPMPipeline",
      _diffusers_version: "0.30.0",
      scheduler: ["diffusers", "DDPMScheduler"],
      unet: ["diffusers", "UNet2DModel"],
    });
  });
});
