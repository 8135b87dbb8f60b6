#!/bin/sh
# ddpm-webgpu's GPU run bundle: this script with a gzipped tar appended (built by `npm run bundle:gpu`).
# It needs no Node, no internet and no Vulkan loader on the machine: it unpacks its own Node, Dawn, the
# engine, TensorFlow.js, the MNIST digits and Debian's Vulkan loader, then runs app/gpu-run.mjs: a driver
# search, the kernel-correctness cases, the quick benchmark against TensorFlow.js and a short training run.
#
#   sh ddpm-webgpu-gpu.run [OUTPUT_DIR] [runner options...]
#
#   OUTPUT_DIR          results (default $OUT, else ./ddpm-webgpu-gpu-results)
#   DDPM_BUNDLE_DIR     where to unpack (default a new folder under ${TMPDIR:-/tmp})
#   DDPM_VULKAN_LOADER  "bundled" uses the bundled libvulkan.so.1 even when the system has one
#   VK_DRIVER_FILES / VK_ICD_FILENAMES   the Vulkan driver's ICD manifest, when the standard folders hold none
# Runner options: --budget-minutes=8 --train-minutes=3 --phases=check,bench,train --filter=TEXT --bench-args="..."
# Exit status: 0 all passed; 1 a kernel case failed; 2 no Vulkan driver or adapter; 3 the bench or training failed.
set -eu

self=$0
out=${OUT:-$PWD/ddpm-webgpu-gpu-results}
case ${1:-} in
  "" | --*) ;;
  *) out=$1; shift ;;
esac
case $out in /*) ;; *) out=$PWD/$out ;; esac

dir=${DDPM_BUNDLE_DIR:-}
if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/ddpm-webgpu-gpu.XXXXXX"); fi
mkdir -p "$dir" "$out"
payload=$(awk '/^__PAYLOAD_BELOW__$/ { print NR + 1; exit }' "$self")
echo "ddpm-webgpu GPU bundle: unpacking into $dir"
tail -n +"$payload" "$self" | gzip -dc | tar -xf - -C "$dir"

# Dawn opens libvulkan.so.1 by name: the system's if it has one, else the bundled copy (Debian's libvulkan1).
has_loader=no
for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib /usr/local/lib; do
  if [ -e "$d/libvulkan.so.1" ]; then has_loader=yes; fi
done
if [ "$has_loader" = no ] && [ -x /sbin/ldconfig ] && /sbin/ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then has_loader=yes; fi
if [ "$has_loader" = no ] || [ "${DDPM_VULKAN_LOADER:-}" = bundled ]; then
  LD_LIBRARY_PATH=$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
  DDPM_VULKAN_LOADER="bundled ($(cat "$dir/lib/libvulkan.version"))"
else
  DDPM_VULKAN_LOADER=system
fi
export DDPM_VULKAN_LOADER
cat "$dir/BUILD"

exec "$dir/bin/node" "$dir/app/gpu-run.mjs" --out "$out" --work "$dir/work" "$@"
__PAYLOAD_BELOW__
