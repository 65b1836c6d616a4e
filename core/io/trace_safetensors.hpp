// trace.safetensors: every tensor of the trace under its trace.json name and shape, as F32, in
// pipeline order, with __metadata__ {"format": "attnviz-trace", "version": "2"}; with the stack's
// tensors (StackTensors), then the model's logits "stack.logits" [n, V] and each exported layer's
// tensors as "layers.L.NAME". Masked entries stay −∞ (IEEE), where trace.json writes null. The
// trace.json beside it is trace_summary_json.
#pragma once

#include "core/io/trace_json.hpp"
#include "core/trace.hpp"

#include <cstdint>
#include <ostream>

namespace attnviz {

// Exact size of the file write_trace_safetensors writes.
std::uint64_t trace_safetensors_bytes(const Trace& trace, const StackTensors* stack = nullptr);

// Streams the file: the header, then each tensor a chunk at a time (no copy of the trace), one
// layer of the stack at a time.
void write_trace_safetensors(std::ostream& out, const Trace& trace, const StackTensors* stack = nullptr);

}  // namespace attnviz
