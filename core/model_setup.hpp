// Everything that decides one run of the block: the configuration, the head preset and the
// user's hand edits to weights and embeddings; and the run itself.
//
// Key: d = d_model, h = heads, kv = K/V heads.
#pragma once

#include "core/head_presets.hpp"

#include <string>
#include <vector>

namespace attnviz {

enum class EditTarget { W_Q, W_K, W_V, W_O, Embedding };
std::string_view to_string(EditTarget t);
EditTarget parse_edit_target(std::string_view s);  // "W_Q|W_K|W_V|W_O|embedding", ConfigError("edit", ...)

// One cell set by hand. For Embedding, `token` names the row (every occurrence of the token, as
// an embedding table would) and `col` the dimension; `row` is unused.
struct CellEdit {
    EditTarget target = EditTarget::W_Q;
    int row = 0, col = 0;
    std::string token;
    float value = 0.0f;
    bool operator==(const CellEdit&) const = default;
};

struct ModelSpec {
    Config config;
    Preset preset = Preset::Random;
    std::vector<CellEdit> edits;   // applied in order after the preset; a later edit of a cell wins
    bool operator==(const ModelSpec&) const = default;
};

struct ModelRun {
    Inputs inputs;
    Weights weights;
    Trace trace;
    std::vector<HeadKind> head_kinds;  // [h] for a designed preset, empty for random
    std::string summary;               // what the preset changed
    int edits_applied = 0;             // embedding edits of a token absent from the text do nothing
};

// Applies `edits` to the inputs and weights. Throws ConfigError("edit", ...) naming the edit for a
// non-finite value, a row or column outside its matrix, or an empty token.
int apply_edits(Inputs& inputs, Weights& weights, const std::vector<CellEdit>& edits);

// prepare + preset weights + edits + forward. Throws ConfigError for anything invalid.
ModelRun run_model(const ModelSpec& spec);

}  // namespace attnviz
