// Element-wise kernels: binary ops with NumPy/TF broadcasting, unary ops, AddN.
// Broadcasting is reduced to "outer rows x contiguous inner run" by merging dimensions whose
// strides line up, so the inner loop is always a unit-stride or scalar loop the compiler
// vectorizes, whatever the original ranks were.
#include <cmath>
#include <vector>

#include "napi_util.h"
#include "parallel.h"

namespace seg {
namespace {

struct Add { static float f(float a, float b) { return a + b; } };
struct Sub { static float f(float a, float b) { return a - b; } };
struct Mul { static float f(float a, float b) { return a * b; } };
struct Div { static float f(float a, float b) { return a / b; } };
struct SqDiff { static float f(float a, float b) { float d = a - b; return d * d; } };
struct Max { static float f(float a, float b) { return (a > b || std::isnan(a)) ? a : b; } };
struct Min { static float f(float a, float b) { return (a < b || std::isnan(a)) ? a : b; } };
// Gradient of square(x) given dy=a, x=b: one pass instead of tfjs' mul(dy, mul(x, 2)).
struct SquareGrad { static float f(float a, float b) { return a * (b * 2.f); } };
// Gradient of relu given dy=a, x=b: dy * step(x), NaN in x propagates like the reference.
struct ReluGrad { static float f(float a, float b) { return std::isnan(b) ? b : a * (b > 0.f ? 1.f : 0.f); } };

// relu(a + b) in one pass (ResNet's residual add + ReLU at inference); NaN propagates like relu.
struct AddRelu { static float f(float a, float b) { float s = a + b; return s > 0.f ? s : (std::isnan(s) ? s : 0.f); } };

template <class Op>
void runRow(const float* a, bool va, const float* b, bool vb, float* o, int64_t n) {
  if (va && vb) {
    for (int64_t i = 0; i < n; ++i) o[i] = Op::f(a[i], b[i]);
  } else if (va) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = Op::f(a[i], bv);
  } else if (vb) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = Op::f(av, b[i]);
  } else {
    const float r = Op::f(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = r;
  }
}

struct Layout {
  std::vector<int64_t> dims, sa, sb;  // outer..inner after merging
};

// Strides (in elements) of `shape` right-aligned to `out`, 0 where the input broadcasts.
std::vector<int64_t> bstrides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out) {
  size_t r = out.size();
  std::vector<int64_t> s(r, 0);
  int64_t acc = 1;
  for (size_t k = 0; k < r; ++k) {
    size_t i = r - 1 - k;
    if (k < shape.size()) {
      int64_t d = shape[shape.size() - 1 - k];
      if (d != 1 && d != out[i]) throw NapiError("binary: shapes do not broadcast");
      s[i] = d == 1 ? 0 : acc;
      acc *= d;
    }
  }
  return s;
}

Layout collapse(const std::vector<int64_t>& aShape, const std::vector<int64_t>& bShape, const std::vector<int64_t>& out) {
  auto sa = bstrides(aShape, out), sb = bstrides(bShape, out);
  Layout L;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 1) continue;
    if (!L.dims.empty()) {
      int64_t d = out[i];
      // Dim i continues the previous (outer) one when both inputs step through them contiguously.
      if (L.sa.back() == sa[i] * d && L.sb.back() == sb[i] * d) {
        L.dims.back() *= d;
        L.sa.back() = sa[i];
        L.sb.back() = sb[i];
        continue;
      }
    }
    L.dims.push_back(out[i]);
    L.sa.push_back(sa[i]);
    L.sb.push_back(sb[i]);
  }
  if (L.dims.empty()) {
    L.dims = {1};
    L.sa = {0};
    L.sb = {0};
  }
  return L;
}

template <class Op>
void binaryImpl(const float* a, const std::vector<int64_t>& as, const float* b, const std::vector<int64_t>& bs, float* o,
                const std::vector<int64_t>& os) {
  Layout L = collapse(as, bs, os);
  const int64_t inner = L.dims.back();
  const bool va = L.sa.back() != 0, vb = L.sb.back() != 0;
  const size_t outerRank = L.dims.size() - 1;
  int64_t rows = 1;
  for (size_t i = 0; i < outerRank; ++i) rows *= L.dims[i];
  if (rows == 1) {
    parallelFor(inner, kGrain, [&](int64_t s, int64_t e) {
      runRow<Op>(a + (va ? s : 0), va, b + (vb ? s : 0), vb, o + s, e - s);
    });
    return;
  }
  parallelFor(rows, std::max<int64_t>(1, kGrain / inner), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      int64_t rem = r, offA = 0, offB = 0;
      for (size_t k = outerRank; k-- > 0;) {
        int64_t idx = rem % L.dims[k];
        rem /= L.dims[k];
        offA += idx * L.sa[k];
        offB += idx * L.sb[k];
      }
      runRow<Op>(a + offA, va, b + offB, vb, o + r * inner, inner);
    }
  });
}

