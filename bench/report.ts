/** A bench report as a markdown table and as an SVG chart (browser-safe: plain strings). */

import { markdownTable, mib } from "./stats.js";
import type { BenchReport, KernelRow, Measured } from "./suite.js";

/** The file stem for a report: environment and adapter, e.g. "node-swiftshader" (plus "-quick"). */
export function resultName(report: Pick<BenchReport, "environment" | "adapter" | "options">): string {
  const a = report.adapter;
  const adapter = (a.architecture || a.vendor || a.description || "unknown")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${report.environment}-${adapter}${report.options.quick ? "-quick" : ""}`;
}

const ms = (m: Measured | null) => (m ? (m.ms >= 100 ? m.ms.toFixed(0) : m.ms >= 1 ? m.ms.toFixed(2) : m.ms.toFixed(3)) : "—");
const times = (x: number | null) => (x === null ? "—" : `**${x.toFixed(2)}×**`);
const rate = (value: number | null, unit: string) => (value === null ? "—" : `${value.toFixed(2)} ${unit}`);
const pct = (value: number | null) => (value === null ? "—" : `${value.toFixed(0)}%`);

export function markdownReport(report: BenchReport): string {
  const a = report.adapter;
  const lines: string[] = [];
  const mode = report.options.quick ? "quick" : "full";
  lines.push(`# Benchmark: ${report.environment}, ${a.description || a.architecture || a.vendor} (${report.date.slice(0, 10)})`);
  lines.push("");
  lines.push(
    `- Adapter: vendor \`${a.vendor}\`, architecture \`${a.architecture}\`, description \`${a.description}\`, ${a.isSoftware ? "software (CPU) adapter" : "hardware adapter"}, via ${a.backend}.`,
  );
  if (report.peak) {
    lines.push(
      `- Peak: ${report.peak.gflops.toFixed(2)} GFLOP/s fp32 FMA (\`${report.peak.kernel}\` in shaders/bench.wgsl, median of its runs; ` +
        `${report.peak.variants.map((v) => `${v.kernel} ${v.gflops.toFixed(2)}`).join(", ")}). Each kernel row's "% of peak" divides by ` +
        `that kernel timed again in the row's own repeats (one peak run after each of ours: the "peak" column), so a load change on ` +
        `a shared machine moves both alike.`,
    );
  }
  lines.push(`- Timing, ours: ${report.timing.ours}.`);
  if (report.peer)
    lines.push(
      `- Peer: ${report.peer.name} ${report.peer.version} (tfjs-core ${report.peer.version}), same adapter, same process. Timing: ${report.timing.peer}.`,
    );
  else lines.push("- Peer: not run.");
  const perConfig = (counts: Record<string, number>) => report.options.configs.map((c) => `${counts[c]} (${c})`).join(", ");
  lines.push(
    `- Mode: ${mode}. Kernel rows: medians of ${report.options.repeats} timed runs (tfjs: ${report.options.peerRepeats}) after a warm-up run. ` +
      `U-Net rows: medians of ${perConfig(report.options.e2eRepeats)} timed steps after a warm-up step; tfjs: ${perConfig(report.options.e2ePeerRepeats)} timed ` +
      `after ${perConfig(report.options.e2ePeerWarmup)} warm-up steps (with 0, only the forward's shaders were compiled beforehand, by the check). ` +
      `The whole run took ${(report.seconds / 60).toFixed(1)} min.`,
  );
  lines.push(
    "- **speedup = tfjs ms / our ms** (> 1: we are faster). Every row was checked against a float64 reference before it was timed " +
      '(the "check" column: worst error as a multiple of the tolerance; ∂ = directional-derivative check of the gradients; the tfjs U-Net ' +
      "holds our weights and its output was compared with ours).",
  );
  for (const note of report.notes) lines.push(`- ${note}`);
  if (report.kernels.length) {
    lines.push("", "## Kernels", "");
    lines.push(
      "Per call. GB/s rows count one read of each input and one write of each output. clock: gpu = timestamp queries, wall = submit → done. " +
        "variant = the kernel the autotune measured fastest for the row's shapes (src/gpu/tuner.ts; every candidate is timed after the warm-up run).",
      "",
    );
    lines.push(
      markdownTable(
        [
          "kernel",
          "config",
          "shape",
          "variant",
          "clock",
          "ours ms",
          "ours rate",
          "peak",
          "% of peak",
          "tfjs ms",
          "tfjs rate",
          "tfjs % of peak",
          "speedup",
          "check",
        ],
        report.kernels.map((r: KernelRow) => [
          r.name,
          r.config,
          r.shape,
          r.variants?.length ? [...new Set(r.variants.map((v) => v.split(": ")[1]))].join(", ") : "—",
          r.ours.clock,
          ms(r.ours),
          rate(r.rate, r.unit),
          r.peakGflops == null ? "—" : rate(r.peakGflops, "GFLOP/s"),
          pct(r.percentOfPeak),
          ms(r.peer),
          rate(r.peerRate, r.unit),
          pct(r.peerPercentOfPeak),
          times(r.speedup),
          r.check,
        ]),
      ),
    );
  }
  if (report.e2e.length) {
    lines.push("", "## U-Net steps", "");
    lines.push(
      "Wall time per step (recording + submit + wait). train = forward, MSE loss, backward, global-norm clipping, AdamW fused with the EMA " +
        "(tfjs: tf.train.adam via minimize, no clipping or EMA); sample = forward + the fused DDPM step (tfjs: the same arithmetic as tfjs ops). " +
        "Peak GPU = pooled buffers during the timed steps; needed = parameters + gradients + AdamW moments + EMA + the activations the tape " +
        "holds for the backward pass (train), or the parameters (sample); peak / needed is the memory goal's ratio (≤ 1.3, training). " +
        "new buffers = storage buffers created during the timed steps (the pool serves everything when 0).",
      "",
    );
    for (const [name, { batch, config }] of Object.entries(report.models ?? {})) {
      lines.push(`- ${name}, batch ${batch}: \`${JSON.stringify(config)}\``);
    }
    if (report.models && Object.keys(report.models).length) lines.push("");
    lines.push(
      markdownTable(
        [
          "config",
          "step",
          "batch",
          "parameters",
          "ours ms",
          "ours GPU ms",
          "tfjs ms",
          "speedup",
          "dispatches",
          "submits",
          "new buffers",
          "peak GPU MiB",
          "needed MiB",
          "of which activations",
          "peak / needed",
          "check",
        ],
        report.e2e.map((r) => [
          r.config,
          r.step,
          r.batch,
          r.parameters.toLocaleString("en-US"),
          ms(r.ours),
          r.ours.gpuMs === null ? "—" : r.ours.gpuMs.toFixed(0),
          ms(r.peer),
          times(r.speedup),
          r.dispatches,
          r.submits,
          r.buffersCreated ?? "—",
          mib(r.peakBytes),
          mib(r.stateBytes),
          r.activationBytes === undefined ? "—" : mib(r.activationBytes),
          r.step === "train" ? `${(r.peakBytes / r.stateBytes).toFixed(2)}×` : "—",
          r.check,
        ]),
      ),
    );
  }
  lines.push("");
  return lines.join("\n");
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Chart labels are cut to fit the label column. */
const chartLabel = (s: string) => escape(s.length > 66 ? `${s.slice(0, 65)}…` : s);

/**
 * Two panels: the speedup over tfjs of every row that has the peer (log scale, 1× marked), and the % of the
 * FMA peak of every FLOP-counted kernel row, ours beside the peer's.
 */
export function svgChart(report: BenchReport): string {
  const width = 980;
  const labelWidth = 440;
  const barWidth = width - labelWidth - 70;
  const rowHeight = 18;
  const parts: string[] = [];
  let y = 30;
  const title = `${report.environment}, ${report.adapter.description || report.adapter.architecture} — ${report.date.slice(0, 10)}${report.options.quick ? " (quick)" : ""}`;
  parts.push(`<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`);

  const speedups: { label: string; value: number }[] = [
    ...report.kernels.filter((r) => r.speedup !== null).map((r) => ({ label: `${r.name} · ${r.shape}`, value: r.speedup! })),
    ...report.e2e
      .filter((r) => r.speedup !== null)
      .map((r) => ({ label: `U-Net ${r.step} step · ${r.config} batch ${r.batch}`, value: r.speedup! })),
  ];
  if (speedups.length) {
    y += 20;
    parts.push(
      `<text x="10" y="${y}" font-size="13" font-weight="bold">Speedup over TensorFlow.js WebGPU (tfjs ms / our ms), log scale</text>`,
    );
    y += 10;
    const low = Math.min(0.25, ...speedups.map((s) => s.value));
    const high = Math.max(4, ...speedups.map((s) => s.value));
    const lo = Math.log10(low);
    const hi = Math.log10(high);
    const xOf = (v: number) => labelWidth + ((Math.log10(v) - lo) / (hi - lo)) * barWidth;
    const top = y;
    const gridAt = parts.length; // grid lines go under the bars
    for (const s of speedups) {
      const x1 = xOf(1);
      const x2 = xOf(s.value);
      const color = s.value >= 1 ? "#2b7a3d" : "#b03a2e";
      parts.push(`<text x="${labelWidth - 6}" y="${y + 13}" font-size="11" text-anchor="end">${chartLabel(s.label)}</text>`);
      parts.push(
        `<rect x="${Math.min(x1, x2).toFixed(1)}" y="${y + 3}" width="${Math.max(1, Math.abs(x2 - x1)).toFixed(1)}" height="${rowHeight - 6}" fill="${color}"/>`,
      );
      parts.push(`<text x="${(Math.max(x1, x2) + 4).toFixed(1)}" y="${y + 13}" font-size="11">${s.value.toFixed(2)}×</text>`);
      y += rowHeight;
    }
    const grid: string[] = [];
    for (const tick of [0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100, 200].filter((t) => t >= low && t <= high)) {
      const x = xOf(tick);
      grid.push(
        `<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${y}" stroke="${tick === 1 ? "#000" : "#ccc"}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
      );
      grid.push(`<text x="${x.toFixed(1)}" y="${y + 13}" font-size="10" text-anchor="middle">${tick}×</text>`);
    }
    parts.splice(gridAt, 0, ...grid);
    y += 24;
  }

  const flopRows = report.kernels.filter((r) => r.percentOfPeak !== null);
  if (flopRows.length && report.peak) {
    y += 20;
    parts.push(
      `<text x="10" y="${y}" font-size="13" font-weight="bold">% of the adapter's FMA peak (timed in each row's repeats): ours (blue), tfjs (orange)</text>`,
    );
    y += 10;
    const top = y;
    const gridAt = parts.length;
    const max = Math.max(100, ...flopRows.map((r) => Math.max(r.percentOfPeak!, r.peerPercentOfPeak ?? 0)));
    const xOf = (v: number) => labelWidth + (v / max) * barWidth;
    for (const r of flopRows) {
      const h = r.peerPercentOfPeak !== null ? (rowHeight - 4) / 2 : rowHeight - 6;
      parts.push(
        `<text x="${labelWidth - 6}" y="${y + 13}" font-size="11" text-anchor="end">${chartLabel(`${r.name} · ${r.shape}`)}</text>`,
      );
      parts.push(
        `<rect x="${labelWidth}" y="${y + 2}" width="${(xOf(r.percentOfPeak!) - labelWidth).toFixed(1)}" height="${h}" fill="#2f5fa7"/>`,
      );
      let label = `${r.percentOfPeak!.toFixed(0)}%`;
      if (r.peerPercentOfPeak !== null) {
        parts.push(
          `<rect x="${labelWidth}" y="${y + 2 + h}" width="${(xOf(r.peerPercentOfPeak) - labelWidth).toFixed(1)}" height="${h}" fill="#e08a1e"/>`,
        );
        label += ` / ${r.peerPercentOfPeak.toFixed(0)}%`;
      }
      parts.push(
        `<text x="${(xOf(Math.max(r.percentOfPeak!, r.peerPercentOfPeak ?? 0)) + 4).toFixed(1)}" y="${y + 13}" font-size="11">${label}</text>`,
      );
      y += rowHeight;
    }
    const grid: string[] = [];
    for (const tick of [0, 25, 50, 75, 100].filter((t) => t <= max)) {
      const x = xOf(tick);
      grid.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${y}" stroke="#ccc"/>`);
      grid.push(`<text x="${x.toFixed(1)}" y="${y + 13}" font-size="10" text-anchor="middle">${tick}%</text>`);
    }
    parts.splice(gridAt, 0, ...grid);
    y += 24;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
