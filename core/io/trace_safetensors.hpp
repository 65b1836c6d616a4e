// trace.safetensors: every tensor of the trace under its trace.json name and shape, as F32, in
// pipeline order, with __metadata__ {"format": "attnviz-trace", "version": "1"}. Masked entries
// stay −∞ (IEEE), where trace.json writes null. The trace.json beside it is trace_summary_json.
#pragma once

#include "core/trace.hpp"

#include <cstdint>
#include <ostream>

namespace attnviz {

// Exact size of the file write_trace_safetensors writes.
std::uint64_t trace_safetensors_bytes(const Trace& trace);

// Streams the file: the header, then each tensor a chunk at a time (no copy of the trace).
void write_trace_safetensors(std::ostream& out, const Trace& trace);

}  // namespace attnviz
