/**
 * A grid of images drawn from a tensor onto a canvas, in one of two ways:
 *   - "webgpu": the canvas's WebGPU context renders the tensor's GPU buffer, with no CPU readback
 *     (src/gpu/canvas.ts); work the engine has recorded is submitted first (engine.flush()), so the draw sees the
 *     tensor's finished values;
 *   - "2d": the tensor is read back and painted through a 2D context, pixel for pixel as shaders/canvas.wgsl
 *     paints it: the fallback for a browser that cannot present a WebGPU canvas (probeCanvasPresentation).
 */

import { CanvasGrid } from "../gpu/canvas.js";

export { probeCanvasPresentation } from "../gpu/canvas.js";

import type { Engine, Tensor } from "../index.js";

export interface GridViewOptions {
  /** Canvas pixels per image pixel (default: about 96 canvas pixels per image side). */
  scale?: number;
  /** Pixels between images (default 2). */
  gap?: number;
  /** Images per row (default: ⌈√count⌉). */
  columns?: number;
  /** The value range drawn from black to white (default [-1, 1]). */
  low?: number;
  high?: number;
  /** Gray level of the background and gaps, in [0, 1] (default 0.12). */
  background?: number;
  /** "webgpu" (default): rendered from the GPU buffer; "2d": read back and painted by a 2D context. */
  mode?: "webgpu" | "2d";
}

export class ImageGridView {
  private readonly grid: CanvasGrid | null;
  private readonly context2d: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  readonly mode: "webgpu" | "2d";

  constructor(
    private readonly engine: Engine,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    private readonly options: GridViewOptions = {},
  ) {
    this.mode = options.mode ?? "webgpu";
    if (this.mode === "2d") {
      this.grid = null;
      this.context2d = canvas.getContext("2d") as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
      if (!this.context2d) throw new Error("ImageGridView: this canvas has no 2D context (is it already used by a WebGPU context?)");
    } else {
      this.grid = new CanvasGrid(engine.device, canvas);
      this.context2d = null;
    }
  }

  /** The canvas's WebGPU context (a test reads the drawn texture from it); only in "webgpu" mode. */
  get context(): GPUCanvasContext {
    if (!this.grid) throw new Error("ImageGridView: a 2D-mode view has no WebGPU context");
    return this.grid.context;
  }

  /** The canvas texture's format; only in "webgpu" mode. */
  get format(): GPUTextureFormat {
    if (!this.grid) throw new Error("ImageGridView: a 2D-mode view has no WebGPU texture format");
    return this.grid.format;
  }

  /** The grid for `count` images of height×width: columns, rows, canvas pixels per image pixel, canvas size. */
  layout(
    count: number,
    height: number,
    width: number,
  ): { columns: number; rows: number; scale: number; pixelWidth: number; pixelHeight: number } {
    const scale = this.options.scale ?? Math.max(1, Math.round(96 / Math.max(height, width)));
    const gap = this.options.gap ?? 2;
    const columns = Math.max(1, Math.min(count, this.options.columns ?? Math.ceil(Math.sqrt(count))));
    const rows = Math.max(1, Math.ceil(count / columns));
    return { columns, rows, scale, pixelWidth: columns * (width * scale + gap) - gap, pixelHeight: rows * (height * scale + gap) - gap };
  }

  /**
   * Draw `images` ([N, C, H, W], or [C, H, W] for one image) into the canvas, resizing it to fit the grid.
   * "webgpu": submits the engine's recorded work and the draw, and resolves without waiting for the GPU;
   * "2d": resolves once the values are read back and painted (the tensor must live until then).
   */
  async draw(images: Tensor): Promise<void> {
    const shape = images.shape.length === 3 ? [1, ...images.shape] : images.shape;
    if (shape.length !== 4 || shape.some((d) => d < 1)) {
      throw new Error(`ImageGridView.draw: images must be [N, C, H, W] or [C, H, W], got [${images.shape.join(", ")}]`);
    }
    const [count, channels, height, width] = shape;
    const { columns, scale, pixelWidth, pixelHeight } = this.layout(count, height, width);
    const params = {
      count,
      channels,
      height,
      width,
      columns,
      scale,
      gap: this.options.gap ?? 2,
      low: this.options.low ?? -1,
      high: this.options.high ?? 1,
      background: this.options.background ?? 0.12,
    };
    if (this.context2d) {
      const values = await images.data();
      this.resize(pixelWidth, pixelHeight);
      this.context2d.putImageData(paintGrid(values, params, pixelWidth, pixelHeight), 0, 0);
      return;
    }
    this.resize(pixelWidth, pixelHeight);
    // The tensor's producers must be on the queue before this draw.
    this.engine.flush();
    this.grid!.draw(images.buffer, images.byteLength, params);
  }

  destroy(): void {
    this.grid?.destroy();
  }

  private resize(width: number, height: number): void {
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
  }
}

/** The grid's pixels as shaders/canvas.wgsl computes them (the layout, the value mapping, the clamping). */
function paintGrid(
  values: Float32Array,
  p: { count: number; channels: number; height: number; width: number; columns: number; scale: number; gap: number } & {
    low: number;
    high: number;
    background: number;
  },
  pixelWidth: number,
  pixelHeight: number,
): ImageData {
  const image = new ImageData(pixelWidth, pixelHeight);
  const pixels = image.data;
  const toByte = (v: number) => Math.round(Math.min(Math.max(v, 0), 1) * 255);
  const level = (v: number) => toByte((v - p.low) / (p.high - p.low));
  const backdrop = toByte(p.background);
  const [imageWidth, imageHeight] = [p.width * p.scale, p.height * p.scale];
  const [cellWidth, cellHeight] = [imageWidth + p.gap, imageHeight + p.gap];
  const plane = p.height * p.width;
  for (let py = 0; py < pixelHeight; py++) {
    for (let px = 0; px < pixelWidth; px++) {
      const at = 4 * (py * pixelWidth + px);
      const [column, row, wx, wy] = [Math.floor(px / cellWidth), Math.floor(py / cellHeight), px % cellWidth, py % cellHeight];
      const index = row * p.columns + column;
      pixels[at + 3] = 255;
      if (column >= p.columns || index >= p.count || wx >= imageWidth || wy >= imageHeight) {
        pixels.fill(backdrop, at, at + 3);
        continue;
      }
      const first = index * p.channels * plane + Math.floor(wy / p.scale) * p.width + Math.floor(wx / p.scale);
      const red = level(values[first]);
      pixels[at] = red;
      pixels[at + 1] = p.channels < 3 ? red : level(values[first + plane]);
      pixels[at + 2] = p.channels < 3 ? red : level(values[first + 2 * plane]);
    }
  }
  return image;
}
