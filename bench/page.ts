/**
 * The bench page (bundled by bench/chrome.ts): runs the same suite as `npm run bench` inside the browser, on
 * navigator.gpu, with tfjs's WebGPU backend as the peer and ONNX Runtime Web (its WebGPU and WASM execution
 * providers) as the second, and posts progress lines and the report back to the
 * server that served it (POST /log, /result, /error). Arguments come as ?args=["--quick", ...].
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-webgpu";
import * as ort from "onnxruntime-web/webgpu";
import { Engine } from "../src/index.js";
import { parseArgs } from "./options.js";
import { OrtPeer } from "./ort-peer.js";
import { runSuite } from "./suite.js";
import { TfjsPeer } from "./tfjs-peer.js";

async function post(path: string, body: string): Promise<void> {
  await fetch(path, { method: "POST", body, headers: { "content-type": "text/plain" } });
}

async function main(): Promise<void> {
  const argv = JSON.parse(new URLSearchParams(location.search).get("args") ?? "[]") as string[];
  const args = parseArgs(argv);
  // Kernel variants measured afresh in every run (no cache): the rows show what the autotune picks.
  const engine = await Engine.create({ validate: false, tuneStore: null });
  const peer = args.peer ? await TfjsPeer.create(tf) : null;
  // ORT's .wasm files are served under /ort/ (bench/chrome.ts).
  ort.env.wasm.wasmPaths = new URL("ort/", location.href).href;
  ort.env.logLevel = "error"; // not its warning that shape ops run on the CPU, which it does by design
  const onnx = args.ort ? new OrtPeer(ort, ["webgpu", "wasm"]) : null;
  const started = performance.now();
  let pending = Promise.resolve();
  const report = await runSuite({
    engine,
    peer,
    ort: onnx,
    options: args.suite,
    environment: "chrome",
    log: (line) => {
      const text = `${((performance.now() - started) / 1000).toFixed(0).padStart(5)}s ${line}`;
      const out = document.getElementById("log");
      if (out) out.textContent += `${text}\n`;
      pending = pending.then(() => post("/log", text));
    },
  });
  report.notes.push(`${navigator.userAgent}; the engine and tfjs each have their own GPUDevice on the same adapter.`);
  await pending;
  await post("/result", JSON.stringify(report));
  engine.destroy();
}

main().catch((error: unknown) => post("/error", error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error)));
