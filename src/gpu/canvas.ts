/**
 * A grid of images drawn from a storage buffer onto a WebGPU canvas with no CPU readback: the render pipeline of
 * shaders/canvas.wgsl binds the buffer and each fragment reads the value it shows. The canvas is configured on the
 * buffer's device, so a tensor's buffer is bound as it is.
 */
import canvasShader from "../../shaders/canvas.wgsl";

/** GridParams of shaders/canvas.wgsl: the images' shape and the grid's layout and value range. */
export interface GridParams {
  count: number;
  channels: number;
  height: number;
  width: number;
  columns: number;
  /** Canvas pixels per image pixel. */
  scale: number;
  /** Pixels between images. */
  gap: number;
  /** The value range drawn from black to white. */
  low: number;
  high: number;
  /** Gray level of the background and gaps, in [0, 1]. */
  background: number;
}

/** 7 u32 then 3 f32, padded to 16 bytes. */
const UNIFORM_BYTES = 48;

export class CanvasGrid {
  readonly context: GPUCanvasContext;
  readonly format: GPUTextureFormat;
  private readonly pipeline: GPURenderPipeline;
  private readonly uniforms: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    canvas: HTMLCanvasElement | OffscreenCanvas,
  ) {
    const context = canvas.getContext("webgpu");
    if (!context) throw new Error("ImageGridView: this canvas has no WebGPU context (is it already used by a 2D context?)");
    this.context = context;
    this.format = navigator.gpu.getPreferredCanvasFormat();
    // COPY_SRC lets a test read the drawn pixels back; display itself never reads them.
    context.configure({
      device,
      format: this.format,
      alphaMode: "opaque",
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    });
    const module = device.createShaderModule({ code: canvasShader, label: "shaders/canvas.wgsl" });
    this.pipeline = device.createRenderPipeline({
      label: "image grid",
      layout: "auto",
      vertex: { module, entryPoint: "vertex_main" },
      fragment: { module, entryPoint: "fragment_main", targets: [{ format: this.format }] },
      primitive: { topology: "triangle-list" },
    });
    this.uniforms = device.createBuffer({
      label: "image grid uniforms",
      size: UNIFORM_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** Draw the first `bytes` of `images` (NCHW f32) into the canvas's current texture; submits at once. */
  draw(images: GPUBuffer, bytes: number, p: GridParams): void {
    const params = new ArrayBuffer(UNIFORM_BYTES);
    new Uint32Array(params, 0, 7).set([p.count, p.channels, p.height, p.width, p.columns, p.scale, p.gap]);
    new Float32Array(params, 28, 3).set([p.low, p.high, p.background]);
    this.device.queue.writeBuffer(this.uniforms, 0, params);
    const bindGroup = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: images, size: bytes } },
        { binding: 1, resource: { buffer: this.uniforms } },
      ],
    });
    const encoder = this.device.createCommandEncoder({ label: "image grid" });
    const pass = encoder.beginRenderPass({
      colorAttachments: [
        { view: this.context.getCurrentTexture().createView(), loadOp: "clear", storeOp: "store", clearValue: [0, 0, 0, 1] },
      ],
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

/**
 * Whether this browser presents a WebGPU canvas without losing its WebGPU instance: one cleared frame on
 * `canvas`, configured with a device of the probe's own, shown through the compositor (two animation frames),
 * then the device is checked. Headless Chromium with SwiftShader for WebGPU but without ANGLE's SwiftShader for
 * the compositor drops the whole instance on the first present ("A valid external Instance reference no longer
 * exists"): the probe's throwaway device takes that loss, and a device requested afterwards works. Resolves to
 * null when the canvas works, else the reason it does not; leaves the canvas unconfigured.
 */
export async function probeCanvasPresentation(canvas: HTMLCanvasElement, background = 0.12): Promise<string | null> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return "navigator.gpu returned no adapter";
  const device = await adapter.requestDevice();
  let lost: string | null = null;
  device.lost.then((info) => {
    if (info.reason !== "destroyed") lost = info.message || "the device was lost";
  });
  const context = canvas.getContext("webgpu");
  if (!context) {
    device.destroy();
    return "this canvas has no WebGPU context";
  }
  try {
    context.configure({ device, format: navigator.gpu.getPreferredCanvasFormat(), alphaMode: "opaque" });
    const encoder = device.createCommandEncoder({ label: "canvas probe" });
    encoder
      .beginRenderPass({
        colorAttachments: [
          {
            view: context.getCurrentTexture().createView(),
            loadOp: "clear",
            storeOp: "store",
            clearValue: [background, background, background, 1],
          },
        ],
      })
      .end();
    device.queue.submit([encoder.finish()]);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await device.queue.onSubmittedWorkDone();
    // The loss arrives from the GPU process a moment after the frame that caused it.
    await new Promise((resolve) => setTimeout(resolve, 250));
  } catch (error) {
    lost ??= error instanceof Error ? error.message : String(error);
  }
  if (!lost) context.unconfigure();
  device.destroy();
  return lost;
}
