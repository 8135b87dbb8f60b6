import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { decodePng, encodePng, imageGrid, loadImageFolder, type RasterImage, writePng } from "../src/io/images.js";
import { lossCurvePng } from "../src/io/plot.js";

const scratch = mkdtempSync(join(tmpdir(), "ddpm-images-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Deterministic pseudo-random bytes (an LCG): test data with every value range, no Math.random. */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function raster(width: number, height: number, channels: 1 | 3 | 4, seed: number): RasterImage {
  return { pixels: bytes(width * height * channels, seed), width, height, channels };
}

describe("PNG codec", () => {
  it("round-trips gray, RGB and RGBA rasters of awkward sizes", () => {
    for (const channels of [1, 3, 4] as const) {
      for (const [width, height] of [
        [1, 1],
        [17, 5],
        [5, 17],
        [64, 3],
      ]) {
        const image = raster(width, height, channels, width * 31 + height + channels);
        const png = encodePng(image.pixels, width, height, channels);
        expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]); // PNG signature
        const decoded = decodePng(png);
        expect({ width: decoded.width, height: decoded.height, channels: decoded.channels }).toEqual({ width, height, channels });
        expect(Buffer.from(decoded.pixels).equals(Buffer.from(image.pixels))).toBe(true);
      }
    }
  });

  it("decodes gray+alpha and 16-bit files from other writers", () => {
    // Gray+alpha (colour type 4) comes back as RGBA with the gray replicated.
    const grayAlpha = new PNG({ width: 2, height: 1 });
    grayAlpha.data = Buffer.from([10, 10, 10, 200, 99, 99, 99, 7]);
    const decoded = decodePng(PNG.sync.write(grayAlpha, { colorType: 4 }));
    expect(decoded.channels).toBe(4);
    expect(Array.from(decoded.pixels)).toEqual([10, 10, 10, 200, 99, 99, 99, 7]);
    // 16-bit RGB is scaled to 8 bits.
    const deep = new PNG({ width: 1, height: 1 });
    deep.data = Buffer.from(new Uint16Array([65535, 0, 32896, 65535]).buffer); // pngjs takes 16-bit input here
    const decoded16 = decodePng(PNG.sync.write(deep, { colorType: 2, bitDepth: 16 }));
    expect(decoded16).toMatchObject({ width: 1, height: 1, channels: 3 });
    expect(Array.from(decoded16.pixels)).toEqual([255, 0, 128]);
  });

  it("refuses a size mismatch, bad channels and a corrupt file", () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2, 3)).toThrow("encodePng: 2×2×3 needs 12 bytes, got 10");
    expect(() => encodePng(new Uint8Array(8), 2, 2, 2 as 1)).toThrow("channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got 2");
    expect(() => encodePng(new Uint8Array(0), 0, 2, 1)).toThrow("width and height must be positive integers, got 0×2");
    const png = encodePng(bytes(48, 1), 4, 4, 3);
    expect(() => decodePng(png.subarray(0, 30))).toThrow();
    expect(() => decodePng(new TextEncoder().encode("not a png at all"))).toThrow();
  });

  it("writePng writes a decodable file and leaves no temporary file behind", async () => {
    const dir = join(scratch, "write");
    mkdirSync(dir);
    const image = raster(7, 3, 3, 5);
    await writePng(join(dir, "out.png"), image);
    await writePng(join(dir, "out.png"), image); // replacing an existing file
    expect(readdirSync(dir)).toEqual(["out.png"]);
    expect(Buffer.from(decodePng(readFileSync(join(dir, "out.png"))).pixels).equals(Buffer.from(image.pixels))).toBe(true);
  });
});

