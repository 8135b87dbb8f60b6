/**
 * Node-only file access for src/io, kept apart from the parsers so a browser bundle never needs it: Node's
 * modules are imported dynamically, on first use (the build marks `node:*` external).
 */

type FsPromises = typeof import("node:fs/promises");
type NodePath = typeof import("node:path");

let loaded: Promise<{ fs: FsPromises; path: NodePath }> | null = null;

/** @internal node:fs/promises and node:path, loaded once. */
export function nodeModules(): Promise<{ fs: FsPromises; path: NodePath }> {
  if (!loaded) {
    if (typeof process === "undefined" || !process.versions?.node) {
      return Promise.reject(new Error("file access needs Node; in a browser, read File objects and use the parse functions"));
    }
    loaded = Promise.all([import("node:fs/promises"), import("node:path")]).then(([fs, path]) => ({ fs, path }));
  }
  return loaded;
}

/** @internal True when `path` exists (file or folder). */
export async function pathExists(path: string): Promise<boolean> {
  const { fs } = await nodeModules();
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** @internal The whole file as bytes. */
export async function readBytes(path: string): Promise<Uint8Array> {
  const { fs } = await nodeModules();
  const buffer = await fs.readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** @internal A JSON file, with the path in every error. */
export async function readJson(path: string): Promise<Record<string, unknown>> {
  const { fs } = await nodeModules();
  const text = await fs.readFile(path, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Writes files so that none is ever seen half-written: each goes to a temporary file in its own folder, is flushed
 * to disk (fsync), and only when every one of them is complete are they renamed over their targets, in the order
 * given (rename is atomic within a folder). If anything fails before the renames, the targets are untouched and
 * the temporary files are removed. Put the file that others refer to last (e.g. a config after its weights).
 * With `exclusive`, a target that exists is an error instead of being replaced.
 */
export async function writeFilesAtomic(
  files: { path: string; data: Uint8Array | string }[],
  options: { exclusive?: boolean } = {},
): Promise<void> {
  const { fs, path } = await nodeModules();
  const pending: { tmp: string; target: string }[] = [];
  let renamed = 0;
  try {
    for (const file of files) {
      const tmp = path.join(
        path.dirname(file.path),
        `.${path.basename(file.path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`,
      );
      pending.push({ tmp, target: file.path });
      const handle = await fs.open(tmp, "wx");
      try {
        await handle.writeFile(file.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const { tmp, target } of pending) {
      if (options.exclusive) {
        // A hard link fails where the target exists (EEXIST), where a rename would replace it.
        await fs.link(tmp, target);
        await fs.rm(tmp, { force: true });
      } else await fs.rename(tmp, target);
      renamed++;
    }
  } catch (error) {
    await Promise.all(pending.slice(renamed).map(({ tmp }) => fs.rm(tmp, { force: true }).catch(() => undefined)));
    const names = (list: typeof files) => list.map((f) => f.path).join(", ");
    const state =
      renamed === 0
        ? "the previous files were left in place"
        : `${names(files.slice(0, renamed))} already replaced, ${names(files.slice(renamed))} left as they were`;
    throw new Error(`writing ${names(files)} failed; ${state} (${(error as Error).message})`, { cause: error });
  }
  // Make the renames themselves durable. Not every platform can fsync a folder (Windows); that is not an error.
  for (const folder of new Set(files.map((f) => path.dirname(f.path)))) {
    try {
      const handle = await fs.open(folder, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // best effort
    }
  }
}
