// Batch-norm application y = (x - mean) * scale / sqrt(var + eps) + offset over the last
// (channel) axis, the FusedBatchNorm kernel of TensorFlow.js. Per-channel factors are
// computed once in double, then one pass over x.
#include <cmath>
#include <vector>

#include "napi_util.h"
#include "parallel.h"

namespace seg {
namespace {

// A per-channel parameter given as length C or as a scalar (length 1), as the reference allows.
struct ChanParam {
  const float* p;
  size_t len;
  double at(int64_t c, double dflt) const { return p ? static_cast<double>(p[len == 1 ? 0 : c]) : dflt; }
};

napi_value batchNormApply(napi_env, const Args& a) {
  // x, mean, variance, offset|null, scale|null, eps, y, channels
  size_t n, ml, vl, ol = 0, sl = 0, yl;
  const float* x = a.f32(0, &n);
  const float* m = a.f32(1, &ml);
  const float* v = a.f32(2, &vl);
  const float* off = a.isNull(3) ? nullptr : a.f32(3, &ol);
  const float* sc = a.isNull(4) ? nullptr : a.f32(4, &sl);
  const double eps = a.num(5);
  float* y = a.f32(6, &yl);
  const int64_t C = a.i64(7);
  auto ok = [&](size_t len) { return len == 1 || static_cast<int64_t>(len) == C; };
  if (yl != n || C <= 0 || n % C != 0 || !ok(ml) || !ok(vl) || (off && !ok(ol)) || (sc && !ok(sl)))
    throw NapiError("batchNorm: bad shapes");
  ChanParam M{m, ml}, V{v, vl}, O{off, ol}, S{sc, sl};
  std::vector<float> mean(C), mul(C), add(C);
  for (int64_t c = 0; c < C; ++c) {
    mean[c] = static_cast<float>(M.at(c, 0));
    mul[c] = static_cast<float>(S.at(c, 1.0) / std::sqrt(V.at(c, 0) + eps));
    add[c] = static_cast<float>(O.at(c, 0.0));
  }
  const int64_t rows = static_cast<int64_t>(n) / C;
  parallelFor(rows, std::max<int64_t>(1, kGrain / C), [&](int64_t s, int64_t e) {
    const float *pm = mean.data(), *pk = mul.data(), *pa = add.data();
    for (int64_t r = s; r < e; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - pm[c]) * pk[c] + pa[c];
    }
  });
  return nullptr;
}

}  // namespace

void registerBatchNorm(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "batchNormApply", batchNormApply, 8);
}

}  // namespace seg
