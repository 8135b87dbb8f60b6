/** Writing a bench report to disk (Node only; bench/report.ts renders it and stays browser-safe). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { markdownReport, resultName, svgChart } from "./report.js";
import type { BenchReport } from "./suite.js";

/** The markdown table and SVG chart of `report` at `stem`.md and `stem`.svg (stem: a path without extension). */
export function writeRendered(stem: string, report: BenchReport): void {
  writeFileSync(`${stem}.md`, markdownReport(report));
  writeFileSync(`${stem}.svg`, svgChart(report));
}

/** The report's JSON, table and chart in `dir` (named by resultName), the table printed; returns the stem. */
export function writeReport(dir: string, report: BenchReport, minutes: number): string {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, resultName(report));
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeRendered(stem, report);
  console.log(`\n${markdownReport(report)}`);
  console.log(`wrote ${stem}.json, .md, .svg (${minutes.toFixed(1)} min)`);
  return stem;
}
