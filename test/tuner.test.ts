/**
 * The variant tuner (src/gpu/tuner.ts): precedence (override > measured/stored > heuristic), the measurement
 * picking the faster candidate (timed on a simulated clock), the store (kept per adapter and kernel-source hash, a
 * corrupt one ignored), and engine.autotune() measuring a real op's variants (attention, and the matmuls nested in
 * its composed variant) on the real clock.
 */
import { afterAll, describe, expect, it } from "vitest";
import { parseOverrides, type TuneProblem, Tuner, type TuneStore } from "../src/gpu/tuner.js";
import { Engine, ops } from "../src/index.js";

/**
 * A simulated clock: a trial's run advances it by the candidate's cost, so what the tuner measures (and so how
 * many rounds fit its budget, which candidate a 4× first run drops) does not depend on this machine's load.
 */
let clockMs = 0;
const clock = () => clockMs;
const spend = (ms: number): void => {
  clockMs += ms;
};

type V = { name: string; cost: number };
const fast: V = { name: "fast", cost: 0 };
const slow: V = { name: "slow", cost: 8 };

function problem(key = "k", heuristic: V = slow): TuneProblem<V> {
  return {
    family: "fam",
    key,
    candidates: [slow, fast],
    heuristic,
    trial: (v) => ({ run: () => spend(v.cost), dispose: () => {} }),
  };
}

function memoryStore(): TuneStore & { text: string | null } {
  const store = {
    text: null as string | null,
    load: () => store.text,
    save: (t: string) => {
      store.text = t;
    },
  };
  return store;
}

const sync = async () => {};

