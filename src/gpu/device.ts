/**
 * Device acquisition: navigator.gpu in a browser, Dawn (the `webgpu` package) in Node, and the
 * SwiftShader software adapter that Debian's chromium package ships when Node finds no other.
 */

/** What the engine reports about the adapter it runs on. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** "browser" (navigator.gpu), "dawn-node" (the `webgpu` package) or "external" (an embedder's device). */
  backend: "browser" | "dawn-node" | "external";
  /** True for a CPU software adapter such as SwiftShader. */
  isSoftware: boolean;
  features: string[];
  /** The limits the engine requested and got. */
  limits: Record<string, number>;
}

/** How to acquire the device. */
export interface DeviceOptions {
  /** Use this device instead of creating one (its limits are what the engine works within). */
  device?: GPUDevice;
  /** Power preference passed to requestAdapter. */
  powerPreference?: GPUPowerPreference;
  /** Print one line when the software adapter is chosen (default true). */
  verbose?: boolean;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: AdapterReport;
}

/** Where Debian's chromium package puts SwiftShader's Vulkan ICD. */
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const INSTALL_HINT = "apt-get install -y chromium libvulkan1   (Debian's chromium ships the SwiftShader Vulkan driver)";

/** Limits the engine asks for: as much as the adapter offers, not WebGPU's defaults. */
const WANTED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBuffersPerShaderStage",
  "maxUniformBufferBindingSize",
  "maxBindGroups",
] as const;

const WANTED_FEATURES: GPUFeatureName[] = ["timestamp-query", "subgroups" as GPUFeatureName, "shader-f16"];

/** Acquire a GPUDevice for the engine, or throw an error that says what is missing. */
export async function acquireDevice(options: DeviceOptions = {}): Promise<AcquiredDevice> {
  if (options.device) {
    return { device: options.device, adapter: reportFromDevice(options.device, "external") };
  }
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) {
    const adapter = await nav.gpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) {
      throw new Error(
        "WebGPU: navigator.gpu returned no adapter. Enable WebGPU in this browser (Chrome: chrome://flags/#enable-unsafe-webgpu) " +
          "or, headless, start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan --use-vulkan=swiftshader " +
          "--use-webgpu-adapter=swiftshader --use-angle=swiftshader.",
      );
    }
    return requestDevice(adapter, "browser");
  }
  if (typeof process !== "undefined" && process.versions?.node) {
    return acquireNodeDevice(options);
  }
  throw new Error("WebGPU is not available here: no navigator.gpu and not running in Node.");
}

/**
 * Dawn's GPU instances, held for the life of the process: when the instance that made a device is garbage
 * collected, dawn.node's device threads crash the process (aborts and segfaults under SwiftShader).
 */
const liveInstances: GPU[] = [];

async function acquireNodeDevice(options: DeviceOptions): Promise<AcquiredDevice> {
  const fs = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  let webgpu: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    // Hidden from bundlers: the browser bundle must not try to include a native addon.
    const name = "webgpu";
    webgpu = await import(/* @vite-ignore */ name);
  } catch (error) {
    throw new Error(`WebGPU in Node needs the 'webgpu' package (Dawn): run \`npm install webgpu\`. (${String(error)})`);
  }
  // Dawn's WebGPU classes (GPUBufferUsage, GPUMapMode, ...) as globals, as in a browser.
  for (const [key, value] of Object.entries(webgpu.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  // The Vulkan loader complains on every instance without a runtime dir; give it a private one.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = path.join(os.tmpdir(), `ddpm-webgpu-xdg-${process.getuid?.() ?? 0}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  const tryAdapter = async () => {
    try {
      const instance = webgpu.create([]);
      liveInstances.push(instance);
      return await instance.requestAdapter({ powerPreference: options.powerPreference });
    } catch {
      return null;
    }
  };
  // No GPU device node at all (no /dev/dri, /dev/nvidia0 or WSL's /dev/dxg): go straight to SwiftShader rather than
  // letting every installed Mesa driver fail first, each with a warning on stderr.
  const noGpuNode = !["/dev/dri", "/dev/nvidia0", "/dev/dxg"].some((p) => fs.existsSync(p));
  const useSwiftShader = () => !process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD);
  let adapter: GPUAdapter | null = null;
  if (!(noGpuNode && useSwiftShader())) adapter = await tryAdapter();
  if (!adapter && useSwiftShader()) {
    // The loader reads the ICD list when an instance is created, so a second instance sees it.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    adapter = await tryAdapter();
    if (adapter && options.verbose !== false) {
      console.error(`ddpm-webgpu: no GPU adapter found; using the SwiftShader software adapter (${SWIFTSHADER_ICD}).`);
    }
  }
  if (!adapter) {
    const libvulkan = ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib/aarch64-linux-gnu/libvulkan.so.1"].some((p) =>
      fs.existsSync(p),
    );
    const missing = [
      libvulkan ? null : "the Vulkan loader (libvulkan.so.1)",
      fs.existsSync(SWIFTSHADER_ICD) ? null : `a Vulkan driver (no GPU driver works and ${SWIFTSHADER_ICD} is absent)`,
    ].filter(Boolean);
    throw new Error(
      `WebGPU (Dawn for Node) found no adapter${missing.length ? `; missing: ${missing.join(", ")}` : ""}. ` +
        `To run on the CPU software adapter: ${INSTALL_HINT}`,
    );
  }
  return requestDevice(adapter, "dawn-node");
}

async function requestDevice(adapter: GPUAdapter, backend: AdapterReport["backend"]): Promise<AcquiredDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === "number") requiredLimits[name] = value;
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const report = reportFromDevice(device, backend);
  report.vendor = info.vendor ?? "";
  report.architecture = info.architecture ?? "";
  report.device = info.device ?? "";
  report.description = info.description ?? "";
  report.isSoftware =
    Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
    /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  return { device, adapter: report };
}

function reportFromDevice(device: GPUDevice, backend: AdapterReport["backend"]): AdapterReport {
  const limits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const value = (device.limits as unknown as Record<string, number>)[name];
    if (typeof value === "number") limits[name] = value;
  }
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    device: info?.device ?? "",
    description: info?.description ?? "",
    backend,
    isSoftware: /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info?.vendor} ${info?.architecture} ${info?.description}`),
    features: [...device.features],
    limits,
  };
}