describe("imageGrid", () => {
  it("places each tile's pixels, upscaled, between padding, with values mapped to 0..255", () => {
    const [n, c, h, w] = [5, 3, 2, 3];
    const images = new Float32Array(n * c * h * w);
    for (let i = 0; i < images.length; i++) images[i] = ((i * 37) % 101) / 50 - 1; // in [-1, 1]
    const grid = imageGrid(images, n, c, h, w, { columns: 2, padding: 1, upscale: 2, padValue: 77 });
    // 2 columns × 3 rows of 6×4 tiles with 1-pixel gaps and border.
    expect({ width: grid.width, height: grid.height, channels: grid.channels }).toEqual({
      width: 2 * 6 + 3,
      height: 3 * 4 + 4,
      channels: 3,
    });
    const at = (x: number, y: number, k: number) => grid.pixels[(y * grid.width + x) * 3 + k];
    const source = (i: number, k: number, y: number, x: number) => Math.round((images[((i * c + k) * h + y) * w + x] + 1) * 127.5);
    for (let i = 0; i < n; i++) {
      const x0 = 1 + (i % 2) * 7;
      const y0 = 1 + Math.floor(i / 2) * 5;
      for (let y = 0; y < 2 * h; y++) {
        for (let x = 0; x < 2 * w; x++) {
          for (let k = 0; k < c; k++) expect(at(x0 + x, y0 + y, k)).toBe(source(i, k, y >> 1, x >> 1));
        }
      }
    }
    // Padding: the border, the gaps, and the empty sixth cell.
    for (const [x, y] of [
      [0, 0],
      [7, 3],
      [3, 5],
      [10, 12],
      [14, 15],
    ])
      expect(at(x, y, 1)).toBe(77);
  });

  it("clamps to [-1, 1] and maps NaN to 0; defaults to a square-ish grid with 2-pixel white padding", () => {
    const images = new Float32Array([-3, -1, 0, 1, 2, NaN, 0.5, -0.5, 0.25]);
    const grid = imageGrid(images, 9, 1, 1, 1);
    expect({ width: grid.width, height: grid.height, channels: grid.channels }).toEqual({ width: 3 + 8, height: 3 + 8, channels: 1 });
    const tiles = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => grid.pixels[(2 + row * 3) * grid.width + 2 + col * 3]));
    expect(tiles).toEqual([0, 0, 128, 255, 255, 0, 191, 64, 159]);
    expect(grid.pixels[0]).toBe(255);
  });

  it("refuses inconsistent shapes", () => {
    expect(() => imageGrid(new Float32Array(10), 2, 1, 2, 3)).toThrow("imageGrid: [2, 1, 2, 3] needs 12 values, got 10");
    expect(() => imageGrid(new Float32Array(12), 2, 2, 1, 3)).toThrow("c must be 1, 3 or 4 channels, got 2");
    expect(() => imageGrid(new Float32Array(12), 2, 1, 2, 3, { upscale: 0 })).toThrow("upscale must be a positive integer");
  });
});

/**
 * Float64 reference for loadImageFolder's resize, written in 2-D (not separably): shrinking averages the source
 * pixels over each output pixel's footprint weighted by overlap area; enlarging interpolates bilinearly at
 * half-pixel centres, clamped at the edges.
 */
function referenceResize(plane: number[], inW: number, inH: number, outW: number, outH: number): number[] {
  const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  const out: number[] = [];
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      if (outW < inW) {
        const [sx, sy] = [inW / outW, inH / outH];
        let sum = 0;
        for (let j = 0; j < inH; j++) {
          for (let i = 0; i < inW; i++)
            sum += overlap(x * sx, (x + 1) * sx, i, i + 1) * overlap(y * sy, (y + 1) * sy, j, j + 1) * plane[j * inW + i];
        }
        out.push(sum / (sx * sy));
      } else {
        const clampTo = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
        const fx = clampTo((x + 0.5) * (inW / outW) - 0.5, inW);
        const fy = clampTo((y + 0.5) * (inH / outH) - 0.5, inH);
        const value = (i: number, j: number) => plane[clampTo(j, inH) * inW + clampTo(i, inW)];
        const [i0, j0] = [Math.floor(fx), Math.floor(fy)];
        const [tx, ty] = [fx - i0, fy - j0];
        out.push(
          (1 - ty) * ((1 - tx) * value(i0, j0) + tx * value(i0 + 1, j0)) + ty * ((1 - tx) * value(i0, j0 + 1) + tx * value(i0 + 1, j0 + 1)),
        );
      }
    }
  }
  return out;
}

/** Reference for one file: resized planes, centre crop, scaled to [-1, 1]; CHW. */
function referenceTensor(image: RasterImage, size: number, channels: 1 | 3, resizedW: number, resizedH: number): number[] {
  const planes: number[][] = [];
  for (let k = 0; k < channels; k++) {
    const plane: number[] = [];
    for (let p = 0; p < image.width * image.height; p++) {
      const px = image.pixels.subarray(p * image.channels, (p + 1) * image.channels);
      plane.push(
        channels === 3 ? px[image.channels === 1 ? 0 : k] : image.channels === 1 ? px[0] : 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2],
      );
    }
    planes.push(referenceResize(plane, image.width, image.height, resizedW, resizedH));
  }
  const [cropX, cropY] = [Math.floor((resizedW - size) / 2), Math.floor((resizedH - size) / 2)];
  const out: number[] = [];
  for (const plane of planes) {
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out.push(plane[(y + cropY) * resizedW + x + cropX] / 127.5 - 1);
  }
  return out;
}

