/**
 * Images picked in the page (a folder of PNG and JPEG files) as an unlabelled training set of
 * channels×size×size images in [-1, 1], prepared as `ddpm train --data DIR` prepares a PNG folder
 * (src/io/images.ts): RGB → gray by BT.601 luma (0.299 R + 0.587 G + 0.114 B), gray → RGB by replication, the
 * shorter side resized to `size` and the centre cropped. The browser decodes the files and resizes them
 * (createImageBitmap, then drawImage with high-quality smoothing), so values can differ from the CLI's area
 * averaging by a level or so.
 */
import type { LabelledDataset } from "./dataset-file.js";

/** The picked files that are PNG or JPEG images, sorted by name (as the CLI reads a folder). */
function imageFiles<F extends { name: string }>(files: F[]): F[] {
  return files.filter((f) => /\.(png|jpe?g)$/i.test(f.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Decode, crop and resize every image; throws naming the first file the browser cannot decode. */
export async function loadPickedImages(files: File[], size: number, channels: 1 | 3): Promise<LabelledDataset> {
  const pictures = imageFiles(files);
  if (!pictures.length) throw new Error(`no PNG or JPEG images among the ${files.length} files picked`);
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error("this browser gives no 2D canvas context to resize the images");
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  const plane = size * size;
  const images = new Float32Array(pictures.length * channels * plane);
  for (const [i, file] of pictures.entries()) {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (error) {
      throw new Error(`${file.name} is not an image this browser can decode (${(error as Error).message})`);
    }
    const side = Math.min(bitmap.width, bitmap.height);
    context.clearRect(0, 0, size, size);
    context.drawImage(bitmap, Math.floor((bitmap.width - side) / 2), Math.floor((bitmap.height - side) / 2), side, side, 0, 0, size, size);
    bitmap.close();
    const rgba = context.getImageData(0, 0, size, size).data;
    const base = i * channels * plane;
    for (let p = 0; p < plane; p++) {
      const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
      if (channels === 1) images[base + p] = (0.299 * r + 0.587 * g + 0.114 * b) / 127.5 - 1;
      else {
        images[base + p] = r / 127.5 - 1;
        images[base + plane + p] = g / 127.5 - 1;
        images[base + 2 * plane + p] = b / 127.5 - 1;
      }
    }
  }
  return { images, labels: null, count: pictures.length, channels, height: size, width: size, numClasses: null };
}
