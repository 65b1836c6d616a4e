// Small stacks of the kinds the training lab makes, for attnviz's own model folder
// (core/model_folder.hpp): random_stack's weights with every norm and bias drawn as well (it starts
// them at γ = 1, β = 0, b = 0), so a swapped, transposed or dropped tensor changes the logits.
#pragma once

#include "core/model.hpp"
#include "core/rng.hpp"
#include "core/stack.hpp"

#include <string>
#include <vector>

namespace attnviz::test {

struct FolderVariant {
    Positional positional = Positional::Learned;  // learned | rope | none
    NormKind norm = NormKind::Layer;
    MlpKind mlp = MlpKind::GeluTanh;              // none | gelu-tanh | gelu
    bool tied = false;
    bool bias = true;                             // every attention and MLP bias, or none
    int window = 0;
};

struct FolderStack {
    Config block;      // resolved
    StackArch arch;    // resolved
    Vocabulary vocab;
    StackWeights weights;
};

inline const std::vector<std::string>& folder_words() {
    static const std::vector<std::string> words = {"the", "cat", "sat", "on", "mat", ".", "a", "dog", "ran", "and"};
    return words;
}

inline Vocabulary vocabulary_of(const std::vector<std::string>& tokens) {
    Vocabulary v;
    for (const std::string& t : tokens) {
        v.ids.emplace(t, v.size());
        v.tokens.push_back(t);
    }
    return v;
}

// d = 16, two heads of dh = 6 (h·dh = 12 ≠ d: a width mixed up between d and h·dh fails), f = 24,
// L = 2, the ten words of folder_words().
inline FolderStack folder_stack(const FolderVariant& v, const Vocabulary& vocab = vocabulary_of(folder_words()),
                                std::uint64_t seed = 11) {
    FolderStack s;
    Config c;
    c.d_model = 16;
    c.n_heads = 2;
    c.d_k = c.d_v = 6;
    c.positional = v.positional;
    c.rope_style = RopeStyle::Half;
    c.rope_base = 500.0;
    c.causal = true;
    c.window = v.window;
    c.seed = seed;
    s.block = resolve_sizes(c);
    StackArch a;
    a.layers = 2;
    a.norm = v.norm;
    a.mlp = v.mlp;
    a.d_ff = 24;
    a.norm_eps = 1e-5f;
    a.tied_unembedding = v.tied;
    s.arch = resolve_arch(a, c.d_model);
    s.vocab = vocab;
    s.weights = random_stack(s.block, s.arch, s.vocab);

    std::uint64_t stream = 0;
    const auto draw = [&](Eigen::Index n, double offset) -> RowVec {
        RowVec r = gaussian(1, static_cast<int>(n), stream_seed(seed, "folder-test", stream++), 0.1).row(0);
        return r.array() + static_cast<float>(offset);
    };
    const auto draw_norm = [&](NormWeights& w) {
        if (w.gamma.size()) w.gamma = draw(w.gamma.size(), 1.0);
        if (w.beta.size()) w.beta = draw(w.beta.size(), 0.0);
    };
    const int q = c.n_heads * c.d_k, d = c.d_model;
    for (LayerWeights& L : s.weights.layers) {
        draw_norm(L.norm1);
        draw_norm(L.norm2);
        if (v.bias) {
            L.attn.b_Q = draw(q, 0.0);
            L.attn.b_K = draw(q, 0.0);
            L.attn.b_V = draw(q, 0.0);
            L.attn.b_O = draw(d, 0.0);
            if (v.mlp != MlpKind::None) {
                L.mlp.b_up = draw(s.arch.d_ff, 0.0);
                L.mlp.b_down = draw(d, 0.0);
            }
        } else {
            L.mlp.b_up.resize(0);
            L.mlp.b_down.resize(0);
        }
    }
    draw_norm(s.weights.final_norm);
    return s;
}

}  // namespace attnviz::test
