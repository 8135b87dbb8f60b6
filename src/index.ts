/**
 * ddpm-webgpu: the public API for embedders.
 *
 * ```ts
 * import { Engine, ops } from "ddpm-webgpu";
 * const engine = await Engine.create();
 * const w = engine.parameter([1, 2, 3, 4], [2, 2]);
 * const loss = engine.tidy(() => ops.mean(ops.square(ops.matmul(engine.ones([3, 2]), w))));
 * engine.backward(loss);
 * console.log(await loss.item(), await w.grad!.data());
 * ```
 */
export { Engine, type EngineOptions, type MemoryInfo } from "./engine.js";
export { Tensor, type Shape } from "./tensor.js";
export type { AdapterReport, DeviceOptions } from "./gpu/device.js";
export { AdamW, type AdamWOptions } from "./optim/adamw.js";
export * as ops from "./ops/index.js";
