// The trace format: {"format":"attnviz-trace","version":1,"config":{...},"tokens":[...],
// "tensors":{NAME:{"shape":[...],"data":[row-major numbers, null where masked]}}, ...}.
#pragma once

#include "core/trace.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace attnviz {

inline constexpr int kTraceVersion = 1;

// Floats are written in their shortest round-trip form; non-finite values as null.
// `extra` (an object) adds top-level sections, e.g. decode steps or tiles, after the tensors.
std::string trace_to_json(const Trace& trace, const nlohmann::json& extra = nlohmann::json::object());

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

}  // namespace attnviz
