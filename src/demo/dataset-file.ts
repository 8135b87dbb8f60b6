/**
 * A compact, exact binary form of an image dataset, for shipping the prepared MNIST digits to a page.
 *
 * The prepared digits take few distinct values (MNIST's 3-decimal pixel values, 2×2-averaged, mapped to
 * [-1, 1]), so the file stores a palette of the distinct f32 values and one index per pixel: 2 bytes a pixel
 * instead of 4, and decoding gives back the very same f32 values, bit for bit.
 *
 * Layout (little-endian):
 *   bytes 0–7    magic "DDPMDATA"
 *   u32 × 8      version (1), count, channels, height, width, numClasses (0: no labels), paletteSize, indexBytes (1 or 2)
 *   f32 × paletteSize                 the palette
 *   u8|u16 × count·channels·height·width   palette indices, NCHW
 *   u8 × count                        labels (only when numClasses > 0)
 */
import type { Dataset } from "../index.js";

const MAGIC = "DDPMDATA";
const HEADER_BYTES = 8 + 8 * 4;

/** A dataset with its number of classes, as the demo trains on it. */
export interface LabelledDataset extends Dataset {
  numClasses: number | null;
}

export function encodeDataset(data: LabelledDataset): Uint8Array {
  const pixels = data.count * data.channels * data.height * data.width;
  if (data.images.length !== pixels) throw new Error(`encodeDataset: ${data.images.length} values for ${pixels} pixels`);
  const numClasses = data.labels ? (data.numClasses ?? 0) : 0;
  if (data.labels && !(numClasses > 0 && numClasses <= 256))
    throw new Error(`encodeDataset: labels need 1..256 classes, got ${data.numClasses}`);
  // Palette keyed by the f32 bit pattern, so -0, +0 and NaNs stay distinct and exact.
  const bits = new Uint32Array(data.images.buffer, data.images.byteOffset, pixels);
  const paletteIndex = new Map<number, number>();
  const indices = new Uint32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    let index = paletteIndex.get(bits[i]);
    if (index === undefined) {
      index = paletteIndex.size;
      if (index === 65536) throw new Error("encodeDataset: more than 65,536 distinct values; this format cannot hold them");
      paletteIndex.set(bits[i], index);
    }
    indices[i] = index;
  }
  const paletteSize = paletteIndex.size;
  const indexBytes = paletteSize <= 256 ? 1 : 2;
  const total = HEADER_BYTES + 4 * paletteSize + indexBytes * pixels + (numClasses ? data.count : 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const header = [1, data.count, data.channels, data.height, data.width, numClasses, paletteSize, indexBytes];
  for (const [i, v] of header.entries()) view.setUint32(8 + 4 * i, v, true);
  let at = HEADER_BYTES;
  for (const [pattern] of paletteIndex) {
    view.setUint32(at, pattern, true);
    at += 4;
  }
  for (let i = 0; i < pixels; i++, at += indexBytes) {
    if (indexBytes === 1) out[at] = indices[i];
    else view.setUint16(at, indices[i], true);
  }
  if (numClasses) for (let i = 0; i < data.count; i++) out[at + i] = data.labels![i];
  return out;
}

export function decodeDataset(bytes: Uint8Array): LabelledDataset {
  const fail = (why: string): never => {
    throw new Error(`decodeDataset: not a dataset file (${why})`);
  };
  if (bytes.length < HEADER_BYTES) fail(`${bytes.length} bytes`);
  if (String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC) fail("bad magic");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [version, count, channels, height, width, numClasses, paletteSize, indexBytes] = Array.from({ length: 8 }, (_, i) =>
    view.getUint32(8 + 4 * i, true),
  );
  if (version !== 1) fail(`version ${version}`);
  if (indexBytes !== 1 && indexBytes !== 2) fail(`index size ${indexBytes}`);
  const pixels = count * channels * height * width;
  const expected = HEADER_BYTES + 4 * paletteSize + indexBytes * pixels + (numClasses ? count : 0);
  if (bytes.length !== expected) fail(`${bytes.length} bytes, the header implies ${expected}`);
  const palette = new Float32Array(paletteSize);
  for (let i = 0; i < paletteSize; i++) palette[i] = view.getFloat32(HEADER_BYTES + 4 * i, true);
  const images = new Float32Array(pixels);
  let at = HEADER_BYTES + 4 * paletteSize;
  for (let i = 0; i < pixels; i++, at += indexBytes) {
    const index = indexBytes === 1 ? bytes[at] : view.getUint16(at, true);
    if (index >= paletteSize) fail(`index ${index} at pixel ${i} is outside the palette of ${paletteSize}`);
    images[i] = palette[index];
  }
  const labels = numClasses ? Int32Array.from(bytes.subarray(at, at + count)) : null;
  return { images, labels, count, channels, height, width, numClasses: numClasses || null };
}
