/**
 * A grid of images drawn from a tensor's GPU buffer onto a WebGPU canvas, with no CPU readback (src/gpu/canvas.ts
 * renders it). Work the engine has recorded is submitted first (engine.flush()), so the draw sees the tensor's
 * finished values.
 */

import { CanvasGrid } from "../gpu/canvas.js";
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
}

export class ImageGridView {
  private readonly grid: CanvasGrid;

  constructor(
    private readonly engine: Engine,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    private readonly options: GridViewOptions = {},
  ) {
    this.grid = new CanvasGrid(engine.device, canvas);
  }

  /** The canvas's WebGPU context (a test reads the drawn texture from it). */
  get context(): GPUCanvasContext {
    return this.grid.context;
  }

  /** The canvas texture's format. */
  get format(): GPUTextureFormat {
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
   * Submits the engine's recorded work first; returns without waiting for the GPU.
   */
  draw(images: Tensor): void {
    const shape = images.shape.length === 3 ? [1, ...images.shape] : images.shape;
    if (shape.length !== 4 || shape.some((d) => d < 1)) {
      throw new Error(`ImageGridView.draw: images must be [N, C, H, W] or [C, H, W], got [${images.shape.join(", ")}]`);
    }
    const [count, channels, height, width] = shape;
    const { columns, scale, pixelWidth, pixelHeight } = this.layout(count, height, width);
    if (this.canvas.width !== pixelWidth) this.canvas.width = pixelWidth;
    if (this.canvas.height !== pixelHeight) this.canvas.height = pixelHeight;

    // The tensor's producers must be on the queue before this draw.
    this.engine.flush();
    this.grid.draw(images.buffer, images.byteLength, {
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
    });
  }

  destroy(): void {
    this.grid.destroy();
  }
}
