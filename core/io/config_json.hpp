// Config <-> JSON under the trace format's names (text, tokenize, d_model, n_heads, ...).
#pragma once

#include "core/config.hpp"

#include <nlohmann/json.hpp>

namespace attnviz {

nlohmann::ordered_json config_to_json(const Config& config);

// Strict: an unknown key, a wrong type or an invalid value throws ConfigError naming the key.
// Missing keys keep the defaults of Config{}.
Config config_from_json(const nlohmann::json& j);

}  // namespace attnviz
