// The command-line flags for every core option, shared by `attnviz export` and the GUI.
#pragma once

#include "core/config.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace attnviz {

// Raw flag values as typed; to_config() turns them into a Config through core's parsers so
// the messages are core's ("positional=foo must be one of ...").
struct ConfigFlags {
    Config defaults;
    std::string text, tokenize, pos, rope_style, scale, padding, source, seed;
    int d_model = 0, heads = 0, kv_heads = 0, d_k = 0, d_v = 0, window = 0;
    double rope_base = 0.0, temperature = 0.0;
    bool causal = false;

    explicit ConfigFlags(Config base = {});
    void add_to(CLI::App& app);
    Config to_config() const;  // throws ConfigError
};

}  // namespace attnviz
