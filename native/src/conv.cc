// 2-D convolution (NHWC activations, HWIO filters as TensorFlow.js lays them out) via oneDNN:
// forward (+bias +activation as post-op), backward-data (also used for transposed conv)
// and backward-weights. Activations stay NHWC so no layout conversion touches the large
// tensors; only the small filter tensor is reordered to whatever blocked layout oneDNN picks.
#include <cstring>
#include <string>
#include <unordered_map>

#include "dnnl_ctx.h"
#include "napi_util.h"

namespace seg {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

engine& cpuEngine() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& cpuStream() {
  static stream s(cpuEngine());
  return s;
}

namespace {
struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
struct Buffer {
  std::unique_ptr<void, AlignedFree> ptr;
  size_t size = 0;
  void* get(size_t bytes) {
    if (bytes > size) {
      size_t rounded = (bytes + 4095) / 4096 * 4096;
      void* p = std::aligned_alloc(64, rounded);
      if (!p) throw std::bad_alloc();
      ptr.reset(p);
      size = rounded;
    }
    return ptr.get();
  }
};
Buffer gScratch;
Buffer gStaging[3];
}  // namespace

memory scratchpadFor(const primitive_desc_base& pd) {
  memory::desc md = pd.scratchpad_desc();
  return memory(md, cpuEngine(), gScratch.get(md.get_size() ? md.get_size() : 64));
}
float* stagingBuffer(int slot, size_t bytes) { return static_cast<float*>(gStaging[slot].get(bytes)); }

namespace {

// Geometry of one convolution, all in TensorFlow.js terms (dilation >= 1).
struct Geo {
  int64_t N, IH, IW, IC, OH, OW, OC, KH, KW, SH, SW, PT, PB, PL, PR, DH, DW;
  std::string key() const {
    std::string k;
    for (int64_t v : {N, IH, IW, IC, OH, OW, OC, KH, KW, SH, SW, PT, PB, PL, PR, DH, DW}) k += std::to_string(v) + ",";
    return k;
  }
  memory::desc src() const { return {{N, IC, IH, IW}, dt::f32, tag::nhwc}; }
  memory::desc dst() const { return {{N, OC, OH, OW}, dt::f32, tag::nhwc}; }
  memory::desc weiUser() const { return {{OC, IC, KH, KW}, dt::f32, tag::hwio}; }
  memory::desc weiAny() const { return {{OC, IC, KH, KW}, dt::f32, tag::any}; }
  memory::dims strides() const { return {SH, SW}; }
  memory::dims dil() const { return {DH - 1, DW - 1}; }
  memory::dims padL() const { return {PT, PL}; }
  memory::dims padR() const { return {PB, PR}; }
};

// args layout shared by the three entry points: xShape, wShape, yShape, strides, pads[t,b,l,r], dilations
Geo readGeo(const Args& a, size_t first) {
  auto xs = a.ints(first), ws = a.ints(first + 1), ys = a.ints(first + 2);
  auto st = a.ints(first + 3), pd = a.ints(first + 4), dl = a.ints(first + 5);
  if (xs.size() != 4 || ws.size() != 4 || ys.size() != 4 || st.size() != 2 || pd.size() != 4 || dl.size() != 2)
    throw NapiError("conv: bad shape arguments");
  if (ws[2] != xs[3] || ws[3] != ys[3] || xs[0] != ys[0]) throw NapiError("conv: inconsistent channel/batch sizes");
  return Geo{xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], ws[0], ws[1], st[0], st[1], pd[0], pd[1], pd[2], pd[3], dl[0], dl[1]};
}

reorder makeReorder(const memory::desc& from, const memory::desc& to) {
  return reorder(reorder::primitive_desc(cpuEngine(), from, cpuEngine(), to));
}

primitive_attr userScratchAttr() {
  primitive_attr attr;
  attr.set_scratchpad_mode(scratchpad_mode::user);
  return attr;
}

// Per-output-channel affine y = conv*scale + shift as binary post-ops (an inference batch norm
// folded into the convolution without touching the weights; see native-inference-fold.ts).
memory::desc channelMd(const Geo& g) { return memory::desc({1, g.OC, 1, 1}, dt::f32, tag::nchw); }

convolution_forward::primitive_desc makeFwdPd(const Geo& g, bool bias, int act, float alpha, bool affine = false) {
  primitive_attr attr = userScratchAttr();
  if (act != 0 || affine) {
    post_ops po;
    if (affine) {
      po.append_binary(algorithm::binary_mul, channelMd(g));
      po.append_binary(algorithm::binary_add, channelMd(g));
    }
    switch (act) {
      case 1: po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); break;
      case 2: po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f); break;
      case 3: po.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f); break;
      case 4: po.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f); break;
      case 5: po.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); break;
      case 0: break;
      default: throw NapiError("conv: unsupported fused activation");
    }
    attr.set_post_ops(po);
  }
  memory::desc biasMd = bias ? memory::desc({g.OC}, dt::f32, tag::x) : memory::desc();
  auto d = convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, g.src(), g.weiAny(), biasMd,
                                     g.dst(), g.strides(), g.dil(), g.padL(), g.padR());
  return convolution_forward::primitive_desc(d, attr, cpuEngine());
}

