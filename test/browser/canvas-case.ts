/**
 * shaders/canvas.wgsl through the demo's ImageGridView: draw a tensor onto a real WebGPU canvas, copy the canvas
 * texture back, and compare every pixel with the grid computed on the CPU from the same values (layout, value
 * mapping, clamping, gaps and background, gray and RGB). The view's 2D mode (a readback painted by a 2D context,
 * the fallback where a WebGPU canvas cannot be shown) is held to the same pixels.
 */

import { type GridViewOptions, ImageGridView } from "../../src/demo/grid-view.js";
import type { Engine } from "../../src/index.js";
import { check } from "../helpers/op-check.js";
import { rng, uniformData } from "../reference/tensor.js";

interface GridCase {
  name: string;
  shape: [number, number, number, number];
  options: GridViewOptions;
}

const gridCases: GridCase[] = [
  // 5 gray images in 3 columns: the last row has an empty cell (background); values beyond [-1, 1] clamp.
  { name: "5 gray 7×5 images, scale 3, gap 2, 3 columns", shape: [5, 1, 7, 5], options: { scale: 3, gap: 2, columns: 3 } },
  {
    name: "2 RGB 4×6 images, scale 2, gap 1, range [0, 2]",
    shape: [2, 3, 4, 6],
    options: { scale: 2, gap: 1, low: 0, high: 2, background: 0.5 },
  },
  { name: "1 gray 16×16 image, default scale (6), no gap", shape: [1, 1, 16, 16], options: { gap: 0 } },
];

/** The 8-bit RGB the grid should show at canvas pixel (px, py), computed as the shader defines it. */
function expectedPixel(
  c: GridCase,
  data: ArrayLike<number>,
  columns: number,
  scale: number,
  px: number,
  py: number,
): [number, number, number] {
  const [count, channels, height, width] = c.shape;
  const { gap = 2, low = -1, high = 1, background = 0.12 } = c.options;
  const toByte = (v: number) => Math.round(Math.min(Math.max(v, 0), 1) * 255);
  const cellW = width * scale + gap;
  const cellH = height * scale + gap;
  const [column, row] = [Math.floor(px / cellW), Math.floor(py / cellH)];
  const [wx, wy] = [px % cellW, py % cellH];
  const index = row * columns + column;
  if (column >= columns || index >= count || wx >= width * scale || wy >= height * scale) {
    return [toByte(background), toByte(background), toByte(background)];
  }
  const at = (channel: number) => data[((index * channels + channel) * height + Math.floor(wy / scale)) * width + Math.floor(wx / scale)];
  const level = (v: number) => toByte((v - low) / (high - low));
  return channels < 3 ? [level(at(0)), level(at(0)), level(at(0))] : [level(at(0)), level(at(1)), level(at(2))];
}

/** The canvas's pixels as 8-bit RGBA rows of `bytesPerRow` bytes (a WebGPU texture copied back, or 2D image data). */
async function drawnPixels(engine: Engine, view: ImageGridView, width: number, height: number) {
  if (view.mode === "2d") {
    const context = (view.canvas as HTMLCanvasElement).getContext("2d")!;
    return { pixels: context.getImageData(0, 0, width, height).data, bytesPerRow: 4 * width, bgra: false };
  }
  // Read the texture the draw rendered into (same task, so it is still the current one), never shown to the CPU otherwise.
  const device = engine.device;
  const texture = view.context.getCurrentTexture();
  const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
  const buffer = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const encoder = device.createCommandEncoder();
  encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height]);
  device.queue.submit([encoder.finish()]);
  await buffer.mapAsync(GPUMapMode.READ);
  const pixels = new Uint8Array(buffer.getMappedRange().slice(0));
  buffer.destroy();
  check(view.format === "bgra8unorm" || view.format === "rgba8unorm", `unexpected canvas format ${view.format}`);
  return { pixels, bytesPerRow, bgra: view.format === "bgra8unorm" };
}

/** Draws each case on a fresh canvas, in both modes, and compares the pixels with the CPU grid (±1 level for rounding). */
export async function canvasCases(engine: Engine): Promise<{ name: string; ok: boolean; error?: string; ms: number }[]> {
  const results = [];
  for (const mode of ["webgpu", "2d"] as const) {
    for (const c of gridCases) {
      const started = performance.now();
      const name = `${mode === "webgpu" ? "canvas.wgsl" : "2D readback"}: ${c.name}`;
      try {
        const canvas = document.createElement("canvas");
        document.body.append(canvas);
        const view = new ImageGridView(engine, canvas, { ...c.options, mode });
        const size = c.shape.reduce((p, d) => p * d, 1);
        const data = Float32Array.from(uniformData(size, rng(size), -1.3, 2.3));
        const images = engine.tensor(data, c.shape);
        const { columns, scale, pixelWidth, pixelHeight } = view.layout(c.shape[0], c.shape[2], c.shape[3]);
        await view.draw(images);
        check(
          canvas.width === pixelWidth && canvas.height === pixelHeight,
          `canvas ${canvas.width}×${canvas.height}, expected ${pixelWidth}×${pixelHeight}`,
        );
        const { pixels, bytesPerRow, bgra } = await drawnPixels(engine, view, pixelWidth, pixelHeight);
        images.dispose();
        view.destroy();
        canvas.remove();
        let wrong = 0;
        let first = "";
        for (let y = 0; y < pixelHeight; y++) {
          for (let x = 0; x < pixelWidth; x++) {
            const at = y * bytesPerRow + 4 * x;
            const got = bgra ? [pixels[at + 2], pixels[at + 1], pixels[at]] : [pixels[at], pixels[at + 1], pixels[at + 2]];
            const want = expectedPixel(c, data, columns, scale, x, y);
            if (got.some((g, k) => Math.abs(g - want[k]) > 1) || pixels[at + 3] !== 255) {
              if (!wrong) first = `pixel (${x}, ${y}): got rgba ${got.join(",")},${pixels[at + 3]}, expected ${want.join(",")},255`;
              wrong++;
            }
          }
        }
        check(wrong === 0, `${wrong} of ${pixelWidth * pixelHeight} pixels differ; first ${first}`);
        results.push({ name, ok: true, ms: performance.now() - started });
      } catch (error) {
        results.push({ name, ok: false, error: String((error as Error)?.message ?? error), ms: performance.now() - started });
      }
    }
  }
  return results;
}
