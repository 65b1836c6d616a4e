#include "core/model_setup.hpp"

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
           (e.target == EditTarget::Embedding ? "['" + e.token + "'][" + std::to_string(e.col) + "]"
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

ModelRun run_model(const ModelSpec& spec) {
    ModelRun r;
    PresetBuild b = build_preset(spec.config, spec.preset);
    r.inputs = std::move(b.inputs);
    r.weights = std::move(b.weights);
    r.head_kinds = std::move(b.head_kinds);
    r.summary = std::move(b.summary);
    r.edits_applied = apply_edits(r.inputs, r.weights, spec.edits);
    forward_into(r.inputs, r.weights, r.trace);
    require_finite(r.trace);
    return r;
}

}  // namespace attnviz