describe("loadImageFolder", () => {
  // Mixed sizes and channel counts; names chosen so that sorting by name matters.
  const files: { name: string; image: RasterImage; resized: [number, number] }[] = [
    { name: "a.png", image: raster(4, 6, 1, 11), resized: [2, 3] }, // exact 2× shrink, crop rows 0..1
    { name: "B.PNG", image: raster(3, 3, 3, 12), resized: [2, 2] }, // 1.5× shrink: fractional overlaps
    { name: "c.png", image: raster(6, 2, 4, 13), resized: [6, 2] }, // RGBA, already 2 high: crop columns 2..3
    { name: "d.png", image: raster(1, 2, 3, 14), resized: [2, 4] }, // enlarge 2× bilinear, crop rows 1..2
  ];
  const folder = join(scratch, "mixed");
  mkdirSync(folder);
  for (const { name, image } of files)
    writeFileSync(join(folder, name), encodePng(image.pixels, image.width, image.height, image.channels));
  writeFileSync(join(folder, "notes.txt"), "not an image");
  mkdirSync(join(folder, "sub.png")); // a folder with a PNG's name is not read

  for (const channels of [1, 3] as const) {
    it(`resizes, crops and converts mixed sizes to ${channels} channel(s), matching a float64 reference`, async () => {
      const dataset = await loadImageFolder(folder, { size: 2, channels });
      expect(dataset).toMatchObject({ count: 4, channels, height: 2, width: 2, labels: null, numClasses: null, name: "mixed" });
      const per = channels * 4;
      // Sorted by name in code-unit order: "B.PNG" < "a.png" < "c.png" < "d.png".
      const order = ["B.PNG", "a.png", "c.png", "d.png"];
      for (const [i, name] of order.entries()) {
        const { image, resized } = files.find((f) => f.name === name)!;
        const expected = referenceTensor(image, 2, channels, ...resized);
        const actual = Array.from(dataset.images.subarray(i * per, (i + 1) * per));
        for (const [j, v] of actual.entries()) expect(Math.abs(v - expected[j]), `${name}[${j}]`).toBeLessThan(1e-6);
      }
    });
  }

  it("a 2× shrink of a gray image is the mean of each 2×2 block (hand-computed)", async () => {
    const dir = join(scratch, "hand");
    mkdirSync(dir);
    // 4×4 gray, top-left block 0, 10, 20, 30 → mean 15.
    const pixels = new Uint8Array([0, 10, 255, 255, 20, 30, 255, 255, 0, 0, 100, 100, 0, 0, 100, 101]);
    writeFileSync(join(dir, "x.png"), encodePng(pixels, 4, 4, 1));
    const dataset = await loadImageFolder(dir, { size: 2, channels: 1 });
    const expected = [15, 255, 0, 100.25].map((v) => v / 127.5 - 1);
    for (const [i, v] of Array.from(dataset.images).entries()) expect(v).toBeCloseTo(expected[i], 6);
  });

  it("strictSize refuses mixed sizes, naming two files", async () => {
    await expect(loadImageFolder(folder, { size: 2, channels: 1, strictSize: true })).rejects.toThrow(
      `images differ in size (strictSize): ${join(folder, "B.PNG")} is 3×3, ${join(folder, "a.png")} is 4×6`,
    );
    const same = join(scratch, "same");
    mkdirSync(same);
    for (const name of ["1.png", "2.png"]) writeFileSync(join(same, name), encodePng(bytes(12, 3), 2, 2, 3));
    expect((await loadImageFolder(same, { size: 2, channels: 3, strictSize: true })).count).toBe(2);
  });

  it("names the path in every error", async () => {
    const missing = join(scratch, "missing");
    await expect(loadImageFolder(missing, { size: 8, channels: 1 })).rejects.toThrow(
      `cannot read image folder ${missing}: it does not exist`,
    );
    const file = join(scratch, "file.txt");
    writeFileSync(file, "x");
    await expect(loadImageFolder(file, { size: 8, channels: 1 })).rejects.toThrow(`cannot read image folder ${file}: it is not a folder`);
    const empty = join(scratch, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "readme.md"), "no images");
    await expect(loadImageFolder(empty, { size: 8, channels: 1 })).rejects.toThrow(`no .png files in ${empty}`);
    const corrupt = join(scratch, "corrupt");
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, "good.png"), encodePng(bytes(4, 1), 2, 2, 1));
    writeFileSync(join(corrupt, "half.png"), encodePng(bytes(300, 2), 10, 10, 3).subarray(0, 40));
    await expect(loadImageFolder(corrupt, { size: 2, channels: 1 })).rejects.toThrow(`${join(corrupt, "half.png")} is not a readable PNG`);
    await expect(loadImageFolder(corrupt, { size: 0, channels: 1 })).rejects.toThrow("size must be a positive integer, got 0");
    await expect(loadImageFolder(corrupt, { size: 2, channels: 4 as 3 })).rejects.toThrow("channels must be 1 or 3, got 4");
  });
});

