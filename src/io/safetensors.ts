/**
 * The safetensors format (huggingface/safetensors), read and written without dependencies; no file access here,
 * so it runs unchanged in a browser.
 *
 * Layout: an unsigned little-endian 64-bit header length N, then N bytes of UTF-8 JSON
 * `{"__metadata__": {string: string}?, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}`, then the data
 * section. Offsets are relative to the data section, and the tensors must tile it exactly: no gaps, no overlaps,
 * nothing left over. Data is little-endian and row-major.
 */

/** The dtypes this reader accepts; F16 and BF16 are widened to f32 on load. */
type SafetensorsDtype = "F32" | "F16" | "BF16";

/** A dense row-major f32 tensor on the host. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** A tensor as read from a file: its data widened to f32, and the dtype it was stored in. */
export interface SafetensorsTensor extends TensorData {
  dtype: SafetensorsDtype;
}

export interface ParsedSafetensors {
  metadata: Record<string, string>;
  tensors: Map<string, SafetensorsTensor>;
}

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** Every dtype the format defines; those not in SafetensorsDtype are refused by name. */
const KNOWN_DTYPES = new Set([
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
  "C64",
]);

/** The header is JSON text; the reference implementation refuses headers over 100 MB, and so do we. */
const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = "__metadata__";

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Parses a safetensors file, checking everything it claims before trusting it. Every failure throws an Error that
 * says what is wrong and, where it concerns one tensor, names it.
 */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes): truncated or not a safetensors file`);
  }
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLength < 2) fail(`header length ${headerLength} is too short for a JSON object`);

  let headerText: string;
  try {
    headerText = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message}): ${JSON.stringify(headerText.slice(0, 80))}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];

  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${METADATA_KEY} is not an object`);
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== "string") fail(`${METADATA_KEY}.${key} is not a string`);
        metadata[key] = text;
      }
      continue;
    }
    const what = `tensor "${name}"`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${what}: entry is not an object`);
    const info = value as Record<string, unknown>;
    for (const field of ["dtype", "shape", "data_offsets"]) {
      if (!(field in info)) fail(`${what}: entry has no "${field}"`);
    }
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== "string") fail(`${what}: dtype is not a string`);
    if (!(dtype in BYTES_PER_ELEMENT)) {
      if (KNOWN_DTYPES.has(dtype)) fail(`${what}: dtype ${dtype} is not supported (supported: F32, F16, BF16)`);
      fail(`${what}: unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${what}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${what}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) fail(`${what}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) {
      fail(`${what}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`);
    }
    const type = dtype as SafetensorsDtype;
    const elements = (shape as number[]).reduce((p, d) => p * d, 1);
    if (elements * BYTES_PER_ELEMENT[type] !== end - begin) {
      fail(
        `${what}: shape ${shapeText(shape as number[])} of ${type} needs ${elements * BYTES_PER_ELEMENT[type]} bytes ` +
          `but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    entries.push({ name, dtype: type, shape: [...(shape as number[])], begin, end });
  }

  // The tensors must tile the data section exactly (as the reference implementation requires).
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: (typeof entries)[number] | null = null;
  for (const entry of ordered) {
    if (entry.begin < covered) {
      fail(`tensors "${previous!.name}" [${previous!.begin}, ${previous!.end}) and "${entry.name}" [${entry.begin}, ${entry.end}) overlap`);
    }
    if (entry.begin > covered) {
      fail(
        previous
          ? `gap of ${entry.begin - covered} bytes in the data section between "${previous.name}" (ends at ${covered}) ` +
              `and "${entry.name}" (starts at ${entry.begin})`
          : `gap of ${entry.begin} bytes at the start of the data section, before "${entry.name}"`,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(`the data section has ${dataLength} bytes but the tensors cover only ${covered}: ${dataLength - covered} trailing bytes`);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const entry of entries) {
    const raw = bytes.subarray(dataStart + entry.begin, dataStart + entry.end);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: decode(raw, entry.dtype) });
  }
  return { metadata, tensors };
}

function decode(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === "F32") {
    // A copy, so the result is aligned and independent of the file's buffer.
    if (littleEndianHost) return new Float32Array(raw.slice().buffer);
    const out = new Float32Array(raw.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  const n = raw.length / 2;
  const out = new Float32Array(n);
  if (dtype === "BF16") {
    // bfloat16 is the top half of an f32: widening is exact.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

/** IEEE 754 binary16 to a number: exact, subnormals, infinities and NaN included. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Writes tensors as an F32 safetensors file, like the reference writer: keys sorted, `__metadata__` first when
 * given, the header padded with spaces so the data section starts on an 8-byte boundary.
 */
export function serializeSafetensors(
  tensors: Map<string, TensorData> | Record<string, TensorData>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") fail(`metadata "${key}" is not a string`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const [name, tensor] of list) {
    if (name === METADATA_KEY) fail(`"${METADATA_KEY}" cannot be a tensor name`);
    const { shape, data } = tensor;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}": shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!(data instanceof Float32Array)) fail(`tensor "${name}": data is not a Float32Array`);
    const elements = shape.reduce((p, d) => p * d, 1);
    if (data.length !== elements) {
      fail(`tensor "${name}": shape ${shapeText(shape)} has ${elements} elements but data has ${data.length}`);
    }
    header[name] = { dtype: "F32", shape: [...shape], data_offsets: [offset, offset + 4 * elements] };
    offset += 4 * elements;
  }

  const encoded = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(encoded.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(encoded, 8);
  out.fill(0x20, 8 + encoded.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const [, { data }] of list) {
    if (littleEndianHost) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(position + 4 * i, data[i], true);
    }
    position += data.byteLength;
  }
  return out;
}

/** Throw naming the first tensor holding a NaN or an infinity (a diverged run's weights sample black images). */
export function checkFinite(tensors: Map<string, { data: Float32Array }>, source: string): void {
  for (const [name, { data }] of tensors) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        const count = data.reduce((n, x) => n + (Number.isFinite(x) ? 0 : 1), 0);
        throw new Error(`${source}: tensor ${name} holds ${count} non-finite values (${data[i]} at index ${i}); refusing to use it`);
      }
    }
  }
}
