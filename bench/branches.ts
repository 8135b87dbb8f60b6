/**
 * What a branch skips on this adapter. SwiftShader (the CPU Vulkan driver) runs 4 invocations as the lanes of
 * one SIMD register and emits every block of a shader with a lane mask: a block that a runtime branch skips for
 * all 4 lanes still runs, masked, and a loop runs its body at least once before it checks whether any lane
 * goes on (src/Pipeline/SpirvShaderControlFlow.cpp: "TODO: Optimize for case where all lanes take same path").
 * A branch on a pipeline-overridable constant is resolved when the pipeline is created and costs nothing. A GPU
 * skips a block that no lane of a warp takes; compare the rows there too.
 *
 * Each kernel runs 4 dispatches of 16,384 invocations; its body is 1024 dependent vec4 FMAs, or 256 scattered
 * float reads, or 256 scattered float writes, and is:
 *   run        – unconditional
 *   if(0)      – behind `if (u.flag == 1u)` with the uniform flag 0 (the body is skipped for every lane)
 *   loop(0)    – inside `for (var i = 0u; i < u.flag; i++)` with flag 0 (zero trips)
 *   override   – behind `if (FLAG)` with the override constant FLAG false
 *   if(1)      – behind the branch with flag 1 (taken)
 *   none       – absent
 * Medians over interleaved repeats (bench/peak.ts's interleavedTimes: the order rotates each repeat), wall time of
 * the 4 dispatches.
 *
 *   node scripts/run.mjs bench/branches.ts [--repeats 15]
 */
import { Engine } from "../src/index.js";
import { interleavedTimes } from "./peak.js";

const args = process.argv.slice(2);
const repeatsAt = args.indexOf("--repeats");
const repeats = repeatsAt >= 0 ? Number(args[repeatsAt + 1]) : 15;
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`bench/branches.ts: --repeats must be a positive integer`);

const engine = await Engine.create({ validate: false, autotune: "off", tuneStore: null });
const device = engine.device;
const WORKGROUPS = 256;
const INVOCATIONS = WORKGROUPS * 64;
const N = 256;

// Each body by its row label.
const bodies: Record<string, string> = {
  "1024 vec4 FMAs": Array.from({ length: 1024 }, (_, i) => `    acc = fma(acc, scale, vec4<f32>(${((i % 7) + 1) * 0.001}));`).join("\n"),
  [`${N} float reads`]: Array.from({ length: N }, (_, i) => `    acc.x += src[gid.x * ${N}u + ${(i * 37) % N}u];`).join("\n"),
  [`${N} float writes`]: Array.from({ length: N }, (_, i) => `    dst[gid.x * ${N}u + ${(i * 37) % N}u] = acc.x + ${i}.0;`).join("\n"),
};
const guards: Record<string, (body: string) => string> = {
  run: (b) => `{\n${b}\n  }`,
  "if(0)": (b) => `if (u.flag == 1u) {\n${b}\n  }`,
  "loop(0)": (b) => `for (var i = 0u; i < u.flag; i++) {\n${b}\n  }`,
  override: (b) => `if (FLAG) {\n${b}\n  }`,
  "if(1)": (b) => `if (u.flag == 1u) {\n${b}\n  }`,
  none: () => "",
};
const shader = (body: string) => `
struct U { flag: u32, pad: u32 };
override FLAG: bool = false;
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  // Every binding used whatever the body, so that one layout fits all.
  var acc = vec4<f32>(f32(gid.x) * 1e-6 + f32(u.pad) + src[gid.x] + f32(arrayLength(&dst)));
  let scale = vec4<f32>(0.999);
  ${body}
  out[gid.x] = acc;
}`;

const outBuffer = device.createBuffer({ size: INVOCATIONS * 16, usage: GPUBufferUsage.STORAGE });
const srcBuffer = device.createBuffer({ size: INVOCATIONS * N * 4, usage: GPUBufferUsage.STORAGE });
const dstBuffer = device.createBuffer({ size: INVOCATIONS * N * 4, usage: GPUBufferUsage.STORAGE });
const flagBuffers = [0, 1].map((flag) => {
  const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, new Uint32Array([flag, 0, 0, 0]));
  return buffer;
});

// "body/guard" → record and submit its 4 dispatches (interleavedTimes waits for them with engine.sync()).
const variants: Record<string, () => void> = {};
device.pushErrorScope("validation");
for (const body of Object.keys(bodies)) {
  for (const guard of Object.keys(guards)) {
    const module = device.createShaderModule({ code: shader(guards[guard](bodies[body])) });
    const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: flagBuffers[guard === "if(1)" ? 1 : 0] } },
        { binding: 1, resource: { buffer: outBuffer } },
        { binding: 2, resource: { buffer: srcBuffer } },
        { binding: 3, resource: { buffer: dstBuffer } },
      ],
    });
    variants[`${body}/${guard}`] = () => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      for (let i = 0; i < 4; i++) pass.dispatchWorkgroups(WORKGROUPS);
      pass.end();
      device.queue.submit([encoder.finish()]);
    };
  }
}
const error = await device.popErrorScope();
if (error) throw new Error(`bench/branches.ts: a kernel did not compile: ${error.message}`);

const times = await interleavedTimes(engine, variants, repeats);

console.log(`adapter: ${engine.adapter.description}; ${repeats} interleaved repeats; ms for 4 × ${INVOCATIONS} invocations`);
console.log(`| body | ${Object.keys(guards).join(" | ")} |`);
console.log(
  `| --- | ${Object.keys(guards)
    .map(() => "---")
    .join(" | ")} |`,
);
for (const body of Object.keys(bodies)) {
  const run = times[`${body}/run`].median;
  const cells = Object.keys(guards).map((guard) => {
    const ms = times[`${body}/${guard}`].median;
    return `${ms.toFixed(2)} (${((100 * ms) / run).toFixed(0)}%)`;
  });
  console.log(`| ${body} | ${cells.join(" | ")} |`);
}
engine.destroy();
