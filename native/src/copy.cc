// Data movement: concat, strided slice, tile, constant padding. The reference backend does these element by
// element in JavaScript (slice along the channel axis of NHWC is the gradient of every
// skip-connection concat), here they are row memcpy's spread over the threads.
#include <algorithm>
#include <cstring>
#include <vector>

#include "napi_util.h"
#include "parallel.h"

namespace seg {
namespace {

napi_value concat(napi_env env, const Args& a) {
  // inputs[], innerSizes[] (elements per outer row of each input), outer, out
  uint32_t count;
  check(napi_get_array_length(env, a.v[0], &count), "array_length");
  auto inner = a.ints(1);
  const int64_t outer = a.i64(2);
  size_t outLen;
  float* out = a.f32(3, &outLen);
  if (inner.size() != count) throw NapiError("concat: sizes");
  std::vector<const float*> ins(count);
  int64_t rowLen = 0;
  for (uint32_t k = 0; k < count; ++k) {
    napi_value e;
    check(napi_get_element(env, a.v[0], k, &e), "get_element");
    napi_typedarray_type t;
    size_t len, off;
    void* data;
    napi_value ab;
    check(napi_get_typedarray_info(env, e, &t, &len, &data, &ab, &off), "typedarray");
    if (static_cast<int64_t>(len) != inner[k] * outer) throw NapiError("concat: input size");
    ins[k] = static_cast<const float*>(data);
    rowLen += inner[k];
  }
  if (static_cast<int64_t>(outLen) != rowLen * outer) throw NapiError("concat: output size");
  parallelFor(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, rowLen)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      float* dst = out + r * rowLen;
      for (uint32_t k = 0; k < count; ++k) {
        std::memcpy(dst, ins[k] + r * inner[k], inner[k] * sizeof(float));
        dst += inner[k];
      }
    }
  });
  return nullptr;
}

// Merge trailing dims that are copied whole so each memcpy moves as much as possible.
void collapseTrailing(std::vector<int64_t>& shape, std::vector<int64_t>& begin, std::vector<int64_t>& size) {
  while (shape.size() >= 2) {
    size_t l = shape.size() - 1;
    if (size[l] != shape[l] || begin[l] != 0) break;
    shape[l - 1] *= shape[l];
    begin[l - 1] *= shape[l];
    size[l - 1] *= size[l];
    shape.pop_back();
    begin.pop_back();
    size.pop_back();
  }
}

napi_value slice(napi_env, const Args& a) {
  // x, xShape, begin, size, out
  const float* x = a.f32(0);
  auto shape = a.ints(1), begin = a.ints(2), size = a.ints(3);
  float* out = a.f32(4);
  if (shape.size() != begin.size() || shape.size() != size.size() || shape.empty()) throw NapiError("slice: ranks");
  collapseTrailing(shape, begin, size);
  const size_t r = shape.size();
  std::vector<int64_t> stride(r, 1);
  for (size_t i = r - 1; i-- > 0;) stride[i] = stride[i + 1] * shape[i + 1];
  const int64_t inner = size[r - 1];
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < r; ++i) rows *= size[i];
  parallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, inner)), [&](int64_t s, int64_t e) {
    for (int64_t row = s; row < e; ++row) {
      int64_t rem = row, off = begin[r - 1];
      for (size_t k = r - 1; k-- > 0;) {
        off += (begin[k] + rem % size[k]) * stride[k];
        rem /= size[k];
      }
      std::memcpy(out + row * inner, x + off, inner * sizeof(float));
    }
  });
  return nullptr;
}

napi_value tile(napi_env, const Args& a) {
  // x, xShape, reps, out
  const float* x = a.f32(0);
  auto shape = a.ints(1), reps = a.ints(2);
  float* out = a.f32(3);
  const size_t r = shape.size();
  if (reps.size() != r || r == 0) throw NapiError("tile: ranks");
  std::vector<int64_t> oshape(r), xstride(r, 1);
  for (size_t i = 0; i < r; ++i) oshape[i] = shape[i] * reps[i];
  for (size_t i = r - 1; i-- > 0;) xstride[i] = xstride[i + 1] * shape[i + 1];
  const int64_t xin = shape[r - 1], oin = oshape[r - 1];
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < r; ++i) rows *= oshape[i];
  parallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, oin)), [&](int64_t s, int64_t e) {
    for (int64_t row = s; row < e; ++row) {
      int64_t rem = row, off = 0;
      for (size_t k = r - 1; k-- > 0;) {
        off += (rem % oshape[k]) % shape[k] * xstride[k];
        rem /= oshape[k];
      }
      float* dst = out + row * oin;
      for (int64_t rep = 0; rep < reps[r - 1]; ++rep) std::memcpy(dst + rep * xin, x + off, xin * sizeof(float));
    }
  });
  return nullptr;
}


// Constant padding (PadV2): out[i] = x[i - before] inside, `value` outside. The reference kernel
// computes every output coordinate in JavaScript: for ResNet34-UNet's ZeroPadding2D layers
// (stem, max-pool, strided convs) that was ~120 ms per call at 256² (docs/speed.md); here each
// output row is a fill + one memcpy.
napi_value pad(napi_env, const Args& a) {
  // x, xShape, before[], after[], value, out
  const float* x = a.f32(0);
  auto shape = a.ints(1), before = a.ints(2), after = a.ints(3);
  const float value = static_cast<float>(a.num(4));
  size_t outLen;
  float* out = a.f32(5, &outLen);
  const size_t r = shape.size();
  if (r == 0 || before.size() != r || after.size() != r) throw NapiError("pad: ranks");
  std::vector<int64_t> oshape(r), xstride(r, 1);
  for (size_t i = 0; i < r; ++i) {
    if (before[i] < 0 || after[i] < 0) throw NapiError("pad: negative padding");
    oshape[i] = shape[i] + before[i] + after[i];
  }
  if (static_cast<int64_t>(outLen) != product(oshape)) throw NapiError("pad: output size");
  for (size_t i = r - 1; i-- > 0;) xstride[i] = xstride[i + 1] * shape[i + 1];
  const int64_t oin = oshape[r - 1], xin = shape[r - 1], b = before[r - 1];
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < r; ++i) rows *= oshape[i];
  parallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, oin)), [&](int64_t s, int64_t e) {
    for (int64_t row = s; row < e; ++row) {
      float* dst = out + row * oin;
      int64_t rem = row, off = 0;
      bool inside = true;
      for (size_t k = r - 1; k-- > 0;) {
        const int64_t idx = rem % oshape[k] - before[k];
        rem /= oshape[k];
        if (idx < 0 || idx >= shape[k]) {
          inside = false;
          break;
        }
        off += idx * xstride[k];
      }
      if (!inside) {
        std::fill(dst, dst + oin, value);
        continue;
      }
      std::fill(dst, dst + b, value);
      std::memcpy(dst + b, x + off, xin * sizeof(float));
      std::fill(dst + b + xin, dst + oin, value);
    }
  });
  return nullptr;
}

}  // namespace

void registerCopy(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "concat", concat, 4);
  add(env, exports, "slice", slice, 5);
  add(env, exports, "tile", tile, 4);
  add(env, exports, "pad", pad, 6);
}

}  // namespace seg