struct FwdEntry {
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  bool reorderW;
  reorder wReorder;
};
struct BwdDataEntry {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  bool reorderW;
  reorder wReorder;
};
struct BwdWeiEntry {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  bool reorderW;
  reorder wReorder;
};

std::unordered_map<std::string, std::unique_ptr<FwdEntry>> gFwd;
std::unordered_map<std::string, std::unique_ptr<BwdDataEntry>> gBwdData;
std::unordered_map<std::string, std::unique_ptr<BwdWeiEntry>> gBwdWei;

FwdEntry& fwdEntry(const Geo& g, bool bias, int act, float alpha, bool affine) {
  std::string key = g.key() + (bias ? "b" : "n") + (affine ? "a" : "") + std::to_string(act) + ":" + std::to_string(alpha);
  auto it = gFwd.find(key);
  if (it != gFwd.end()) return *it->second;
  auto pd = makeFwdPd(g, bias, act, alpha, affine);
  bool ro = pd.weights_desc() != g.weiUser();
  auto e = std::make_unique<FwdEntry>(FwdEntry{pd, convolution_forward(pd), ro, ro ? makeReorder(g.weiUser(), pd.weights_desc()) : reorder()});
  return *gFwd.emplace(key, std::move(e)).first->second;
}

// Weights in oneDNN's preferred layout: either the user's HWIO buffer itself or a reordered copy.
memory stageWeights(bool needReorder, reorder& ro, const memory::desc& userMd, const memory::desc& wantMd, float* user, int slot) {
  memory userMem(userMd, cpuEngine(), user);
  if (!needReorder) return userMem;
  memory staged(wantMd, cpuEngine(), stagingBuffer(slot, wantMd.get_size()));
  ro.execute(cpuStream(), userMem, staged);
  return staged;
}

napi_value convForward(napi_env env, const Args& a) {
  // x, w, bias|null, y, xShape, wShape, yShape, strides, pads, dilations, activation, alpha,
  // scale|null, shift|null (per output channel, applied after the bias, before the activation)
  Geo g = readGeo(a, 4);
  float* x = a.f32(0);
  float* w = a.f32(1);
  float* b = a.f32OrNull(2);
  float* y = a.f32(3);
  int act = static_cast<int>(a.num(10));
  float alpha = static_cast<float>(a.num(11));
  float* scale = a.f32OrNull(12);
  float* shift = a.f32OrNull(13);
  if ((scale == nullptr) != (shift == nullptr)) throw NapiError("conv: scale and shift go together");
  FwdEntry& e = fwdEntry(g, b != nullptr, act, alpha, scale != nullptr);
  memory wMem = stageWeights(e.reorderW, e.wReorder, g.weiUser(), e.pd.weights_desc(), w, 0);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(g.src(), cpuEngine(), x)},
                                       {DNNL_ARG_WEIGHTS, wMem},
                                       {DNNL_ARG_DST, memory(g.dst(), cpuEngine(), y)},
                                       {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.pd)}};
  if (b) args.emplace(DNNL_ARG_BIAS, memory({{g.OC}, dt::f32, tag::x}, cpuEngine(), b));
  if (scale) {
    args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, memory(channelMd(g), cpuEngine(), scale));
    args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, memory(channelMd(g), cpuEngine(), shift));
  }
  e.prim.execute(cpuStream(), args);
  cpuStream().wait();
  return nullptr;
}

