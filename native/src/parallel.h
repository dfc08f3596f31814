// OpenMP helpers. oneDNN in this build also uses OpenMP (libgomp), so our loops and its
// primitives share one thread pool and never oversubscribe the cores.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace seg {

// Runs f(begin, end) over [0, n) split into at most one chunk per thread; ranges smaller than
// `grain` per thread run inline because a parallel region costs a few microseconds.
template <typename F>
void parallelFor(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int64_t threads = omp_get_max_threads();
  int64_t chunks = std::min<int64_t>(threads, std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
  if (chunks <= 1) {
    f(int64_t(0), n);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(chunks)
  for (int64_t c = 0; c < chunks; ++c) f(n * c / chunks, n * (c + 1) / chunks);
}

// Elements per thread below which splitting a memory-bound loop does not pay off.
constexpr int64_t kGrain = 32 * 1024;

}  // namespace seg
