/** One engine per test file (each vitest file runs in its own process). */
import { afterAll } from "vitest";
import { Engine } from "../../src/index.js";

let shared: Promise<Engine> | null = null;

export function testEngine(): Promise<Engine> {
  if (!shared) {
    // Kernel variants from the heuristics only (no timing-dependent choice in a test), nothing written to ~/.cache.
    shared = Engine.create({ validate: true, verbose: false, autotune: "off", tuneStore: null });
    afterAll(async () => (await shared)?.destroy());
  }
  return shared;
}
