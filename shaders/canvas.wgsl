// Draws a grid of images straight from a tensor's storage buffer onto a canvas (no CPU readback).
//
// images: the tensor, [count, channels, height, width] row-major (NCHW), f32. Values in [low, high] map
//   linearly to [0, 1] and are clamped (the engine's images live in [-1, 1]). One channel is drawn as gray;
//   three or more as RGB from the first three channels; two as gray from the first.
// Layout on the canvas: image i sits in column i mod columns, row ⌊i / columns⌋; each image pixel is a
//   scale×scale block; images are `gap` pixels apart; everything else is the background colour.
//
// Not a compute kernel: a render pipeline (src/gpu/canvas.ts). One triangle covers the viewport and each
// fragment (one canvas pixel) reads the one value it shows, so the cost is one load per channel per pixel.

struct GridParams {
  count: u32,
  channels: u32,
  height: u32,
  width: u32,
  columns: u32,
  scale: u32,
  gap: u32,
  low: f32,
  high: f32,
  background: f32,
};

@group(0) @binding(0) var<storage, read> images: array<f32>;
@group(0) @binding(1) var<uniform> grid: GridParams;

// The triangle (-1,-1), (3,-1), (-1,3) covers clip space [-1, 1]² with a single primitive.
@vertex
fn vertex_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
  let corner = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
  return vec4<f32>(corner * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fragment_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
  let backdrop = vec4<f32>(vec3<f32>(grid.background), 1.0);
  // Framebuffer coordinates: origin at the top-left, pixel centres at +0.5.
  let pixel = vec2<u32>(position.xy);
  let imageSize = vec2<u32>(grid.width, grid.height) * grid.scale;
  let cell = imageSize + vec2<u32>(grid.gap);
  let column = pixel.x / cell.x;
  let row = pixel.y / cell.y;
  let within = pixel % cell;
  let index = row * grid.columns + column;
  if (column >= grid.columns || index >= grid.count || within.x >= imageSize.x || within.y >= imageSize.y) {
    return backdrop;
  }
  let x = within.x / grid.scale;
  let y = within.y / grid.scale;
  let plane = grid.height * grid.width;
  let first = index * grid.channels * plane + y * grid.width + x;
  let range = grid.high - grid.low;
  let red = clamp((images[first] - grid.low) / range, 0.0, 1.0);
  if (grid.channels < 3u) {
    return vec4<f32>(red, red, red, 1.0);
  }
  let green = clamp((images[first + plane] - grid.low) / range, 0.0, 1.0);
  let blue = clamp((images[first + 2u * plane] - grid.low) / range, 0.0, 1.0);
  return vec4<f32>(red, green, blue, 1.0);
}
