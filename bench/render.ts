/**
 * Re-render a saved report's markdown table and chart from its JSON (after changing bench/report.ts):
 *
 *   node scripts/run.mjs bench/render.ts bench/results/node-swiftshader.json [...]
 */
import { readFileSync } from "node:fs";
import type { BenchReport } from "./suite.js";
import { writeRendered } from "./write-report.js";

for (const path of process.argv.slice(2)) {
  if (!path.endsWith(".json")) throw new Error(`bench/render.ts: expected a .json report, got ${path}`);
  const report = JSON.parse(readFileSync(path, "utf8")) as BenchReport;
  const stem = path.slice(0, -".json".length);
  writeRendered(stem, report);
  console.log(`wrote ${stem}.md, ${stem}.svg`);
}
