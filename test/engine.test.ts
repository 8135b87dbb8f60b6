/**
 * The engine's contracts with its user: what it reports about the adapter, the errors it raises (bad shapes,
 * sizes over the adapter's limits, broken WGSL, device validation errors), explicit async readback with one
 * submit per step, and a buffer pool that stops allocating once warm.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { KernelRegistry } from "../src/gpu/kernels.js";
import { requiredFeatures } from "../src/gpu/shaders.js";
import { AdamW, Engine, ops, type Tensor } from "../src/index.js";
import { testEngine } from "./helpers/engine.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("adapter report", () => {
  it("names the adapter and the limits the engine got", () => {
    const report = engine.adapter;
    expect(typeof report.vendor).toBe("string");
    expect(report.backend).toBe("dawn-node");
    expect(typeof report.isSoftware).toBe("boolean");
    expect(Array.isArray(report.features)).toBe(true);
    for (const limit of ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupsPerDimension"]) {
      expect(report.limits[limit], limit).toBeGreaterThan(0);
      expect(report.limits[limit], limit).toBe((engine.device.limits as unknown as Record<string, number>)[limit]);
    }
    // The engine asks for the adapter's limits, not WebGPU's defaults (128 MiB binding, 256 MiB buffer).
    expect(report.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
  });
});

describe("bad input", () => {
  it("engine.tensor with the wrong number of values names the shape", () => {
    expect(() => engine.tensor([1, 2, 3], [2, 2])).toThrow("tensor(): 3 values do not fill shape [2, 2] (4 elements)");
    expect(() => engine.tensor([1], [-1])).toThrow(/invalid shape \[-1\]/);
    expect(() => engine.tensor([1, 2], [2.5])).toThrow(/invalid shape \[2\.5\]/);
  });

  it("a tensor larger than maxStorageBufferBindingSize throws naming the limit and its value, allocating nothing", () => {
    const limit = engine.device.limits.maxStorageBufferBindingSize;
    const before = engine.memory();
    const elements = Math.floor(limit / 4) + 1;
    expect(() => engine.zeros([elements])).toThrow(`maxStorageBufferBindingSize = ${limit}`);
    expect(() => engine.zeros([2, Math.ceil(elements / 2)])).toThrow(
      new RegExp(`\\[2, ${Math.ceil(elements / 2)}\\] needs \\d+ bytes, more than the adapter's maxStorageBufferBindingSize = ${limit}`),
    );
    expect(engine.memory().buffersCreated).toBe(before.buffersCreated);
    expect(engine.memory().liveTensors).toBe(before.liveTensors);
  });

  it("an op whose output would exceed the limit names the op and the limit (inputs are small)", () => {
    const limit = engine.device.limits.maxStorageBufferBindingSize;
    const n = Math.ceil(Math.sqrt(limit / 4)) + 1;
    const column = engine.zeros([n, 1]);
    const row = engine.zeros([1, n]);
    expect(() => ops.matmul(column, row)).toThrow(new RegExp(`^matmul \\[${n}, ${n}\\] needs .*maxStorageBufferBindingSize = ${limit}`));
    column.dispose();
    row.dispose();
  });

  it("shape mismatches name the op and both shapes", () => {
    const t = (shape: number[]) => engine.zeros(shape);
    const made: Tensor[] = [];
    const keep = (x: Tensor) => {
      made.push(x);
      return x;
    };
    const a23 = keep(t([2, 3]));
    const a4 = keep(t([4]));
    const a45 = keep(t([4, 5]));
    const b235 = keep(t([2, 3, 5]));
    const b343 = keep(t([3, 4, 3]));
    const w53 = keep(t([5, 3]));
    const w54 = keep(t([5, 4]));
    const bias4 = keep(t([4]));
    expect(() => ops.add(a23, a4)).toThrow("add: shapes [2, 3] and [4] cannot be broadcast together");
    expect(() => ops.sub(a4, a23)).toThrow("sub: shapes [4] and [2, 3] cannot be broadcast together");
    expect(() => ops.mul(a45, a23)).toThrow("mul: shapes [4, 5] and [2, 3] cannot be broadcast together");
    expect(() => ops.matmul(a23, a45)).toThrow("matmul: inner dimensions differ in [2, 3] · [4, 5]");
    expect(() => ops.matmul(a23, a45, { transposeA: true, transposeB: true })).toThrow(
      "matmul: inner dimensions differ in [2, 3]ᵀ · [4, 5]ᵀ",
    );
    expect(() => ops.matmul(b235, b343)).toThrow("matmul: inner dimensions differ in [2, 3, 5] · [3, 4, 3]");
    expect(() => ops.matmul(keep(t([2, 3, 4])), b343)).toThrow("matmul: batch sizes differ in [2, 3, 4] · [3, 4, 3]");
    expect(() => ops.matmul(a4, a45)).toThrow("matmul: a must have at least 2 dimensions, got [4]");
    expect(() => ops.linear(a23, w54)).toThrow("linear: input [2, 3] does not end in in_features = 4 (weight [5, 4])");
    expect(() => ops.linear(a23, w53, bias4)).toThrow("linear: bias [4] does not match out_features = 5");
    expect(() => ops.linear(a23, a4)).toThrow("linear: weight must be [out, in], got [4]");
    for (const x of made) x.dispose();
  });
});

describe("kernel errors", () => {
  it("a WGSL compile error names the file and the line", async () => {
    const source = ["// a kernel with a type error on line 4", "", "fn broken() -> u32 {", "  return 1.5;", "}", ""].join("\n");
    const registry = new KernelRegistry(engine.device, true, { broken: source });
    await expect(registry.compileAll()).rejects.toThrow(/shaders\/broken\.wgsl:4:\d+: .*'u32'/);
    // The bad module was reported here, by file: it must not surface later as an anonymous device error.
    await expect(engine.sync()).resolves.toBeUndefined();
  });

  it("a shader that enables a feature the device lacks is skipped by compileAll and refused by name when used", async () => {
    expect(requiredFeatures("enable subgroups;\nenable f16, subgroups;\n// enable nothing;\n")).toEqual([
      "subgroups",
      "shader-f16",
      "subgroups",
    ]);
    const source = [
      "enable subgroups;",
      "@group(0) @binding(0) var<storage, read_write> out: array<u32>;",
      "@compute @workgroup_size(4) fn main(@builtin(subgroup_invocation_id) lane: u32) { out[lane] = lane; }",
    ].join("\n");
    const noFeatures = { ...engine.device, features: new Set<string>() } as unknown as GPUDevice;
    const registry = new KernelRegistry(noFeatures, true, { lanes: source, plain: "@compute @workgroup_size(1) fn main() {}" });
    expect(registry.supports("lanes")).toBe(false);
    expect(registry.supports("plain")).toBe(true);
    expect(() => registry.kernel("lanes/main")).toThrow(
      "shaders/lanes.wgsl needs the device feature(s) subgroups, which this adapter does not offer",
    );
    // On this adapter (SwiftShader offers subgroups) the same file compiles.
    expect(engine.device.features.has("subgroups")).toBe(true);
    const real = new KernelRegistry(engine.device, true, { lanes: source });
    expect(real.supports("lanes")).toBe(true);
    await expect(real.compileAll()).resolves.toBeUndefined();
  });

  it("a shader that reuses a binding number is refused by name (SwiftShader would crash on it)", () => {
    const source = [
      "@group(0) @binding(0) var<storage, read_write> first: array<f32>;",
      "@group(0) @binding(0) var<storage, read_write> second: array<f32>;",
      "@compute @workgroup_size(1) fn main() { first[0] = 1.0; }",
    ].join("\n");
    const registry = new KernelRegistry(engine.device, true, { twice: source });
    expect(() => registry.kernel("twice/main")).toThrow(/shaders\/twice\.wgsl: 'second' and 'first' share @binding\(0\)/);
  });

  it("a device validation error surfaces at sync as a thrown error naming the kernel", async () => {
    const a = engine.tensor([1, 2, 3]);
    // A zero-byte buffer bound where the kernel writes its output: invalid for the device, not caught in TS.
    const tooSmall = engine.device.createBuffer({ size: 0, usage: GPUBufferUsage.STORAGE });
    const uniforms = { n: 3, rank: 1, outShape: [3], aStrides: [1], bStrides: [1] };
    engine.run("elementwise/binary", { a, b: a, out: tooSmall }, uniforms, [1], { OP: 0 });
    await expect(engine.sync()).rejects.toThrow(/kernel elementwise\/binary: .*zero/i);
    // The error is reported once, and the engine goes on working.
    await expect(engine.sync()).resolves.toBeUndefined();
    const doubled = ops.scale(a, 2);
    expect(Array.from(await doubled.data())).toEqual([2, 4, 6]);
    for (const t of [a, doubled]) t.dispose();
    tooSmall.destroy();
  });

  it("an allocation the device refuses is named (the op, the shape, the bytes) at sync, then cleared", async () => {
    // 1 GiB: within the binding limit, but more than SwiftShader's heap gives one buffer.
    const big = engine.zeros([1024, 1024, 256]);
    const error = await engine.sync().then(
      () => null,
      (e: Error) => e,
    );
    big.dispose();
    if (engine.adapter.isSoftware) expect(error).not.toBeNull();
    if (error) {
      expect(error.message).toMatch(
        /^WebGPU out-of-memory error:\nout of GPU memory: fill \[1024, 1024, 256\] \(a 1073741824-byte buffer\)/,
      );
    }
    // Reported once; the failed buffer is not pooled, and the next unrelated readback is clean.
    await expect(engine.sync()).resolves.toBeUndefined();
    const ones = engine.ones([3]);
    expect(Array.from(await ones.data())).toEqual([1, 1, 1]);
    ones.dispose();
  });

  it("a pipeline that fails validation is named at sync", async () => {
    const a = engine.tensor([1, 2, 3]);
    const out = engine.empty([3]);
    // A workgroup over maxComputeInvocationsPerWorkgroup: the pipeline itself is invalid.
    const tooWide = engine.device.limits.maxComputeInvocationsPerWorkgroup * 2;
    engine.run("elementwise/unary", { a, out }, { n: 3, alpha: 1, beta: 0 }, [1], { UOP: 0, WG: tooWide });
    await expect(engine.sync()).rejects.toThrow(new RegExp(`pipeline elementwise/unary\\|UOP=0,WG=${tooWide}`));
    await expect(engine.sync()).resolves.toBeUndefined();
    a.dispose();
    out.dispose();
  });

  it("binding one buffer as writable and readable in one dispatch throws at once, naming the kernel", () => {
    const a = engine.tensor([1, 2, 3]);
    const uniforms = { n: 3, rank: 1, outShape: [3], aStrides: [1], bStrides: [1] };
    expect(() => engine.run("elementwise/binary", { a, b: a, out: a }, uniforms, [1], { OP: 0 })).toThrow(
      /kernel elementwise\/binary: the buffer bound to writable 'out' is also bound to 'a'/,
    );
    const view = ops.reshape(a, [1, 3]);
    expect(() => ops.accumulate(a, ops.reshape(view, [3]))).toThrow(/kernel elementwise\/axpy: .*writable 'out' is also bound to 'a'/);
    view.dispose();
    a.dispose();
  });

  it("unknown kernels, bindings and uniform fields are named", () => {
    const a = engine.tensor([1]);
    expect(() => engine.run("nosuchfile/main", { a }, {}, [1])).toThrow("unknown kernel 'nosuchfile/main': no shaders/nosuchfile.wgsl");
    expect(() => engine.run("elementwise/nosuchentry", { a }, {}, [1])).toThrow(/has no @compute fn nosuchentry/);
    expect(() => engine.run("elementwise/fill", { a }, { n: 1, alpha: 0, beta: 0 }, [1])).toThrow(
      /kernel elementwise\/fill: no buffer given for binding 'out'/,
    );
    expect(() => engine.run("elementwise/fill", { out: a }, { n: 1, alpha: 0 }, [1])).toThrow(
      /kernel elementwise\/fill: uniform field 'beta' was not given/,
    );
    expect(() => engine.run("elementwise/fill", { out: a }, { n: 1, alpha: 0, beta: 0 }, [70_000])).toThrow(
      /dispatch of 70000×1×1 workgroups exceeds maxComputeWorkgroupsPerDimension = \d+/,
    );
    a.dispose();
  });
});

describe("recording and readback", () => {
  it("ops only record; one readback submits everything once", async () => {
    const x = engine.tensor([1, 2, 3, 4]);
    await engine.sync();
    const stats = { ...engine.stats };
    const y = engine.tidy(() => {
      let t = x;
      for (let i = 0; i < 10; i++) t = ops.addScalar(t, 1);
      return t;
    });
    expect(engine.stats.submits).toBe(stats.submits);
    expect(engine.stats.dispatches - stats.dispatches).toBe(10);
    const pending = y.data();
    expect(pending).toBeInstanceOf(Promise);
    expect(Array.from(await pending)).toEqual([11, 12, 13, 14]);
    expect(engine.stats.submits - stats.submits).toBe(1);
    expect(engine.stats.readbacks - stats.readbacks).toBe(1);
    x.dispose();
    y.dispose();
  });

  it("a repeated training-like step creates no buffers after the first one", async () => {
    const w1 = engine.parameter(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [8, 3],
      "w1",
    );
    const b1 = engine.parameter(new Float32Array(8), [8], "b1");
    const w2 = engine.parameter(
      Float32Array.from({ length: 8 }, (_, i) => Math.cos(i)),
      [1, 8],
      "w2",
    );
    const optimizer = new AdamW(engine, [w1, b1, w2], { lr: 1e-2 });
    const x = engine.tensor(
      Float32Array.from({ length: 15 }, (_, i) => i / 15),
      [5, 3],
    );
    const target = engine.tensor([1, 0, -1, 0, 1], [5, 1]);
    const step = async () => {
      const loss = engine.tidy(() => {
        const hidden = ops.silu(ops.linear(x, w1, b1));
        const l = ops.mean(ops.square(ops.sub(ops.linear(hidden, w2), target)));
        engine.backward(l);
        optimizer.step();
        optimizer.zeroGrad();
        return l;
      });
      const value = await loss.item();
      loss.dispose();
      return value;
    };
    const first = await step();
    const warm = engine.memory();
    const losses = [];
    for (let i = 0; i < 3; i++) losses.push(await step());
    const after = engine.memory();
    expect(after.buffersCreated).toBe(warm.buffersCreated);
    expect(after.liveTensors).toBe(warm.liveTensors);
    expect(after.liveBytes).toBe(warm.liveBytes);
    expect(losses[2]).toBeLessThan(first);
    optimizer.dispose();
    for (const t of [w1, b1, w2, x, target]) t.dispose();
  });
});

describe("an embedder's own device", () => {
  it("is used as given, and destroying the engine leaves it working", async () => {
    const guest = await Engine.create({ device: engine.device });
    expect(guest.adapter.backend).toBe("external");
    expect(guest.device).toBe(engine.device);
    const t = guest.tensor([1, 2, 3], [3]);
    expect(Array.from(await ops.scale(t, 2).data())).toEqual([2, 4, 6]);
    guest.destroy();
    expect(() => guest.zeros([1])).toThrow(/destroyed/);
    expect(Array.from(await engine.ones([2]).data())).toEqual([1, 1]);
  });
});
