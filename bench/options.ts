/**
 * Command-line options of `npm run bench` and `npm run bench:chrome` (browser-safe: the page gets the same
 * arguments through its URL).
 *
 *   --quick                    a few minutes: 3 repeats, the smaller kernel shapes, the mnist-16 U-Net only
 *   --only=peak,kernels,e2e    sections to run (default all)
 *   --configs=mnist-16,ddpm-cifar10-32
 *   --repeats=N                timed runs per kernel row, ours (default 7; quick 3)
 *   --peer-repeats=N           timed runs per kernel row, tfjs (default 5; quick 3)
 *   --e2e-repeats=N            timed runs per U-Net step row, ours, every config (default mnist-16 5, cifar10 3)
 *   --e2e-peer-repeats=N       the same for tfjs's U-Net (default mnist-16 2, cifar10 1)
 *   --e2e-peer-warmup=N        warm-up steps of tfjs's U-Net, every config (default mnist-16 1, cifar10 0)
 *   --filter=TEXT              only rows whose name contains TEXT (e.g. conv2d, matmul, AdamW, unet)
 *   --no-peer                  skip TensorFlow.js
 *   --ort-repeats=N            timed forward passes of ONNX Runtime Web per provider, every config (default mnist-16 3,
 *                              cifar10 2; quick 2 and 1), after its checked first run and one more warm-up run
 *                              (mnist-16; none for cifar10)
 *   --no-ort                   skip ONNX Runtime Web
 *   --out=DIR                  where results go (default bench/results)
 */
import type { Engine } from "../src/index.js";
import type { OrtPeer } from "./ort-peer.js";
import type { TfjsPeer } from "./tfjs-peer.js";
import type { UNetBenchName } from "./unet-configs.js";

export type Section = "peak" | "kernels" | "e2e";
export const SECTIONS: Section[] = ["peak", "kernels", "e2e"];
/** The configs the suite benchmarks (bench/unet-configs.ts). */
export type SuiteConfig = Extract<UNetBenchName, "mnist-16" | "ddpm-cifar10-32">;
export const SUITE_CONFIGS: SuiteConfig[] = ["mnist-16", "ddpm-cifar10-32"];

export interface SuiteOptions {
  /** Fewer repeats, the small kernel shapes only, and the mnist-16 U-Net only. */
  quick: boolean;
  sections: Section[];
  configs: SuiteConfig[];
  /** Timed runs per kernel row (after one warm-up run); at least 5 in a full run. */
  repeats: number;
  /** Timed runs per kernel row of the peer (slower by an order of magnitude on a software adapter). */
  peerRepeats: number;
  /** Timed runs per U-Net step row, per config (after one warm-up step). */
  e2eRepeats: Record<SuiteConfig, number>;
  /** The same for the peer's U-Net. */
  e2ePeerRepeats: Record<SuiteConfig, number>;
  /**
   * Warm-up steps of the peer's U-Net before its timed ones. 0 for cifar10 in a full run: a tfjs step takes
   * minutes on a software adapter, and the forward's shaders are compiled by the check that precedes it.
   */
  e2ePeerWarmup: Record<SuiteConfig, number>;
  /** Timed forward passes of ONNX Runtime Web per provider (after its checked first run and ortWarmup more). */
  ortRepeats: Record<SuiteConfig, number>;
  ortWarmup: Record<SuiteConfig, number>;
  /** Substring filter on row names (e.g. "conv2d"). */
  filter: string;
}

export function defaultOptions(quick: boolean): SuiteOptions {
  return {
    quick,
    sections: [...SECTIONS],
    configs: quick ? ["mnist-16"] : [...SUITE_CONFIGS],
    repeats: quick ? 3 : 7,
    peerRepeats: quick ? 3 : 5,
    e2eRepeats: quick ? { "mnist-16": 2, "ddpm-cifar10-32": 1 } : { "mnist-16": 5, "ddpm-cifar10-32": 3 },
    e2ePeerRepeats: quick ? { "mnist-16": 1, "ddpm-cifar10-32": 1 } : { "mnist-16": 2, "ddpm-cifar10-32": 1 },
    e2ePeerWarmup: { "mnist-16": 1, "ddpm-cifar10-32": 0 },
    ortRepeats: quick ? { "mnist-16": 2, "ddpm-cifar10-32": 1 } : { "mnist-16": 3, "ddpm-cifar10-32": 2 },
    ortWarmup: { "mnist-16": 1, "ddpm-cifar10-32": 0 },
    filter: "",
  };
}

