// The trace format: {"format":"attnviz-trace","version":1,"config":{...},"tokens":[...],
// "tensors":{NAME:{"shape":[...],"data":[row-major numbers, null where masked]}}, ...}.
#pragma once

#include "core/trace.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

namespace attnviz {

inline constexpr int kTraceVersion = 1;

// Floats are written in their shortest round-trip form; non-finite values as null.
// `extra` (an object) adds top-level sections, e.g. decode steps or tiles, after the tensors.
// Streams: at most one block of a computed tensor and 64 KiB of text are held at a time.
void write_trace_json(std::ostream& out, const Trace& trace, const nlohmann::json& extra = nlohmann::json::object());
// The same bytes in one string, for small traces.
std::string trace_to_json(const Trace& trace, const nlohmann::json& extra = nlohmann::json::object());

// trace.json beside a binary tensor file: the same document with "tensors" replaced by
// "tensors_file": FILE, where every tensor is, under the same name and shape.
std::string trace_summary_json(const Trace& trace, const std::string& tensors_file,
                               const nlohmann::json& extra = nlohmann::json::object());

// Bytes write_trace_json writes: exact but for the data of tensors over 2^16 values, whose text
// is estimated from about 2^16 evenly spaced values (within about 1% on real traces).
std::uint64_t estimate_trace_json_bytes(const Trace& trace, const nlohmann::json& extra = nlohmann::json::object());

struct LoadedTrace {
    nlohmann::json config;
    std::vector<std::string> tokens, source_tokens;
    std::map<std::string, NamedTensor> tensors;  // null entries read back as −∞
    nlohmann::json extra;                        // every other top-level key
};

// Throws std::runtime_error saying what is wrong ("tensors.X: data has 5 values, shape needs 6").
LoadedTrace trace_from_json(const std::string& text);

// Appends a float in shortest round-trip form (or null when not finite).
void append_number(std::string& out, float v);

// Characters append_number writes for each value of `view`, summed, with `nonfinite_chars` for a
// non-finite value: exact up to 2^16 values, beyond that estimated from every k-th value.
std::uint64_t estimate_number_chars(const TensorView& view, std::size_t nonfinite_chars);

}  // namespace attnviz
