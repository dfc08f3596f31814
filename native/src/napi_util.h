// Small helpers to read Node-API arguments. Every kernel is synchronous and works on the
// caller's typed arrays in place (zero copy): JS allocates outputs, C++ fills them.
#pragma once
#include <node_api.h>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace seg {

struct NapiError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(napi_status s, const char* what) {
  if (s != napi_ok) throw NapiError(std::string("node-api failure: ") + what);
}

struct Args {
  napi_env env;
  std::vector<napi_value> v;
  Args(napi_env e, napi_callback_info info, size_t expected) : env(e), v(expected) {
    size_t argc = expected;
    check(napi_get_cb_info(e, info, &argc, v.data(), nullptr, nullptr), "get_cb_info");
    if (argc < expected) throw NapiError("expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }
  bool isNull(size_t i) const {
    napi_valuetype t;
    check(napi_typeof(env, v[i], &t), "typeof");
    return t == napi_null || t == napi_undefined;
  }
  // Raw pointer + element count of a typed array (any element type is accepted; callers know it).
  template <typename T>
  T* array(size_t i, size_t* len = nullptr) const {
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, v[i], &type, &length, &data, &ab, &off) != napi_ok)
      throw NapiError("argument " + std::to_string(i) + " must be a typed array");
    if (len) *len = length;
    return static_cast<T*>(data);
  }
  float* f32(size_t i, size_t* len = nullptr) const { return array<float>(i, len); }
  float* f32OrNull(size_t i) const { return isNull(i) ? nullptr : f32(i); }
  double num(size_t i) const {
    double d;
    if (napi_get_value_double(env, v[i], &d) != napi_ok) throw NapiError("argument " + std::to_string(i) + " must be a number");
    return d;
  }
  int64_t i64(size_t i) const { return static_cast<int64_t>(num(i)); }
  std::vector<int64_t> ints(size_t i) const {
    bool isArr = false;
    check(napi_is_array(env, v[i], &isArr), "is_array");
    if (!isArr) throw NapiError("argument " + std::to_string(i) + " must be an array of numbers");
    uint32_t n;
    check(napi_get_array_length(env, v[i], &n), "array_length");
    std::vector<int64_t> out(n);
    for (uint32_t k = 0; k < n; ++k) {
      napi_value e;
      check(napi_get_element(env, v[i], k, &e), "get_element");
      double d;
      check(napi_get_value_double(env, e, &d), "element number");
      out[k] = static_cast<int64_t>(d);
    }
    return out;
  }
};

inline int64_t product(const std::vector<int64_t>& s) {
  int64_t p = 1;
  for (auto d : s) p *= d;
  return p;
}

// Each exported kernel is written as `void fn(const Args&)`; wrap() turns C++ exceptions into
// JS exceptions so a bad shape never aborts the process.
using Kernel = napi_value (*)(napi_env, const Args&);

}  // namespace seg
