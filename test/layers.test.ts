/**
 * What dependency-cruiser (.dependency-cruiser.cjs: the import rules) and Biome cannot see: only src/gpu/ calls the
 * WebGPU API (every other file of src/ is scanned for WebGPU calls, usage flags and device properties; handing a
 * GPUDevice or GPUBuffer on, to src/gpu or to an embedder, is allowed), and no line of src/ exceeds the formatter's
 * 140 columns (Biome wraps code, not strings or comments).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const WEBGPU_CALL = new RegExp(
  [
    // GPUDevice, GPUQueue, encoders and buffers
    String.raw`\.(queue|createBuffer|createTexture|createBindGroup|createBindGroupLayout|createPipelineLayout|createComputePipeline|createComputePipelineAsync|createRenderPipeline|createShaderModule|createCommandEncoder|createQuerySet|beginComputePass|beginRenderPass|dispatchWorkgroups|copyBufferToBuffer|resolveQuerySet|writeBuffer|onSubmittedWorkDone|mapAsync|getMappedRange|unmap|pushErrorScope|popErrorScope|getCurrentTexture|getPreferredCanvasFormat)\b`,
    // adapters and devices
    String.raw`\b(requestAdapter|requestDevice)\(`,
    String.raw`navigator\.gpu\b`,
    String.raw`\.device\.(limits|features|lost|destroy|addEventListener)\b`,
    // WebGPU's flag namespaces
    String.raw`\bGPU(BufferUsage|MapMode|ShaderStage|TextureUsage)\.`,
  ].join("|"),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("layers", () => {
  it("the WebGPU pattern finds calls, flags and device properties, and passes handles through", () => {
    for (const call of [
      "device.queue.writeBuffer(buffer, 0, data)",
      "this.device.createBuffer({ size, usage })",
      "await buffer.mapAsync(GPUMapMode.READ)",
      "engine.device.limits.maxBufferSize",
      "const adapter = await navigator.gpu.requestAdapter()",
      "usage: GPUBufferUsage.STORAGE",
    ]) {
      expect(WEBGPU_CALL.test(call), call).toBe(true);
    }
    for (const handOn of [
      "new CanvasGrid(engine.device, canvas)",
      "const buffer: GPUBuffer = t.buffer",
      "engine.sync()",
      'if (!("gpu" in navigator))',
    ]) {
      expect(WEBGPU_CALL.test(handOn), handOn).toBe(false);
    }
  });

  it("only src/gpu calls WebGPU", () => {
    const root = join(import.meta.dirname, "..");
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, "src"))) {
      const path = relative(root, file);
      if (path.startsWith(join("src", "gpu"))) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          // Comments and quoted strings (messages that name navigator.gpu) are not calls.
          const code = line
            .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
            .replace(/\/\/.*$/, "")
            .replace(/^\s*\*.*$/, "");
          if (WEBGPU_CALL.test(code)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it("no line of src/ is longer than 140 characters", () => {
    const root = join(import.meta.dirname, "..");
    const long: string[] = [];
    for (const file of sourceFiles(join(root, "src"))) {
      for (const [i, line] of readFileSync(file, "utf8").split("\n").entries()) {
        if (line.length > 140) long.push(`${relative(root, file)}:${i + 1} (${line.length})`);
      }
    }
    expect(long).toEqual([]);
  });
});
