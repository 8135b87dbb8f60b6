/**
 * What a branch skips on this adapter. SwiftShader (the CPU Vulkan driver) runs 4 invocations as the lanes of
 * one SIMD register and emits every block of a shader with a lane mask: a block that a runtime branch skips for
 * all 4 lanes still runs, masked, and a loop runs its body at least once before it checks whether any lane
 * goes on (src/Pipeline/SpirvShaderControlFlow.cpp: "TODO: Optimize for case where all lanes take same path").
 * A branch on a pipeline-overridable constant is resolved when the pipeline is created and costs nothing. A GPU
 * skips a block that no lane of a warp takes; compare the rows there too.
 *
 * Each body is a kernel family of its own (engine.kernels.addFamily), run through the engine (engine.run on engine
 * tensors, the flag as a uniform, FLAG as a pipeline constant) as 4 dispatches of 16,384 invocations. The body is
 * 1024 dependent vec4 FMAs, or 256 scattered float reads, or 256 scattered float writes, and is:
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
import { countOption } from "./stats.js";

const repeats = countOption(process.argv.slice(2), "repeats", 15);

const engine = await Engine.create({ validate: false, autotune: "off", tuneStore: null });
const WORKGROUPS = 256;
const INVOCATIONS = WORKGROUPS * 64;
const N = 256;

/** Each body by its row label, with the name of its kernel family. */
const bodies: Record<string, { family: string; code: string }> = {
  "1024 vec4 FMAs": {
    family: "branches_fma",
    code: Array.from({ length: 1024 }, (_, i) => `    acc = fma(acc, scale, vec4<f32>(${((i % 7) + 1) * 0.001}));`).join("\n"),
  },
  [`${N} float reads`]: {
    family: "branches_reads",
    code: Array.from({ length: N }, (_, i) => `    acc.x += src[gid.x * ${N}u + ${(i * 37) % N}u];`).join("\n"),
  },
  [`${N} float writes`]: {
    family: "branches_writes",
    code: Array.from({ length: N }, (_, i) => `    dst[gid.x * ${N}u + ${(i * 37) % N}u] = acc.x + ${i}.0;`).join("\n"),
  },
};

/** The entry points of a body's family: the body under each guard. */
const entries: Record<string, (body: string) => string> = {
  run: (b) => `{\n${b}\n  }`,
  if_flag: (b) => `if (u.flag == 1u) {\n${b}\n  }`,
  loop_flag: (b) => `for (var i = 0u; i < u.flag; i++) {\n${b}\n  }`,
  if_override: (b) => `if (FLAG) {\n${b}\n  }`,
  none: () => "",
};

/** Each column: the entry point, the uniform flag, and the pipeline constants it runs with. */
const guards: Record<string, { entry: string; flag: number; constants?: Record<string, number> }> = {
  run: { entry: "run", flag: 0 },
  "if(0)": { entry: "if_flag", flag: 0 },
  "loop(0)": { entry: "loop_flag", flag: 0 },
  override: { entry: "if_override", flag: 0, constants: { FLAG: 0 } },
  "if(1)": { entry: "if_flag", flag: 1 },
  none: { entry: "none", flag: 0 },
};

const shader = (body: string) => `
struct U { flag: u32, pad: u32 };
override FLAG: bool = false;
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
${Object.entries(entries)
  .map(
    ([entry, guard]) => `
@compute @workgroup_size(64)
fn ${entry}(@builtin(global_invocation_id) gid: vec3<u32>) {
  // Every binding used whatever the body, so that one layout fits all.
  var acc = vec4<f32>(f32(gid.x) * 1e-6 + f32(u.pad) + src[gid.x] + f32(arrayLength(&dst)));
  let scale = vec4<f32>(0.999);
  ${guard(body)}
  out[gid.x] = acc;
}`,
  )
  .join("\n")}`;

const buffers = {
  out: engine.zeros([INVOCATIONS * 4]),
  src: engine.zeros([INVOCATIONS * N]),
  dst: engine.zeros([INVOCATIONS * N]),
};

// "body/guard" → record its 4 dispatches (interleavedTimes submits and waits for them with engine.sync()).
const variants: Record<string, () => void> = {};
for (const [label, { family, code }] of Object.entries(bodies)) {
  engine.kernels.addFamily(family, shader(code), `bench/branches.ts (${label})`);
  for (const [column, { entry, flag, constants }] of Object.entries(guards)) {
    variants[`${label}/${column}`] = () => {
      for (let i = 0; i < 4; i++) engine.run(`${family}/${entry}`, buffers, { flag, pad: 0 }, [WORKGROUPS], constants);
    };
  }
}

const times = await interleavedTimes(engine, variants, repeats);

console.log(`adapter: ${engine.adapter.description}; ${repeats} interleaved repeats; ms for 4 × ${INVOCATIONS} invocations`);
console.log(`| body | ${Object.keys(guards).join(" | ")} |`);
console.log(
  `| --- | ${Object.keys(guards)
    .map(() => "---")
    .join(" | ")} |`,
);
for (const label of Object.keys(bodies)) {
  const run = times[`${label}/run`].median;
  const cells = Object.keys(guards).map((column) => {
    const ms = times[`${label}/${column}`].median;
    return `${ms.toFixed(2)} (${((100 * ms) / run).toFixed(0)}%)`;
  });
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}
engine.destroy();
