// The uniforms of every convolution kernel: the register tiles and weight gradients of conv2d.wgsl and
// conv2d_quad.wgsl, the implicit GEMMs of gemm.wgsl. Each kernel reads the fields its comment names; the host
// sets the others to 0 (src/ops/conv/geometry.ts convParams). Included with `//! include conv_params`.
struct ConvParams {
  // x [batch, inChannels, sourceHeight, sourceWidth] seen through `top` rows and `left` columns of zero padding
  // (and, for a transposed convolution, dilated by `dilation`), convolved at `stride` with a
  // kernelHeight × kernelWidth kernel into [batch, outChannels, outHeight, outWidth], plus the bias if hasBias.
  batch: u32,
  inChannels: u32,
  sourceHeight: u32,
  sourceWidth: u32,
  top: i32,
  left: i32,
  dilation: u32,
  outChannels: u32,
  outHeight: u32,
  outWidth: u32,
  kernelHeight: u32,
  kernelWidth: u32,
  stride: u32,
  hasBias: u32,
  // A sum cut into `splits` ranges, each written to its own partial sums: of splitChannels input channels (the
  // tiles: split 0 adds the bias, one split writes the output itself), of output pixels (the weight gradients),
  // of slicesPerSplit k-slices (the GEMM weight gradient).
  splits: u32,
  splitChannels: u32,
  slicesPerSplit: u32,
  // The tiles: output tiles per image along x and y, and where the 3×3 kernels read weight[b, a, tap] (b: an
  // output channel of this convolution, a: a summed channel): weight[b · weightOutStride + a · weightInStride +
  // tap'], tap' = 8 − tap when flipTaps = 1. The forward reads [O, C, 3, 3] as is (strides C·9 and 9); the input
  // gradient reads it transposed and flipped (strides 9 and C·9, flipTaps = 1).
  tilesX: u32,
  tilesY: u32,
  weightOutStride: u32,
  weightInStride: u32,
  flipTaps: u32,
  // The GEMM weight gradient's columns: C·taps, + 1 with a bias.
  columns: u32,
};
