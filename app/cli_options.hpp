// The command-line flags for every core option, shared by `attnviz export` and the GUI.
#pragma once

#include "core/config.hpp"
#include "core/model_setup.hpp"

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

// The stack's flags, shared the same way: --layers, --mlp, --norm, --ln, --model-preset,
// --ablate and --ablate-mode, as typed; apply_to() parses them with core's parsers.
struct StackFlags {
    int layers = 1;                   // L, 1 … StackLimits::max_layers
    std::string mlp = "none";         // gelu | gelu-tanh | swiglu | none
    std::string norm = "none";        // layer | rms | none
    std::string ln = "pre";           // pre | post
    std::string model_preset = "none";  // none | induction
    std::string ablate;               // "0.1,1.mlp": layer.head or layer.mlp; empty = none
    std::string ablate_mode = "zero";  // zero | mean
    std::string model_dir;            // --model: a Hugging Face folder; empty = the toy model
    std::string ids;                  // --ids 1,2,3: token ids instead of --text

    void add_to(CLI::App& app);
    // Sets spec.arch (d_ff left to core), spec.model and spec.ablate; with --model, loads the
    // folder into spec.pretrained and spec.ids. Throws ConfigError naming the flag ("mlp=relu must
    // be one of ...", "layers=0 must be between 1 and 48"), FormatError for a bad model file.
    void apply_to(ModelSpec& spec) const;
};

}  // namespace attnviz
