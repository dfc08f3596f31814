// Batch-norm application y = (x - mean) * scale / sqrt(var + eps) + offset over the last
// (channel) axis, the FusedBatchNorm kernel of TensorFlow.js. Per-channel factors are
// computed once in double, then one pass over x.
#include <algorithm>
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
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - pm[c]) * pk[c] + pa[c];
    }
  });
  return nullptr;
}

// The two per-channel reductions every FusedBatchNorm gradient needs, in one pass over x and dy:
//   sumDy[c] = sum(dy[., c]),  sumDyXc[c] = sum(dy[., c] * (x[., c] - mean[c])).
// From them the gradients of mean, variance, scale and offset are [C]-sized arithmetic and the
// gradient of x is dy * (scale / sqrt(var + eps)), one broadcast multiply; tfjs-core's composite
// gradient makes ~12 full-size passes instead (see docs/speed.md).
napi_value batchNormGradSums(napi_env, const Args& a) {
  // x, dy, mean, channels, sumDy, sumDyXc
  size_t n, dyl, ml;
  const float* x = a.f32(0, &n);
  const float* dy = a.f32(1, &dyl);
  const float* m = a.f32(2, &ml);
  const int64_t C = a.i64(3);
  float* outDy = a.f32(4);
  float* outDyXc = a.f32(5);
  if (dyl != n || C <= 0 || n % C != 0 || static_cast<int64_t>(ml) != C) throw NapiError("batchNormGradSums: bad shapes");
  const int64_t rows = static_cast<int64_t>(n) / C;
  const int64_t threads = omp_get_max_threads();
  std::vector<double> sumDy(threads * C, 0.0), sumDyXc(threads * C, 0.0);
  parallelFor(rows, std::max<int64_t>(1, kGrain / C), [&](int64_t s, int64_t e) {
    const int t = omp_get_thread_num();
    // Float partials over blocks of rows keep the inner loop vectorized; flushing them to
    // double every block keeps long sums accurate and independent of the thread count.
    constexpr int64_t kBlock = 256;
    std::vector<float> fDy(C), fDyXc(C);
    double* pDy = &sumDy[t * C];
    double* pDyXc = &sumDyXc[t * C];
    for (int64_t r0 = s; r0 < e; r0 += kBlock) {
      std::fill(fDy.begin(), fDy.end(), 0.f);
      std::fill(fDyXc.begin(), fDyXc.end(), 0.f);
      const int64_t r1 = std::min(e, r0 + kBlock);
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * C;
        const float* gr = dy + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          fDy[c] += gr[c];
          fDyXc[c] += gr[c] * (xr[c] - m[c]);
        }
      }
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        pDy[c] += fDy[c];
        pDyXc[c] += fDyXc[c];
      }
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    double sDy = 0, sDyXc = 0;
    for (int64_t t = 0; t < threads; ++t) {
      sDy += sumDy[t * C + c];
      sDyXc += sumDyXc[t * C + c];
    }
    outDy[c] = static_cast<float>(sDy);
    outDyXc[c] = static_cast<float>(sDyXc);
  }
  return nullptr;
}

// Inner loops over channels carry `omp simd`: GCC otherwise leaves most of them scalar
// (it cannot prove the row pointers and the per-channel arrays do not overlap).

// Training-mode batch norm forward in one kernel: per-channel batch mean and (biased) variance
// over all rows, then y = (x - mean) * gamma / sqrt(var + eps) + beta. Two-pass statistics
// (mean first, then squared deviations) in double for accuracy.
napi_value batchNormTrain(napi_env, const Args& a) {
  // x, gamma, beta, eps, channels, y, mean, variance, relu (apply max(0, .) to y: the BN+ReLU
  // pair as one op, so the pre-ReLU tensor is never materialized)
  size_t n;
  const float* x = a.f32(0, &n);
  const float* g = a.f32(1);
  const float* b = a.f32(2);
  const double eps = a.num(3);
  const int64_t C = a.i64(4);
  float* y = a.f32(5);
  float* meanOut = a.f32(6);
  float* varOut = a.f32(7);
  if (C <= 0 || n % C != 0 || n == 0) throw NapiError("batchNormTrain: bad shapes");
  const int64_t rows = static_cast<int64_t>(n) / C;
  const int64_t threads = omp_get_max_threads();
  std::vector<double> part(threads * C);
  auto channelSum = [&](auto term) {
    std::fill(part.begin(), part.end(), 0.0);
    parallelFor(rows, std::max<int64_t>(1, kGrain / C), [&](int64_t s, int64_t e) {
      double* p = &part[omp_get_thread_num() * C];
      constexpr int64_t kBlock = 256;
      std::vector<float> f(C);
      for (int64_t r0 = s; r0 < e; r0 += kBlock) {
        std::fill(f.begin(), f.end(), 0.f);
        const int64_t r1 = std::min(e, r0 + kBlock);
        for (int64_t r = r0; r < r1; ++r) {
          const float* xr = x + r * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) f[c] += term(xr[c], c);
        }
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) p[c] += f[c];
      }
    });
    std::vector<double> tot(C, 0.0);
    for (int64_t t = 0; t < threads; ++t)
      for (int64_t c = 0; c < C; ++c) tot[c] += part[t * C + c];
    return tot;
  };
  auto sum = channelSum([](float v, int64_t) { return v; });
  std::vector<float> mean(C), k(C), off(C);
  for (int64_t c = 0; c < C; ++c) mean[c] = static_cast<float>(sum[c] / rows);
  const float* pm = mean.data();
  auto sq = channelSum([pm](float v, int64_t c) { float d = v - pm[c]; return d * d; });
  for (int64_t c = 0; c < C; ++c) {
    const double var = sq[c] / rows;
    meanOut[c] = mean[c];
    varOut[c] = static_cast<float>(var);
    k[c] = static_cast<float>(g[c] / std::sqrt(var + eps));
    off[c] = b[c];
  }
  const bool relu = a.num(8) != 0;
  parallelFor(rows, std::max<int64_t>(1, kGrain / C), [&](int64_t s, int64_t e) {
    const float *pk = k.data(), *po = off.data();
    for (int64_t r = s; r < e; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      if (relu) {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          const float v = (xr[c] - pm[c]) * pk[c] + po[c];
          yr[c] = v > 0.f ? v : (v != v ? v : 0.f);  // NaN stays NaN
        }
      } else {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - pm[c]) * pk[c] + po[c];
      }
    }
  });
  return nullptr;
}

