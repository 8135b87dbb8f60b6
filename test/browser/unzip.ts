/**
 * Reads a zip archive of stored (uncompressed) files, as src/demo/zip.ts writes them, from its end record and
 * central directory, checking each local header against its directory entry. Node-side, for the tests.
 */
export function readStoredZip(zip: Uint8Array): Map<string, { data: Uint8Array; crc: number }> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  if (view.getUint32(end, true) !== 0x06054b50) throw new Error("no end-of-central-directory record (an archive comment?)");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = new Map<string, { data: Uint8Array; crc: number }>();
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`central directory entry ${i}: bad signature`);
    const [method, crc, size, nameLength] = [
      view.getUint16(at + 10, true),
      view.getUint32(at + 16, true),
      view.getUint32(at + 20, true),
      view.getUint16(at + 28, true),
    ];
    const extra = view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const offset = view.getUint32(at + 42, true);
    const name = decoder.decode(zip.subarray(at + 46, at + 46 + nameLength));
    if (method !== 0) throw new Error(`${name}: compression method ${method}, not stored`);
    if (view.getUint32(offset, true) !== 0x04034b50) throw new Error(`${name}: bad local header signature`);
    const localName = decoder.decode(zip.subarray(offset + 30, offset + 30 + view.getUint16(offset + 26, true)));
    if (localName !== name || view.getUint32(offset + 14, true) !== crc)
      throw new Error(`${name}: local header differs from the directory`);
    const start = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
    files.set(name, { data: zip.slice(start, start + size), crc });
    at += 46 + nameLength + extra;
  }
  return files;
}
