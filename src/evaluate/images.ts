/**
 * Sets of digits from PNG rasters: one image, or a grid of tiles as `imageGrid` writes it (samples.png: tiles of
 * one size, a border and gaps of one pad value, each tile possibly magnified by an integer factor, nearest).
 */
import type { RasterImage } from "../io/images.js";
import type { ClassifierSize } from "./classifier.js";

const SIZES: readonly ClassifierSize[] = [16, 32];
const MAX_PADDING = 16;
const MAX_UPSCALE = 8;

/** Images at `size`, NCHW [count, 1, size, size] in [-1, 1], in row-major grid order. */
export interface DigitImages {
  images: Float32Array;
  count: number;
  size: ClassifierSize;
}

/** A raster's gray values 0..255; colour refused unless every pixel is gray (R = G = B), alpha ignored. */
function grayPixels(raster: RasterImage, name: string): Uint8Array {
  if (raster.channels === 1) return raster.pixels;
  const { width, height, channels, pixels } = raster;
  const gray = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const r = pixels[p * channels];
    if (pixels[p * channels + 1] !== r || pixels[p * channels + 2] !== r) {
      throw new Error(
        `${name}: pixel (${p % width}, ${Math.floor(p / width)}) is in colour; the digit evaluator expects gray images ` +
          "(1 channel, or RGB with R = G = B)",
      );
    }
    gray[p] = r;
  }
  return gray;
}

interface GridLayout {
  padding: number;
  tile: number;
  columns: number;
  rows: number;
}

/** The grid layouts `width` × `height` admits for square tiles of side `tile`, with separators of one value. */
function fitsGrid(gray: Uint8Array, width: number, height: number, tile: number, padding: number): GridLayout | null {
  if ((width - padding) % (tile + padding) !== 0 || (height - padding) % (tile + padding) !== 0) return null;
  const columns = (width - padding) / (tile + padding);
  const rows = (height - padding) / (tile + padding);
  if (columns < 1 || rows < 1) return null;
  if (padding > 0) {
    const value = gray[0];
    const isSeparator = (x: number, y: number) => x % (tile + padding) < padding || y % (tile + padding) < padding;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (isSeparator(x, y) && gray[y * width + x] !== value) return null;
    }
  }
  return { padding, tile, columns, rows };
}

/** True when every `factor`×`factor` block of every tile holds one value (a tile magnified by nearest neighbour). */
function magnifiedBy(gray: Uint8Array, width: number, layout: GridLayout, factor: number): boolean {
  const { padding, tile, columns, rows } = layout;
  if (tile % factor !== 0) return false;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const x0 = padding + c * (tile + padding);
      const y0 = padding + r * (tile + padding);
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const anchor = gray[(y0 + y - (y % factor)) * width + x0 + x - (x % factor)];
          if (gray[(y0 + y) * width + x0 + x] !== anchor) return false;
        }
      }
    }
  }
  return true;
}

/**
 * The digits in a PNG raster: a single image of 16×16 or 32×32, or a grid of such tiles (each possibly
 * magnified), as `ddpm train` writes samples.png. `size` fixes the digit size when the layout alone is
 * ambiguous. Tiles are read row by row; an all-pad-value tile (the unused end of the last row) is skipped.
 */
export function digitsFromRaster(raster: RasterImage, name: string, size?: ClassifierSize): DigitImages {
  const gray = grayPixels(raster, name);
  const { width, height } = raster;
  const sizes = size ? [size] : SIZES;
  const candidates: { layout: GridLayout; size: ClassifierSize; factor: number }[] = [];
  for (let padding = MAX_PADDING; padding >= 0 && candidates.length === 0; padding--) {
    for (const s of sizes) {
      for (let factor = MAX_UPSCALE; factor >= 1; factor--) {
        const layout = fitsGrid(gray, width, height, s * factor, padding);
        if (layout && magnifiedBy(gray, width, layout, factor)) candidates.push({ layout, size: s, factor });
      }
    }
  }
  if (candidates.length === 0) {
    throw new Error(
      `${name}: a ${width}×${height} image is neither a ${sizes.join(" or ")} px digit nor a grid of such tiles ` +
        `(as samples.png: tiles magnified up to ${MAX_UPSCALE}×, gaps of up to ${MAX_PADDING} px of one value)`,
    );
  }
  // The largest tiles that fit, at the largest magnification: a 32 px tile whose 2×2 blocks are all uniform is a
  // 16 px digit magnified 2× (samples.png of a 16 px model).
  const { layout, size: side, factor } = candidates.sort((a, b) => b.layout.tile - a.layout.tile || b.factor - a.factor)[0];
  const per = side * side;
  const tiles: Float32Array[] = [];
  for (let r = 0; r < layout.rows; r++) {
    for (let c = 0; c < layout.columns; c++) {
      const x0 = layout.padding + c * (layout.tile + layout.padding);
      const y0 = layout.padding + r * (layout.tile + layout.padding);
      const image = new Float32Array(per);
      let blank = layout.padding > 0;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const value = gray[(y0 + y * factor) * width + x0 + x * factor];
          if (value !== gray[0]) blank = false;
          image[y * side + x] = value / 127.5 - 1;
        }
      }
      if (!blank) tiles.push(image);
    }
  }
  const images = new Float32Array(tiles.length * per);
  tiles.forEach((t, i) => {
    images.set(t, i * per);
  });
  return { images, count: tiles.length, size: side };
}
