/**
 * The in-page half of test/browser.test.ts: one engine on navigator.gpu, and every suite as a function on
 * `window.ddpmTests` that returns plain JSON (each case: name, ok, error, milliseconds) for the test to assert on.
 */
import { Engine } from "../../src/index.js";
import { canvasCases } from "./canvas-case.js";
import { kernelCases } from "./kernel-cases.js";
import { goldenUNet, trainingRun } from "./model-cases.js";

export interface CaseResult {
  family?: string;
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

const message = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

async function timed<T>(run: () => Promise<T>): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: string; ms: number }> {
  const started = performance.now();
  try {
    const value = await run();
    return { ok: true, value, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error: message(error), ms: performance.now() - started };
  }
}

// Heuristic kernel choices: nothing timing-dependent (and no autotune time) in a test.
const enginePromise = Engine.create({ autotune: "off", tuneStore: null });

const suites = {
  async adapter() {
    return (await enginePromise).adapter;
  },
  /** Every kernel case; `only` (a substring of the name) runs a subset. */
  async kernels(only?: string): Promise<CaseResult[]> {
    const engine = await enginePromise;
    const results: CaseResult[] = [];
    for (const c of kernelCases) {
      if (only && !c.name.includes(only)) continue;
      const r = await timed(() => c.run(engine));
      results.push({ family: c.family, name: c.name, ok: r.ok, error: r.ok ? undefined : r.error, ms: r.ms });
    }
    return results;
  },
  async canvas(): Promise<CaseResult[]> {
    return canvasCases(await enginePromise);
  },
  async golden(name: string) {
    const engine = await enginePromise;
    return timed(() => goldenUNet(engine, name));
  },
  async training(dataUrl: string, steps: number, samplingSteps: number) {
    const engine = await enginePromise;
    return timed(() => trainingRun(engine, dataUrl, steps, samplingSteps));
  },
  /** Live tensors of the shared engine (the suites must leave none). */
  async liveTensors() {
    return (await enginePromise).memory().liveTensors;
  },
};

declare global {
  interface Window {
    ddpmTests: typeof suites;
  }
}
window.ddpmTests = suites;
enginePromise.then(
  () => (document.body.dataset.ready = "yes"),
  (error) => (document.body.dataset.ready = `engine failed: ${message(error)}`),
);
