// Runs the ddpm CLI in this process with fs.promises.rename patched to kill the process (SIGKILL, as a power cut
// or `kill -9` would) at one dangerous point of a checkpoint save:
//   between-renames   right after checkpoint → checkpoint.old, before checkpoint.tmp-PID → checkpoint
//   temporary-write   at the first file renamed into place inside checkpoint.tmp-PID (the folder half-written)
// Usage: node test/helpers/crash-save.mjs POINT ddpm-arguments…
import { createRequire, syncBuiltinESMExports } from "node:module";

const require = createRequire(import.meta.url);
const fsp = require("node:fs/promises");
const [point, ...args] = process.argv.slice(2);
const rename = fsp.rename;
fsp.rename = async (from, to) => {
  const dangerous =
    (point === "between-renames" && String(to).endsWith("checkpoint.old")) ||
    (point === "temporary-write" && String(to).includes("checkpoint.tmp-"));
  if (!dangerous) return rename(from, to);
  await rename(from, to);
  process.kill(process.pid, "SIGKILL");
};
syncBuiltinESMExports();
process.argv = [process.argv[0], "ddpm", ...args];
await import("../../dist/cli.js");
