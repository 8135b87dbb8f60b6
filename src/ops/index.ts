/** Every op, as one namespace (`ops.add`, `ops.matmul`, ...). */
export { add, sub, mul, div, affine, scale, addScalar, silu, square, exp, log, sqrt, accumulate, broadcastTo, reshape } from "./elementwise.js";
export { sum, mean, sumTo } from "./reduce.js";
export { matmul, linear, type MatmulOptions } from "./matmul.js";