describe("Tuner", () => {
  it("uses the heuristic until measured, then the fastest; a measured choice persists per adapter and source hash", async () => {
    const store = memoryStore();
    const tuner = new Tuner("adapter-a", "hash-1", { store, clock });
    expect(tuner.choose(problem()).name).toBe("slow");
    expect(tuner.choose(problem()).name).toBe("slow");
    expect(tuner.pendingCount).toBe(1);
    const results = await tuner.tune(sync);
    expect(results).toHaveLength(1);
    expect(results[0].chosen).toBe("fast");
    expect(results[0].heuristic).toBe("slow");
    expect(results[0].times.fast).toBeLessThan(8);
    expect(tuner.pendingCount).toBe(0);
    expect(tuner.choose(problem()).name).toBe("fast");
    expect(tuner.table()).toEqual({ "fam@k": "fast" });

    // Same adapter and sources: the stored choice is used without measuring again.
    const again = new Tuner("adapter-a", "hash-1", { store, clock });
    expect(again.choose(problem()).name).toBe("fast");
    expect(again.pendingCount).toBe(0);
    // Another adapter, or changed kernel sources: stale, measured afresh.
    for (const stale of [new Tuner("adapter-b", "hash-1", { store }), new Tuner("adapter-a", "hash-2", { store })]) {
      expect(stale.choose(problem()).name).toBe("slow");
      expect(stale.pendingCount).toBe(1);
    }
  });

  it("times a short problem's candidates more often than a long one's (at least 3 and at most 7 timed runs)", async () => {
    const counting = (cost: number) => {
      const runs = { slow: 0, fast: 0 };
      const p: TuneProblem<V> = {
        ...problem(`cost ${cost}`),
        candidates: [
          { name: "slow", cost },
          { name: "fast", cost },
        ],
        trial: (v) => ({
          run: () => {
            runs[v.name as "slow" | "fast"]++;
            spend(v.cost);
          },
          dispose: () => {},
        }),
      };
      p.heuristic = p.candidates[0];
      return { p, runs };
    };
    const tuner = new Tuner("adapter", "hash", { clock });
    // Free runs: every extra round fits the budget (a warm-up run + 7 timed runs each).
    const cheap = counting(0);
    // 2 × 150 ms a round: no extra round fits the 120 ms budget (a warm-up run + 3 timed runs each).
    const dear = counting(150);
    tuner.choose(cheap.p);
    tuner.choose(dear.p);
    await tuner.tune(sync);
    expect(cheap.runs).toEqual({ slow: 8, fast: 8 });
    expect(dear.runs).toEqual({ slow: 4, fast: 4 });
  });

  it("stops timing a candidate whose first timed run takes over 4× the fastest so far; never the heuristic", async () => {
    const timed = async (heuristicCost: number, otherCost: number) => {
      const tuner = new Tuner("a", "h", { clock });
      const h: V = { name: "h", cost: heuristicCost };
      const other: V = { name: "other", cost: otherCost };
      // Timed in the order of the candidates: the heuristic first, unless it is the slow one.
      const candidates = heuristicCost <= otherCost ? [h, other] : [other, h];
      tuner.choose({ ...problem(`${heuristicCost}/${otherCost}`), candidates, heuristic: h });
      const [result] = await tuner.tune(sync);
      return Object.keys(result.times).sort().join(",");
    };
    expect(await timed(1, 4)).toBe("h,other"); // 4× is kept
    expect(await timed(1, 4.5)).toBe("h"); // dropped
    expect(await timed(4.5, 1)).toBe("h,other"); // the heuristic timed second is kept however slow
  });

  it("times a variant that beat the heuristic again after the round's other problems; a burst of load is undone", async () => {
    // "h" (the heuristic) costs 4 ms, but 10 ms while `busy`; "other" always 6 ms. Problem "a" is measured while
    // busy; the first run of problem "b" ends the burst, so a's recheck comes after it.
    for (const burstEnds of [true, false]) {
      let busy = true;
      const h: V = { name: "h", cost: 4 };
      const other: V = { name: "other", cost: 6 };
      const runs: string[] = [];
      const a: TuneProblem<V> = {
        family: "fam",
        key: "a",
        candidates: [h, other],
        heuristic: h,
        trial: (v) => ({
          run: () => {
            runs.push(v.name);
            spend(v === h && busy ? 10 : v.cost);
          },
          dispose: () => {},
        }),
      };
      const b: TuneProblem<V> = {
        ...problem("b", fast),
        trial: (v) => ({
          run: () => {
            busy &&= !burstEnds;
            spend(v.cost);
          },
          dispose: () => {},
        }),
      };
      const tuner = new Tuner("a", "h", { clock });
      tuner.choose(a);
      tuner.choose(b);
      const progress: string[] = [];
      const results = await tuner.tune(sync, (done, total, r) => progress.push(`${done}/${total} ${r.key}`));
      // b's heuristic won its timing: settled at once; a waits for its recheck at the end of the round.
      expect(progress).toEqual(["1/2 b", "2/2 a"]);
      const [rb, ra] = results;
      // a: an untimed + 7 timed runs of each (16 ms rounds fit 120 ms of extra rounds), then as many for the recheck.
      expect(runs.length).toBe(16 + 16);
      expect(ra.times).toEqual({ h: 10, other: 6 });
      expect(ra.recheck).toEqual({ h: burstEnds ? 4 : 10, other: 6 });
      expect(ra.chosen).toBe(burstEnds ? "h" : "other");
      expect(tuner.choose(a).name).toBe(ra.chosen);
      // b's heuristic won: no recheck.
      expect(rb.chosen).toBe("fast");
      expect(rb.recheck).toBeUndefined();
    }
  });

  it("starts no problem after the deadline: the rest keep the heuristic and are measured by the next call", async () => {
    const store = memoryStore();
    const tuner = new Tuner("adapter-a", "hash-1", { store, clock });
    for (const key of ["a", "b", "c"]) tuner.choose(problem(key));
    // Each problem costs at least 3 timed runs of the slow candidate (8 ms each), so one problem passes a 1 ms deadline.
    const first = await tuner.tune(sync, undefined, clockMs + 1);
    expect(first.map((r) => r.key)).toEqual(["a"]);
    expect(tuner.pendingCount).toBe(2);
    expect(tuner.choose(problem("b")).name).toBe("slow");
    expect(JSON.parse(store.text!)).toMatchObject({ choices: { "fam@a": "fast" } });
    // A deadline already past measures nothing; none at all measures the rest.
    expect(await tuner.tune(sync, undefined, clockMs)).toEqual([]);
    const rest = await tuner.tune(sync);
    expect(rest.map((r) => r.key).sort()).toEqual(["b", "c"]);
    expect(tuner.pendingCount).toBe(0);
    expect(tuner.choose(problem("c")).name).toBe("fast");
  });

  it("a corrupt store is ignored; mode off never queues", async () => {
    const store = memoryStore();
    store.text = "{not json";
    const tuner = new Tuner("a", "h", { store });
    expect(tuner.choose(problem()).name).toBe("slow");
    const off = new Tuner("a", "h", { mode: "off" });
    expect(off.choose(problem()).name).toBe("slow");
    expect(off.pendingCount).toBe(0);
    expect(await off.tune(sync)).toEqual([]);
  });

  it("overrides: per family and per shape, checked against the candidates", () => {
    const tuner = new Tuner("a", "h", { overrides: { fam: "fast", "fam@k2": "slow" } });
    expect(tuner.choose(problem("k1")).name).toBe("fast");
    expect(tuner.choose(problem("k2", fast)).name).toBe("slow");
    expect(tuner.pendingCount).toBe(0);
    const bad = new Tuner("a", "h", { overrides: { fam: "nope" } });
    expect(() => bad.choose(problem())).toThrow(/variant override fam = 'nope' does not apply to k; its variants there: slow, fast/);
    expect(tuner.override("fam", undefined)).toBe("fast");
    expect(tuner.choose(problem("k1")).name).toBe("slow");
  });

  it("untimed candidates are never measured, and a problem with one timed candidate is not queued", async () => {
    const third: V = { name: "third", cost: 0 };
    const tuner = new Tuner("a", "h", { clock });
    const base = problem("k", slow);
    const twoTimed: TuneProblem<V> = { ...base, candidates: [slow, fast, third], untimed: (v) => v === fast };
    tuner.choose(twoTimed);
    const [result] = await tuner.tune(sync);
    expect(Object.keys(result.times).sort()).toEqual(["slow", "third"]);
    expect(result.chosen).toBe("third");
    const oneTimed: TuneProblem<V> = { ...problem("k2", slow), untimed: (v) => v === fast };
    expect(tuner.choose(oneTimed).name).toBe("slow");
    expect(tuner.pendingCount).toBe(0);
  });

  it("measures a problem met inside a trial (a nested op) only when the variant that met it is chosen", async () => {
    for (const nestingWins of [false, true]) {
      const tuner = new Tuner("a", "h", { clock });
      const inner = problem("inner");
      // "nesting" runs an inner op (asking the tuner about it) and costs 8 ms or nothing; "plain" the other.
      const nesting: V = { name: "nesting", cost: nestingWins ? 0 : 8 };
      const plain: V = { name: "plain", cost: nestingWins ? 8 : 0 };
      const outer: TuneProblem<V> = {
        family: "outer",
        key: "o",
        candidates: [plain, nesting],
        heuristic: plain,
        trial: (v) => ({
          run: () => {
            if (v === nesting) tuner.choose(inner);
            spend(v.cost);
          },
          dispose: () => {},
        }),
      };
      tuner.choose(outer);
      const results = await tuner.tune(sync);
      expect(results.map((r) => `${r.family}@${r.key}: ${r.chosen}`)).toEqual(
        nestingWins ? ["outer@o: nesting", "fam@inner: fast"] : ["outer@o: plain"],
      );
      expect(tuner.pendingCount).toBe(0);
    }
  });

  it("parses DDPM_WEBGPU_VARIANTS and names a malformed item", () => {
    expect(parseOverrides("matmul=shared, conv2d.forward@1×2=conv3x3_4x4")).toEqual({
      matmul: "shared",
      "conv2d.forward@1×2": "conv3x3_4x4",
    });
    expect(parseOverrides(undefined)).toEqual({});
    expect(() => parseOverrides("matmul")).toThrow(/'matmul' is not family=variant/);
  });
});

