/**
 * Where the GPU run bundle (bench/gpu-run.ts) finds a Vulkan driver, before Dawn creates its instance: the ICD
 * manifests (JSON files naming the driver's library) that the Vulkan loader would read, found in this order:
 *
 *   1. VK_DRIVER_FILES, else VK_ICD_FILENAMES (colon-separated manifest paths or folders): these alone, as the loader
 *      reads them; a path that does not exist is reported;
 *   2. the folders the loader itself searches on Linux ($XDG_CONFIG_HOME, $XDG_CONFIG_DIRS, /etc, $XDG_DATA_HOME,
 *      $XDG_DATA_DIRS, each + /vulkan/icd.d);
 *   3. folders the loader does not search where GPU containers put manifests (NVIDIA's /usr/local/nvidia/...):
 *      VK_ICD_FILENAMES is then set to what they hold;
 *   4. NVIDIA's driver library (libGLX_nvidia.so.0, which holds its Vulkan driver) without a manifest, as in
 *      containers started with the "compute" capability only: a manifest naming it is written and used.
 *
 * Without any, the message names every folder searched and the variable to set.
 */

/** The file-system calls the search makes (tests pass a fake tree). */
export interface DriverFs {
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  list(dir: string): string[];
  read(path: string): string;
  write(path: string, text: string): void;
}

export interface DriverSearch {
  /** "env": from VK_DRIVER_FILES / VK_ICD_FILENAMES; "loader": the loader's folders; "extra": step 3; "written": step 4. */
  source: "env" | "loader" | "extra" | "written" | "none";
  /** The manifests found (or written), with the library each names. */
  drivers: { manifest: string; library: string }[];
  /** Folders looked in, in order. */
  searched: string[];
  /** Variables to set in this process before the Vulkan instance is created. */
  setEnv: Record<string, string>;
  /** One line for the log: what was found, or what to do. */
  message: string;
}

/** Folders not searched by the loader where GPU containers put ICD manifests. */
const EXTRA_FOLDERS = [
  "/usr/local/nvidia/share/vulkan/icd.d",
  "/usr/local/nvidia/vulkan/icd.d",
  "/usr/lib/x86_64-linux-gnu/nvidia/vulkan/icd.d",
];

/** Library folders where an NVIDIA driver's libGLX_nvidia.so.0 lives, on hosts and in containers. */
const NVIDIA_LIBRARY_FOLDERS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib"];
const NVIDIA_LIBRARY = "libGLX_nvidia.so.0";

const colonList = (value: string | undefined): string[] => (value ?? "").split(":").filter((part) => part.length > 0);

/** The loader's own search folders on Linux, in its order (Vulkan-Loader's LoaderInterfaceArchitecture.md). */
export function loaderFolders(env: Record<string, string | undefined>): string[] {
  const home = env.HOME ?? "";
  const configHome = env.XDG_CONFIG_HOME || (home ? `${home}/.config` : "");
  const dataHome = env.XDG_DATA_HOME || (home ? `${home}/.local/share` : "");
  const configDirs = colonList(env.XDG_CONFIG_DIRS || "/etc/xdg");
  const dataDirs = colonList(env.XDG_DATA_DIRS || "/usr/local/share:/usr/share");
  const bases = [configHome, ...configDirs, "/etc", dataHome, ...dataDirs].filter((base) => base.length > 0);
  return [...new Set(bases.map((base) => `${base}/vulkan/icd.d`))];
}

function manifestLibrary(fs: DriverFs, manifest: string): string {
  try {
    const parsed = JSON.parse(fs.read(manifest)) as { ICD?: { library_path?: string } };
    return parsed.ICD?.library_path ?? "(no ICD.library_path)";
  } catch {
    return "(unreadable manifest)";
  }
}

function manifestsIn(fs: DriverFs, folder: string): string[] {
  if (!fs.isDirectory(folder)) return [];
  return fs
    .list(folder)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => `${folder}/${name}`);
}

/**
 * Find the Vulkan drivers (see the file comment). `writeDir` is where a manifest for NVIDIA's library is written
 * when step 4 applies.
 */
export function findVulkanDrivers(env: Record<string, string | undefined>, fs: DriverFs, writeDir: string): DriverSearch {
  const describe = (manifests: string[]) => manifests.map((manifest) => ({ manifest, library: manifestLibrary(fs, manifest) }));
  const variable = env.VK_DRIVER_FILES ? "VK_DRIVER_FILES" : env.VK_ICD_FILENAMES ? "VK_ICD_FILENAMES" : null;
  if (variable) {
    const paths = colonList(env[variable]);
    const manifests = paths.flatMap((p) => (fs.isDirectory(p) ? manifestsIn(fs, p) : fs.exists(p) ? [p] : []));
    const missing = paths.filter((p) => !fs.exists(p));
    const source = manifests.length > 0 ? "env" : "none";
    return {
      source,
      drivers: describe(manifests),
      searched: paths,
      setEnv: {},
      message:
        manifests.length > 0
          ? `Vulkan drivers from ${variable}: ${manifests.join(", ")}${missing.length ? ` (not found: ${missing.join(", ")})` : ""}`
          : `${variable}=${env[variable]} names no existing ICD manifest: set it to the driver's ICD JSON file (e.g. nvidia_icd.json)`,
    };
  }
  const searched: string[] = [];
  const scan = (folders: string[]) => {
    searched.push(...folders);
    return folders.flatMap((folder) => manifestsIn(fs, folder));
  };
  const standard = scan(loaderFolders(env));
  if (standard.length > 0) {
    return { source: "loader", drivers: describe(standard), searched, setEnv: {}, message: `Vulkan drivers: ${standard.join(", ")}` };
  }
  const extra = scan(EXTRA_FOLDERS);
  if (extra.length > 0) {
    return {
      source: "extra",
      drivers: describe(extra),
      searched,
      setEnv: { VK_ICD_FILENAMES: extra.join(":") },
      message: `Vulkan drivers outside the loader's folders, passed through VK_ICD_FILENAMES: ${extra.join(", ")}`,
    };
  }
  const nvidiaLibrary = NVIDIA_LIBRARY_FOLDERS.map((folder) => `${folder}/${NVIDIA_LIBRARY}`).find((path) => fs.exists(path));
  searched.push(...NVIDIA_LIBRARY_FOLDERS.map((folder) => `${folder}/${NVIDIA_LIBRARY}`));
  if (nvidiaLibrary) {
    const manifest = `${writeDir}/nvidia_icd.json`;
    fs.write(
      manifest,
      `${JSON.stringify({ file_format_version: "1.0.0", ICD: { library_path: nvidiaLibrary, api_version: "1.3.0" } }, null, 2)}\n`,
    );
    return {
      source: "written",
      drivers: [{ manifest, library: nvidiaLibrary }],
      searched,
      setEnv: { VK_ICD_FILENAMES: manifest },
      message: `no ICD manifest, but NVIDIA's driver library ${nvidiaLibrary}: using the manifest ${manifest} written for it`,
    };
  }
  return {
    source: "none",
    drivers: [],
    searched,
    setEnv: {},
    message:
      `no Vulkan driver found: searched ${searched.join(", ")}. ` +
      "Set VK_DRIVER_FILES (or VK_ICD_FILENAMES) to the driver's ICD manifest, e.g. VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json",
  };
}
