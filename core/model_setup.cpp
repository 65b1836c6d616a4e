#include "core/model_setup.hpp"

#include <array>
#include <cmath>
#include <string>

namespace attnviz {

std::string_view to_string(EditTarget t) {
    switch (t) {
        case EditTarget::W_Q: return "W_Q";
        case EditTarget::W_K: return "W_K";
        case EditTarget::W_V: return "W_V";
        case EditTarget::W_O: return "W_O";
        case EditTarget::Embedding: return "embedding";
    }
    return "W_Q";
}

EditTarget parse_edit_target(std::string_view s) {
    for (EditTarget t : {EditTarget::W_Q, EditTarget::W_K, EditTarget::W_V, EditTarget::W_O, EditTarget::Embedding})
        if (to_string(t) == s) return t;
    throw ConfigError("edit", "edit target=" + clip(s) + " must be one of W_Q|W_K|W_V|W_O|embedding");
}

namespace {

std::string name(const CellEdit& e) {
    return std::string(to_string(e.target)) +
           (e.target == EditTarget::Embedding ? "['" + clip(e.token) + "'][" + std::to_string(e.col) + "]"
                                              : "[" + std::to_string(e.row) + "][" + std::to_string(e.col) + "]");
}

void check_cell(const CellEdit& e, const MatRM& m) {
    if (e.row < 0 || e.row >= m.rows() || e.col < 0 || e.col >= m.cols()) {
        throw ConfigError("edit", "edit " + name(e) + " is outside " + std::string(to_string(e.target)) + " [" +
                                      std::to_string(m.rows()) + "×" + std::to_string(m.cols()) + "]");
    }
}

}  // namespace

int apply_edits(Inputs& in, Weights& w, const std::vector<CellEdit>& edits) {
    int applied = 0;
    for (const CellEdit& e : edits) {
        if (!std::isfinite(e.value)) throw ConfigError("edit", "edit " + name(e) + " = " + std::to_string(e.value) + " must be a finite number");
        MatRM* m = nullptr;
        switch (e.target) {
            case EditTarget::W_Q: m = &w.W_Q; break;
            case EditTarget::W_K: m = &w.W_K; break;
            case EditTarget::W_V: m = &w.W_V; break;
            case EditTarget::W_O: m = &w.W_O; break;
            case EditTarget::Embedding: break;
        }
        if (m) {
            check_cell(e, *m);
            (*m)(e.row, e.col) = e.value;
            ++applied;
            continue;
        }
        if (e.token.empty()) throw ConfigError("edit", "edit " + name(e) + " must name a token");
        if (e.col < 0 || e.col >= in.config.d_model) {
            throw ConfigError("edit", "edit " + name(e) + " is outside the embedding's " +
                                          std::to_string(in.config.d_model) + " dims");
        }
        // The same token has the same row everywhere: the edit changes every occurrence.
        auto edit_rows = [&](const std::vector<std::string>& tokens, MatRM& X) {
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                if (tokens[i] != e.token) continue;
                X(static_cast<Eigen::Index>(i), e.col) = e.value;
                ++applied;
            }
        };
        edit_rows(in.tokens, in.X);
        if (in.config.cross()) edit_rows(in.source_tokens, in.X_source);
    }
    return applied;
}

std::string_view to_string(ModelPreset p) { return p == ModelPreset::Induction ? "induction" : "none"; }

ModelPreset parse_model_preset(std::string_view s) {
    return parse_enum("model-preset", s, std::array{ModelPreset::None, ModelPreset::Induction});
}

StackModel build_model(const ModelSpec& spec, std::vector<HeadKind>* head_kinds, int* edits_applied) {
    StackModel m;
    std::vector<HeadKind> kinds;
    int applied = 0;
    if (spec.pretrained) {
        if (!spec.edits.empty()) {
            throw ConfigError("edit", "editing the weights of a loaded model is not supported (clear the edits or use the toy model)");
        }
        m = pretrained_model(spec.pretrained, spec.config.text, spec.ids);
    } else if (spec.model == ModelPreset::Induction) {
        m = build_induction_model(spec.config);
        auto w = std::make_shared<StackWeights>(*m.weights_ptr);  // the edits change this run's copy only
        applied = apply_edits(m.inputs, w->layers.front().attn, spec.edits);
        m.weights_ptr = std::move(w);
    } else {
        PresetBuild b = build_preset(spec.config, spec.preset);
        m.inputs = std::move(b.inputs);
        m.arch = resolve_arch(spec.arch, m.inputs.config.d_model);
        auto vocab = std::make_shared<Vocabulary>(toy_vocabulary(m.inputs.tokens));
        auto w = std::make_shared<StackWeights>(random_stack(m.inputs.config, m.arch, *vocab));
        // The head preset designs layer 0's attention; deeper layers stay random from the seed.
        w->learned_pe = b.weights.learned_pe;
        b.weights.learned_pe.resize(0, 0);
        w->layers.front().attn = std::move(b.weights);
        applied = apply_edits(m.inputs, w->layers.front().attn, spec.edits);
        m.summary = std::move(b.summary);
        kinds = std::move(b.head_kinds);
        m.vocab_ptr = std::move(vocab);
        m.weights_ptr = std::move(w);
    }
    if (head_kinds) *head_kinds = std::move(kinds);
    if (edits_applied) *edits_applied = applied;
    return m;
}

ModelRun run_model(const ModelSpec& spec, const StackRunOptions& options) {
    ModelRun r;
    auto model = std::make_shared<StackModel>(build_model(spec, &r.head_kinds, &r.edits_applied));
    r.summary = model->summary;
    StackRunOptions opt = options;
    opt.ablate = spec.ablate;
    r.stack = run_stack(model->inputs, model->arch, model->weights(), model->vocab(), opt);
    r.model = std::move(model);
    return r;
}

}  // namespace attnviz