export interface SuiteContext {
  engine: Engine;
  peer: TfjsPeer | null;
  /** The second peer, ONNX Runtime Web, with the execution providers at hand. */
  ort: OrtPeer | null;
  options: SuiteOptions;
  environment: string;
  log: (line: string) => void;
}

export interface BenchArgs {
  suite: SuiteOptions;
  peer: boolean;
  ort: boolean;
  out: string;
}

export const USAGE = `options: --quick --only=${SECTIONS.join(",")} --configs=${SUITE_CONFIGS.join(",")} --repeats=N --peer-repeats=N --e2e-repeats=N --e2e-peer-repeats=N --e2e-peer-warmup=N --filter=TEXT --no-peer --ort-repeats=N --no-ort --out=DIR`;

export function parseArgs(argv: string[]): BenchArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`bench: unexpected argument '${arg}' (${USAGE})`);
    const eq = arg.indexOf("=");
    if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) values.set(arg.slice(2), argv[++i]);
    else values.set(arg.slice(2), "true");
  }
  const known = [
    "quick",
    "only",
    "configs",
    "repeats",
    "peer-repeats",
    "e2e-repeats",
    "e2e-peer-repeats",
    "e2e-peer-warmup",
    "filter",
    "no-peer",
    "ort-repeats",
    "no-ort",
    "out",
  ];
  for (const key of values.keys()) if (!known.includes(key)) throw new Error(`bench: unknown option --${key} (${USAGE})`);
  const suite = defaultOptions(values.get("quick") === "true");
  const list = <T extends string>(key: string, allowed: readonly T[]): T[] | null => {
    const v = values.get(key);
    if (v === undefined) return null;
    const items = v.split(",").filter(Boolean);
    for (const item of items)
      if (!allowed.includes(item as T)) throw new Error(`bench: --${key} takes ${allowed.join(", ")}; got '${item}'`);
    return items as T[];
  };
  const count = (key: string): number | null => {
    const v = values.get(key);
    if (v === undefined) return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --${key} takes a positive integer, got '${v}'`);
    return n;
  };
  suite.sections = list<Section>("only", SECTIONS) ?? suite.sections;
  suite.configs = list<SuiteConfig>("configs", SUITE_CONFIGS) ?? suite.configs;
  suite.repeats = count("repeats") ?? suite.repeats;
  suite.peerRepeats = count("peer-repeats") ?? suite.peerRepeats;
  const e2e = count("e2e-repeats");
  if (e2e !== null) for (const c of SUITE_CONFIGS) suite.e2eRepeats[c] = e2e;
  const e2ePeer = count("e2e-peer-repeats");
  if (e2ePeer !== null) for (const c of SUITE_CONFIGS) suite.e2ePeerRepeats[c] = e2ePeer;
  const warm = values.get("e2e-peer-warmup");
  if (warm !== undefined) {
    const n = Number(warm);
    if (!Number.isInteger(n) || n < 0) throw new Error(`bench: --e2e-peer-warmup takes an integer ≥ 0, got '${warm}'`);
    for (const c of SUITE_CONFIGS) suite.e2ePeerWarmup[c] = n;
  }
  const ort = count("ort-repeats");
  if (ort !== null) for (const c of SUITE_CONFIGS) suite.ortRepeats[c] = ort;
  suite.filter = values.get("filter") ?? "";
  return {
    suite,
    peer: values.get("no-peer") !== "true",
    ort: values.get("no-ort") !== "true",
    out: values.get("out") ?? "bench/results",
  };
}
