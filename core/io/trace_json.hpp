// The trace format: {"format":"attnviz-trace","version":2,"config":{...},"tokens":[...],
// "tensors":{NAME:{"shape":[...],"data":[row-major numbers, null where masked]}}, "diagnostics":{...},
// the optional sections, then version 2's streamed "logits" (full) and "layers" (README: the trace
// format). "tensors" is layer 0's attention exactly as version 1 wrote it.
#pragma once

#include "core/trace.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>

namespace attnviz {

inline constexpr int kTraceVersion = 2;

// Version 2's tensors beyond layer 0's attention, streamed after every `extra` section: the model's
// logits [n, V] (when set) and the blocks of `layers`, in that order, each
// {"layer": l, "tensors": {NAME: {"shape", "data"}}} with the same names and shapes for every layer.
struct StackTensors {
    using LayerSink = std::function<void(const std::vector<TensorView>&)>;
    std::vector<int> layers;
    // Hands `sink` layer l's views, valid during the call only (so a layer may be recomputed for it
    // and freed after). exact = false: for names, shapes and size estimates only, so the values may
    // be a stand-in of the same shape.
    std::function<void(int layer, bool exact, const LayerSink& sink)> visit_layer;
    std::optional<TensorView> logits;  // [n, V]
};

// Floats are written in their shortest round-trip form; non-finite values as null.
// `extra` (an object) adds top-level sections, e.g. decode steps or tiles, after the tensors.
// Streams: at most one block of a computed tensor, one layer and 64 KiB of text are held at a time.
void write_trace_json(std::ostream& out, const Trace& trace, const nlohmann::json& extra = nlohmann::json::object(),
                      const StackTensors* stack = nullptr);
// The same bytes in one string, for small traces.
std::string trace_to_json(const Trace& trace, const nlohmann::json& extra = nlohmann::json::object(),
                          const StackTensors* stack = nullptr);

// trace.json beside a binary tensor file: the same document with "tensors" replaced by
// "tensors_file": FILE, where every tensor is, under the same name and shape; with `stack`,
// "logits" {"kind": "full", "shape", "tensor": kStackLogitsTensor} and "layers"
// [{"layer": l, "tensors_prefix": "layers.l."}] name theirs (see layer_tensor_name).
std::string trace_summary_json(const Trace& trace, const std::string& tensors_file,
                               const nlohmann::json& extra = nlohmann::json::object(), const StackTensors* stack = nullptr);

// Names in a binary tensor file: "layers.3.weights", and the model's logits.
std::string layer_tensor_name(int layer, const std::string& name);
inline constexpr const char* kStackLogitsTensor = "stack.logits";

// Bytes write_trace_json writes: exact but for the data of tensors over 2^16 values, whose text
// is estimated from about 2^16 evenly spaced values (within about 1% on real traces), and layers
// whose stand-in values (StackTensors::visit_layer, exact = false) are another layer's.
std::uint64_t estimate_trace_json_bytes(const Trace& trace, const nlohmann::json& extra = nlohmann::json::object(),
                                        const StackTensors* stack = nullptr);

struct LoadedLayer {
    int layer = 0;
    std::map<std::string, NamedTensor> tensors;
};

struct LoadedTrace {
    int version = kTraceVersion;                 // 1 or 2
    nlohmann::json config;
    std::vector<std::string> tokens, source_tokens;
    std::map<std::string, NamedTensor> tensors;  // null entries read back as −∞
    std::vector<LoadedLayer> layers;             // version 2's "layers" with tensors (not a summary's)
    nlohmann::json extra;                        // every other top-level key
};

// Reads versions 1 and 2. Throws std::runtime_error saying what is wrong
// ("tensors.X: data has 5 values, shape needs 6").
LoadedTrace trace_from_json(const std::string& text);

// Appends a float in shortest round-trip form (or null when not finite).
void append_number(std::string& out, float v);

// Characters append_number writes for each value of `view`, summed, with `nonfinite_chars` for a
// non-finite value: exact up to 2^16 values, beyond that estimated from every k-th value.
std::uint64_t estimate_number_chars(const TensorView& view, std::size_t nonfinite_chars);

}  // namespace attnviz
