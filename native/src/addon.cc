// Node-API entry point: registers every kernel and the init/info functions.
#include <malloc.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <string>

#include "napi_util.h"

namespace seg {
void registerConv(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));
void registerElementwise(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));
void registerReduce(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));
void registerPool(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));
void registerBatchNorm(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));
void registerCopy(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));
void registerAdam(napi_env, napi_value, void (*)(napi_env, napi_value, const char*, Kernel, size_t));

namespace {

struct Entry {
  Kernel fn;
  size_t argc;
};

napi_value trampoline(napi_env env, napi_callback_info info) {
  void* data;
  size_t zero = 0;
  napi_get_cb_info(env, info, &zero, nullptr, nullptr, &data);
  const Entry* e = static_cast<const Entry*>(data);
  try {
    Args a(env, info, e->argc);
    napi_value r = e->fn(env, a);
    if (!r) napi_get_undefined(env, &r);
    return r;
  } catch (const dnnl::error& err) {
    napi_throw_error(env, "SEG_NATIVE_DNNL", (std::string("oneDNN: ") + err.what()).c_str());
  } catch (const std::exception& err) {
    napi_throw_error(env, "SEG_NATIVE", err.what());
  }
  return nullptr;
}

void add(napi_env env, napi_value exports, const char* name, Kernel fn, size_t argc) {
  // Entries live for the process lifetime (the addon is never unloaded).
  Entry* e = new Entry{fn, argc};
  napi_value f;
  check(napi_create_function(env, name, NAPI_AUTO_LENGTH, trampoline, e, &f), "create_function");
  check(napi_set_named_property(env, exports, name, f), "set_named_property");
}

napi_value setThreads(napi_env env, const Args& a) {
  int n = static_cast<int>(a.num(0));
  if (n < 1) throw NapiError("threads must be >= 1");
  omp_set_num_threads(n);
  napi_value r;
  check(napi_create_int32(env, omp_get_max_threads(), &r), "int32");
  return r;
}

// Every tensor the backend creates is a fresh ArrayBuffer (calloc underneath). glibc serves
// big blocks with mmap and returns them to the OS on free, so each new activation tensor
// page-faults all of its pages again (~15x the cost of writing it). Keeping freed blocks in the
// heap makes re-allocation a memset. Returns whether glibc accepted each setting.
napi_value tuneAllocator(napi_env env, const Args& a) {
  const double mmapThreshold = a.num(0), trimThreshold = a.num(1);
  bool ok1 = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmapThreshold)) == 1;
  bool ok2 = mallopt(M_TRIM_THRESHOLD, static_cast<int>(trimThreshold)) == 1;
  napi_value r;
  check(napi_get_boolean(env, ok1 && ok2, &r), "bool");
  return r;
}

napi_value info(napi_env env, const Args&) {
  napi_value o, v;
  check(napi_create_object(env, &o), "object");
  const dnnl_version_t* ver = dnnl::version();
  std::string dv = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
  check(napi_create_string_utf8(env, dv.c_str(), dv.size(), &v), "str");
  napi_set_named_property(env, o, "dnnlVersion", v);
  std::string cpuRuntime = ver->cpu_runtime == DNNL_RUNTIME_OMP ? "openmp" : ver->cpu_runtime == DNNL_RUNTIME_TBB ? "tbb" : "other";
  check(napi_create_string_utf8(env, cpuRuntime.c_str(), cpuRuntime.size(), &v), "str");
  napi_set_named_property(env, o, "dnnlCpuRuntime", v);
  check(napi_create_int32(env, omp_get_max_threads(), &v), "int32");
  napi_set_named_property(env, o, "threads", v);
  std::string compiler = std::string("gcc ") + __VERSION__;
  check(napi_create_string_utf8(env, compiler.c_str(), compiler.size(), &v), "str");
  napi_set_named_property(env, o, "compiler", v);
  return o;
}

}  // namespace
}  // namespace seg

NAPI_MODULE_INIT() {
  using namespace seg;
  try {
    add(env, exports, "setThreads", setThreads, 1);
    add(env, exports, "info", info, 0);
    add(env, exports, "tuneAllocator", tuneAllocator, 2);
    registerConv(env, exports, add);
    registerElementwise(env, exports, add);
    registerReduce(env, exports, add);
    registerPool(env, exports, add);
    registerBatchNorm(env, exports, add);
    registerCopy(env, exports, add);
    registerAdam(env, exports, add);
  } catch (const std::exception& e) {
    napi_throw_error(env, "SEG_NATIVE_INIT", e.what());
  }
  return exports;
}
