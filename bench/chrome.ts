/**
 * `npm run bench:chrome`: the suite inside headless Chromium (the system /usr/bin/chromium, WebGPU on its
 * default adapter: SwiftShader on a machine without a GPU). Builds bench/page.ts with esbuild into
 * node_modules/.cache/ddpm-webgpu/bench-page/, serves it from http://localhost (pages need a secure origin for
 * navigator.gpu), drives it with puppeteer, prints the progress lines the page posts back and writes the report
 * as bench/results/chrome-ADAPTER.{json,md,svg}. Takes the options of `npm run bench` (bench/options.ts), plus
 * --chromium=PATH.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import puppeteer from "puppeteer";
import { parseArgs } from "./options.js";
import type { BenchReport } from "./suite.js";
import { writeReport } from "./write-report.js";

const PAGE_DIR = resolve("node_modules/.cache/ddpm-webgpu/bench-page");
const ORT_DIST = resolve("node_modules/onnxruntime-web/dist");

/** Flags for WebGPU in headless Chromium; SwiftShader is Chromium's fallback adapter when there is no GPU. */
const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--enable-webgpu-developer-features", // timestamp queries without 100 µs quantisation
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

async function buildPage(): Promise<void> {
  mkdirSync(PAGE_DIR, { recursive: true });
  await build({
    entryPoints: ["bench/page.ts"],
    outfile: join(PAGE_DIR, "page.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    loader: { ".wgsl": "text" },
    external: ["webgpu", "node:*"],
    logLevel: "warning",
  });
  writeFileSync(
    join(PAGE_DIR, "index.html"),
    '<!doctype html><meta charset="utf-8"><title>ddpm-webgpu bench</title><pre id="log"></pre><script type="module" src="page.js"></script>\n',
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const chromiumAt = argv.findIndex((a) => a.startsWith("--chromium"));
  let executablePath = "/usr/bin/chromium";
  if (chromiumAt >= 0) {
    const [arg] = argv.splice(chromiumAt, 1);
    executablePath = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv.splice(chromiumAt, 1)[0];
  }
  const args = parseArgs(argv);
  // The machine's software adapter: ask Chromium for SwiftShader only when it has no GPU to offer.
  const noGpu = !["/dev/dri", "/dev/nvidia0", "/dev/dxg"].some((p) => existsSync(p));
  const flags = [...CHROMIUM_ARGS, ...(noGpu ? ["--use-vulkan=swiftshader", "--use-webgpu-adapter=swiftshader"] : [])];
  const started = performance.now();
  await buildPage();

  let settle: { resolve: (r: BenchReport) => void; reject: (e: Error) => void } | null = null;
  const result = new Promise<BenchReport>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {}); // awaited below; a page error before then must not end the process before cleanup
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "POST") {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        response.end("ok");
        if (url.pathname === "/log") console.log(body);
        else if (url.pathname === "/result") settle!.resolve(JSON.parse(body) as BenchReport);
        else if (url.pathname === "/error") settle!.reject(new Error(`the bench page failed: ${body}`));
      });
      return;
    }
    const file = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    // ONNX Runtime Web's WebAssembly and its loader, from the package.
    const ortFile = /^ort\/(ort-wasm-[a-z-.]+\.(wasm|mjs))$/.exec(file);
    if (ortFile) {
      response.setHeader("content-type", ortFile[2] === "wasm" ? "application/wasm" : "text/javascript");
      response.end(readFileSync(join(ORT_DIST, ortFile[1])));
      return;
    }
    if (!["index.html", "page.js"].includes(file)) {
      response.statusCode = file === "favicon.ico" ? 204 : 404;
      response.end();
      return;
    }
    response.setHeader("content-type", file.endsWith(".js") ? "text/javascript" : "text/html");
    response.end(readFileSync(join(PAGE_DIR, file)));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;

  // (a copy: puppeteer takes --enable-features out of the array it is given)
  const browser = await puppeteer.launch({ executablePath, args: [...flags], protocolTimeout: 0 });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (error) => settle!.reject(error instanceof Error ? error : new Error(String(error))));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warn") console.error(`[page ${message.type()}] ${message.text()}`);
    });
    console.log(`chromium: ${await browser.version()} (${executablePath}), flags: ${flags.join(" ")}`);
    await page.goto(`http://localhost:${port}/?args=${encodeURIComponent(JSON.stringify(argv))}`);
    const report = await result;
    report.notes.push(`Headless ${await browser.version()} with ${flags.join(" ")}.`);
    writeReport(args.out, report, (performance.now() - started) / 60000);
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
