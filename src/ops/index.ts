/** Every op, as one namespace (`ops.add`, `ops.matmul`, ...). */
export { add, sub, mul, div, affine, scale, addScalar, silu, square, exp, log, sqrt, accumulate, broadcastTo, reshape } from "./elementwise.js";
export { sum, mean, sumTo } from "./reduce.js";
export { matmul, linear, type MatmulOptions } from "./matmul/matmul.js";
export { conv2d, type Conv2dOptions } from "./conv/conv2d.js";
export { upsampleNearest2x, concat } from "./resample.js";
export { groupNorm, type GroupNormOptions } from "./norm.js";
export { softmax } from "./softmax.js";
export { attention, type AttentionOptions } from "./attention/attention.js";
export { flashAttention } from "./attention/flash.js";
export { permute, timestepEmbedding, dropout, mseLoss, type TimestepEmbeddingOptions } from "./misc.js";