// The whole backward of training-mode batch norm (optionally followed by ReLU) in one call:
//   g = dy (or dy masked by y > 0 when the forward applied ReLU; y is that output)
//   sumG[c] = Σ g,  sumGXc[c] = Σ g·(x − mean)           (one pass, double accumulation)
//   r = 1/√(var+ε): dgamma = r·sumGXc, dbeta = sumG,
//   dx = γr·(g − sumG/M − (x − mean)·r²·sumGXc/M)          (second pass)
// Replaces a sums kernel, ~8 tiny tensor ops and a dx kernel per layer (plus ReLU's own
// gradient pass and the pre-ReLU tensor it needed).
napi_value batchNormTrainGrad(napi_env, const Args& a) {
  // x, dy, y|null, mean, variance, gamma, eps, channels, dx, dgamma, dbeta
  size_t n, dyl;
  const float* x = a.f32(0, &n);
  const float* dy = a.f32(1, &dyl);
  const float* y = a.f32OrNull(2);
  const float* m = a.f32(3);
  const float* var = a.f32(4);
  const float* gamma = a.f32(5);
  const double eps = a.num(6);
  const int64_t C = a.i64(7);
  float* dx = a.f32(8);
  float* dgamma = a.f32(9);
  float* dbeta = a.f32(10);
  if (C <= 0 || n % C != 0 || dyl != n || n == 0) throw NapiError("batchNormTrainGrad: bad shapes");
  const int64_t rows = static_cast<int64_t>(n) / C;
  // The ReLU mask is a select (vectorizes); NaN in y counts as "not > 0" (a NaN x already makes
  // dx NaN through the (x - mean) term).
  const int64_t threads = omp_get_max_threads();
  std::vector<double> sumG(threads * C, 0.0), sumGXc(threads * C, 0.0);
  parallelFor(rows, std::max<int64_t>(1, kGrain / C), [&](int64_t s, int64_t e) {
    const int t = omp_get_thread_num();
    constexpr int64_t kBlock = 256;
    std::vector<float> fG(C), fGXc(C);
    double* pG = &sumG[t * C];
    double* pGXc = &sumGXc[t * C];
    for (int64_t r0 = s; r0 < e; r0 += kBlock) {
      std::fill(fG.begin(), fG.end(), 0.f);
      std::fill(fGXc.begin(), fGXc.end(), 0.f);
      const int64_t r1 = std::min(e, r0 + kBlock);
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * C;
        const float* gr = dy + r * C;
        if (y) {
          const float* yr = y + r * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) {
            const float gi = yr[c] > 0.f ? gr[c] : 0.f;
            fG[c] += gi;
            fGXc[c] += gi * (xr[c] - m[c]);
          }
        } else {
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) {
            fG[c] += gr[c];
            fGXc[c] += gr[c] * (xr[c] - m[c]);
          }
        }
      }
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        pG[c] += fG[c];
        pGXc[c] += fGXc[c];
      }
    }
  });
  std::vector<float> k(C), av(C), bv(C);
  for (int64_t c = 0; c < C; ++c) {
    double sg = 0, sgx = 0;
    for (int64_t t = 0; t < threads; ++t) {
      sg += sumG[t * C + c];
      sgx += sumGXc[t * C + c];
    }
    const double r = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    dgamma[c] = static_cast<float>(r * sgx);
    dbeta[c] = static_cast<float>(sg);
    k[c] = static_cast<float>(gamma[c] * r);
    av[c] = static_cast<float>(sg / rows);
    bv[c] = static_cast<float>(r * r * sgx / rows);
  }
  parallelFor(rows, std::max<int64_t>(1, kGrain / C), [&](int64_t s, int64_t e) {
    const float *pk = k.data(), *pa = av.data(), *pb = bv.data();
    for (int64_t r = s; r < e; ++r) {
      const float* xr = x + r * C;
      const float* gr = dy + r * C;
      float* o = dx + r * C;
      if (y) {
        const float* yr = y + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) o[c] = pk[c] * ((yr[c] > 0.f ? gr[c] : 0.f) - pa[c] - (xr[c] - m[c]) * pb[c]);
      } else {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) o[c] = pk[c] * (gr[c] - pa[c] - (xr[c] - m[c]) * pb[c]);
      }
    }
  });
  return nullptr;
}

}  // namespace

void registerBatchNorm(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "batchNormApply", batchNormApply, 8);
  add(env, exports, "batchNormGradSums", batchNormGradSums, 6);
  add(env, exports, "batchNormTrain", batchNormTrain, 9);
  add(env, exports, "batchNormTrainGrad", batchNormTrainGrad, 11);
}

}  // namespace seg
