/** One engine per test file (each vitest file runs in its own process). */
import { afterAll } from "vitest";
import { Engine } from "../../src/index.js";

let shared: Promise<Engine> | null = null;

export function testEngine(): Promise<Engine> {
  if (!shared) {
    shared = Engine.create({ validate: true, verbose: false });
    afterAll(async () => (await shared)?.destroy());
  }
  return shared;
}
