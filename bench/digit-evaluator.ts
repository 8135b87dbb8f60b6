/**
 * The digit evaluator's own validation: its figures on real held-out digits and on corrupted sets (the sets of
 * test/helpers/digit-sets.ts), at each classifier size, as a Markdown table; and on any PNG grids given, read as
 * class-conditional samples (image i is digit i mod 10).
 *
 *   node scripts/run.mjs bench/digit-evaluator.ts [--n 64] [--sizes 16,32] [SAMPLES.png ...]
 */
import { Engine } from "../src/engine.js";
import type { ClassifierSize } from "../src/evaluate/classifier.js";
import { type DigitEvaluation, DigitEvaluator } from "../src/evaluate/evaluate.js";
import { evaluateSamplesJob } from "../src/jobs/evaluate-samples.js";
import { digitValidationSets } from "../test/helpers/digit-sets.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const n = Number(option("--n", "64"));
const sizes = option("--sizes", "16,32").split(",").map(Number) as ClassifierSize[];
const pngs = args;

const engine = await Engine.create({ autotune: "off", tuneStore: null, verbose: false });
const percent = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
const row = (size: number, name: string, e: DigitEvaluation) =>
  `| ${size} | ${name} | ${e.samples.count} | ${percent(e.samples.accuracy)} | ${percent(e.samples.confidentRate)} | ` +
  `${e.samples.entropyBits.toFixed(2)} | ${e.samples.frechet?.toFixed(2) ?? "—"} |`;

console.log(`adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}; n = ${n}\n`);
console.log("| size | set | n | accuracy | confident | entropy (bits) | Fréchet d² |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const ranges: string[] = [];
for (const size of sizes) {
  const evaluator = await DigitEvaluator.create(engine, size);
  let real: DigitEvaluation | null = null;
  for (const set of digitValidationSets(evaluator.heldOutDigits, n)) {
    const e = await evaluator.evaluate(set.images, n, set.labels);
    real ??= e;
    console.log(row(size, set.name, e));
  }
  const r = real!.real!;
  ranges.push(
    `| ${size} | ${percent(evaluator.classifierAccuracy)} | ${r.draws} × ${r.count} | ${percent(r.accuracy.mean)} ± ${percent(r.accuracy.sd)} | ` +
      `${percent(r.confidentRate.mean)} ± ${percent(r.confidentRate.sd)} | ${r.entropyBits.mean.toFixed(2)} ± ${r.entropyBits.sd.toFixed(2)} | ` +
      `${r.frechet.mean.toFixed(2)} ± ${r.frechet.sd.toFixed(2)} |`,
  );
  evaluator.dispose();
}
for (const file of pngs) {
  const e = await evaluateSamplesJob({ engine, samples: file, labels: "cycle", log: () => {} });
  console.log(row(e.size, file, e));
}
console.log("\nReal held-out digits, disjoint draws (each against the other held-out digits), mean ± s.d.:\n");
console.log("| size | classifier held-out accuracy | draws | accuracy | confident | entropy (bits) | Fréchet d² |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const line of ranges) console.log(line);
await engine.destroy();
