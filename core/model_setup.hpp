// Everything that decides one run of the block: the configuration, the head preset and the
// user's hand edits to weights and embeddings; and the run itself.
//
// Key: d = d_model, h = heads, kv = K/V heads.
#pragma once

#include "core/head_presets.hpp"
#include "core/hf_model.hpp"
#include "core/induction_model.hpp"

#include <memory>

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

// A built-in whole model. None: the stack `arch` describes, random from the seed, with the head
// preset and the edits applied to layer 0's attention. Induction: the designed two-layer circuit
// (core/induction_model.hpp), which sets its own architecture.
enum class ModelPreset { None, Induction };
std::string_view to_string(ModelPreset p);
ModelPreset parse_model_preset(std::string_view s);  // none|induction; ConfigError("model-preset", ...)

struct ModelSpec {
    Config config;
    Preset preset = Preset::Random;
    std::vector<CellEdit> edits;   // applied in order after the preset; a later edit of a cell wins
    StackArch arch;                // layers, norm, MLP; the default is today's single block
    ModelPreset model = ModelPreset::None;
    std::vector<Ablation> ablate;  // heads and MLPs knocked out of the run
    // A loaded Hugging Face model, run on `ids` (config.text is then unused); null: the toy model.
    std::shared_ptr<const HfModel> pretrained;
    std::vector<int> ids;
    bool operator==(const ModelSpec&) const = default;
};

struct ModelRun {
    std::shared_ptr<const StackModel> model;  // inputs, architecture, vocabulary and weights
    StackTrace stack;
    std::vector<HeadKind> head_kinds;  // [h] of layer 0 for a designed head preset, empty for random
    std::string summary;               // what the preset changed
    int edits_applied = 0;             // embedding edits of a token absent from the text do nothing
    const Trace& trace() const { return stack.layers.front().attn; }  // layer 0's attention
};

// Applies `edits` to the inputs and weights. Throws ConfigError("edit", ...) naming the edit for a
// non-finite value, a row or column outside its matrix, or an empty token.
int apply_edits(Inputs& inputs, Weights& weights, const std::vector<CellEdit>& edits);

// The model a spec describes, without running it. Throws ConfigError for anything invalid.
StackModel build_model(const ModelSpec& spec, std::vector<HeadKind>* head_kinds = nullptr, int* edits_applied = nullptr);

// build_model + run_stack. With the default architecture and no ablation, layer 0's trace is exactly
// today's single-block forward. Throws ConfigError for anything invalid.
ModelRun run_model(const ModelSpec& spec, const StackRunOptions& options = {});

}  // namespace attnviz
