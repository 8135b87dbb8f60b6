/**
 * The kernel choices an adapter gets by default, with the adapter reported as a GPU (isSoftware false) and as a
 * software adapter, on the one engine this machine has: a training step of a U-Net shaped like the mnist-32
 * preset (three levels, attention in the middle, fewer channels) is recorded without running (the recorder
 * collects its dispatches), and every tuner problem it asks and every dispatch it records are checked.
 *
 * On a GPU: the shared-memory kernels for every convolution pass and matrix product, flash attention; the
 * autotune's GPU list (shared, the 1×1 matmul form, register tiles within GPU_MAX_ACCUMULATORS, no quad kernel);
 * workgroups of 64 to 256 invocations. On a software adapter: the register tiles, as measured there.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { KernelInfo } from "../src/gpu/kernels.js";
import { shaderSources } from "../src/gpu/shaders.js";
import { GPU_MAX_ACCUMULATORS, type TuneProblem, type Variant } from "../src/gpu/tuner.js";
import { AdamW, clipFactor, Engine, ops, UNet2DModel } from "../src/index.js";
import { PRESETS } from "../src/presets.js";

let engine: Engine;
let model: UNet2DModel;
let optimizer: AdamW;

beforeAll(async () => {
  engine = await Engine.create({ verbose: false, autotune: "off", tuneStore: null });
  // mnist-32's blocks (Down, AttnDown, Down; attention head 32) at 16 channels and 8 groups.
  model = new UNet2DModel(engine, {
    ...PRESETS["mnist-32"].model,
    sample_size: 16,
    in_channels: 1,
    out_channels: 1,
    block_out_channels: [16, 32, 32],
    norm_num_groups: 8,
  });
  optimizer = new AdamW(engine, model.parameters(), { lr: 1e-3 });
});
afterAll(() => {
  optimizer?.dispose();
  model?.dispose();
  engine?.destroy();
});

/** The candidates the autotune times: the heuristic and every candidate not `untimed` on this adapter. */
const timedOf = (p: TuneProblem<Variant>) => p.candidates.filter((c) => c === p.heuristic || !p.untimed?.(c)).map((c) => c.name);

interface Recorded {
  problems: TuneProblem<Variant>[];
  /** Each problem's candidates the autotune would time (read while the adapter is reported as recorded). */
  timed: Map<TuneProblem<Variant>, string[]>;
  dispatches: [KernelInfo, Record<string, number>][];
}

/** Record one training step (forward, MSE, backward, clipping, AdamW) with the adapter reported as `isSoftware`. */
function recordStep(isSoftware: boolean): Recorded {
  const adapter = engine.adapter as { isSoftware: boolean };
  const wasSoftware = adapter.isSoftware;
  const problems: TuneProblem<Variant>[] = [];
  const choose = engine.tuner.choose.bind(engine.tuner);
  const spy = vi.spyOn(engine.tuner, "choose").mockImplementation(<V extends Variant>(problem: TuneProblem<V>): V => {
    problems.push(problem as unknown as TuneProblem<Variant>);
    return choose(problem);
  });
  const recorder = engine.gpu.recorder;
  const dispatches: [KernelInfo, Record<string, number>][] = [];
  adapter.isSoftware = isSoftware;
  recorder.collecting = dispatches;
  try {
    engine.tidy(() => {
      const x = engine.randn([4, 1, 16, 16], { seed: 1 });
      const target = engine.randn([4, 1, 16, 16], { seed: 2 });
      optimizer.zeroGrad();
      engine.backward(ops.mseLoss(model.forward({ sample: x, timesteps: [1, 10, 100, 999] }), target));
      const grads = model.parameters().map((p) => p.grad!);
      optimizer.step({ gradScale: clipFactor(engine, grads, 1) });
    });
    return { problems, dispatches, timed: new Map(problems.map((p) => [p, timedOf(p)])) };
  } finally {
    recorder.collecting = null;
    adapter.isSoftware = wasSoftware;
    spy.mockRestore();
  }
}

/** The invocations per workgroup of a dispatch: its entry point's @workgroup_size, with WG from the constants or the default. */
function workgroupSize(info: KernelInfo, constants: Record<string, number>): number {
  const source = shaderSources[info.file];
  const match = new RegExp(`@workgroup_size\\(([^)]*)\\)\\s*\\n\\s*fn ${info.entry}\\(`).exec(source);
  if (!match) throw new Error(`no @workgroup_size for ${info.name}`);
  const wgDefault = Number(/override WG\s*:\s*u32\s*=\s*(\d+)/.exec(source)?.[1] ?? Number.NaN);
  return match[1]
    .split(",")
    .map((d) => d.trim())
    .map((d) => (d === "WG" ? (constants.WG ?? wgDefault) : Number(d.replace(/u$/, ""))))
    .reduce((a, b) => a * b, 1);
}

