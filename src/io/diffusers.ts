/**
 * diffusers-compatible checkpoint folders:
 *
 * ```
 * dir/model_index.json                              (optional: lets DDPMPipeline.from_pretrained(dir) load it)
 * dir/unet/config.json                              UNet2DModel's constructor arguments
 * dir/unet/diffusion_pytorch_model.safetensors      its state dict, diffusers' key names
 * dir/scheduler/scheduler_config.json               DDPMScheduler's constructor arguments
 * ```
 *
 * The parse/format functions are pure (a browser can hand them File contents); the read/write functions are
 * Node-only and go through ./fs.js, which writes atomically.
 */
import { nodeModules, pathExists, readBytes, readJson, writeFilesAtomic } from "./fs.js";
import { parseSafetensors, serializeSafetensors, type TensorData } from "./safetensors.js";

/** The diffusers release whose UNet2DModel and DDPMScheduler this project matches. */
const DIFFUSERS_VERSION = "0.30.0";

const UNET_CONFIG_NAME = "config.json";
const UNET_WEIGHTS_NAME = "diffusion_pytorch_model.safetensors";
const SCHEDULER_CONFIG_NAME = "scheduler_config.json";

/** A U-Net checkpoint: its config.json object and its state dict (f32, diffusers' key names). */
export interface DiffusersUNet {
  config: Record<string, unknown>;
  tensors: Map<string, TensorData>;
  /** The folder it was read from (named in errors about it). */
  source: string;
}

/**
 * Attention weights of checkpoints saved before diffusers 0.14 (e.g. google/ddpm-*), and the names diffusers
 * gives them on load (`_convert_deprecated_attention_blocks`).
 */
const LEGACY_ATTENTION_NAMES: [legacy: string, current: string][] = [
  [".query.", ".to_q."],
  [".key.", ".to_k."],
  [".value.", ".to_v."],
  [".proj_attn.", ".to_out.0."],
];

/** Renames legacy attention keys (`query`, `key`, `value`, `proj_attn`) to today's (`to_q`, `to_k`, `to_v`, `to_out.0`). */
export function renameLegacyAttentionKeys<T>(tensors: Map<string, T>): Map<string, T> {
  const out = new Map<string, T>();
  const renamedFrom = new Map<string, string>();
  for (const [key, value] of tensors) {
    let name = key;
    for (const [legacy, current] of LEGACY_ATTENTION_NAMES) name = name.replaceAll(legacy, current);
    if (out.has(name)) {
      const other = renamedFrom.get(name) ?? name;
      throw new Error(`checkpoint holds both "${other}" and "${key}", which are the same weight under old and new names`);
    }
    out.set(name, value);
    renamedFrom.set(name, key);
  }
  return out;
}

