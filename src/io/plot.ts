/**
 * A loss curve as a PNG, drawn by hand into an RGB raster: axes, tick marks with labels, light grid lines, the raw
 * loss as a thin light line and its exponential moving average as a thick strong one. Text uses a built-in 5×7
 * bitmap font (digits, A–Z and a little punctuation; letters are drawn in upper case, except the e of an exponent).
 * Encoding goes through `encodePng`, so this is Node only.
 */
import { encodePng } from "./images.js";

export interface LossCurveOptions {
  /** Image width in pixels; default 640. */
  width?: number;
  /** Image height in pixels; default 360. */
  height?: number;
  /**
   * EMA factor a of the smoothed line, s_0 = x_0, s_i = a·s_{i−1} + (1 − a)·x_i, in [0, 1); 0 draws no smoothed
   * line. Default 0.9.
   */
  smoothing?: number;
  /** Drawn at the top left; default "training loss". */
  title?: string;
  /** Log-scale y axis; default true when every finite loss is positive (losses often span decades). */
  logScale?: boolean;
}

type Rgb = readonly [number, number, number];

const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [20, 20, 20];
const GRID: Rgb = [232, 232, 232];
const RAW_LINE: Rgb = [158, 196, 240];
const SMOOTH_LINE: Rgb = [20, 78, 170];

const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;

