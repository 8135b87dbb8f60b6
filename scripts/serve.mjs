// A tiny static file server for the demo page and the headless-Chrome tests (no dependencies).
// WebGPU needs a secure context: http://localhost is one, so it binds to 127.0.0.1 only. Responses are
// gzip-compressed for clients that accept it, except files that are compressed already.
//
//   node scripts/serve.mjs [DIR] [--port N]      serve DIR (default dist/demo) until Ctrl-C
//
// Programmatic use: `const { url, close } = await serve(dir, { port: 0 })` (port 0 picks a free port).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wgsl": "text/plain; charset=utf-8",
  ".bin": "application/octet-stream",
  ".safetensors": "application/octet-stream",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".gz": "application/gzip",
  ".zip": "application/zip",
  ".svg": "image/svg+xml",
};
/** Formats that are compressed already: sent as they are. */
const COMPRESSED = new Set([".png", ".jpg", ".gz", ".zip"]);

/**
 * Serve the files under `root` on http://127.0.0.1:PORT/ (GET and HEAD only; "/" and folders serve index.html).
 * Resolves once listening, with the URL and a close() that also drops open keep-alive connections.
 */
export function serve(root, { port = 0, host = "127.0.0.1", log = () => {} } = {}) {
  const base = resolve(root);
  const server = createServer(async (request, response) => {
    const send = (status, text) => {
      response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : text);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "method not allowed");
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(400, "bad request");
    }
    // normalize() resolves "..": anything that ends up outside the root is refused.
    let file = normalize(join(base, pathname));
    if (file !== base && !file.startsWith(base + sep)) return send(403, "forbidden");
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file);
      }
      const gzip = !COMPRESSED.has(extname(file)) && /\bgzip\b/.test(request.headers["accept-encoding"] ?? "");
      response.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
        ...(gzip ? { "content-encoding": "gzip" } : { "content-length": info.size }),
        vary: "accept-encoding",
        "cache-control": "no-store",
      });
      log(`${request.method} ${pathname} 200${gzip ? " gzip" : ""}`);
      if (request.method === "HEAD") return response.end();
      const stream = createReadStream(file);
      (gzip ? stream.pipe(createGzip()) : stream).pipe(response);
    } catch {
      log(`${request.method} ${pathname} 404`);
      send(404, `not found: ${pathname}`);
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      const url = `http://localhost:${address.port}/`;
      const close = () =>
        new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        });
      resolvePromise({ server, url, port: address.port, close });
    });
  });
}

/** `--port N` or the PORT environment variable, else the fallback. */
export function portFromArgs(args, fallback) {
  const at = args.indexOf("--port");
  const value = at >= 0 ? args[at + 1] : process.env.PORT;
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${JSON.stringify(value)}`);
  return port;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const positional = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--port");
  const root = positional[0] ?? "dist/demo";
  const { url } = await serve(root, { port: portFromArgs(args, 8080) });
  console.log(`serving ${root} at ${url}  (Ctrl-C to stop)`);
}
