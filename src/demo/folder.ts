/**
 * Where the pieces of a diffusers checkpoint sit inside a folder picked in the page. A file input gives only
 * the files below the picked folder, as paths relative to it, so the user may pick a U-Net folder
 * (`checkpoint/unet_ema/`), the pipeline or checkpoint folder above it (`checkpoint/`), or a run folder one more
 * level up (`runs/mnist/`, which holds `checkpoint/`). The U-Net is looked for in the picked folder and one and
 * two levels down; its scheduler config, model_index.json and training_state.json in the U-Net's folder and one
 * and two levels up from it (within the picked folder), as diffusers' pipeline layout places them.
 */

/** The files of one checkpoint, as paths relative to the picked folder ("" is the picked folder itself). */
export interface CheckpointFiles {
  /** The U-Net's folder, "" or ending in "/". */
  unetDir: string;
  /** scheduler_config.json, or null when none is in or above the U-Net's folder. */
  schedulerConfig: string | null;
  /** model_index.json of the pipeline holding the U-Net, or null. */
  modelIndex: string | null;
  /** training_state.json of a `ddpm train` checkpoint, or null. */
  trainingState: string | null;
}

const UNET_FILES = ["config.json", "diffusion_pytorch_model.safetensors"];
/** How much a U-Net folder's name is preferred: the EMA weights first (as `ddpm sample`), then a pipeline's unet/. */
const UNET_NAMES = ["unet_ema", "unet"];

/** The folder part of a relative path: "" or ending in "/". */
function folderOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "" : path.slice(0, at + 1);
}

/** The folder and up to two of its parents inside the picked folder, nearest first ("a/b/" → "a/b/", "a/", ""). */
function foldersUp(dir: string): string[] {
  const found = [dir];
  while (found.length < 3 && found[found.length - 1] !== "") found.push(folderOf(found[found.length - 1].slice(0, -1)));
  return found;
}

/**
 * The checkpoint inside the picked folder, from its files' relative paths, or null when no folder up to two
 * levels down holds a U-Net (config.json and diffusion_pytorch_model.safetensors).
 */
export function locateCheckpoint(paths: Iterable<string>): CheckpointFiles | null {
  const files = new Set(paths);
  const candidates = [...new Set([...files].map(folderOf))].filter(
    (dir) => dir.split("/").length - 1 <= 2 && UNET_FILES.every((f) => files.has(`${dir}${f}`)),
  );
  if (!candidates.length) return null;
  const depth = (dir: string) => dir.split("/").length - 1;
  const nameRank = (dir: string) => {
    const rank = UNET_NAMES.indexOf(dir.slice(0, -1).split("/").pop() ?? "");
    return rank < 0 ? UNET_NAMES.length : rank;
  };
  // A `ddpm train` run keeps the previous checkpoint in checkpoint.old/ while writing a new one: the newest first.
  const old = (dir: string) => (/\.old\//.test(dir) ? 1 : 0);
  candidates.sort((a, b) => depth(a) - depth(b) || nameRank(a) - nameRank(b) || old(a) - old(b) || a.localeCompare(b));
  const unetDir = candidates[0];
  // The U-Net's own folder holds its config.json, which is not a scheduler's: look beside it and above it.
  const up = foldersUp(unetDir).slice(unetDir === "" ? 0 : 1);
  const first = (names: string[]) => {
    for (const dir of up) for (const name of names) if (files.has(`${dir}${name}`)) return `${dir}${name}`;
    return null;
  };
  return {
    unetDir,
    schedulerConfig: first(["scheduler/scheduler_config.json", "scheduler_config.json"]),
    modelIndex: first(["model_index.json"]),
    trainingState: first(["training_state.json"]),
  };
}

/**
 * The scheduler class model_index.json names (`"scheduler": ["diffusers", "DDIMScheduler"]`), or null when it
 * names none.
 */
export function schedulerClassFromIndex(modelIndex: Record<string, unknown>): string | null {
  const entry = modelIndex.scheduler;
  return Array.isArray(entry) && typeof entry[1] === "string" ? entry[1] : null;
}
