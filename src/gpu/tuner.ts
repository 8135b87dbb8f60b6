/**
 * Kernel variants chosen per adapter by measurement. An op family (conv2d's forward, matmul, ...) has several
 * kernels that compute the same thing: register-blocked, barrier-free ones for CPU adapters such as SwiftShader,
 * shared-memory tiles for GPUs, different tile sizes and splits. Which is fastest depends on the adapter and the
 * shape, so the op asks the tuner:
 *
 *   1. an override (EngineOptions.variants, or the DDPM_WEBGPU_VARIANTS environment variable in Node) wins;
 *   2. else a measured choice for this adapter and shape class, from this engine or the cache (TuneStore);
 *   3. else the family's heuristic, and the problem is queued: the next `await engine.autotune()` times every
 *      candidate on inputs of that shape (a warm-up run each, then a few rounds that run them in turn; the fastest
 *      run counts) and remembers the fastest, unless the heuristic is within MARGIN of it; a variant that beat
 *      the heuristic must beat it again when the two are timed once more, after the other problems.
 *
 * Recording stays synchronous (an op never waits for a measurement); the training and sampling loops call
 * autotune() once after their first step, which is when every shape of the model has been seen.
 */

/**
 * The GPU candidate list's register budget: on a GPU adapter a register-tiled variant whose invocation keeps more
 * than this many f32 accumulators is not timed (an override can still pick it). A GPU's register file is shared
 * by the invocations resident on a compute unit: at 255 registers per invocation at most, a 64 K-register file
 * holds 2,048 invocations at 32 registers each and 512 at 128, so 128 accumulators plus the addresses and loaded
 * operands already cut occupancy to a quarter, and more spill to memory. The shared-memory kernels keep 16.
 */
export const GPU_MAX_ACCUMULATORS = 128;

/** A kernel variant of a family; the tuner stores its name. */
export interface Variant {
  readonly name: string;
}

/** One run of a variant on prepared inputs, for timing. */
export interface Trial {
  /** Record one run (the tuner submits and waits). */
  run(): void;
  /** Free the inputs. */
  dispose(): void;
}

/** A problem an op asks about: which variant of `family` for this shape class. */
export interface TuneProblem<V extends Variant> {
  /** The family, e.g. "conv2d.forward"; overrides name it. */
  family: string;
  /** The shape class within the family (the exact shape, as a short string). */
  key: string;
  /** The variants that apply to this problem (at least one). */
  candidates: readonly V[];
  /** The choice without a measurement (one of the candidates). */
  heuristic: V;
  /** Inputs of this shape and a way to run `variant` on them; called only by autotune(). */
  trial: (variant: V) => Trial;
  /**
   * Candidates not worth timing on this adapter (shared-memory tiles on a CPU adapter, where one warm-up run of a
   * big layer can take seconds): autotune() leaves them out; an override can still pick them.
   */
  untimed?: (variant: V) => boolean;
}

/** Where measured choices persist between runs (a JSON file in Node, localStorage in a browser). */
export interface TuneStore {
  load(): string | null;
  save(text: string): void;
}

export interface TunerOptions {
  /**
   * "auto" (default): unseen shapes are queued for `engine.autotune()`; "off": the heuristics only (tests that
   * must not depend on timing, or an embedder who wants no measurement).
   */
  mode?: "auto" | "off";
  /**
   * Force variants: `{ "conv2d.forward": "conv3x3_4x4" }` for every shape of a family, or
   * `{ "conv2d.forward@<key>": "..." }` for one shape class. A name that is not a candidate of a problem is an error.
   */
  overrides?: Record<string, string>;
  /** Persist measured choices (per adapter and kernel-source hash). */
  store?: TuneStore;
  /** Milliseconds for timing the trials (default `performance.now`); tests pass a simulated clock. */
  clock?: () => number;
}

/** What autotune() measured for one problem. */
export interface TuneResult {
  family: string;
  key: string;
  /**
   * Fastest milliseconds per run of each candidate measured, in the first timing (a candidate dropped after its
   * first timed run: absent).
   */
  times: Record<string, number>;
  chosen: string;
  heuristic: string;
  /**
   * Where a variant first measured faster than the heuristic: the times of both timed again (retime()), which
   * decide between them.
   */
  recheck?: Record<string, number>;
}

interface StoredTable {
  format: 1;
  adapter: string;
  sources: string;
  choices: Record<string, string>;
}

/** Timing rule: a warm-up run (compiles the pipelines), then at least `RUNS` timed runs; the fastest counts. */
const RUNS = 3;
/**
 * Short problems get more rounds, up to `MAX_RUNS` timed runs each, while the extra rounds of a problem together
 * take at most `EXTRA_ROUNDS_MS`: a short kernel's fastest of 3 runs is noisier than a big layer's, whose rounds
 * are also too dear to repeat (docs/performance.md, the autotune).
 */