napi_value binary(napi_env, const Args& args) {
  // op, a, aShape, b, bShape, out, outShape
  int op = static_cast<int>(args.num(0));
  const float* a = args.f32(1);
  auto as = args.ints(2);
  const float* b = args.f32(3);
  auto bs = args.ints(4);
  size_t outLen;
  float* o = args.f32(5, &outLen);
  auto os = args.ints(6);
  if (static_cast<int64_t>(outLen) != product(os)) throw NapiError("binary: output size mismatch");
  switch (op) {
    case 0: binaryImpl<Add>(a, as, b, bs, o, os); break;
    case 1: binaryImpl<Sub>(a, as, b, bs, o, os); break;
    case 2: binaryImpl<Mul>(a, as, b, bs, o, os); break;
    case 3: binaryImpl<Div>(a, as, b, bs, o, os); break;
    case 4: binaryImpl<SqDiff>(a, as, b, bs, o, os); break;
    case 5: binaryImpl<Max>(a, as, b, bs, o, os); break;
    case 6: binaryImpl<Min>(a, as, b, bs, o, os); break;
    case 7: binaryImpl<SquareGrad>(a, as, b, bs, o, os); break;
    case 8: binaryImpl<ReluGrad>(a, as, b, bs, o, os); break;
    case 9: binaryImpl<AddRelu>(a, as, b, bs, o, os); break;
    default: throw NapiError("binary: unknown op");
  }
  return nullptr;
}

// Unary ops; `p` is the op's parameter (step's alpha, leaky relu's alpha).
template <int OP>
inline float un(float x, float p) {
  if constexpr (OP == 0) return x > 0.f ? x : (std::isnan(x) ? x : 0.f);             // relu
  if constexpr (OP == 1) return std::isnan(x) ? x : std::min(std::max(x, 0.f), 6.f);  // relu6
  if constexpr (OP == 2) return 1.f / (1.f + std::exp(-x));                            // sigmoid
  if constexpr (OP == 3) return std::sqrt(x);
  if constexpr (OP == 4) return 1.f / std::sqrt(x);  // rsqrt
  if constexpr (OP == 5) return x * x;               // square
  if constexpr (OP == 6) return std::exp(x);
  if constexpr (OP == 7) return std::log(x);
  if constexpr (OP == 8) return -x;
  if constexpr (OP == 9) return std::fabs(x);
  if constexpr (OP == 10) return std::isnan(x) ? x : (x > 0.f ? 1.f : p);  // step(alpha)
  if constexpr (OP == 11) return 1.f / x;                                   // reciprocal
  if constexpr (OP == 12) return x >= 0.f ? x : std::expm1(x);             // elu
  if constexpr (OP == 13) return std::tanh(x);
  if constexpr (OP == 14) return x < 0.f ? p * x : x;  // leaky relu
  if constexpr (OP == 15) return std::log1p(x);
  return x;
}

template <int OP>
void unaryImpl(const float* x, float* y, int64_t n, float p) {
  parallelFor(n, kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = un<OP>(x[i], p);
  });
}

template <int... OPS>
void dispatchUnary(int op, const float* x, float* y, int64_t n, float p, std::integer_sequence<int, OPS...>) {
  bool done = ((op == OPS ? (unaryImpl<OPS>(x, y, n, p), true) : false) || ...);
  if (!done) throw NapiError("unary: unknown op");
}

napi_value unary(napi_env, const Args& args) {
  // op, x, y, param
  int op = static_cast<int>(args.num(0));
  size_t n, m;
  const float* x = args.f32(1, &n);
  float* y = args.f32(2, &m);
  if (n != m) throw NapiError("unary: size mismatch");
  dispatchUnary(op, x, y, static_cast<int64_t>(n), static_cast<float>(args.num(3)), std::make_integer_sequence<int, 16>{});
  return nullptr;
}

// out = sum of all inputs (same shape); inputs passed as a JS array of Float32Arrays.
napi_value addN(napi_env env, const Args& args) {
  uint32_t count;
  check(napi_get_array_length(env, args.v[0], &count), "array_length");
  std::vector<const float*> ins(count);
  size_t n = 0;
  for (uint32_t k = 0; k < count; ++k) {
    napi_value e;
    check(napi_get_element(env, args.v[0], k, &e), "get_element");
    napi_typedarray_type t;
    size_t len, off;
    void* data;
    napi_value ab;
    check(napi_get_typedarray_info(env, e, &t, &len, &data, &ab, &off), "typedarray");
    if (k > 0 && len != n) throw NapiError("addN: size mismatch");
    n = len;
    ins[k] = static_cast<const float*>(data);
  }
  size_t outLen;
  float* o = args.f32(1, &outLen);
  if (outLen != n || count == 0) throw NapiError("addN: bad output");
  parallelFor(static_cast<int64_t>(n), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) o[i] = ins[0][i];
    for (uint32_t k = 1; k < count; ++k) {
      const float* in = ins[k];
      for (int64_t i = s; i < e; ++i) o[i] += in[i];
    }
  });
  return nullptr;
}

// Gradient of clipByValue: dy where lo <= x <= hi, else 0 (NaN x gives 0, as tfjs' where does).
// tfjs-core builds it from greaterEqual, lessEqual, logicalAnd, zerosLike and where: five
// passes (three bool tensors) in pure JavaScript for the BCE clip of every training step.
napi_value clipGrad(napi_env, const Args& args) {
  // dy, x, out, lo, hi
  size_t n, xn, on;
  const float* dy = args.f32(0, &n);
  const float* x = args.f32(1, &xn);
  float* o = args.f32(2, &on);
  const float lo = static_cast<float>(args.num(3)), hi = static_cast<float>(args.num(4));
  if (xn != n || on != n) throw NapiError("clipGrad: size mismatch");
  parallelFor(static_cast<int64_t>(n), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) o[i] = (x[i] >= lo && x[i] <= hi) ? dy[i] : 0.f;
  });
  return nullptr;
}

}  // namespace

void registerElementwise(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "binary", binary, 7);
  add(env, exports, "unary", unary, 4);
  add(env, exports, "addN", addN, 2);
  add(env, exports, "clipGrad", clipGrad, 5);
}

}  // namespace seg
