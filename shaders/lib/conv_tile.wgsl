// The tiled convolutions' helpers, shared by conv2d.wgsl and conv2d_quad.wgsl (each declares the bindings
// tp: ConvParams, bias and out). Included with `//! include conv_tile` (see src/gpu/shaders.ts).
// Where virtual coordinate v of a padded, dilated axis lands in a source axis of `size` values: v − before must
// be a non-negative multiple of the dilation, below size · dilation. Outside, index is clamped (an in-bounds
// place to read a value that select() then replaces by 0). f32 division: exact for the sizes conv2d allows.
struct SourceIndex {
  index: u32,
  inside: bool,
}

fn source_index(v: u32, before: i32, dilation: u32, size: u32) -> SourceIndex {
  let dv = i32(v) - before;
  let sv = i32(floor(f32(dv) / f32(dilation)));
  return SourceIndex(u32(clamp(sv, 0, i32(size) - 1)), dv >= 0 && sv * i32(dilation) == dv && sv < i32(size));
}

// The bias of output channels o0 .. o0 + 3 for a result of `image` (split · N + n): bias[o0 + i] in split 0 when
// tp.hasBias = 1, else 0 (the bias goes into split 0 only). Channels past the last read the last one (their
// results are not stored). Without a bias the bias binding holds the (packed) weight, which has at least O
// values, so the read stays in bounds. Read once per channel block, not per pixel: see storeTile in
// scripts/gen-conv2d-wgsl.mjs.
fn tile_bias(image: u32, o0: u32) -> vec4<f32> {
  let last = tp.outChannels - 1u;
  let b = vec4<f32>(bias[min(o0, last)], bias[min(o0 + 1u, last)], bias[min(o0 + 2u, last)], bias[min(o0 + 3u, last)]);
  return select(vec4<f32>(0.0), b, tp.hasBias == 1u && image < tp.batch);
}

// out[image, o0 + i, oy, ox] = v[i] for the channels and pixels that exist, where image = split · N + n (out holds
// the partial sums [S, N, O, HO, WO] when the channels are split).
fn store_pixel(image: u32, oy: u32, ox: u32, o0: u32, v: vec4<f32>) {
  if (oy >= tp.outHeight || ox >= tp.outWidth || o0 >= tp.outChannels) { return; }
  let plane = tp.outHeight * tp.outWidth;
  let at = ((image * tp.outChannels + o0) * tp.outHeight + oy) * tp.outWidth + ox;
  out[at] = v.x;
  if (o0 + 1u < tp.outChannels) { out[at + plane] = v.y; }
  if (o0 + 2u < tp.outChannels) { out[at + 2u * plane] = v.z; }
  if (o0 + 3u < tp.outChannels) { out[at + 3u * plane] = v.w; }
}