describe("lossCurvePng", () => {
  /** Decoded chart and the bounding rows of its "blue" (curve-coloured) pixels within a column range. */
  function chart(png: Uint8Array) {
    const image = decodePng(png);
    const isCurve = (x: number, y: number) => {
      const i = (y * image.width + x) * image.channels;
      return image.pixels[i + 2] - image.pixels[i] > 50; // both curve colours are blue; ink, grid, paper are gray
    };
    /** Rows of curve pixels with x in [x0, x1), below the title band. */
    const curveRows = (x0: number, x1: number) => {
      const rows: number[] = [];
      for (let y = 40; y < image.height; y++) for (let x = x0; x < x1; x++) if (isCurve(x, y)) rows.push(y);
      return rows;
    };
    return { image, curveRows };
  }

  const steps = Array.from({ length: 400 }, (_, i) => i * 25);
  const decaying = steps.map((s, i) => (Math.exp(-s / 1500) + 0.02) * (1 + 0.3 * Math.sin(i * 1.7)));

  it("draws a decodable chart of the requested size, the highest loss near the top", () => {
    const png = lossCurvePng(steps, decaying, { title: "loss 1e-3 test" });
    const { image, curveRows } = chart(png);
    expect({ width: image.width, height: image.height, channels: image.channels }).toEqual({ width: 640, height: 360, channels: 3 });
    const background = image.pixels.filter((v) => v !== 255).length;
    expect(background).toBeGreaterThan(5000);
    // The first steps (highest loss) are drawn near the top of the plot, the last ones in the lower part.
    const early = curveRows(0, 120);
    const late = curveRows(560, 640);
    expect(early.length).toBeGreaterThan(20);
    expect(late.length).toBeGreaterThan(20);
    expect(Math.min(...early)).toBeLessThan(0.25 * image.height);
    expect(Math.min(...late)).toBeGreaterThan(0.55 * image.height);
  });

  it("follows the data: a rising loss is drawn low on the left and high on the right", () => {
    const rising = [...decaying].reverse();
    const { image, curveRows } = chart(lossCurvePng(steps, rising, { width: 400, height: 250, smoothing: 0 }));
    expect([image.width, image.height]).toEqual([400, 250]);
    expect(Math.min(...curveRows(0, 70))).toBeGreaterThan(0.55 * image.height);
    expect(Math.min(...curveRows(340, 400))).toBeLessThan(0.25 * image.height);
  });

  it("copes with NaN, non-positive and single points, and refuses mismatched inputs", () => {
    for (const [s, l] of [
      [
        [0, 1, 2, 3],
        [1, NaN, 0.5, 0.25],
      ],
      [[5], [0.3]],
      [[], []],
      [
        [0, 1, 2],
        [-1, 0, 2],
      ],
    ] as [number[], number[]][]) {
      const image = decodePng(lossCurvePng(s, l, { width: 200, height: 120 }));
      expect([image.width, image.height]).toEqual([200, 120]);
    }
    expect(() => lossCurvePng([1, 2], [1])).toThrow("lossCurvePng: 2 steps but 1 losses");
    expect(() => lossCurvePng([1], [1], { smoothing: 1 })).toThrow("smoothing must be in [0, 1)");
  });

  it("handles a long run without overflowing the stack", () => {
    const n = 300_000;
    const longSteps = Array.from({ length: n }, (_, i) => i);
    const longLosses = longSteps.map((i) => 1 / (1 + i / 1000));
    expect(decodePng(lossCurvePng(longSteps, longLosses)).width).toBe(640);
  });
});
