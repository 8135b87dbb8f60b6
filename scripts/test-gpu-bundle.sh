#!/bin/sh
# The GPU run bundle end to end on this machine's SwiftShader: builds it (npm run bundle:gpu; --no-build reuses
# out/gpu-bundle/ddpm-webgpu-gpu.run), unpacks and runs it in an empty folder with an environment of its own
# (env -i) whose PATH holds only the shell tools the entry script uses, so neither the system Node nor
# node_modules can be reached, and with the bundled Vulkan loader; then checks the results.
#
#   sh scripts/test-gpu-bundle.sh [--no-build] [runner options, e.g. --budget-minutes=8]
#
# About 8 minutes on a shared 2-core machine (bench/README.md); too long for `npm test`, whose test/gpu-bundle.test.ts
# and test/gpu-defaults.test.ts check the pieces.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --no-build ]; then shift; else (cd "$root" && npm run --silent bundle:gpu); fi
archive=$root/out/gpu-bundle/ddpm-webgpu-gpu.run
icd=${SWIFTSHADER_ICD:-/usr/lib/chromium/vk_swiftshader_icd.json}

work=$(mktemp -d "${TMPDIR:-/tmp}/ddpm-gpu-bundle-test.XXXXXX")
mkdir -p "$work/tools" "$work/home" "$work/xdg" "$work/unpack"
for tool in sh awk tail gzip tar mktemp mkdir cat grep; do ln -s "$(command -v "$tool")" "$work/tools/$tool"; done
cp "$archive" "$work/home/"

status=0
(cd "$work/home" && env -i PATH="$work/tools" HOME="$work/home" XDG_RUNTIME_DIR="$work/xdg" VK_ICD_FILENAMES="$icd" \
  DDPM_VULKAN_LOADER=bundled DDPM_BUNDLE_DIR="$work/unpack" sh ./ddpm-webgpu-gpu.run "$work/results" "$@") || status=$?

echo "exit status $status; results in $work/results"
node --input-type=module - "$work/results" "$status" <<'EOF'
import { existsSync, readFileSync } from "node:fs";
const [dir, status] = process.argv.slice(2);
const summary = JSON.parse(readFileSync(`${dir}/summary.json`, "utf8"));
const problems = [];
if (status !== "0") problems.push(`exit status ${status}`);
if (!summary.vulkanLoader.startsWith("bundled")) problems.push(`Vulkan loader ${summary.vulkanLoader}, not the bundled one`);
const families = new Set(summary.kernelCases.outcomes.map((o) => o.family));
if (summary.kernelCases.failed !== 0) problems.push(`${summary.kernelCases.failed} kernel cases failed`);
if (families.size < 12) problems.push(`kernel cases cover ${families.size} families, not 12`);
for (const p of summary.phases) if (p.status !== "ok") problems.push(`phase ${p.phase}: ${p.status} (${p.detail})`);
for (const file of ["summary.md", "run.log", "bench.json", "bench.md", "samples.png"]) if (!existsSync(`${dir}/${file}`)) problems.push(`no ${file}`);
console.log(summary.phases.map((p) => `${p.phase} ${p.status} ${p.seconds.toFixed(0)} s: ${p.detail}`).join("\n"));
console.log(`${summary.kernelCases.total} kernel cases in ${families.size} families; ${summary.seconds.toFixed(0)} s in all`);
if (problems.length) {
  console.log(`FAILED: ${problems.join("; ")}`);
  process.exit(1);
}
console.log("OK");
EOF
