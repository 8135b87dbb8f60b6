/**
 * Reading tensors back in tests: the values (disposing the tensor) and the raw 32-bit words of a raw_bits draw.
 * No test framework or Node module in here, so the vitest files and the in-page cases (test/browser/) share it.
 */
import type { Tensor } from "../../src/index.js";

/** Read a tensor and dispose it. */
export async function take(t: Tensor): Promise<Float32Array> {
  const data = await t.data();
  t.dispose();
  return data;
}

/** The raw words of a raw_bits tensor (f32 bit patterns reinterpreted, no value conversion); disposes it. */
export async function takeWords(t: Tensor): Promise<Uint32Array> {
  const data = await take(t);
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

/** Each word as eight lower-case hex digits. */
export function hexWords(words: ArrayLike<number>): string[] {
  return Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, "0"));
}
