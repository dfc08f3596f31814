// Shared oneDNN engine/stream and a grow-only scratchpad, so every cached primitive uses one
// scratch buffer instead of holding its own (primitives are cached per shape; see conv.cc).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdlib>
#include <memory>

namespace seg {

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();
// Memory object over the shared scratch buffer sized for `pd` (grows the buffer as needed).
dnnl::memory scratchpadFor(const dnnl::primitive_desc_base& pd);
// Grow-only staging buffers for weight reorders (one per role so two can be live at once).
float* stagingBuffer(int slot, size_t bytes);

}  // namespace seg
