/**
 * The demo's zip writer (src/demo/zip.ts): CRC-32 against its published check value, and archives read back by
 * an independent reader and by Info-ZIP's `unzip -t` where it is installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crc32, zipStore } from "../src/demo/zip.js";
import { readStoredZip } from "./browser/unzip.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("zipStore", () => {
  it("CRC-32 gives the standard check value of '123456789' (0xCBF43926), and 0 for nothing", () => {
    expect(crc32(bytes("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("stores each file under its path, bytes and checksums intact, in order", () => {
    const weights = new Uint8Array(1000).map((_, i) => (i * 37) % 256);
    const files = [
      { path: "model_index.json", data: bytes('{ "_class_name": "DDPMPipeline" }\n') },
      { path: "unet/diffusion_pytorch_model.safetensors", data: weights },
      { path: "scheduler/scheduler_config.json", data: bytes("{}\n") },
      { path: "empty", data: new Uint8Array(0) },
    ];
    const zip = zipStore(files);
    expect(zip.length).toBe(files.reduce((sum, f) => sum + 30 + 46 + 2 * f.path.length + f.data.length, 22));
    const read = readStoredZip(zip);
    expect([...read.keys()]).toEqual(files.map((f) => f.path));
    for (const f of files) {
      expect(Buffer.from(read.get(f.path)!.data).equals(Buffer.from(f.data)), f.path).toBe(true);
      expect(read.get(f.path)!.crc).toBe(crc32(f.data));
    }
  });

  it.runIf(existsSync("/usr/bin/unzip"))("Info-ZIP's unzip -t finds every file and no error", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddpm-zip-"));
    try {
      const zip = join(dir, "a.zip");
      writeFileSync(
        zip,
        zipStore([
          { path: "unet/config.json", data: bytes("{}\n") },
          { path: "b.bin", data: new Uint8Array(300).fill(7) },
        ]),
      );
      const report = execFileSync("/usr/bin/unzip", ["-t", zip], { encoding: "utf8" });
      expect(report).toMatch(/testing: unet\/config\.json\s+OK/);
      expect(report).toMatch(/testing: b\.bin\s+OK/);
      expect(report).toMatch(/No errors detected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