const MAX_RUNS = 7;
const EXTRA_ROUNDS_MS = 120;
/** A candidate (not the heuristic, which is always timed) whose first timed run is this many times the fastest so far is dropped. */
const DROP_FACTOR = 4;
/** How much faster than the heuristic a variant must measure to replace it (measurements on a shared machine are noisy). */
const MARGIN = 0.05;

/**
 * Rounds of tune(): problems met by the trials of the previous round (nested ops, e.g. the matmuls of a 1×1
 * convolution's matmul variant) get measured in the next, those of the chosen variant only.
 */
const MAX_ROUNDS = 3;

export class Tuner {
  readonly mode: "auto" | "off";
  private readonly overrides: Record<string, string>;
  private readonly choices = new Map<string, string>();
  private readonly pending = new Map<string, TuneProblem<Variant>>();
  /** While a trial's first run records (measure()), the problems it asks about. */
  private asked: Set<string> | null = null;
  /** Every measurement made by this engine, in order. */
  readonly results: TuneResult[] = [];
  /** The clock the trials are timed on (TunerOptions.clock). */
  private readonly now: () => number;

  constructor(
    private readonly adapterKey: string,
    private readonly sourcesHash: string,
    private readonly options: TunerOptions = {},
  ) {
    this.mode = options.mode ?? "auto";
    this.now = options.clock ?? defaultClock;
    this.overrides = { ...parseOverrides(envVariants()), ...(options.overrides ?? {}) };
    this.loadStore();
  }

  /** The variant to use for `problem` (see the file comment for the order of precedence). */
  choose<V extends Variant>(problem: TuneProblem<V>): V {
    const id = `${problem.family}@${problem.key}`;
    const forced = this.overrides[id] ?? this.overrides[problem.family];
    if (forced !== undefined) {
      const v = problem.candidates.find((c) => c.name === forced);
      if (!v) {
        throw new Error(
          `variant override ${problem.family} = '${forced}' does not apply to ${problem.key}; ` +
            `its variants there: ${problem.candidates.map((c) => c.name).join(", ")}`,
        );
      }
      return v;
    }
    const known = this.choices.get(id);
    if (known !== undefined) {
      const v = problem.candidates.find((c) => c.name === known);
      if (v) return v;
    }
    this.asked?.add(id);
    const timed = problem.candidates.filter((c) => c === problem.heuristic || !problem.untimed?.(c));
    if (this.mode === "auto" && timed.length > 1 && !this.pending.has(id)) {
      this.pending.set(id, problem as unknown as TuneProblem<Variant>);
    }
    return problem.heuristic;
  }

  /**
   * Force `variant` for `family` (or "family@key") from now on, or with undefined go back to the normal choice.
   * Returns the previous override. (Tests and benchmarks run every variant through the ops this way.)
   */
  override(family: string, variant: string | undefined): string | undefined {
    const previous = this.overrides[family];
    if (variant === undefined) delete this.overrides[family];
    else this.overrides[family] = variant;
    return previous;
  }

  /** Problems seen but not measured yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Time every pending problem's candidates and remember the fastest. `sync` submits and waits for the GPU.
   * `onProgress` is told as each problem's choice is made (a problem whose heuristic lost its first timing: after
   * the recheck, at the end of its round). Returns what was measured, in that order.
   * With a `deadline` (on the tuner's clock: performance.now() milliseconds by default), no problem is started
   * after it: the rest stay pending, keep the heuristic's choice, and are measured by a later call (or a later
   * run, through the store).
   */
  async tune(
    sync: () => Promise<void>,
    onProgress?: (done: number, total: number, result: TuneResult) => void,
    deadline = Infinity,
  ): Promise<TuneResult[]> {
    const measured: TuneResult[] = [];
    // A trial may meet problems of its own (composed attention runs matmuls): they are measured in a next round.
    for (let round = 0; round < MAX_ROUNDS && this.pending.size > 0 && this.now() < deadline; round++) {
      measured.push(...(await this.tuneRound(sync, measured.length, onProgress, deadline)));
    }
    if (measured.length) this.saveStore();
    return measured;
  }