napi_value convBackwardData(napi_env env, const Args& a) {
  // dy, w, dx, xShape, wShape, yShape, strides, pads, dilations
  Geo g = readGeo(a, 3);
  float* dy = a.f32(0);
  float* w = a.f32(1);
  float* dx = a.f32(2);
  std::string key = g.key();
  auto it = gBwdData.find(key);
  if (it == gBwdData.end()) {
    auto hint = makeFwdPd(g, false, 0, 0.f);
    auto d = convolution_backward_data::desc(algorithm::convolution_direct, g.src(), g.weiAny(), g.dst(), g.strides(), g.dil(),
                                             g.padL(), g.padR());
    convolution_backward_data::primitive_desc pd(d, userScratchAttr(), cpuEngine(), hint);
    bool ro = pd.weights_desc() != g.weiUser();
    auto e = std::unique_ptr<BwdDataEntry>(new BwdDataEntry{
        pd, convolution_backward_data(pd), ro,
        ro ? makeReorder(g.weiUser(), pd.weights_desc()) : reorder()});
    it = gBwdData.emplace(key, std::move(e)).first;
  }
  BwdDataEntry& e = *it->second;
  memory wMem = stageWeights(e.reorderW, e.wReorder, g.weiUser(), e.pd.weights_desc(), w, 1);
  e.prim.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, memory(g.dst(), cpuEngine(), dy)},
                               {DNNL_ARG_WEIGHTS, wMem},
                               {DNNL_ARG_DIFF_SRC, memory(g.src(), cpuEngine(), dx)},
                               {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.pd)}});
  cpuStream().wait();
  return nullptr;
}

napi_value convBackwardWeights(napi_env env, const Args& a) {
  // x, dy, dw, xShape, wShape, yShape, strides, pads, dilations
  Geo g = readGeo(a, 3);
  float* x = a.f32(0);
  float* dy = a.f32(1);
  float* dw = a.f32(2);
  std::string key = g.key();
  auto it = gBwdWei.find(key);
  if (it == gBwdWei.end()) {
    auto hint = makeFwdPd(g, false, 0, 0.f);
    auto d = convolution_backward_weights::desc(algorithm::convolution_direct, g.src(), g.weiAny(), g.dst(), g.strides(),
                                                g.dil(), g.padL(), g.padR());
    convolution_backward_weights::primitive_desc pd(d, userScratchAttr(), cpuEngine(), hint);
    bool ro = pd.diff_weights_desc() != g.weiUser();
    auto e = std::unique_ptr<BwdWeiEntry>(new BwdWeiEntry{
        pd, convolution_backward_weights(pd), ro,
        ro ? makeReorder(pd.diff_weights_desc(), g.weiUser()) : reorder()});
    it = gBwdWei.emplace(key, std::move(e)).first;
  }
  BwdWeiEntry& e = *it->second;
  memory userMem(g.weiUser(), cpuEngine(), dw);
  memory outMem = e.reorderW ? memory(e.pd.diff_weights_desc(), cpuEngine(), stagingBuffer(2, e.pd.diff_weights_desc().get_size()))
                             : userMem;
  e.prim.execute(cpuStream(), {{DNNL_ARG_SRC, memory(g.src(), cpuEngine(), x)},
                               {DNNL_ARG_DIFF_DST, memory(g.dst(), cpuEngine(), dy)},
                               {DNNL_ARG_DIFF_WEIGHTS, outMem},
                               {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.pd)}});
  if (e.reorderW) e.wReorder.execute(cpuStream(), outMem, userMem);
  cpuStream().wait();
  return nullptr;
}

// Which oneDNN implementation (and so which ISA) a typical 3x3 conv gets, for the CLI/docs.
napi_value convImplName(napi_env env, const Args& a) {
  Geo g{1, 32, 32, 32, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  std::string s = makeFwdPd(g, false, 0, 0.f).impl_info_str();
  napi_value out;
  check(napi_create_string_utf8(env, s.c_str(), s.size(), &out), "create_string");
  return out;
}

}  // namespace

void registerConv(napi_env env, napi_value exports, void (*add)(napi_env, napi_value, const char*, Kernel, size_t)) {
  add(env, exports, "convForward", convForward, 14);
  add(env, exports, "convBackwardData", convBackwardData, 9);
  add(env, exports, "convBackwardWeights", convBackwardWeights, 9);
  add(env, exports, "convImplName", convImplName, 0);
}

}  // namespace seg
