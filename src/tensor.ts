/**
 * Tensor = an f32 storage buffer on the GPU + a shape (+ a gradient and the tape node that made it).
 * Row-major and dense. Reading back is explicit and async: `await t.data()`.
 */
import type { Engine } from "./engine.js";
import type { TapeNode } from "./autograd.js";

/** A tensor shape: dimension sizes, outermost first. */
export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function assertShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: invalid shape ${shapeString(shape)} (sizes must be integers ≥ 0)`);
  }
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  /** Set on parameters: backward() accumulates into `grad`. */
  requiresGrad = false;
  /** The gradient accumulated by backward() (parameters and other leaves that require grad). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, while its backward has not run. */
  node: TapeNode | null = null;
  /** Kept tensors survive the scope they were made in (parameters, gradients, returned values). */
  kept = false;
  /** A name for error messages (e.g. a parameter's diffusers key). */
  label?: string;
  private _buffer: GPUBuffer | null;
  /** What made it: the op name, for "used after dispose" messages. */
  readonly origin: string;

  /** @internal Tensors are made by the engine and by ops, not with `new`. */
  constructor(
    readonly engine: Engine,
    buffer: GPUBuffer,
    shape: Shape,
    origin: string,
  ) {
    this._buffer = buffer;
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.origin = origin;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Bytes of data (the buffer itself may be rounded up by the pool). */
  get byteLength(): number {
    return this.size * 4;
  }

  get isDisposed(): boolean {
    return this._buffer === null;
  }

  /** @internal The storage buffer; throws if the tensor was disposed. */
  get buffer(): GPUBuffer {
    if (!this._buffer) {
      throw new Error(
        `tensor #${this.id}${this.label ? ` '${this.label}'` : ""} ${shapeString(this.shape)} (made by ${this.origin}) was used after dispose()`,
      );
    }
    return this._buffer;
  }

  /** Copy the values to the CPU. Flushes recorded work first. */
  async data(): Promise<Float32Array> {
    if (this.size === 0) return new Float32Array(0);
    return new Float32Array(await this.engine.readBuffer(this.buffer, this.byteLength));
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item(): tensor has shape ${shapeString(this.shape)}, not one element`);
    return (await this.data())[0];
  }

  /** Keep this tensor alive past the end of the current scope. */
  keep(): this {
    this.kept = true;
    return this;
  }

  /** Return the buffer to the pool. Idempotent. */
  dispose(): void {
    if (!this._buffer) return;
    this.engine.releaseTensor(this, this._buffer);
    this._buffer = null;
    this.node = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  toString(): string {
    return `Tensor#${this.id}${shapeString(this.shape)}${this.label ? ` '${this.label}'` : ""}`;
  }
}
