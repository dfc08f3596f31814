// Max pooling (NHWC) forward and gradient. The gradient re-derives the arg-max from x the way
// TensorFlow.js does (first strictly greater element in window scan order), so ties route the
// gradient to the same element as the reference backend.
#include <cstring>
#include <limits>
#include <vector>

#include "napi_util.h"
#include "parallel.h"

namespace seg {
namespace {

struct PoolGeo {
  int64_t N, H, W, C, OH, OW, KH, KW, SH, SW, PT, PL;
};

PoolGeo readPool(const Args& a, size_t first) {
  auto xs = a.ints(first), ys = a.ints(first + 1), k = a.ints(first + 2), s = a.ints(first + 3), p = a.ints(first + 4);
  if (xs.size() != 4 || ys.size() != 4 || k.size() != 2 || s.size() != 2 || p.size() != 2 || xs[3] != ys[3] || xs[0] != ys[0])
    throw NapiError("maxPool: bad shapes");
  return PoolGeo{xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], k[0], k[1], s[0], s[1], p[0], p[1]};
}

napi_value maxPool(napi_env, const Args& a) {
  // x, y, xShape, yShape, kernel[kh,kw], strides, pads[top,left]
  const float* x = a.f32(0);
  float* y = a.f32(1);
  PoolGeo g = readPool(a, 2);
  const float ninf = -std::numeric_limits<float>::infinity();
  parallelFor(g.N * g.OH, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.OW * g.C * g.KH * g.KW)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        float* out = y + ((r * g.OW) + ow) * g.C;
        for (int64_t c = 0; c < g.C; ++c) out[c] = ninf;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t ih = oh * g.SH - g.PT + kh;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.SW - g.PL + kw;
            if (iw < 0 || iw >= g.W) continue;
            const float* in = x + ((n * g.H + ih) * g.W + iw) * g.C;
            for (int64_t c = 0; c < g.C; ++c) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
        }
      }
    }
  });
  return nullptr;
}

napi_value maxPoolGrad(napi_env, const Args& a) {
  // dy, x, dx, xShape, yShape, kernel, strides, pads
  const float* dy = a.f32(0);
  const float* x = a.f32(1);
  size_t dxLen;
  float* dx = a.f32(2, &dxLen);
  PoolGeo g = readPool(a, 3);
  std::memset(dx, 0, dxLen * sizeof(float));
  // Windows may overlap (e.g. 3x3 stride 2), so threads own disjoint (image, channel block)
  // pairs instead of output rows: no two threads ever add into the same dx element.
  constexpr int64_t CB = 16;
  const int64_t cblocks = (g.C + CB - 1) / CB;
  parallelFor(g.N * cblocks, 1, [&](int64_t s, int64_t e) {
    int64_t best[CB];
    float bestV[CB];
    for (int64_t t = s; t < e; ++t) {
      const int64_t n = t / cblocks, c0 = (t % cblocks) * CB, cn = std::min<int64_t>(CB, g.C - c0);
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          for (int64_t c = 0; c < cn; ++c) {
            best[c] = -1;
            bestV[c] = -std::numeric_limits<float>::infinity();
          }
          for (int64_t kh = 0; kh < g.KH; ++kh) {
            const int64_t ih = oh * g.SH - g.PT + kh;
            if (ih < 0 || ih >= g.H) continue;
            for (int64_t kw = 0; kw < g.KW; ++kw) {
              const int64_t iw = ow * g.SW - g.PL + kw;
              if (iw < 0 || iw >= g.W) continue;
              const int64_t base = ((n * g.H + ih) * g.W + iw) * g.C + c0;
              for (int64_t c = 0; c < cn; ++c) {
                const float v = x[base + c];
                // Strictly greater, starting from -Infinity: a window of only -Infinity/NaN
                // passes no gradient, exactly like the reference backend.
                if (v > bestV[c]) {
                  bestV[c] = v;
                  best[c] = base + c;
                }
              }
            }
          }
          const float* g0 = dy + ((n * g.OH + oh) * g.OW + ow) * g.C + c0;
          for (int64_t c = 0; c < cn; ++c)
            if (best[c] >= 0) dx[best[c]] += g0[c];
        }
      }
    }
  });
  return nullptr;
}

}  // namespace

void registerPool(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "maxPool", maxPool, 7);
  add(env, exports, "maxPoolGrad", maxPoolGrad, 8);
}

}  // namespace seg