describe("engine.autotune()", () => {
  let engine: Engine | null = null;
  afterAll(() => engine?.destroy());

  it("measures both attention variants of a shape the op met, then uses the winner; results stay correct", async () => {
    const store = memoryStore();
    engine = await Engine.create({ verbose: false, autotune: "auto", tuneStore: store });
    const e = engine;
    const [q, k, v] = [1, 2, 3].map((seed) => e.randn([2, 33, 8], { seed }));
    const attend = () => e.noGrad(() => e.tidy(() => ops.attention(q, k, v, { scale: 0.35 })));
    const before = await attend().data();
    // Without a tape the op ran the fused kernel: the attention problem alone is queued.
    expect(e.tuner.pendingCount).toBe(1);
    const results = await e.autotune();
    const mine = results.filter((r) => r.family === "attention");
    expect(mine).toHaveLength(1);
    // The composed variant's trial met two matmul shapes (q·kᵀ and p·v): measured in a second round when the
    // composed variant won, else not at all.
    expect(results.filter((r) => r.family === "matmul").map((r) => r.key)).toHaveLength(mine[0].chosen === "composed" ? 2 : 0);
    expect(mine[0].key).toBe("2×33×33 d8 dv8");
    // The heuristic is always timed; the other may be dropped after a warm-up run 4× slower than the best.
    expect(mine[0].times[mine[0].heuristic]).toBeGreaterThan(0);
    expect(["composed", "flash"]).toContain(mine[0].chosen);
    expect(e.tuner.pendingCount).toBe(0);
    expect(JSON.parse(store.text!).choices).toEqual(e.tuner.table());
    expect(e.tuner.table()["attention@2×33×33 d8 dv8"]).toBe(mine[0].chosen);
    const after = await attend().data();
    for (let i = 0; i < before.length; i++) expect(Math.abs(after[i] - before[i])).toBeLessThan(1e-5 * (1 + Math.abs(before[i])));
    expect(e.tuner.pendingCount).toBe(0);
    // autotune() leaves no tensor behind: q, k, v and the two results.
    expect(e.memory().liveTensors).toBe(5);
  });
});
