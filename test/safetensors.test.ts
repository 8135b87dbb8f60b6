import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSafetensors, serializeSafetensors, type TensorData } from "../src/io/safetensors.js";

/** A safetensors file from a header (object or raw text) and a data section, padded like the reference writer. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  let text = typeof header === "string" ? header : JSON.stringify(header);
  while ((8 + text.length) % 8) text += " ";
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + encoded.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? encoded.length), true);
  out.set(encoded, 8);
  out.set(data, 8 + encoded.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint16(2 * i, v, true);
  return out;
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

describe("serializeSafetensors / parseSafetensors round trip", () => {
  const tensors = new Map<string, TensorData>([
    ["zeta.weight", { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 1e-30, -Infinity, 7]) }],
    ["alpha", { shape: [5], data: new Float32Array([0.1, 0.2, 0.3, -0, 3e38]) }],
    ["scalar", { shape: [], data: new Float32Array([42]) }],
    ["empty", { shape: [0, 4], data: new Float32Array(0) }],
    ["mid.bias", { shape: [1, 1, 3], data: new Float32Array([Math.PI, Math.E, -1]) }],
  ]);

  it("returns every tensor, shape and value bit for bit, and the metadata", () => {
    const bytes = serializeSafetensors(tensors, { format: "pt", note: "hello" });
    const { metadata, tensors: back } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt", note: "hello" });
    expect([...back.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const got = back.get(name)!;
      expect(got.dtype).toBe("F32");
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length))).toEqual(
        Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)),
      );
    }
  });

  it("writes like the reference: sorted keys, metadata first, header space-padded to 8 bytes", () => {
    const bytes = serializeSafetensors(tensors, { format: "pt" });
    const { length, text } = headerOf(bytes);
    expect((8 + length) % 8).toBe(0);
    expect(text.trimEnd().length).toBeGreaterThan(length - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const keys = Object.keys(JSON.parse(text));
    expect(keys).toEqual(["__metadata__", "alpha", "empty", "mid.bias", "scalar", "zeta.weight"]);
    // data in key order, contiguous from 0
    const header = JSON.parse(text) as Record<string, { data_offsets: number[] }>;
    expect(header.alpha.data_offsets).toEqual([0, 20]);
    expect(header.empty.data_offsets).toEqual([20, 20]);
    expect(bytes.length).toBe(8 + length + 4 * (5 + 0 + 3 + 1 + 6));
  });

  it("accepts a plain object and no metadata (no __metadata__ key then)", () => {
    const bytes = serializeSafetensors({ b: { shape: [1], data: new Float32Array([2]) }, a: { shape: [1], data: new Float32Array([1]) } });
    expect(Object.keys(JSON.parse(headerOf(bytes).text))).toEqual(["a", "b"]);
    const { metadata, tensors: back } = parseSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(back.get("a")!.data[0]).toBe(1);
    expect(back.get("b")!.data[0]).toBe(2);
  });

  it("reproduces a file written by the Python fixture script byte for byte", () => {
    const file = new Uint8Array(readFileSync("test/fixtures/unet/three-level-1ch/unet/diffusion_pytorch_model.safetensors"));
    const { metadata, tensors: back } = parseSafetensors(file);
    expect(metadata).toEqual({ format: "pt" });
    const again = serializeSafetensors(back, metadata);
    expect(again.length).toBe(file.length);
    expect(Buffer.from(again).equals(Buffer.from(file))).toBe(true);
  });

  it("refuses tensors whose data does not fit their shape, and the reserved name", () => {
    expect(() => serializeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /tensor "w": shape \[2, 2\] has 4 elements but data has 3/,
    );
    expect(() => serializeSafetensors({ w: { shape: [-1], data: new Float32Array(0) } })).toThrow(/tensor "w": shape/);
    expect(() => serializeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/cannot be a tensor name/);
  });
});

describe("F16 and BF16 are widened to f32 exactly", () => {
  // binary16: zero, -zero, 1, -2, max normal, min subnormal, max subnormal, min normal, +inf, -inf, NaN, 1/3 rounded
  const halfBits = [0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x3555];
  const halfValues = [0, -0, 1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity, NaN, 0.333251953125];
  // bfloat16: 1, -3, smallest subnormal, +inf, -inf, NaN, pi rounded, -zero
  const bfloatBits = [0x3f80, 0xc040, 0x0001, 0x7f80, 0xff80, 0x7fc0, 0x4049, 0x8000];
  const bfloatValues = [1, -3, 2 ** -133, Infinity, -Infinity, NaN, 3.140625, -0];

  it("decodes hand-built F16 and BF16 tensors, next to an F32 at an unaligned offset", () => {
    const half = u16(halfBits); // 24 bytes
    const odd = u16([0x3c00, 0x4000, 0x4200]); // 6 bytes: the F32 after it starts at an offset that is not 4-aligned
    const single = f32([1.5, -0.25]);
    const bfloat = u16(bfloatBits);
    const data = concat(half, odd, single, bfloat);
    const bytes = build(
      {
        __metadata__: { source: "hand-built" },
        half: { dtype: "F16", shape: [3, 4], data_offsets: [0, 24] },
        odd: { dtype: "F16", shape: [3], data_offsets: [24, 30] },
        single: { dtype: "F32", shape: [2], data_offsets: [30, 38] },
        bfloat: { dtype: "BF16", shape: [2, 2, 2], data_offsets: [38, 54] },
      },
      data,
    );
    const { metadata, tensors } = parseSafetensors(bytes);
    expect(metadata.source).toBe("hand-built");
    const halfT = tensors.get("half")!;
    expect(halfT.dtype).toBe("F16");
    expect(halfT.shape).toEqual([3, 4]);
    expect(Array.from(halfT.data)).toEqual(halfValues); // toEqual tells -0 from 0 and matches NaN
    expect(Array.from(tensors.get("odd")!.data)).toEqual([1, 2, 3]);
    expect(Array.from(tensors.get("single")!.data)).toEqual([1.5, -0.25]);
    const bfloatT = tensors.get("bfloat")!;
    expect(bfloatT.dtype).toBe("BF16");
    expect(Array.from(bfloatT.data)).toEqual(bfloatValues);
    expect(Object.is(bfloatT.data[7], -0)).toBe(true);
  });
});

describe("corrupt files are refused with a message that says what is wrong", () => {
  const good = () =>
    build(
      { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } },
      f32([1, 2, 3]),
    );

  it("accepts the uncorrupted file", () => {
    expect(parseSafetensors(good()).tensors.size).toBe(2);
  });

  it("a file shorter than the length field", () => {
    expect(() => parseSafetensors(new Uint8Array(5))).toThrow(/5 bytes, too short for the 8-byte header length/);
  });

  it("a file truncated inside the header", () => {
    expect(() => parseSafetensors(good().subarray(0, 30))).toThrow(/header length \d+ runs past the end of the file \(30 bytes\)/);
  });

  it("a file truncated inside the data", () => {
    const bytes = good();
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 2))).toThrow(
      /tensor "b": data_offsets \[8, 12\] run past the end of the data section \(10 bytes\)/,
    );
  });

  it("a header length larger than the file, or too small", () => {
    const huge = good();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => parseSafetensors(huge)).toThrow(/header length 1099511627776 runs past the end/);
    expect(() => parseSafetensors(build("{}", new Uint8Array(0), 0))).toThrow(/header length 0 is too short/);
  });

  it("a header that is not JSON, or not an object", () => {
    expect(() => parseSafetensors(build('{"a": {"dtype": "F32",'))).toThrow(/header is not valid JSON/);
    expect(() => parseSafetensors(build("[1, 2]"))).toThrow(/header is not a JSON object/);
    const badUtf8 = build("{}      ");
    badUtf8[9] = 0xff;
    expect(() => parseSafetensors(badUtf8)).toThrow(/not valid UTF-8/);
  });

  it("an entry missing a field", () => {
    for (const field of ["dtype", "shape", "data_offsets"]) {
      const entry: Record<string, unknown> = { dtype: "F32", shape: [1], data_offsets: [0, 4] };
      delete entry[field];
      expect(() => parseSafetensors(build({ w: entry }, f32([1])))).toThrow(`tensor "w": entry has no "${field}"`);
    }
    expect(() => parseSafetensors(build({ w: [1, 2] }))).toThrow(/tensor "w": entry is not an object/);
  });

  it("offsets out of bounds, reversed or malformed", () => {
    expect(() => parseSafetensors(build({ w: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, f32([1, 2])))).toThrow(
      /tensor "w": data_offsets \[4, 12\] run past the end of the data section \(8 bytes\)/,
    );
    expect(() => parseSafetensors(build({ w: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, f32([1])))).toThrow(
      /tensor "w": data_offsets \[4, 0\] end before they begin/,
    );
    expect(() => parseSafetensors(build({ w: { dtype: "F32", shape: [1], data_offsets: [0] } }, f32([1])))).toThrow(
      /tensor "w": data_offsets \[0\] is not a pair/,
    );
  });

  it("overlapping tensors, a gap, and trailing bytes", () => {
    const overlap = build(
      { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } },
      f32([1, 2, 3]),
    );
    expect(() => parseSafetensors(overlap)).toThrow(/tensors "a" \[0, 8\) and "b" \[4, 12\) overlap/);
    const gap = build(
      { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } },
      f32([1, 2, 3]),
    );
    expect(() => parseSafetensors(gap)).toThrow(/gap of 4 bytes in the data section between "a" \(ends at 4\) and "b" \(starts at 8\)/);
    const leading = build({ b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32([1, 2]));
    expect(() => parseSafetensors(leading)).toThrow(/gap of 4 bytes at the start of the data section, before "b"/);
    const trailing = build({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32([1, 2]));
    expect(() => parseSafetensors(trailing)).toThrow(/data section has 8 bytes but the tensors cover only 4: 4 trailing bytes/);
  });

  it("a shape that does not match the byte length", () => {
    expect(() => parseSafetensors(build({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32([1, 2])))).toThrow(
      /tensor "w": shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    );
    expect(() => parseSafetensors(build({ h: { dtype: "F16", shape: [2, 2], data_offsets: [0, 4] } }, u16([1, 2])))).toThrow(
      /tensor "h": shape \[2, 2\] of F16 needs 8 bytes/,
    );
    expect(() => parseSafetensors(build({ w: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, f32([1])))).toThrow(
      /tensor "w": shape \[1.5\] is not a list of non-negative integers/,
    );
  });

  it("unknown and unsupported dtypes, by name", () => {
    expect(() => parseSafetensors(build({ w: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, f32([1])))).toThrow(
      /tensor "w": unknown dtype "F33"/,
    );
    expect(() => parseSafetensors(build({ w: { dtype: "F64", shape: [1], data_offsets: [0, 8] } }, f32([1, 2])))).toThrow(
      /tensor "w": dtype F64 is not supported \(supported: F32, F16, BF16\)/,
    );
    expect(() => parseSafetensors(build({ w: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, f32([1, 2])))).toThrow(
      /tensor "w": dtype I64 is not supported/,
    );
  });

  it("metadata that is not a map of strings", () => {
    expect(() => parseSafetensors(build({ __metadata__: { n: 3 } }))).toThrow(/__metadata__.n is not a string/);
    expect(() => parseSafetensors(build({ __metadata__: [] }))).toThrow(/__metadata__ is not an object/);
  });
});
