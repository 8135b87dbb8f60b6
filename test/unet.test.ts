import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Engine, ops } from "../src/index.js";
import { loadUNet, saveUNet } from "../src/nn/pretrained.js";
import { resolveUNetConfig, UNet2DModel } from "../src/nn/unet.js";
import { testEngine } from "./helpers/engine.js";
import { CIFAR10_CONFIG, tinyUNet } from "./helpers/unet-configs.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("UNet2DModel", () => {
  it("builds google/ddpm-cifar10-32 with diffusers' parameter names and count", () => {
    const model = new UNet2DModel(engine, CIFAR10_CONFIG);
    const names = model.namedParameters().map(([n]) => n);
    for (const key of [
      "conv_in.weight",
      "time_embedding.linear_1.weight",
      "down_blocks.0.resnets.0.norm1.weight",
      "down_blocks.1.attentions.0.to_q.weight",
      "down_blocks.1.attentions.1.to_out.0.bias",
      "down_blocks.0.downsamplers.0.conv.weight",
      "mid_block.attentions.0.group_norm.weight",
      "mid_block.resnets.1.conv2.bias",
      "up_blocks.2.attentions.2.to_k.bias",
      "up_blocks.2.upsamplers.0.conv.weight",
      "up_blocks.0.resnets.2.conv_shortcut.weight",
      "conv_norm_out.weight",
      "conv_out.bias",
    ]) {
      expect(names, key).toContain(key);
    }
    expect(names).not.toContain("down_blocks.3.downsamplers.0.conv.weight");
    expect(names).not.toContain("up_blocks.3.upsamplers.0.conv.weight");
    // google/ddpm-cifar10-32 has 35,746,307 parameters (its diffusion_pytorch_model.safetensors holds 143 MB of f32)
    expect(model.parameterCount()).toBe(35_746_307);
    model.dispose();
  });

  it("runs forward and backward on a small two-level config", async () => {
    const model = new UNet2DModel(engine, {
      sample_size: 8,
      in_channels: 1,
      out_channels: 1,
      block_out_channels: [8, 16],
      layers_per_block: 1,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D"],
      up_block_types: ["AttnUpBlock2D", "UpBlock2D"],
      norm_num_groups: 4,
      attention_head_dim: 8,
    });
    const loss = engine.tidy(() => {
      const x = engine.randn([2, 1, 8, 8], { seed: 3 });
      const out = model.forward({ sample: x, timesteps: [10, 500] });
      expect([...out.shape]).toEqual([2, 1, 8, 8]);
      const l = ops.mseLoss(out, x);
      engine.backward(l);
      return l;
    });
    const value = await loss.item();
    expect(Number.isFinite(value)).toBe(true);
    for (const [name, p] of model.namedParameters()) expect(p.grad, name).not.toBeNull();
    loss.dispose();
    model.dispose();
  });

  it("refuses bad configs and inputs with messages naming the problem", () => {
    expect(() =>
      resolveUNetConfig({
        block_out_channels: [30, 60],
        norm_num_groups: 32,
        down_block_types: ["DownBlock2D", "DownBlock2D"],
        up_block_types: ["UpBlock2D", "UpBlock2D"],
      }),
    ).toThrow(/norm_num_groups = 32 does not divide/);
    expect(() => resolveUNetConfig({ resnet_time_scale_shift: "scale_shift" })).toThrow(/resnet_time_scale_shift/);
    expect(() => resolveUNetConfig({ bogus: 1 })).toThrow(/unknown key 'bogus'/);
    const model = new UNet2DModel(engine, {
      in_channels: 1,
      out_channels: 1,
      block_out_channels: [8, 8, 8],
      layers_per_block: 1,
      down_block_types: ["DownBlock2D", "DownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "UpBlock2D", "UpBlock2D"],
      norm_num_groups: 4,
    });
    engine.tidy(() => {
      expect(() => model.forward({ sample: engine.zeros([1, 1, 6, 6]), timesteps: [1] })).toThrow(/not divisible by 2\^\(levels−1\) = 4/);
      expect(() => model.forward({ sample: engine.zeros([1, 3, 8, 8]), timesteps: [1] })).toThrow(/expected 1 channels/);
    });
    model.dispose();
  });

  it("saves a diffusers folder that loads back identically; old attention names load too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ddpm-unet-"));
    try {
      const model = new UNet2DModel(
        engine,
        {
          in_channels: 2,
          out_channels: 2,
          block_out_channels: [8, 16],
          layers_per_block: 1,
          norm_num_groups: 4,
          down_block_types: ["DownBlock2D", "AttnDownBlock2D"],
          up_block_types: ["AttnUpBlock2D", "UpBlock2D"],
          num_class_embeds: 3,
        },
        7,
      );
      await saveUNet(model, dir);
      expect(readdirSync(join(dir, "unet")).sort()).toEqual(["config.json", "diffusion_pytorch_model.safetensors"]);
      const loaded = await loadUNet(engine, dir);
      expect(loaded.config).toEqual(model.config);
      const [a, b] = [await model.stateDict(), await loaded.stateDict()];
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [key, value] of a) expect(b.get(key)!.data, key).toEqual(value.data);
      const forward = (m: UNet2DModel) =>
        engine.noGrad(() =>
          engine.tidy(() => m.forward({ sample: engine.randn([1, 2, 4, 4], { seed: 1 }), timesteps: [3], classLabels: [2] })),
        );
      const [ya, yb] = [forward(model), forward(loaded)];
      expect(await yb.data()).toEqual(await ya.data());
      ya.dispose();
      yb.dispose();
      model.dispose();
      loaded.dispose();

      const legacy = await loadUNet(engine, "test/fixtures/unet/attn-class-old-keys");
      const current = await loadUNet(engine, "test/fixtures/unet/attn-class");
      const [la, lb] = [await legacy.stateDict(), await current.stateDict()];
      for (const [key, value] of lb) expect(la.get(key)!.data, key).toEqual(value.data);
      legacy.dispose();
      current.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a checkpoint that does not match its config loads nothing and lists every problem", async () => {
    const model = new UNet2DModel(engine, { ...tinyUNet(), in_channels: 1, out_channels: 1 });
    const state = await model.stateDict();
    const before = await model.convIn.weight.data();
    state.delete("conv_out.bias");
    state.set("extra.weight", { shape: [1], data: new Float32Array(1) });
    state.set("conv_in.weight", { shape: [8, 2, 3, 3], data: new Float32Array(144).fill(5) });
    let message = "";
    try {
      model.loadStateDict(state);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/1 missing, 1 unexpected, 1 wrongly shaped/);
    expect(message).toMatch(/missing keys \(1\):\s+conv_out\.bias \[1\]/);
    expect(message).toMatch(/conv_in\.weight: expected \[8, 1, 3, 3\], got \[8, 2, 3, 3\]/);
    expect(message).toMatch(/unexpected keys \(1\):\s+extra\.weight \[1\]/);
    expect(await model.convIn.weight.data()).toEqual(before);
    model.dispose();
  });
});
