#!/usr/bin/env bash
# Installs everything ddpm-webgpu needs on a fresh Debian/Ubuntu machine:
#   - the Vulkan loader and Debian's chromium, whose SwiftShader driver is the WebGPU software adapter
#     used when there is no GPU (and the browser for the headless-Chrome tests);
#   - the npm packages (npm ci), then the build (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -e /usr/lib/chromium/vk_swiftshader_icd.json ] || need_apt+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' || need_apt+=(libvulkan1)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "install: apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "install: npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "install: build"
npm run build --silent
