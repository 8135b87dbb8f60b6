/**
 * Images in and out: PNG encode/decode (through `pngjs`), a sample grid, and a folder of PNGs as a training set.
 *
 * Pixel work (`imageGrid`, the resize and channel conversion inside `loadImageFolder`) is plain loops with no I/O
 * and runs anywhere. The PNG codec is pngjs, which uses Node's zlib and Buffer, so `encodePng`, `decodePng`,
 * `writePng` and `loadImageFolder` are Node only (in a browser, a canvas encodes and decodes PNG natively). Keep
 * this module out of a browser bundle's import graph, or alias `pngjs` to its self-contained `pngjs/browser.js`.
 *
 * Layout everywhere: a batch of images is a Float32Array in NCHW order with values in [-1, 1] (the DDPM data range,
 * Ho et al. 2020 §3.3); a raster is a Uint8Array in row-major HWC order (interleaved channels), 0..255.
 */
import { PNG } from "pngjs";
import type { Dataset } from "./dataset.js";
import { nodeModules, readBytes, writeFilesAtomic } from "./fs.js";

/** A dataset loaded from files: the training loop's Dataset plus what the files say about it. */
export interface ImageDataset extends Dataset {
  /** Number of classes when `labels` is set, else null. */
  numClasses: number | null;
  /** A short description, e.g. "mnist-32-train" or the folder's name. */
  name: string;
}

/** An 8-bit raster in row-major HWC order (channels interleaved): `pixels.length === width * height * channels`. */
export interface RasterImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** 1 = gray, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
}

export interface ImageGridOptions {
  /** Images per row; default ceil(sqrt(n)), so the grid is about square. */
  columns?: number;
  /** Pixels between tiles and around the border; default 2. */
  padding?: number;
  /** Nearest-neighbour magnification of each tile; default 1. */
  upscale?: number;
  /** Value (0..255) of the padding pixels, in every channel; default 255 (white), which separates dark tiles. */
  padValue?: number;
}

export interface ImageFolderOptions {
  /** Output side: each image's shorter side is resized to `size`, then the centre size×size square is kept. */
  size: number;
  /** Output channels: gray images are replicated to RGB; RGB becomes gray by BT.601 luma. Alpha is dropped. */
  channels: 1 | 3;
  /**
   * Refuse a folder whose images do not all have the same width and height (the error names two files that
   * differ). By default images of mixed sizes are accepted, since each is resized and cropped on its own.
   */
  strictSize?: boolean;
}

/** PNG colour types (PNG spec §11.2.2) for the channel counts we write. */
const COLOR_TYPE: Record<1 | 3 | 4, 0 | 2 | 6> = { 1: 0, 3: 2, 4: 6 };

