// Heads built by construction, so each shows a known pattern on any sentence: previous token,
// same position, first token (attention sink), earlier copies of the same word, uniform.
//
// Key: d = d_model, h = heads, d_k = per-head query/key width, p = position, Δ = i − j.
//
// The residual stream is laid out like a trained model's, in three channels of X_in = X + PE:
//   position  dims [0, 16): sinusoidal pairs 0–7 only (the preset clears these dims of every
//             embedding), so a head reading them sees position and nothing else;
//   bias      dim d − 1: the cosine of the slowest pair, ≈ 1 at every position (cleared in the
//             embeddings too): a constant input, like a bias unit;
//   content   dims [16, d − 2): the token's embedding, scaled ×4 so it dominates the slowly
//             varying PE that shares these dims.
// Each kind's W_Q and W_K read one or two channels; W_V and W_O stay random from the seed.
#pragma once

#include "core/attention.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

enum class HeadKind { Previous, Self, First, SameWord, Uniform };
enum class Preset { Random, Mixed, Previous, Self, First, SameWord, Uniform };

std::string_view to_string(HeadKind k);
std::string_view to_string(Preset p);
// "random|mixed|previous|self|first|same-word|uniform"; throws ConfigError("preset", ...).
Preset parse_preset(std::string_view s);
const std::vector<Preset>& all_presets();

// How this kind's W_Q and W_K make its pattern, for a learner (2–4 sentences).
std::string describe(HeadKind k);

struct PresetBuild {
    Inputs inputs;                          // config adjusted (see build_preset) and embeddings laid out
    Weights weights;
    std::vector<HeadKind> head_kinds;       // [h]
    std::string summary;                    // what the preset changed in the configuration and why
};

// A field of the configuration a designed preset sets whatever the user chose.
struct PresetOverride {
    std::string_view field;    // as ConfigError names it: "positional", "causal", "n_kv_heads", "d_k"
    std::string_view setting;  // what the preset sets it to, e.g. "causal on"
    std::string_view reason;   // why, for a learner
};

// The fields `preset` forces, in Config order; empty for Random.
const std::vector<PresetOverride>& preset_overrides(Preset preset);
// The override of `field` under `preset`, or null when the user's value is used.
const PresetOverride* preset_override(Preset preset, std::string_view field);

// The configuration `preset` runs with: `user` with every override applied (positional =
// sinusoidal, causal on, n_kv_heads = n_heads, d_k = d_model), not validated. Random: `user`.
Config preset_config(const Config& user, Preset preset);

// Mixed cycles previous, self, first, same-word, uniform over the heads (4 heads: one of each of
// the first four). The configuration is preset_config(user, preset). Throws
// ConfigError("preset", ...) for d_model < 32 or for cross-attention, and whatever prepare()
// throws for the rest. Random is make_weights as usual.
PresetBuild build_preset(const Config& user, Preset preset);

}  // namespace attnviz
