/** A dataset in memory, as training reads it whatever it was loaded from: images in [−1, 1], optional labels. */
export interface Dataset {
  /** [count, channels, height, width], row-major (NCHW), values in [-1, 1]. */
  images: Float32Array;
  /** One class label per image, or null when the data has none. */
  labels: Int32Array | null;
  /** Labels lie in 0..numClasses−1; label dropout uses numClasses as the "no class" label. */
  numClasses?: number | null;
  count: number;
  channels: number;
  height: number;
  width: number;
}

/** A value in [-1, 1] rounded to the nearest of the 256 levels an 8-bit image holds (k / 127.5 − 1, k = 0..255). */
export function quantise8bit(value: number): number {
  const clamped = Math.min(1, Math.max(-1, value));
  return Math.round((clamped + 1) * 127.5) / 127.5 - 1;
}
