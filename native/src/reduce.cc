// Reductions (sum, mean, max, min) over any set of axes whose layout collapses to
// [A, R, B] (kept, reduced, kept) — which covers full reductions, per-row reductions and the
// per-channel reductions over N,H,W that batch-norm gradients and bias gradients need.
// Sums accumulate in double so results do not depend on the thread count.
#include <cmath>
#include <limits>
#include <vector>

#include "napi_util.h"
#include "parallel.h"

namespace seg {
namespace {

enum { kSum = 0, kMean = 1, kMax = 2, kMin = 3 };

struct Acc {
  int op;
  double init() const {
    return op == kMax ? -std::numeric_limits<double>::infinity() : op == kMin ? std::numeric_limits<double>::infinity() : 0.0;
  }
  double combine(double a, double b) const {
    if (op == kMax) return (a > b || std::isnan(a)) ? a : b;
    if (op == kMin) return (a < b || std::isnan(a)) ? a : b;
    return a + b;
  }
};

// Reduces x[r, :] over r in [r0, r1) into acc[0..B).
void reduceRowsInto(int op, const float* x, int64_t r0, int64_t r1, int64_t B, double* acc) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = x + r * B;
    if (op == kMax) {
      for (int64_t b = 0; b < B; ++b) acc[b] = row[b] > acc[b] || std::isnan(row[b]) ? row[b] : acc[b];
    } else if (op == kMin) {
      for (int64_t b = 0; b < B; ++b) acc[b] = row[b] < acc[b] || std::isnan(row[b]) ? row[b] : acc[b];
    } else {
      for (int64_t b = 0; b < B; ++b) acc[b] += row[b];
    }
  }
}

double reduceContig(int op, const float* x, int64_t n) {
  if (op == kSum || op == kMean) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += x[i];
    return s;
  }
  Acc A{op};
  double m = A.init();
  for (int64_t i = 0; i < n; ++i) m = A.combine(m, x[i]);
  return m;
}

napi_value reduce(napi_env env, const Args& args) {
  // op, x, xShape, axes, out  -> true when handled, false when the axes pattern is unsupported
  int op = static_cast<int>(args.num(0));
  const float* x = args.f32(1);
  auto shape = args.ints(2);
  auto axes = args.ints(3);
  float* out = args.f32(4);
  std::vector<bool> red(shape.size(), false);
  for (auto ax : axes) red.at(static_cast<size_t>(ax < 0 ? ax + static_cast<int64_t>(shape.size()) : ax)) = true;
  // Collapse into groups of consecutive kept / reduced dims (size-1 dims are ignored).
  std::vector<int64_t> gsize;
  std::vector<bool> gred;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!gsize.empty() && gred.back() == red[i]) {
      gsize.back() *= shape[i];
    } else {
      gsize.push_back(shape[i]);
      gred.push_back(red[i]);
    }
  }
  int64_t A = 1, R = 1, B = 1;
  size_t g = 0;
  if (g < gsize.size() && !gred[g]) A = gsize[g++];
  if (g < gsize.size() && gred[g]) R = gsize[g++];
  if (g < gsize.size() && !gred[g]) B = gsize[g++];
  napi_value result;
  if (g != gsize.size()) {
    check(napi_get_boolean(env, false, &result), "bool");
    return result;
  }
  const Acc acc{op};
  const double scale = op == kMean ? 1.0 / static_cast<double>(R) : 1.0;
  const int64_t threads = omp_get_max_threads();
  if (B == 1) {
    // out[a] = reduce(x[a, 0..R))
    if (A >= threads || A * R < 2 * kGrain) {
      parallelFor(A, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, R)), [&](int64_t s, int64_t e) {
        for (int64_t a = s; a < e; ++a) out[a] = static_cast<float>(reduceContig(op, x + a * R, R) * scale);
      });
    } else {
      for (int64_t a = 0; a < A; ++a) {
        std::vector<double> part(threads, acc.init());
        const float* xa = x + a * R;
        parallelFor(R, kGrain, [&](int64_t s, int64_t e) { part[omp_get_thread_num()] = reduceContig(op, xa + s, e - s); });
        double t = acc.init();
        for (double p : part) t = acc.combine(t, p);
        out[a] = static_cast<float>(t * scale);
      }
    }
  } else {
    // out[a, :] = reduce over r of x[a, r, :]; split r across threads, combine per-thread partials.
    for (int64_t a = 0; a < A; ++a) {
      const float* xa = x + a * R * B;
      std::vector<std::vector<double>> part(threads, std::vector<double>(B, acc.init()));
      parallelFor(R, std::max<int64_t>(1, kGrain / B),
                  [&](int64_t s, int64_t e) { reduceRowsInto(op, xa, s, e, B, part[omp_get_thread_num()].data()); });
      for (int64_t b = 0; b < B; ++b) {
        double t = acc.init();
        for (auto& p : part) t = acc.combine(t, p[b]);
        out[a * B + b] = static_cast<float>(t * scale);
      }
    }
  }
  check(napi_get_boolean(env, true, &result), "bool");
  return result;
}

}  // namespace

void registerReduce(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "reduce", reduce, 5);
}

}  // namespace seg