  private async tuneRound(
    sync: () => Promise<void>,
    donePreviously: number,
    onProgress: ((done: number, total: number, result: TuneResult) => void) | undefined,
    deadline: number,
  ): Promise<TuneResult[]> {
    const problems = [...this.pending.entries()];
    this.pending.clear();
    const measured: TuneResult[] = [];
    const keep = new Set<string>();
    const settle = (
      id: string,
      problem: TuneProblem<Variant>,
      chosen: string,
      times: Record<string, number>,
      nested: Map<string, Set<string>>,
      recheck?: Record<string, number>,
    ) => {
      this.choices.set(id, chosen);
      for (const other of nested.get(chosen) ?? []) keep.add(other);
      const result: TuneResult = {
        family: problem.family,
        key: problem.key,
        times,
        chosen,
        heuristic: problem.heuristic.name,
        ...(recheck ? { recheck } : {}),
      };
      measured.push(result);
      this.results.push(result);
      onProgress?.(donePreviously + measured.length, donePreviously + problems.length + this.pending.size, result);
    };
    // A variant that beats the heuristic is timed again against it once the round's other problems have run
    // (seconds later, so a burst of load that slowed the heuristic's runs has passed), and must win again.
    const contested: {
      id: string;
      problem: TuneProblem<Variant>;
      winner: string;
      times: Record<string, number>;
      nested: Map<string, Set<string>>;
    }[] = [];
    const late: [string, TuneProblem<Variant>][] = [];
    for (const [id, problem] of problems) {
      if (this.now() >= deadline) {
        late.push([id, problem]);
        continue;
      }
      const { times, nested } = await this.measure(problem, sync);
      const winner = decide(problem, times);
      if (winner === problem.heuristic.name) settle(id, problem, winner, times, nested);
      else contested.push({ id, problem, winner, times, nested });
    }
    // A problem started before the deadline is finished, its recheck included.
    for (const { id, problem, winner, times, nested } of contested) {
      const recheck = await this.retime(problem, [winner, problem.heuristic.name], sync);
      settle(id, problem, decide(problem, recheck), times, nested, recheck);
    }
    // Problems that only the trials of variants not chosen met are never run: not worth measuring.
    for (const other of [...this.pending.keys()]) if (!keep.has(other)) this.pending.delete(other);
    for (const [id, problem] of late) this.pending.set(id, problem);
    return measured;
  }

  /**
   * Time `names` of `problem` again: a run each untimed, then rounds as measure()'s (at least RUNS timed runs
   * each). Milliseconds of each one's fastest run.
   *
   * tuneRound() times a variant that measured faster than the heuristic again against it, after the round's other
   * problems, and keeps it only if it beats the heuristic by MARGIN again: a burst of load during the heuristic's
   * runs must not pick a slower kernel. Each timing compares runs made close together, never the fastest run of one
   * timing against that of the other (a variant's fastest run moves between timings far more than the MARGIN).
   */
  private async retime(problem: TuneProblem<Variant>, names: string[], sync: () => Promise<void>): Promise<Record<string, number>> {
    const trials = new Map<string, Trial>();
    const times: Record<string, number> = {};
    try {
      for (const name of names) {
        const trial = problem.trial(problem.candidates.find((c) => c.name === name)!);
        trials.set(name, trial);
        trial.run();
        await sync();
        times[name] = Infinity;
      }
      await this.rounds(trials, times, 0, sync);
    } finally {
      for (const trial of trials.values()) trial.dispose();
    }
    return times;
  }

  /**
   * Time a problem's candidates: each in turn runs once untimed (pipeline compilation) and once timed (a candidate
   * other than the heuristic that takes DROP_FACTOR times the fastest so far is not timed further); then rounds
   * run every remaining candidate once, in turn, so that a change of load falls on all of them (rounds()). Each
   * candidate's time is its fastest run (load only ever adds time). Milliseconds per variant name, and the
   * problems each variant's trial asked the tuner about (nested).
   */
  private async measure(
    problem: TuneProblem<Variant>,
    sync: () => Promise<void>,
  ): Promise<{ times: Record<string, number>; nested: Map<string, Set<string>> }> {
    const trials = new Map<string, Trial>();
    const times: Record<string, number> = {};
    const nested = new Map<string, Set<string>>();
    try {
      let best = Infinity;
      for (const variant of problem.candidates) {
        if (variant !== problem.heuristic && problem.untimed?.(variant)) continue;
        const trial = problem.trial(variant);
        trials.set(variant.name, trial);
        this.asked = new Set();
        try {
          trial.run(); // compiles the pipelines on first use
        } finally {
          nested.set(variant.name, this.asked);
          this.asked = null;
        }
        await sync();
        const start = this.now();
        trial.run();
        await sync();
        const first = this.now() - start;
        if (variant !== problem.heuristic && first > DROP_FACTOR * best) {
          trials.delete(variant.name);
          trial.dispose();
          continue;
        }
        times[variant.name] = first;
        best = Math.min(best, first);
      }
      await this.rounds(trials, times, 1, sync);
    } finally {
      for (const trial of trials.values()) trial.dispose();
    }
    return { times, nested };
  }

