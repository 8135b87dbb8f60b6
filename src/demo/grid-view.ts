/**
 * A grid of images drawn from a tensor's GPU buffer onto a WebGPU canvas, with no CPU readback: the render
 * pipeline of shaders/canvas.wgsl binds the tensor's storage buffer and each fragment reads the value it shows.
 *
 * The canvas is configured on the engine's own device, so the tensor's buffer can be bound as it is. Work the
 * engine has recorded is submitted first (engine.flush()), so the draw sees the tensor's finished values.
 */
import type { Engine, Tensor } from "../index.js";
import canvasShader from "../../shaders/canvas.wgsl";

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

/** The uniform block GridParams of shaders/canvas.wgsl: 7 u32 then 3 f32, padded to 16 bytes. */
const UNIFORM_BYTES = 48;

export class ImageGridView {
  readonly context: GPUCanvasContext;
  readonly format: GPUTextureFormat;
  private readonly device: GPUDevice;
  private readonly pipeline: GPURenderPipeline;
  private readonly uniforms: GPUBuffer;

  constructor(
    private readonly engine: Engine,
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    private readonly options: GridViewOptions = {},
  ) {
    this.device = engine.device;
    const context = canvas.getContext("webgpu");
    if (!context) throw new Error("ImageGridView: this canvas has no WebGPU context (is it already used by a 2D context?)");
    this.context = context;
    this.format = navigator.gpu.getPreferredCanvasFormat();
    // COPY_SRC lets a test read the drawn pixels back; display itself never reads them.
    context.configure({
      device: this.device,
      format: this.format,
      alphaMode: "opaque",
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    });
    const module = this.device.createShaderModule({ code: canvasShader, label: "shaders/canvas.wgsl" });
    this.pipeline = this.device.createRenderPipeline({
      label: "image grid",
      layout: "auto",
      vertex: { module, entryPoint: "vertex_main" },
      fragment: { module, entryPoint: "fragment_main", targets: [{ format: this.format }] },
      primitive: { topology: "triangle-list" },
    });
    this.uniforms = this.device.createBuffer({
      label: "image grid uniforms",
      size: UNIFORM_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** The grid for `count` images of height×width: columns, rows, canvas pixels per image pixel, canvas size. */
  layout(count: number, height: number, width: number): { columns: number; rows: number; scale: number; pixelWidth: number; pixelHeight: number } {
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

    const low = this.options.low ?? -1;
    const high = this.options.high ?? 1;
    const params = new ArrayBuffer(UNIFORM_BYTES);
    new Uint32Array(params, 0, 7).set([count, channels, height, width, columns, scale, this.options.gap ?? 2]);
    new Float32Array(params, 28, 3).set([low, high, this.options.background ?? 0.12]);
    this.device.queue.writeBuffer(this.uniforms, 0, params);

    // The tensor's producers must be on the queue before this draw.
    this.engine.flush();
    const bindGroup = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: images.buffer, size: images.byteLength } },
        { binding: 1, resource: { buffer: this.uniforms } },
      ],
    });
    const encoder = this.device.createCommandEncoder({ label: "image grid" });
    const pass = encoder.beginRenderPass({
      colorAttachments: [{ view: this.context.getCurrentTexture().createView(), loadOp: "clear", storeOp: "store", clearValue: [0, 0, 0, 1] }],
    });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.draw(3);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    this.uniforms.destroy();
    this.context.unconfigure();
  }
}
