/**
 * One writer per folder (Node): a lock file created exclusively (O_EXCL), holding the owner's PID, host and start
 * time. A lock whose process is gone (same host, no such PID) is stale and taken over; a lock held by a live
 * process, or by another host (whose processes cannot be checked from here), is refused with its owner named.
 */
import { nodeModules } from "./fs.js";

const LOCK_NAME = ".lock";

/** What a lock file holds. */
interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command: string;
  /** The process's start time in clock ticks since boot (Linux), so a PID reused by another process is told apart. */
  ticks?: number | null;
}

/** A held lock; `release()` removes the lock file (also done when the process exits normally or by a signal). */
export interface FolderLock {
  readonly path: string;
  release(): Promise<void>;
}

/** True when a process with this PID runs on this machine (EPERM: it runs, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The PID recorded in a name like `checkpoint.tmp-1234`, or null. */
export function pidOf(name: string): number | null {
  const match = /\.tmp-(\d+)$/.exec(name) ?? /\.(\d+)\.[a-z0-9]+\.tmp$/.exec(name) ?? /\.(\d+)\.tmp$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** True when `pid` belongs to no running process on this machine (a leftover of a killed run). */
export function deadProcess(pid: number): boolean {
  return pid !== process.pid && !processAlive(pid);
}

/**
 * Take the exclusive lock on `dir` (created if missing) for `command`, or throw naming the process that holds it.
 * A stale lock (its process is gone) is replaced, and `onStale` hears of it.
 */
export async function lockFolder(dir: string, command: string, onStale?: (line: string) => void): Promise<FolderLock> {
  const { fs, path } = await nodeModules();
  const os = await import("node:os");
  const fsSync = await import("node:fs");
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_NAME);
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command,
    ticks: startTicks(fsSync, process.pid),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(file, "wx");
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Only a lock that is still ours is removed (never one another run took over).
      const mine = `${JSON.stringify(owner)}\n`;
      return heldLock(file, () => {
        if (fsSync.readFileSync(file, "utf8") === mine) fsSync.rmSync(file, { force: true });
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: Partial<LockOwner> = {};
    const text = await fs.readFile(file, "utf8").catch(() => "");
    try {
      holder = JSON.parse(text);
    } catch {
      // Being written this very moment, or garbage: a lock all the same, unless it is old.
      const age = Date.now() - (await fs.stat(file).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
    }
    const sameHost = holder.host === os.hostname();
    const reused = typeof holder.ticks === "number" && startTicks(fsSync, holder.pid ?? 0) !== holder.ticks;
    if (sameHost && typeof holder.pid === "number" && !deadProcess(holder.pid) && !reused) {
      throw new Error(
        `${dir} is in use by another run: PID ${holder.pid} on ${holder.host} ` +
          `(${holder.command ?? "?"}, since ${holder.started ?? "?"}); ` +
          "a run folder has one writer: wait for it to end, or choose another --out",
      );
    }
    if (!sameHost && typeof holder.host === "string") {
      throw new Error(
        `${dir} is locked by PID ${holder.pid} on another host, ${holder.host} (since ${holder.started ?? "?"}); ` +
          `if that run is gone, delete ${file}`,
      );
    }
    // Take the stale lock over without racing another run doing the same: move it aside (only one mover wins),
    // and if what was moved is no longer the stale lock read above (another run took it over in between), put it back.
    const aside = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    try {
      await fs.rename(file, aside);
    } catch {
      continue; // gone already: another run moved it
    }
    if ((await fs.readFile(aside, "utf8").catch(() => "")) !== text) {
      await fs.link(aside, file).catch(() => undefined);
      await fs.rm(aside, { force: true });
      continue;
    }
    await fs.rm(aside, { force: true });
    onStale?.(
      `${file}: removed a stale lock of PID ${holder.pid ?? "?"} (${reused ? "that PID is now another process" : "no such process"})`,
    );
  }
  throw new Error(`could not take the lock ${file}: it keeps changing hands`);
}

/** Field 22 of /proc/PID/stat (the start time in clock ticks since boot), or null where there is no /proc. */
function startTicks(fsSync: typeof import("node:fs"), pid: number): number | null {
  try {
    const stat = fsSync.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return null;
  }
}

function heldLock(file: string, removeIfMine: () => void): FolderLock {
  // Remove the lock when the process ends: normally, by an uncaught error, or by Ctrl-C / SIGTERM (kill -9 leaves
  // it behind, and the next run finds its process gone).
  let released = false;
  const removeSync = () => {
    if (released) return;
    released = true;
    try {
      // The synchronous API is the only one that runs inside an 'exit' handler.
      removeIfMine();
    } catch {
      // best effort
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    removeSync();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", removeSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    path: file,
    async release() {
      process.off("exit", removeSync);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      removeSync();
    },
  };
}