/** Parses a U-Net checkpoint from the text of config.json and the bytes of its safetensors file. */
export function parseUNetCheckpoint(configText: string, weights: Uint8Array, source = "unet"): DiffusersUNet {
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (error) {
    throw new Error(`${source}/${UNET_CONFIG_NAME} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new Error(`${source}/${UNET_CONFIG_NAME} is not a JSON object`);
  }
  const className = (config as Record<string, unknown>)._class_name;
  if (className !== undefined && className !== "UNet2DModel") {
    throw new Error(`${source}/${UNET_CONFIG_NAME} describes a ${String(className)}; only UNet2DModel is supported`);
  }
  let parsed: ReturnType<typeof parseSafetensors>;
  try {
    parsed = parseSafetensors(weights);
  } catch (error) {
    throw new Error(`${source}/${UNET_WEIGHTS_NAME}: ${(error as Error).message}`, { cause: error });
  }
  return { config: config as Record<string, unknown>, tensors: renameLegacyAttentionKeys(parsed.tensors), source };
}

/** JSON as diffusers writes it: keys sorted at every level, two-space indent, a final newline. */
export function sortedJson(value: Record<string, unknown>): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** config.json text for a UNet2DModel; `_class_name` is set, `_diffusers_version` kept or added. */
export function formatUNetConfig(config: Record<string, unknown>): string {
  return sortedJson({ _diffusers_version: DIFFUSERS_VERSION, ...config, _class_name: "UNet2DModel" });
}

/** scheduler_config.json text; `_class_name` defaults to DDPMScheduler, `_diffusers_version` is kept or added. */
export function formatSchedulerConfig(config: Record<string, unknown>): string {
  return sortedJson({ _class_name: "DDPMScheduler", _diffusers_version: DIFFUSERS_VERSION, ...config });
}

/** dir/unet when it holds a config.json, else dir itself when it does; otherwise an error naming both. */
async function findUNetFolder(dir: string): Promise<string> {
  const { path } = await nodeModules();
  const candidates = [path.join(dir, "unet"), dir];
  for (const folder of candidates) {
    if (await pathExists(path.join(folder, UNET_CONFIG_NAME))) return folder;
  }
  throw new Error(`no U-Net checkpoint in ${dir}: looked for ${candidates.map((c) => path.join(c, UNET_CONFIG_NAME)).join(" and ")}`);
}

/**
 * Reads a diffusers UNet2DModel: dir/unet/{config.json, diffusion_pytorch_model.safetensors}, or those two files
 * in dir itself. Legacy attention key names are mapped to today's. Node only.
 */
export async function readDiffusersUNet(dir: string): Promise<DiffusersUNet> {
  const { fs, path } = await nodeModules();
  const folder = await findUNetFolder(dir);
  const weightsPath = path.join(folder, UNET_WEIGHTS_NAME);
  if (!(await pathExists(weightsPath))) {
    const present = (await fs.readdir(folder)).filter((f) => f.startsWith("diffusion_pytorch_model"));
    const hint = present.some((f) => f.endsWith(".bin"))
      ? " (PyTorch .bin pickles are not read: convert them to safetensors)"
      : present.length
        ? ` (found ${present.join(", ")}; sharded and variant files are not read)`
        : "";
    throw new Error(`no ${UNET_WEIGHTS_NAME} in ${folder}${hint}`);
  }
  const configText = await fs.readFile(path.join(folder, UNET_CONFIG_NAME), "utf8");
  return parseUNetCheckpoint(configText, await readBytes(weightsPath), folder);
}

/**
 * Writes a UNet2DModel checkpoint to dir/subfolder (dir itself when subfolder is ""): the weights as F32
 * safetensors, then config.json, both atomically, so an interrupted save leaves the previous checkpoint readable.
 * Node only.
 */
export async function writeDiffusersUNet(
  dir: string,
  config: Record<string, unknown>,
  tensors: Map<string, TensorData> | Record<string, TensorData>,
  subfolder = "unet",
): Promise<void> {
  const { fs, path } = await nodeModules();
  const folder = subfolder ? path.join(dir, subfolder) : dir;
  const weights = serializeSafetensors(tensors, { format: "pt" });
  await fs.mkdir(folder, { recursive: true });
  await writeFilesAtomic([
    { path: path.join(folder, UNET_WEIGHTS_NAME), data: weights },
    { path: path.join(folder, UNET_CONFIG_NAME), data: formatUNetConfig(config) },
  ]);
}

/** Where a model folder's scheduler config can be: dir/scheduler/, dir itself, and beside dir (for dir = …/unet). */
async function schedulerConfigCandidates(dir: string): Promise<string[]> {
  const { path } = await nodeModules();
  return [
    path.join(dir, "scheduler", SCHEDULER_CONFIG_NAME),
    path.join(dir, SCHEDULER_CONFIG_NAME),
    path.join(dir, "..", "scheduler", SCHEDULER_CONFIG_NAME),
  ];
}

/** The path of dir's scheduler config (see schedulerConfigCandidates), or null with the places looked at. */
export async function findSchedulerConfig(dir: string): Promise<{ file: string | null; looked: string[] }> {
  const looked = await schedulerConfigCandidates(dir);
  for (const file of looked) if (await pathExists(file)) return { file, looked };
  return { file: null, looked };
}

/** Reads dir/scheduler/scheduler_config.json (or dir/scheduler_config.json, or ../scheduler/). Node only. */
export async function readSchedulerConfig(dir: string): Promise<Record<string, unknown>> {
  const { file, looked } = await findSchedulerConfig(dir);
  if (!file) throw new Error(`no scheduler config in ${dir}: looked for ${looked.join(", ")}`);
  return readJson(file);
}

/** Writes dir/scheduler/scheduler_config.json atomically. Node only. */
export async function writeSchedulerConfig(dir: string, config: Record<string, unknown>): Promise<void> {
  const { fs, path } = await nodeModules();
  const folder = path.join(dir, "scheduler");
  await fs.mkdir(folder, { recursive: true });
  await writeFilesAtomic([{ path: path.join(folder, SCHEDULER_CONFIG_NAME), data: formatSchedulerConfig(config) }]);
}

/**
 * Writes dir/model_index.json, which diffusers' `DiffusionPipeline.from_pretrained(dir)` reads to find the
 * pipeline class and its parts. Node only.
 */
export async function writeModelIndex(dir: string, parts: { pipeline?: string; scheduler?: string } = {}): Promise<void> {
  const { fs, path } = await nodeModules();
  await fs.mkdir(dir, { recursive: true });
  await writeFilesAtomic([{ path: path.join(dir, "model_index.json"), data: formatModelIndex(parts) }]);
}

/** model_index.json text: the pipeline class and its parts (a U-Net and a scheduler). */
export function formatModelIndex({
  pipeline = "DDPMPipeline",
  scheduler = "DDPMScheduler",
}: {
  pipeline?: string;
  scheduler?: string;
} = {}): string {
  return sortedJson({
    _class_name: pipeline,
    _diffusers_version: DIFFUSERS_VERSION,
    scheduler: ["diffusers", scheduler],
    unet: ["diffusers", "UNet2DModel"],
  });
}
