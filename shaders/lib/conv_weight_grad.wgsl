// The weight-gradient kernels' store helpers, shared by conv2d.wgsl and conv2d_quad.wgsl (each declares the
// bindings gp: ConvParams, partialWeight and partialBias). Included with `//! include conv_weight_grad`.
// Weight-gradient kernels: x [N, C, sourceHeight, sourceWidth] is the forward pass's input, seen through its
// padding (top, left) as the tiled convolutions see theirs (shaders/lib/conv_tile.wgsl): weight_grad_3x3* apply it as they read, weight_grad_general reads a copy the
// host padded (top = left = 0). The sum over the output is cut into `splits` contiguous ranges of segments,
// each summed by its own invocations (split = invocation / jobs) into its own partial sums.
// partialWeight[split, os[j], c, tap] = v[j]. os and c are clamped to the last channel, so a block past the end
// holds copies of the last channel's sums, computed the same way: writing them again changes nothing.
fn store_weight_grad(split: u32, os: vec4<u32>, c: u32, tap: u32, v: vec4<f32>) {
  let taps = gp.kernelHeight * gp.kernelWidth;
  let at = ((split * gp.outChannels + os) * gp.inChannels + c) * taps + tap;
  partialWeight[at.x] = v.x;
  partialWeight[at.y] = v.y;
  partialWeight[at.z] = v.z;
  partialWeight[at.w] = v.w;
}

// partialBias[split, os[j]] = v[j] (os clamped as above).
fn store_bias_grad(split: u32, os: vec4<u32>, v: vec4<f32>) {
  if (gp.hasBias == 0u) { return; }
  let at = split * gp.outChannels + os;
  partialBias[at.x] = v.x;
  partialBias[at.y] = v.y;
  partialBias[at.z] = v.z;
  partialBias[at.w] = v.w;
}