function checkRasterSize(what: string, pixels: Uint8Array, width: number, height: number, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: width and height must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`${what}: channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got ${channels}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new Error(`${what}: ${width}×${height}×${channels} needs ${width * height * channels} bytes, got ${pixels.length}`);
  }
}

/**
 * Encodes an 8-bit raster (row-major, channels interleaved) as a PNG file: gray, RGB or RGBA, 8 bits per sample.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Uint8Array {
  checkRasterSize("encodePng", pixels, width, height, channels);
  const colorType = COLOR_TYPE[channels];
  const data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  // pngjs only reads width, height and data from its first argument; a full PNG object would allocate RGBA.
  const png = { width, height, data } as unknown as PNG;
  const bytes = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a PNG file (any bit depth, palette, interlace) to an 8-bit raster. `channels` is 1 for gray files, 3 for
 * RGB and palette files, 4 for any file with transparency (an alpha channel or a tRNS chunk; gray+alpha comes back
 * as RGBA). 16-bit samples are scaled to 8 bits. Throws on a corrupt file.
 */
export function decodePng(bytes: Uint8Array): RasterImage {
  const decoded = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const meta = decoded as typeof decoded & { transColor?: number[] };
  const { width, height } = decoded;
  const rgba = decoded.data; // pngjs always expands to RGBA, 4 bytes per pixel
  const channels: 1 | 3 | 4 = decoded.alpha || meta.transColor ? 4 : decoded.color ? 3 : 1;
  if (channels === 4) return { pixels: new Uint8Array(rgba.buffer, rgba.byteOffset, width * height * 4), width, height, channels };
  const pixels = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < channels; k++) pixels[p * channels + k] = rgba[p * 4 + k];
  }
  return { pixels, width, height, channels };
}

/** Maps a value in [-1, 1] to 0..255 (clamped; NaN becomes 0). */
function toByte(value: number): number {
  if (!(value > -1)) return 0; // also NaN
  if (value >= 1) return 255;
  return Math.round((value + 1) * 127.5);
}

/**
 * Tiles `n` images ([n, c, h, w] NCHW in [-1, 1]) into one raster, row by row, `columns` per row, with `padding`
 * pixels of `padValue` between tiles and around the border, each tile magnified `upscale` times (nearest).
 * Values are clamped to [-1, 1] and mapped linearly to 0..255. c must be 1 (gray), 3 (RGB) or 4 (RGBA).
 */
export function imageGrid(images: Float32Array, n: number, c: number, h: number, w: number, options: ImageGridOptions = {}): RasterImage {
  for (const [name, value] of [
    ["n", n],
    ["h", h],
    ["w", w],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`imageGrid: ${name} must be a positive integer, got ${value}`);
  }
  if (c !== 1 && c !== 3 && c !== 4) throw new Error(`imageGrid: c must be 1, 3 or 4 channels, got ${c}`);
  if (images.length < n * c * h * w) {
    throw new Error(`imageGrid: [${n}, ${c}, ${h}, ${w}] needs ${n * c * h * w} values, got ${images.length}`);
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  const padding = options.padding ?? 2;
  const upscale = options.upscale ?? 1;
  const padValue = options.padValue ?? 255;
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`imageGrid: columns must be a positive integer, got ${columns}`);
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`imageGrid: padding must be an integer ≥ 0, got ${padding}`);
  if (!Number.isInteger(upscale) || upscale < 1) throw new Error(`imageGrid: upscale must be a positive integer, got ${upscale}`);

  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / columns);
  const tileW = w * upscale;
  const tileH = h * upscale;
  const width = cols * tileW + (cols + 1) * padding;
  const height = rows * tileH + (rows + 1) * padding;
  const pixels = new Uint8Array(width * height * c).fill(padValue);
  for (let i = 0; i < n; i++) {
    const x0 = padding + (i % columns) * (tileW + padding);
    const y0 = padding + Math.floor(i / columns) * (tileH + padding);
    for (let y = 0; y < tileH; y++) {
      const sy = Math.floor(y / upscale);
      for (let x = 0; x < tileW; x++) {
        const sx = Math.floor(x / upscale);
        const out = ((y0 + y) * width + x0 + x) * c;
        for (let k = 0; k < c; k++) pixels[out + k] = toByte(images[((i * c + k) * h + sy) * w + sx]);
      }
    }
  }
  return { pixels, width, height, channels: c };
}

/** Writes a raster as a PNG file atomically (a temporary file, flushed, then renamed over `path`). Node only. */
export async function writePng(path: string, image: RasterImage): Promise<void> {
  await writeFilesAtomic([{ path, data: encodePng(image.pixels, image.width, image.height, image.channels) }]);
}

/**
 * One axis of a separable resize, in float64. Shrinking uses area averaging: output sample i covers the source
 * interval [i·s, (i+1)·s) with s = inLength / outLength, and is the mean of the source samples weighted by how much
 * of each falls inside it (a whole-number factor is a plain box mean). Enlarging uses linear interpolation at
 * half-pixel centres (source position (i + 0.5)·s − 0.5, clamped to the edges), like bilinear with
 * align_corners = false. Equal lengths copy.
 *
 * Returns, per output sample, the source indices and weights it combines.
 */
function resampleWeights(inLength: number, outLength: number): { index: Int32Array; weight: Float64Array; taps: number } {
  const scale = inLength / outLength;
  if (outLength < inLength) {
    const taps = Math.ceil(scale) + 1;
    const index = new Int32Array(outLength * taps);
    const weight = new Float64Array(outLength * taps);
    for (let i = 0; i < outLength; i++) {
      const begin = i * scale;
      const end = Math.min((i + 1) * scale, inLength);
      let t = 0;
      for (let j = Math.floor(begin); j < end && t < taps; j++, t++) {
        index[i * taps + t] = j;
        weight[i * taps + t] = (Math.min(end, j + 1) - Math.max(begin, j)) / (end - begin);
      }
    }
    return { index, weight, taps };
  }
  const taps = 2;
  const index = new Int32Array(outLength * taps);
  const weight = new Float64Array(outLength * taps);
  for (let i = 0; i < outLength; i++) {
    const position = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inLength - 1);
    const lower = Math.floor(position);
    const upper = Math.min(lower + 1, inLength - 1);
    const fraction = position - lower;
    index[i * taps] = lower;
    weight[i * taps] = 1 - fraction;
    index[i * taps + 1] = upper;
    weight[i * taps + 1] = fraction;
  }
  return { index, weight, taps };
}

/**
 * Resizes one channel plane (float64, row-major) to outW×outH with `resampleWeights` per axis, rows first.
 * @internal exported for tests
 */
function resizePlane(plane: Float64Array, inW: number, inH: number, outW: number, outH: number): Float64Array {
  const horizontal = resampleWeights(inW, outW);
  const vertical = resampleWeights(inH, outH);
  const rowsResized = new Float64Array(inH * outW);
  for (let y = 0; y < inH; y++) {
    for (let x = 0; x < outW; x++) {
      let sum = 0;
      for (let t = 0; t < horizontal.taps; t++) {
        const k = x * horizontal.taps + t;
        sum += horizontal.weight[k] * plane[y * inW + horizontal.index[k]];
      }
      rowsResized[y * outW + x] = sum;
    }
  }
  const out = new Float64Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let t = 0; t < vertical.taps; t++) {
      const k = y * vertical.taps + t;
      const w = vertical.weight[k];
      if (w === 0) continue;
      const row = vertical.index[k] * outW;
      for (let x = 0; x < outW; x++) out[y * outW + x] += w * rowsResized[row + x];
    }
  }
  return out;
}

/**
 * A decoded raster → `channels` planes of size×size in [-1, 1]: channel conversion (gray → RGB by replication,
 * RGB → gray by BT.601 luma 0.299 R + 0.587 G + 0.114 B, alpha dropped without compositing), resize of the
 * shorter side to `size` (the longer side keeps the aspect ratio, rounded), then a centre crop, offset
 * floor((longer − size) / 2). Writes into `out` at `offset`, in CHW order.
 * @internal exported for tests
 */
function rasterToTensor(image: RasterImage, size: number, channels: 1 | 3, out: Float32Array, offset: number): void {
  const { width, height, pixels } = image;
  const colour = image.channels >= 3;
  const planes: Float64Array[] = [];
  for (let k = 0; k < channels; k++) planes.push(new Float64Array(width * height));
  for (let p = 0; p < width * height; p++) {
    const base = p * image.channels;
    if (channels === 1) {
      planes[0][p] = colour ? 0.299 * pixels[base] + 0.587 * pixels[base + 1] + 0.114 * pixels[base + 2] : pixels[base];
    } else {
      for (let k = 0; k < 3; k++) planes[k][p] = pixels[base + (colour ? k : 0)];
    }
  }
  const shorter = Math.min(width, height);
  const resizedW = width === shorter ? size : Math.max(size, Math.round((width * size) / shorter));
  const resizedH = height === shorter ? size : Math.max(size, Math.round((height * size) / shorter));
  const cropX = Math.floor((resizedW - size) / 2);
  const cropY = Math.floor((resizedH - size) / 2);
  for (let k = 0; k < channels; k++) {
    const resized = resizePlane(planes[k], width, height, resizedW, resizedH);
    const base = offset + k * size * size;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) out[base + y * size + x] = resized[(y + cropY) * resizedW + x + cropX] / 127.5 - 1;
    }
  }
}

/**
 * Reads every `.png` file in `dir` (case-insensitive extension, sorted by name, sub-folders ignored) into an
 * unlabelled dataset of `channels`×size×size images in [-1, 1]. Each image is converted to the requested channels
 * and resized so its shorter side is `size`, with area averaging when shrinking and bilinear interpolation when
 * enlarging (see `rasterToTensor`), then centre-cropped. Images of mixed sizes are accepted unless `strictSize`.
 * Throws, naming the path, when the folder is missing or unreadable, holds no PNG, or a file is not a valid PNG.
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions): Promise<ImageDataset> {
  const { size, channels } = options;
  if (!Number.isInteger(size) || size < 1) throw new Error(`loadImageFolder: size must be a positive integer, got ${size}`);
  if (channels !== 1 && channels !== 3) throw new Error(`loadImageFolder: channels must be 1 or 3, got ${channels}`);
  const { fs, path } = await nodeModules();
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "it does not exist" : code === "ENOTDIR" ? "it is not a folder" : (error as Error).message;
    throw new Error(`loadImageFolder: cannot read image folder ${dir}: ${why}`, { cause: error });
  }
  const names = entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(".png"))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new Error(`loadImageFolder: no .png files in ${dir}`);

  const images = new Float32Array(names.length * channels * size * size);
  let first: { name: string; width: number; height: number } | null = null;
  for (let i = 0; i < names.length; i++) {
    const file = path.join(dir, names[i]);
    let raster: RasterImage;
    try {
      raster = decodePng(await readBytes(file));
    } catch (error) {
      throw new Error(`loadImageFolder: ${file} is not a readable PNG: ${(error as Error).message}`, { cause: error });
    }
    if (first === null) {
      first = { name: file, width: raster.width, height: raster.height };
    } else if (options.strictSize && (raster.width !== first.width || raster.height !== first.height)) {
      throw new Error(
        `loadImageFolder: images differ in size (strictSize): ${first.name} is ${first.width}×${first.height}, ` +
          `${file} is ${raster.width}×${raster.height}`,
      );
    }
    rasterToTensor(raster, size, channels, images, i * channels * size * size);
  }
  return {
    images,
    labels: null,
    count: names.length,
    channels,
    height: size,
    width: size,
    numClasses: null,
    name: path.basename(path.resolve(dir)),
  };
}
