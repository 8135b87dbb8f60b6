/** Every op, as one namespace (`ops.add`, `ops.matmul`, ...). */

export { type AttentionOptions, attention } from "./attention/attention.js";
export { flashAttention } from "./attention/flash.js";
export { type Conv2dOptions, conv2d } from "./conv/conv2d.js";
export {
  accumulate,
  add,
  addScalar,
  affine,
  broadcastTo,
  div,
  exp,
  log,
  mul,
  reshape,
  scale,
  silu,
  sqrt,
  square,
  sub,
} from "./elementwise.js";
export { linear, type MatmulOptions, matmul } from "./matmul/matmul.js";
export { dropout, mseLoss, permute, type TimestepEmbeddingOptions, timestepEmbedding, timestepFrequencies } from "./misc.js";
export { type GroupNormOptions, groupNorm } from "./norm.js";
export { mean, sum, sumTo } from "./reduce.js";
export { concat, upsampleNearest2x } from "./resample.js";
export { softmax } from "./softmax.js";
