// Small stacks of the kinds the training lab makes, for attnviz's own model folder
// (core/model_folder.hpp): random_stack's weights with every norm and bias drawn as well (it starts
// them at γ = 1, β = 0, b = 0), so a swapped, transposed or dropped tensor changes the logits.
#pragma once

#include "core/model.hpp"
#include "core/rng.hpp"
#include "core/stack.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>

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

// Same shape and the same float bits (NaN-safe, and −0 ≠ +0: a copy, not a recomputation).
inline ::testing::AssertionResult same_bits(const Eigen::Ref<const MatRM>& a, const Eigen::Ref<const MatRM>& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
        return ::testing::AssertionFailure() << "shape [" << a.rows() << ", " << a.cols() << "] vs [" << b.rows() << ", " << b.cols() << "]";
    }
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j)
            if (std::bit_cast<std::uint32_t>(a(i, j)) != std::bit_cast<std::uint32_t>(b(i, j)))
                return ::testing::AssertionFailure() << "differ at (" << i << ", " << j << "): " << a(i, j) << " vs " << b(i, j);
    return ::testing::AssertionSuccess();
}

inline void expect_same_weights(const StackWeights& a, const StackWeights& b, bool learned) {
    EXPECT_TRUE(same_bits(a.embedding, b.embedding)) << "embedding";
    EXPECT_TRUE(same_bits(a.unembedding, b.unembedding)) << "unembedding";
    if (learned) EXPECT_TRUE(same_bits(a.learned_pe, b.learned_pe)) << "learned_pe";
    else EXPECT_EQ(b.learned_pe.size(), 0) << "no positions are stored without learned ones";
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
        SCOPED_TRACE("layer " + std::to_string(l));
        const LayerWeights &x = a.layers[l], &y = b.layers[l];
        EXPECT_TRUE(same_bits(x.attn.W_Q, y.attn.W_Q)) << "W_Q";
        EXPECT_TRUE(same_bits(x.attn.W_K, y.attn.W_K)) << "W_K";
        EXPECT_TRUE(same_bits(x.attn.W_V, y.attn.W_V)) << "W_V";
        EXPECT_TRUE(same_bits(x.attn.W_O, y.attn.W_O)) << "W_O";
        EXPECT_TRUE(same_bits(x.attn.b_Q, y.attn.b_Q)) << "b_Q";
        EXPECT_TRUE(same_bits(x.attn.b_K, y.attn.b_K)) << "b_K";
        EXPECT_TRUE(same_bits(x.attn.b_V, y.attn.b_V)) << "b_V";
        EXPECT_TRUE(same_bits(x.attn.b_O, y.attn.b_O)) << "b_O";
        for (const auto& [n, m] : {std::pair{&x.norm1, &y.norm1}, {&x.norm2, &y.norm2}}) {
            EXPECT_TRUE(same_bits(n->gamma, m->gamma)) << "gamma";
            EXPECT_TRUE(same_bits(n->beta, m->beta)) << "beta";
        }
        EXPECT_TRUE(same_bits(x.mlp.W_up, y.mlp.W_up)) << "W_up";
        EXPECT_TRUE(same_bits(x.mlp.W_down, y.mlp.W_down)) << "W_down";
        EXPECT_TRUE(same_bits(x.mlp.b_up, y.mlp.b_up)) << "b_up";
        EXPECT_TRUE(same_bits(x.mlp.b_down, y.mlp.b_down)) << "b_down";
        EXPECT_EQ(y.mlp.W_gate.size(), 0);
    }
    EXPECT_TRUE(same_bits(a.final_norm.gamma, b.final_norm.gamma)) << "final gamma";
    EXPECT_TRUE(same_bits(a.final_norm.beta, b.final_norm.beta)) << "final beta";
}

}  // namespace attnviz::test
