// Builds dist/: the ESM library for Node and bundlers (WGSL inlined through esbuild's text loader) and the CLI.
import { build } from "esbuild";
import { existsSync } from "node:fs";

const common = {
  bundle: true,
  format: "esm",
  target: "es2022",
  loader: { ".wgsl": "text" },
  sourcemap: true,
  logLevel: "warning",
};

// Node / bundler entry: the native Dawn addon stays an external import, loaded only in Node.
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "neutral", external: ["webgpu", "node:*"] });
// Node-only additions (files, MNIST, PNG via pngjs, the CLI's jobs).
const nodeExternal = ["webgpu", "pngjs", "mnist"];
await build({ ...common, entryPoints: ["src/node.ts"], outfile: "dist/node.js", platform: "node", external: nodeExternal });
// Browser bundle: everything inlined, no Node built-ins.
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/browser/ddpm-webgpu.js", platform: "browser", external: ["webgpu", "node:*"] });
if (existsSync("src/cli.ts")) {
  await build({
    ...common,
    entryPoints: ["src/cli.ts"],
    outfile: "dist/cli.js",
    platform: "node",
    external: nodeExternal,
    banner: { js: "#!/usr/bin/env node" },
  });
}
