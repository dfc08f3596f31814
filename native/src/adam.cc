// Fused Adam update: one pass per variable instead of tfjs' ~13 full-size ops (each of which
// allocates a tensor). For ResNet34-UNet (48 M parameters) the composed update was ~1 s of a
// ~3.8 s training step (docs/speed.md); here each variable's g, w, m, v are read once and
// w, m, v written once, for all variables in one call.
//
// Arithmetic is float32 in the order tfjs-core's AdamOptimizer uses, so results match it to
// rounding (the compiler may contract a multiply-add into an FMA, changing the last bit):
//   m' = m*b1 + g*(1-b1);  v' = v*b2 + g*g*(1-b2)
//   w' = (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps) * (-lr) + w
// Decoupled weight decay (AdamW, as torch.optim.AdamW) scales w by keep = 1 - lr*wd first:
//   w' = (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps) * (-lr) + w*keep
// A variable whose keep is exactly 1 (no decay, or one that is not decayed) runs the plain loop,
// so plain Adam stays bit-identical to the kernel without decay (a multiply by 1 is exact, but
// the compiler could contract it into an FMA with a different rounding).
// Outputs may alias their inputs (in-place update) or be separate arrays (used when another
// tensor shares the variable's storage and must keep the old values).
#include <algorithm>
#include <cmath>
#include <vector>

#include "napi_util.h"
#include "parallel.h"

namespace seg {
namespace {

std::vector<float*> f32List(napi_env env, napi_value list, std::vector<size_t>& lens) {
  uint32_t count;
  check(napi_get_array_length(env, list, &count), "array_length");
  std::vector<float*> out(count);
  lens.resize(count);
  for (uint32_t k = 0; k < count; ++k) {
    napi_value e;
    check(napi_get_element(env, list, k, &e), "get_element");
    napi_typedarray_type t;
    size_t len, off;
    void* data;
    napi_value ab;
    if (napi_get_typedarray_info(env, e, &t, &len, &data, &ab, &off) != napi_ok || t != napi_float32_array)
      throw NapiError("adamUpdate: every entry must be a Float32Array");
    out[k] = static_cast<float*>(data);
    lens[k] = len;
  }
  return out;
}

napi_value adamUpdate(napi_env env, const Args& a) {
  // w[], g[], m[], v[], wOut[], mOut[], vOut[], hyper Float64Array [lr, b1, 1-b1, b2, 1-b2, eps, 1-b1^t, 1-b2^t]
  // optionally followed by one keep factor (1 - lr*wd) per variable: 8 entries = plain Adam.
  std::vector<size_t> n, ng, nm, nv, nwo, nmo, nvo;
  auto w = f32List(env, a.v[0], n);
  auto g = f32List(env, a.v[1], ng);
  auto m = f32List(env, a.v[2], nm);
  auto v = f32List(env, a.v[3], nv);
  auto wo = f32List(env, a.v[4], nwo);
  auto mo = f32List(env, a.v[5], nmo);
  auto vo = f32List(env, a.v[6], nvo);
  size_t hl;
  const double* hp = a.array<double>(7, &hl);
  if (hl != 8 && hl != 8 + n.size())
    throw NapiError("adamUpdate: 8 hyper-parameters expected, or 8 plus one weight-decay factor per variable (" +
                    std::to_string(8 + n.size()) + "), got " + std::to_string(hl));
  if (ng != n || nm != n || nv != n || nwo != n || nmo != n || nvo != n) throw NapiError("adamUpdate: sizes differ");
  // Each scalar is a float32 tensor in tfjs; round them the same way.
  const float negLr = -static_cast<float>(hp[0]);
  const float b1 = static_cast<float>(hp[1]), c1 = static_cast<float>(hp[2]);
  const float b2 = static_cast<float>(hp[3]), c2 = static_cast<float>(hp[4]);
  const float eps = static_cast<float>(hp[5]);
  const float om1 = static_cast<float>(hp[6]), om2 = static_cast<float>(hp[7]);
  // torch multiplies a float32 weight by the Python float 1 - lr*wd: the factor rounds to float32.
  std::vector<float> keep(n.size(), 1.0f);
  if (hl > 8)
    for (size_t k = 0; k < n.size(); ++k) keep[k] = static_cast<float>(hp[8 + k]);
  // Flatten (variable, range) work items so small variables do not each pay a parallel region:
  // the whole update is one region over ~equal element counts per thread.
  int64_t total = 0;
  for (size_t len : n) total += static_cast<int64_t>(len);
  std::vector<int64_t> start(n.size() + 1, 0);
  for (size_t k = 0; k < n.size(); ++k) start[k + 1] = start[k] + static_cast<int64_t>(n[k]);
  parallelFor(total, kGrain, [&](int64_t s, int64_t e) {
    // First variable overlapping [s, e).
    size_t k = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), s) - start.begin()) - 1;
    for (; k < n.size() && start[k] < e; ++k) {
      const int64_t lo = std::max(s, start[k]) - start[k], hi = std::min(e, start[k + 1]) - start[k];
      const float *gw = g[k], *pw = w[k], *pm = m[k], *pv = v[k];
      float *ow = wo[k], *om = mo[k], *ov = vo[k];
      const float kw = keep[k];
      // Each i reads and writes only index i (in place or not), so lanes are independent;
      // without the pragma GCC leaves this scalar (too many pointers for its alias checks).
      if (kw == 1.0f) {
#pragma omp simd
        for (int64_t i = lo; i < hi; ++i) {
          const float gi = gw[i];
          const float mi = pm[i] * b1 + gi * c1;
          const float vi = pv[i] * b2 + (gi * gi) * c2;
          const float mh = mi / om1, vh = vi / om2;
          om[i] = mi;
          ov[i] = vi;
          ow[i] = (mh / (std::sqrt(vh) + eps)) * negLr + pw[i];
        }
      } else {
#pragma omp simd
        for (int64_t i = lo; i < hi; ++i) {
          const float gi = gw[i];
          const float mi = pm[i] * b1 + gi * c1;
          const float vi = pv[i] * b2 + (gi * gi) * c2;
          const float mh = mi / om1, vh = vi / om2;
          const float wi = pw[i] * kw;
          om[i] = mi;
          ov[i] = vi;
          ow[i] = (mh / (std::sqrt(vh) + eps)) * negLr + wi;
        }
      }
    }
  });
  return nullptr;
}

}  // namespace

void registerAdam(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "adamUpdate", adamUpdate, 8);
}

}  // namespace seg