  /**
   * Rounds that each run every trial once, in turn, lowering `times` (by name) to each one's fastest run: the
   * rounds `firstRound` to RUNS − 1, then more (up to MAX_RUNS − 1) while the extra rounds take at most
   * EXTRA_ROUNDS_MS together.
   */
  private async rounds(
    trials: Map<string, Trial>,
    times: Record<string, number>,
    firstRound: number,
    sync: () => Promise<void>,
  ): Promise<void> {
    let lastRoundMs = 0;
    let extraMs = 0;
    for (let round = firstRound; round < MAX_RUNS; round++) {
      // Past RUNS, a round runs only if another like the last one still fits the budget of the extra rounds.
      const extra = round >= RUNS;
      if (extra && extraMs + lastRoundMs > EXTRA_ROUNDS_MS) break;
      lastRoundMs = 0;
      for (const [name, trial] of trials) {
        const start = this.now();
        trial.run();
        await sync();
        const ms = this.now() - start;
        lastRoundMs += ms;
        times[name] = Math.min(times[name], ms);
      }
      if (extra) extraMs += lastRoundMs;
    }
  }

  /** The measured choices, "family@key" → variant name. */
  table(): Record<string, string> {
    return Object.fromEntries(this.choices);
  }

  private loadStore(): void {
    const text = this.options.store?.load();
    if (!text) return;
    try {
      const stored = JSON.parse(text) as StoredTable;
      // Choices measured on another adapter or for other kernel sources are stale: start afresh.
      if (stored.format !== 1 || stored.adapter !== this.adapterKey || stored.sources !== this.sourcesHash) return;
      for (const [id, name] of Object.entries(stored.choices)) if (typeof name === "string") this.choices.set(id, name);
    } catch {
      // An unreadable cache is only a lost measurement: tune again.
    }
  }

  private saveStore(): void {
    if (!this.options.store) return;
    const table: StoredTable = { format: 1, adapter: this.adapterKey, sources: this.sourcesHash, choices: this.table() };
    this.options.store.save(`${JSON.stringify(table, null, 1)}\n`);
  }
}

/** The fastest of `times`, unless the heuristic is within MARGIN of it (noise must not move a choice). */
function decide(problem: TuneProblem<Variant>, times: Record<string, number>): string {
  const fastest = Object.entries(times).reduce((a, b) => (b[1] < a[1] ? b : a))[0];
  const heuristicTime = times[problem.heuristic.name];
  return heuristicTime !== undefined && heuristicTime <= (1 + MARGIN) * times[fastest] ? problem.heuristic.name : fastest;
}

/** "family=variant,family@key=variant" (DDPM_WEBGPU_VARIANTS) as an overrides object. */
export function parseOverrides(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(",")) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.lastIndexOf("=");
    if (eq <= 0 || eq === item.length - 1) throw new Error(`DDPM_WEBGPU_VARIANTS: '${item}' is not family=variant`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

function envVariants(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.DDPM_WEBGPU_VARIANTS;
}

/** localStorage as a TuneStore, where a page has one. */
export function browserTuneStore(key = "ddpm-webgpu/autotune"): TuneStore | undefined {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) return undefined;
  return {
    load: () => storage.getItem(key),
    save: (text) => {
      try {
        storage.setItem(key, text);
      } catch {
        // Quota or privacy mode: the choices just are not kept.
      }
    },
  };
}

/**
 * A JSON file as a TuneStore, in Node: `path`, or $XDG_CACHE_HOME (else ~/.cache)/ddpm-webgpu/autotune.json.
 * Written to a temporary file and renamed, so a crash never leaves half a file. Undefined outside Node.
 */
export async function nodeTuneStore(path?: string): Promise<TuneStore | undefined> {
  const proc = (globalThis as { process?: { versions?: { node?: string }; env: Record<string, string | undefined> } }).process;
  if (!proc?.versions?.node) return undefined;
  const fs = await import("node:fs");
  const os = await import("node:os");
  const nodePath = await import("node:path");
  const file = path ?? nodePath.join(proc.env.XDG_CACHE_HOME || nodePath.join(os.homedir(), ".cache"), "ddpm-webgpu", "autotune.json");
  return {
    load: () => {
      try {
        return fs.readFileSync(file, "utf8");
      } catch {
        return null;
      }
    },
    save: (text) => {
      try {
        fs.mkdirSync(nodePath.dirname(file), { recursive: true });
        const temp = `${file}.${Math.random().toString(36).slice(2)}.tmp`;
        fs.writeFileSync(temp, text);
        fs.renameSync(temp, file);
      } catch {
        // A read-only home: the choices are kept for this process only.
      }
    },
  };
}

/** A short, stable hash (FNV-1a, 32 bits, hex) of a string: the kernel sources' fingerprint. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

function defaultClock(): number {
  return globalThis.performance?.now() ?? Date.now();
}