/** 5×7 glyphs: seven rows top to bottom, each 5 bits with the leftmost pixel in bit 4. */
const FONT: Record<string, readonly number[]> = {
  "0": [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  "1": [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  "2": [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  "3": [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  "4": [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  "5": [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  "6": [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  "7": [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  "8": [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  "9": [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  A: [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
  D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
  H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
  L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
  N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
  R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
  T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
  X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
  Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  // A lower-case e, drawn in exponents so that "1e-3" reads as a number.
  e: [0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e],
  " ": [0, 0, 0, 0, 0, 0, 0],
  ".": [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
  ",": [0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08],
  ":": [0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00],
  "-": [0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00],
  "+": [0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00],
  "=": [0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00],
  "/": [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
  "(": [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
  ")": [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  _: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f],
  "%": [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
  "?": [0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
};

/** An RGB raster with clipped drawing. */
class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, BACKGROUND);
  }

  set(x: number, y: number, color: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = color[0];
    this.pixels[i + 1] = color[1];
    this.pixels[i + 2] = color[2];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, color);
  }

  /** Bresenham from (x0, y0) to (x1, y1), stamping a thickness×thickness square at each point. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    const offset = Math.floor((thickness - 1) / 2);
    let error = dx + dy;
    for (;;) {
      this.fillRect(x0 - offset, y0 - offset, thickness, thickness, color);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * error;
      if (e2 >= dy) {
        error += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        error += dx;
        y0 += sy;
      }
    }
  }

  /** Draws `text` with its top-left corner at (x, y), each font pixel as a scale×scale block. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    const chars = [...text];
    chars.forEach((char, i) => {
      // The lower-case e only inside a number's exponent ("1e-3"); elsewhere letters are upper case.
      const exponent = char === "e" && /[0-9]/.test(chars[i - 1] ?? "") && /[-+0-9]/.test(chars[i + 1] ?? "");
      const glyph = (exponent ? FONT.e : FONT[char.toUpperCase()]) ?? FONT["?"];
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let column = 0; column < GLYPH_WIDTH; column++) {
          if (glyph[row] & (1 << (GLYPH_WIDTH - 1 - column))) this.fillRect(x + column * scale, y + row * scale, scale, scale, color);
        }
      }
      x += (GLYPH_WIDTH + 1) * scale;
    });
  }
}

function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : ([...text].length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** A short label for a tick value: plain decimals in [1e-3, 1e5), "2e-4"-style exponents outside. */
function formatTick(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e5) return String(Number(value.toPrecision(6)));
  const exponent = Math.floor(Math.log10(magnitude));
  const mantissa = Number((value / 10 ** exponent).toPrecision(2));
  return `${mantissa}e${exponent}`;
}

/** About `count` evenly spaced round values (1, 2 or 5 × 10^k apart) inside [lo, hi]. */
function linearTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Ticks for a log axis over [lo, hi] (lo > 0): decades, with 2× and 5× between when the range is short. */
function logTicks(lo: number, hi: number): number[] {
  const decades = Math.log10(hi / lo);
  if (decades < 1.2) return linearTicks(lo, hi, 4).filter((v) => v > 0);
  const mantissas = decades < 2.5 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / 6));
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    if (k % every !== 0) continue;
    for (const m of mantissas) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

/** The exponential moving average s_0 = x_0, s_i = a·s_{i−1} + (1 − a)·x_i, skipping non-finite values. */
function emaSmooth(values: number[], factor: number): number[] {
  const out: number[] = [];
  let state = NaN;
  for (const value of values) {
    if (Number.isFinite(value)) state = Number.isFinite(state) ? factor * state + (1 - factor) * value : value;
    out.push(Number.isFinite(value) ? state : NaN);
  }
  return out;
}

/**
 * Draws `losses` against `steps` as an RGB PNG (see the module comment). Non-finite losses (and, on a log axis,
 * non-positive ones) are skipped, breaking the line there. With no drawable point the chart holds only its axes
 * and the title.
 */
export function lossCurvePng(steps: number[], losses: number[], options: LossCurveOptions = {}): Uint8Array {
  if (steps.length !== losses.length) {
    throw new Error(`lossCurvePng: ${steps.length} steps but ${losses.length} losses; they must pair up`);
  }
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const smoothing = options.smoothing ?? 0.9;
  const title = options.title ?? "training loss";
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 120 || height < 80) {
    throw new Error(`lossCurvePng: width and height must be integers of at least 120×80, got ${width}×${height}`);
  }
  if (!(smoothing >= 0 && smoothing < 1)) throw new Error(`lossCurvePng: smoothing must be in [0, 1), got ${smoothing}`);

  const finiteLosses = losses.filter((v) => Number.isFinite(v));
  const logScale = options.logScale ?? (finiteLosses.length > 0 && finiteLosses.every((v) => v > 0));
  const drawable = (step: number, loss: number) => Number.isFinite(step) && Number.isFinite(loss) && (!logScale || loss > 0);
  const points = steps.map((step, i) => [step, losses[i]] as const).filter(([step, loss]) => drawable(step, loss));

  // Data ranges, padded so that a flat or single-point series still has an extent.
  // (Loops, not Math.min(...array): a long run's thousands of points would overflow the argument list.)
  let [xLo, xHi, yLo, yHi] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [step, loss] of points) {
    [xLo, xHi] = [Math.min(xLo, step), Math.max(xHi, step)];
    [yLo, yHi] = [Math.min(yLo, loss), Math.max(yHi, loss)];
  }
  if (points.length === 0) [xLo, xHi, yLo, yHi] = [0, 1, logScale ? 0.1 : 0, 1];
  if (xHi === xLo) [xLo, xHi] = [xLo - 1, xHi + 1];
  const transform = logScale ? Math.log10 : (v: number) => v;
  if (yHi === yLo) [yLo, yHi] = logScale ? [yLo / 2, yHi * 2] : [yLo - 1, yHi + 1];
  const yTicks = logScale ? logTicks(yLo, yHi) : linearTicks(yLo, yHi, 5);
  const xTicks = linearTicks(xLo, xHi, Math.max(2, Math.floor(width / 110)));
  const yPad = 0.04 * (transform(yHi) - transform(yLo));
  const tLo = transform(yLo) - yPad;
  const tHi = transform(yHi) + yPad;

  // Layout: title band on top, y tick labels on the left, x tick labels and the axis name below.
  const labelWidth = Math.max(...yTicks.map((v) => textWidth(formatTick(v))), textWidth("0"));
  const left = 10 + labelWidth + 6;
  const right = width - 16;
  const top = 2 * GLYPH_HEIGHT + 16;
  const bottom = height - (GLYPH_HEIGHT * 2 + 16);
  const px = (x: number) => left + ((x - xLo) / (xHi - xLo)) * (right - left);
  const py = (y: number) => bottom - ((transform(y) - tLo) / (tHi - tLo)) * (bottom - top);

  const canvas = new Canvas(width, height);
  for (const v of yTicks) {
    const y = Math.round(py(v));
    canvas.line(left + 1, y, right, y, GRID);
    canvas.line(left - 4, y, left, y, INK);
    const label = formatTick(v);
    canvas.text(left - 6 - textWidth(label), y - 3, label, INK);
  }
  for (const v of xTicks) {
    const x = Math.round(px(v));
    canvas.line(x, top, x, bottom - 1, GRID);
    canvas.line(x, bottom, x, bottom + 4, INK);
    const label = formatTick(v);
    canvas.text(Math.min(x - Math.floor(textWidth(label) / 2), width - 2 - textWidth(label)), bottom + 7, label, INK);
  }
  canvas.text(right - textWidth("step"), bottom + 9 + GLYPH_HEIGHT, "step", INK);

  // Curves: raw first so the smoothed line stays on top; a gap wherever a point was skipped.
  const series = (values: number[], color: Rgb, thickness: number) => {
    let previous: [number, number] | null = null;
    for (let i = 0; i < steps.length; i++) {
      if (!drawable(steps[i], values[i])) {
        previous = null;
        continue;
      }
      const point: [number, number] = [px(steps[i]), py(values[i])];
      canvas.line(...(previous ?? point), ...point, color, thickness);
      previous = point;
    }
  };
  series(losses, RAW_LINE, 1);
  if (smoothing > 0) series(emaSmooth(losses, smoothing), SMOOTH_LINE, 2);

  canvas.line(left, top, left, bottom, INK);
  canvas.line(left, bottom, right, bottom, INK);

  canvas.text(10, 8, title, INK, 2);
  // Legend, right-aligned in the title band.
  const legend: [string, Rgb][] = [[logScale ? "loss (log)" : "loss", RAW_LINE]];
  if (smoothing > 0) legend.push([`ema ${smoothing}`, SMOOTH_LINE]);
  let legendX = right;
  for (const [label, color] of legend.reverse()) {
    legendX -= textWidth(label);
    canvas.text(legendX, 12, label, INK);
    canvas.line(legendX - 18, 15, legendX - 5, 15, color, 2);
    legendX -= 30;
  }
  return encodePng(canvas.pixels, width, height, 3);
}
