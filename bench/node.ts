/**
 * `npm run bench`: the suite (bench/suite.ts) in Node on the engine's adapter (Dawn through the `webgpu`
 * package; SwiftShader when there is no GPU), with TensorFlow.js's WebGPU backend as the peer on the same
 * adapter and ONNX Runtime Web's WASM provider as the second (its WebGPU provider does not run on Dawn's Node
 * bindings: `npm run bench:chrome` times it), writing bench/results/node-ADAPTER.{json,md,svg}.
 *
 *   npm run bench -- [--quick] [--only=peak,kernels,e2e] [--configs=...] [--filter=conv2d] [--no-peer] ...
 *
 * (bench/options.ts lists every option; `node scripts/run.mjs --tfjs-esm` builds and runs this file.) tfjs's backend registers itself only if navigator.gpu exists when
 * it is imported, so it is imported here after navigator.gpu is set to a Dawn instance made the same way as
 * the engine's (after Engine.create, which has chosen the Vulkan driver through VK_ICD_FILENAMES).
 */
import { cpus, loadavg } from "node:os";
import { Engine } from "../src/index.js";
import { parseArgs } from "./options.js";
import { OrtPeer } from "./ort-peer.js";
import { runSuite } from "./suite.js";
import { TfjsPeer } from "./tfjs-peer.js";
import { writeReport } from "./write-report.js";

/** Dawn instances must outlive their devices (src/gpu/device.ts); this one is tfjs's. */
let peerInstance: GPU | null = null;

async function createPeer(): Promise<TfjsPeer> {
  const name = "webgpu"; // hidden from the bundler, as in src/gpu/device.ts
  const webgpu = (await import(/* @vite-ignore */ name)) as { create(flags: string[]): GPU };
  peerInstance = webgpu.create([]);
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator!, "gpu", { value: peerInstance, configurable: true });
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-core/dist/register_all_gradients");
  await import("@tensorflow/tfjs-backend-webgpu");
  return TfjsPeer.create(tf);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadBefore = loadavg()[0];
  // Kernel variants measured afresh in every run (no cache): the rows show what the autotune picks.
  const engine = await Engine.create({ validate: false, tuneStore: null });
  const peer = args.peer ? await createPeer() : null;
  const ort = args.ort ? new OrtPeer(await import("onnxruntime-web"), ["wasm"]) : null;
  const report = await runSuite({
    engine,
    peer,
    ort,
    options: args.suite,
    environment: "node",
    log: (line) => console.log(`${((performance.now() - started) / 1000).toFixed(0).padStart(5)}s ${line}`),
  });
  report.notes.push(
    `Node ${process.version}, ${process.platform}/${process.arch}; the engine and tfjs each have their own GPUDevice on the same adapter.`,
  );
  const loadAfter = loadavg()[0];
  report.notes.push(
    `${cpus().length} CPU cores; 1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadAfter.toFixed(1)} at the end` +
      // The bench's own threads raise the load it ends with; the load it starts with is other work.
      (loadBefore > cpus().length
        ? " (it started above the core count: other work shared the machine and every time here is longer than on an idle one)."
        : "."),
  );
  writeReport(args.out, report, report.seconds / 60);
  engine.destroy();
}

await main();