const families = (r: Recorded) => [...new Set(r.problems.map((p) => p.family))].sort();

describe("GPU-first defaults (an adapter reported as a GPU)", () => {
  let gpu: Recorded;
  beforeAll(() => {
    gpu = recordStep(false);
  });

  it("meets every family with variants: the three convolution passes, matmul and attention", () => {
    expect(families(gpu)).toEqual(["attention", "conv2d.forward", "conv2d.inputGrad", "conv2d.weightGrad", "matmul"]);
  });

  it("chooses the shared-memory kernels for every convolution pass and product, and flash attention", () => {
    for (const p of gpu.problems) {
      expect(p.heuristic.name, `${p.family}@${p.key}`).toBe(p.family === "attention" ? "flash" : "shared");
    }
    const kernels = new Set(gpu.dispatches.map(([info]) => info.name));
    for (const name of ["gemm/conv_forward_shared", "gemm/conv_input_grad_shared", "gemm/conv_weight_grad_shared", "gemm/matmul_shared"]) {
      expect(kernels).toContain(name);
    }
    expect(
      [...kernels].filter((k) => /^(conv2d|conv2d_quad|matmul|matmul_quad)\//.test(k) && !/pack_weight|pad_input|reduce_splits/.test(k)),
    ).toEqual([]);
    expect(kernels).toContain("flash_attention/flash_attention_forward");
  });

  it("times the GPU list: shared, the 1×1 matmul form and register tiles within the accumulator budget", () => {
    const allowed: Record<string, RegExp> = {
      // conv_general: 2×4 pixels × 8 channels = 64 accumulators; conv3x3_4x4: 128; the 4×8 tile (256) and quads left out.
      "conv2d.forward": /^(shared|matmul|conv_general|conv3x3_4x4)(\.s1)?$/,
      "conv2d.inputGrad": /^(shared|matmul|conv_general|conv3x3_4x4)(\.s1)?$/,
      // weight_grad_general: 8×8 per tap = 64; weight_grad_3x3 (4·4·9 = 144) and the wide one (288) left out.
      "conv2d.weightGrad": /^(shared|matmul|weight_grad_general)$/,
      matmul: /^(shared|register)$/,
      attention: /^(flash|composed)$/,
    };
    expect(GPU_MAX_ACCUMULATORS).toBe(128);
    for (const p of gpu.problems) {
      const timed = gpu.timed.get(p)!;
      for (const name of timed) expect(name, `${p.family}@${p.key}`).toMatch(allowed[p.family]);
      expect(timed, `${p.family}@${p.key}`).toContain("shared" === p.heuristic.name ? "shared" : "flash");
    }
    const forward3x3 = gpu.problems.find((p) => p.family === "conv2d.forward" && gpu.timed.get(p)!.includes("conv3x3_4x4"));
    expect(forward3x3, "a 3×3 forward whose GPU list holds the 4×4 tile").toBeDefined();
    expect(forward3x3!.candidates.map((c) => c.name)).toContain("conv3x3_4x8");
    const product = gpu.problems.find((p) => p.family === "matmul")!;
    expect(gpu.timed.get(product)!).toEqual(["register", "shared"]);
  });

  it("dispatches workgroups of 64 to 256 invocations, but for the one-invocation clip factor", () => {
    const sizes = new Map(
      gpu.dispatches.map(([info, constants]) => [`${info.name} ${JSON.stringify(constants)}`, workgroupSize(info, constants)]),
    );
    const outside = [...sizes].filter(([, size]) => size < 64 || size > 256).map(([name]) => name);
    expect(outside).toEqual(["optim/clip_factor {}"]);
    expect(sizes.get("gemm/conv_forward_shared {}")).toBe(256);
    expect([...sizes].find(([name]) => name.startsWith("flash_attention/flash_attention_forward"))?.[1]).toBe(64);
  });
});

describe("software defaults (the adapter reported as software)", () => {
  it("chooses register tiles and the composed attention for training, and never times the shared kernels", () => {
    const software = recordStep(true);
    expect(families(software)).toEqual(["attention", "conv2d.forward", "conv2d.inputGrad", "conv2d.weightGrad", "matmul"]);
    for (const p of software.problems) {
      expect(p.heuristic.name, `${p.family}@${p.key}`).not.toBe("shared");
      expect(software.timed.get(p)!, `${p.family}@${p.key}`).not.toContain("shared");
    }
    expect(software.problems.filter((p) => p.family === "attention").map((p) => p.heuristic.name)).toEqual(
      expect.arrayContaining(["composed"]),
    );
    const kernels = new Set(software.dispatches.map(([info]) => info.name));
    expect([...kernels].filter((k) => k.startsWith("gemm/"))).toEqual([]);
    expect([...kernels].filter((k) => /^conv2d(_quad)?\/(conv3x3|weight_grad_3x3)/.test(k)).length).toBeGreaterThanOrEqual(2);
  });
});
