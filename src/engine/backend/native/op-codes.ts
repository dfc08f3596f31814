// The op codes the addon's entry points take, one table per switch on the C++ side, so that no
// TypeScript file spells a bare number. Must match native/src/elementwise.cc (binary, unary),
// native/src/reduce.cc (reduce) and native/src/conv.cc (the activation post-op).

/** addon.binary. The first seven are tfjs kernels of the same name; the rest serve gradients and fusion. */
export const BINARY_OP = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6,
  /** dy · 2x (the gradient of Square). */
  SquareGrad: 7,
  /** x > 0 ? dy : 0 (the gradient of Relu, with a = dy, b = x or the ReLU output). */
  ReluGrad: 8,
  /** max(a + b, 0) (a residual add and its ReLU). */
  AddRelu: 9,
} as const;

/** The tfjs binary kernels addon.binary implements as they are. */
export const BINARY_KERNELS = ['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum'] as const;

/** addon.unary, keyed by tfjs kernel name. */
export const UNARY_OP = {
  Relu: 0, Relu6: 1, Sigmoid: 2, Sqrt: 3, Rsqrt: 4, Square: 5, Exp: 6, Log: 7, Neg: 8, Abs: 9,
  Step: 10, Reciprocal: 11, Elu: 12, Tanh: 13, LeakyRelu: 14, Log1p: 15,
} as const;

/** addon.reduce, keyed by tfjs kernel name. */
export const REDUCE_OP = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

/** The activation post-op of addon.convForward, keyed by tfjs activation name (lower case). */
export const CONV_ACTIVATION: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5 };
