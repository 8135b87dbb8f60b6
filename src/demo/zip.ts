/**
 * A zip archive of files stored as they are (method 0, no compression: the weights are float32 noise to a
 * compressor), as PKWARE's APPNOTE.TXT lays it out: for each file a local header and its bytes, then the central
 * directory and its end record. Paths use "/" and are UTF-8 (general-purpose flag bit 11). No zip64: every file
 * and the whole archive stay under 4 GiB.
 */

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zip stores for each file. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The archive of `files` (paths relative to the archive's root, e.g. "unet/config.json"). */
export function zipStore(files: { path: string; data: Uint8Array }[]): Uint8Array {
  const encoder = new TextEncoder();
  const entries = files.map((f) => ({ name: encoder.encode(f.path), data: f.data, crc: crc32(f.data), offset: 0 }));
  const localSize = entries.reduce((sum, e) => sum + 30 + e.name.length + e.data.length, 0);
  const centralSize = entries.reduce((sum, e) => sum + 46 + e.name.length, 0);
  if (localSize + centralSize + 22 > 0xffffffff) throw new Error("zipStore: the archive would exceed 4 GiB (no zip64)");
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  let at = 0;
  // DOS date and time of 1980-01-01 00:00: the archive does not depend on when it was made.
  const [dosTime, dosDate] = [0, (0 << 9) | (1 << 5) | 1];
  for (const e of entries) {
    e.offset = at;
    view.setUint32(at, 0x04034b50, true); // local file header signature
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, 0x0800, true); // UTF-8 names
    view.setUint16(at + 8, 0, true); // stored
    view.setUint16(at + 10, dosTime, true);
    view.setUint16(at + 12, dosDate, true);
    view.setUint32(at + 14, e.crc, true);
    view.setUint32(at + 18, e.data.length, true); // compressed size
    view.setUint32(at + 22, e.data.length, true); // uncompressed size
    view.setUint16(at + 26, e.name.length, true);
    view.setUint16(at + 28, 0, true); // extra field length
    out.set(e.name, at + 30);
    out.set(e.data, at + 30 + e.name.length);
    at += 30 + e.name.length + e.data.length;
  }
  const centralStart = at;
  for (const e of entries) {
    view.setUint32(at, 0x02014b50, true); // central directory header signature
    view.setUint16(at + 4, 20, true); // version made by
    view.setUint16(at + 6, 20, true); // version needed
    view.setUint16(at + 8, 0x0800, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, dosTime, true);
    view.setUint16(at + 14, dosDate, true);
    view.setUint32(at + 16, e.crc, true);
    view.setUint32(at + 20, e.data.length, true);
    view.setUint32(at + 24, e.data.length, true);
    view.setUint16(at + 28, e.name.length, true);
    // extra, comment, disk number, internal and external attributes: zero
    view.setUint32(at + 42, e.offset, true);
    out.set(e.name, at + 46);
    at += 46 + e.name.length;
  }
  view.setUint32(at, 0x06054b50, true); // end of central directory
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}
