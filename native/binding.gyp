# Native kernels for the 'native' TensorFlow.js backend (see docs/speed.md).
# Plain Node-API (node_api.h) so the same binary loads in Node and Electron.
# Baseline ISA is x86-64-v3 (AVX2+FMA; no AVX-512 required). Our own loops are
# memory-bound, so AVX-512 would add little; the compute-bound convolutions run in oneDNN,
# which JIT-dispatches AVX-512 itself when the CPU has it.
{
  "targets": [
    {
      "target_name": "seg_native",
      "sources": [
        "src/addon.cc",
        "src/conv.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/pool.cc",
        "src/batchnorm.cc",
        "src/copy.cc",
        "src/adam.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags": ["-O3", "-march=x86-64-v3", "-fopenmp", "-fno-math-errno"],
      "cflags_cc": ["-O3", "-march=x86-64-v3", "-fopenmp", "-fno-math-errno", "-std=c++17", "-fexceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
