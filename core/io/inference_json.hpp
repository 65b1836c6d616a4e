// trace.json's optional inference sections: "decode" (one entry per KV-cache decode step) and
// "tiles" (FlashAttention-style tile replay for every head). Added alongside the tensors; the
// tensors themselves are unchanged.
#pragma once

#include "core/decode.hpp"
#include "core/tiled.hpp"

#include <nlohmann/json.hpp>

namespace attnviz {

// {"shape": [...], "data": [...]} like the trace's tensors; non-finite entries are null.
nlohmann::json stack_to_json(const Stack& s);    // shape [count, rows·cols] rows of 1, else [count, rows, cols]
nlohmann::json matrix_to_json(const MatRM& m);   // shape [rows, cols]

nlohmann::json decode_to_json(const DecodeTrace& d, const std::vector<std::string>& tokens);
// Serialises a report computed by tiles_report() (core/tiled.hpp); computes nothing itself.
nlohmann::json tiles_to_json(const TilesReport& report);

}  // namespace attnviz
