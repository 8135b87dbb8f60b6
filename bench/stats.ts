/** Small helpers every bench shares: warmed-up medians, table formatting, the side-by-side scripts' options. */
import type { Engine } from "../src/index.js";

/** Median wall time (ms) of `run` over `repeats` runs after `warmup` runs; each run ends with engine.sync(). */
export async function medianMs(engine: Engine, run: () => void, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) {
    run();
    await engine.sync();
  }
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    await engine.sync();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (!values.length) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** The value after `--name` in a bench script's arguments (`node scripts/run.mjs bench/FILE.ts --name value`), or `fallback`. */
export function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** A count option (repeats): a positive integer. */
export function countOption(args: readonly string[], name: string, fallback: number): number {
  const n = Number(option(args, name, String(fallback)));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer, got '${option(args, name, "")}'`);
  return n;
}
