// The forward pass: hand-worked examples, the softmax/mask properties on a full block, scale
// modes and temperature, GQA/MQA, ALiBi, RoPE, cross-attention, equivariance and determinism.
//
// Key: n = query tokens, m = key tokens, d = d_model, h = heads, kv = K/V heads, a = query head.
#include "core/attention.hpp"

#include "core/positional.hpp"
#include "test_helpers.hpp"

#include <cmath>
#include <cstring>

namespace attnviz {
namespace {

using test::all_close;
using test::mat;
using test::softmax_reference;
using test::throws_config_error;

// ---- hand-built blocks ------------------------------------------------------------

Inputs hand_inputs(const Config& config, std::vector<std::string> tokens, MatRM X) {
    Inputs in;
    in.config = resolve_sizes(config);
    in.tokens = std::move(tokens);
    in.X = std::move(X);
    return in;
}

Weights hand_weights(MatRM W_Q, MatRM W_K, MatRM W_V, MatRM W_O) {
    Weights w;
    w.learned_pe = MatRM::Zero(Limits::learned_length, W_Q.rows());
    w.W_Q = std::move(W_Q);
    w.W_K = std::move(W_K);
    w.W_V = std::move(W_V);
    w.W_O = std::move(W_O);
    return w;
}

Config hand_config(int d_model, int heads, int d_k, int d_v) {
    Config c;
    c.d_model = d_model;
    c.n_heads = heads;
    c.d_k = d_k;
    c.d_v = d_v;
    c.positional = Positional::None;
    return c;
}

// One head, d_model = d_k = d_v = 2, three tokens, no positions.
//   X   = [[1,0],[0,1],[1,1]]
//   W_Q = I, W_K = [[1,1],[0,1]] (a shear, so S is not symmetric), W_V = I, W_O = [[0,1],[1,0]] (swap).
//   Q = X;  K = X·W_K = [[1,1],[0,1],[1,2]];  V = X.
//   S = Q·Kᵀ = [[1,0,1],[1,1,2],[2,1,3]];   multiplier = 1/√2 = 0.7071068.
//   row 0: e^{0.7071}, e^0, e^{0.7071} = 2.028115, 1, 2.028115;  sum 5.056230
//          A = [0.4011121, 0.1977758, 0.4011121]
//   row 1: e^{0.7071}, e^{0.7071}, e^{1.4142} = 2.028115, 2.028115, 4.113250;  sum 8.169480
//          A = [0.2482551, 0.2482551, 0.5034898]
//   row 2: e^{1.4142}, e^{0.7071}, e^{2.1213} = 4.113250, 2.028115, 8.342145;  sum 14.483510
//          A = [0.2839954, 0.1400292, 0.5759753]
//   H = A·V: row 0 = 0.4011·[1,0] + 0.1978·[0,1] + 0.4011·[1,1] = [0.8022242, 0.5988879]
//            row 1 = [0.7517449, 0.7517449];  row 2 = [0.8599708, 0.7160046]
//   O = H·W_O swaps the columns.
struct HandBlock {
    Inputs in;
    Weights w;
};
HandBlock single_head_block(bool causal) {
    Config c = hand_config(2, 1, 2, 2);
    c.causal = causal;
    return {hand_inputs(c, {"a", "b", "c"}, mat({{1, 0}, {0, 1}, {1, 1}})),
            hand_weights(MatRM::Identity(2, 2), mat({{1, 1}, {0, 1}}), MatRM::Identity(2, 2), mat({{0, 1}, {1, 0}}))};
}

TEST(ForwardHand, SingleHeadThreeTokens) {
    const HandBlock b = single_head_block(false);
    const Trace t = forward(b.in, b.w);
    ASSERT_EQ(t.n, 3);
    ASSERT_EQ(t.m, 3);
    EXPECT_EQ(t.X_in, b.in.X);  // positional = none
    EXPECT_TRUE(all_close(t.K[0], mat({{1, 1}, {0, 1}, {1, 2}}), 0.0f));
    EXPECT_TRUE(all_close(t.scores[0], mat({{1, 0, 1}, {1, 1, 2}, {2, 1, 3}}), 0.0f));
    EXPECT_FLOAT_EQ(t.multiplier, 0.70710678f);
    EXPECT_TRUE(all_close(t.weights[0],
                          mat({{0.4011121f, 0.1977758f, 0.4011121f},
                               {0.2482551f, 0.2482551f, 0.5034898f},
                               {0.2839954f, 0.1400292f, 0.5759753f}}),
                          1e-6f));
    EXPECT_TRUE(all_close(t.head_outputs[0],
                          mat({{0.8022242f, 0.5988879f}, {0.7517449f, 0.7517449f}, {0.8599708f, 0.7160046f}}), 1e-6f));
    EXPECT_TRUE(all_close(t.concat, t.head_outputs[0], 0.0f));
    EXPECT_TRUE(all_close(t.output,
                          mat({{0.5988879f, 0.8022242f}, {0.7517449f, 0.7517449f}, {0.7160046f, 0.8599708f}}), 1e-6f));
}

TEST(ForwardHand, SingleHeadThreeTokensCausal) {
    // Same block, causal: row 0 sees key 0 only -> A = [1, 0, 0], H = V_0 = [1, 0];
    // row 1 sees logits [0.7071, 0.7071] -> A = [1/2, 1/2, 0], H = [1/2, 1/2];
    // row 2 sees all keys, unchanged from above.
    const HandBlock b = single_head_block(true);
    const Trace t = forward(b.in, b.w);
    EXPECT_TRUE(all_close(t.weights[0],
                          mat({{1.0f, 0.0f, 0.0f}, {0.5f, 0.5f, 0.0f}, {0.2839954f, 0.1400292f, 0.5759753f}}), 1e-6f));
    EXPECT_TRUE(all_close(t.head_outputs[0], mat({{1.0f, 0.0f}, {0.5f, 0.5f}, {0.8599708f, 0.7160046f}}), 1e-6f));
    EXPECT_TRUE(all_close(t.output, mat({{0.0f, 1.0f}, {0.5f, 0.5f}, {0.7160046f, 0.8599708f}}), 1e-6f));
}

TEST(ForwardHand, TwoHeadsOfWidthOneSplitTheColumns) {
    // d_model = 2, h = 2, d_k = d_v = 1, every W = I: head 0 reads column 0 of X, head 1 column 1.
    // multiplier = 1/√1 = 1.  X = [[1,0],[0,1],[1,1]].
    // head 0: q = k = v = [1,0,1];  S0 = q·kᵀ = [[1,0,1],[0,0,0],[1,0,1]]
    //   rows 0, 2: softmax[1,0,1] = [e, 1, e]/(2e+1) = [0.4223188, 0.1553624, 0.4223188], H = 2e/(2e+1) = 0.8446376
    //   row 1: uniform 1/3, H = (1+0+1)/3 = 0.6666667
    // head 1: q = k = v = [0,1,1];  S1 = [[0,0,0],[0,1,1],[0,1,1]]
    //   row 0: uniform, H = 2/3;  rows 1, 2: [1, e, e]/(1+2e) = [0.1553624, 0.4223188, 0.4223188],
    //   H = 2e/(1+2e) = 0.8446376
    // concat = [H0 | H1];  O = concat·I.
    const Config c = hand_config(2, 2, 1, 1);
    const Inputs in = hand_inputs(c, {"a", "b", "c"}, mat({{1, 0}, {0, 1}, {1, 1}}));
    const MatRM I = MatRM::Identity(2, 2);
    const Trace t = forward(in, hand_weights(I, I, I, I));
    ASSERT_EQ(t.weights.size(), 2u);
    const float p = 0.4223188f, q = 0.1553624f, u = 1.0f / 3.0f;
    EXPECT_TRUE(all_close(t.scores[0], mat({{1, 0, 1}, {0, 0, 0}, {1, 0, 1}}), 0.0f));
    EXPECT_TRUE(all_close(t.scores[1], mat({{0, 0, 0}, {0, 1, 1}, {0, 1, 1}}), 0.0f));
    EXPECT_TRUE(all_close(t.weights[0], mat({{p, q, p}, {u, u, u}, {p, q, p}}), 1e-6f));
    EXPECT_TRUE(all_close(t.weights[1], mat({{u, u, u}, {q, p, p}, {q, p, p}}), 1e-6f));
    const float big = 0.8446376f, third = 2.0f / 3.0f;
    EXPECT_TRUE(all_close(t.concat, mat({{big, third}, {third, big}, {big, big}}), 1e-6f));
    EXPECT_TRUE(all_close(t.output, t.concat, 0.0f));
    // Head 0, row 1 is uniform over 3 keys: entropy ln 3.
    EXPECT_NEAR(t.diagnostics[0].entropy[1], std::log(3.0f), 1e-6f);
}

// ---- properties on seeded blocks ----------------------------------------------------

Config seeded(const std::string& text, Positional pos = Positional::Sinusoidal) {
    Config c;
    c.text = text;
    c.d_model = 32;
    c.n_heads = 4;
    c.positional = pos;
    return c;
}

TEST(Forward, WeightRowsSumToOneForEveryScheme) {
    for (Positional pos : {Positional::None, Positional::Sinusoidal, Positional::Learned, Positional::Rope,
                           Positional::Alibi}) {
        for (int window : {0, 2}) {
            Config c = seeded("the quick brown fox jumps over the lazy dog", pos);
            c.window = window;
            const Trace t = run(c);
            for (int a = 0; a < 4; ++a)
                for (int i = 0; i < t.n; ++i)
                    EXPECT_NEAR(t.weights[static_cast<std::size_t>(a)].row(i).sum(), 1.0f, 1e-6f)
                        << to_string(pos) << " window " << window << " head " << a << " row " << i;
        }
    }
}

TEST(Forward, CausalLeavesExactZerosAboveTheDiagonal) {
    Config c = seeded("the cat sat on the mat today");
    c.causal = true;
    const Trace t = run(c);
    for (int a = 0; a < 4; ++a) {
        const MatRM& A = t.weights[static_cast<std::size_t>(a)];
        for (int i = 0; i < t.n; ++i) {
            for (int j = i + 1; j < t.m; ++j) EXPECT_EQ(A(i, j), 0.0f) << "head " << a << " (" << i << "," << j << ")";
            EXPECT_NEAR(A.row(i).head(i + 1).sum(), 1.0f, 1e-6f);
        }
        EXPECT_EQ(A(0, 0), 1.0f);  // the first query sees only itself
    }
}

TEST(Forward, PaddedKeysGetExactlyZeroWeight) {
    Config c = seeded("the cat sat on the mat");
    c.padding = {1, 4};
    const Trace t = run(c);
    for (int a = 0; a < 4; ++a) {
        const MatRM& A = t.weights[static_cast<std::size_t>(a)];
        for (int i = 0; i < t.n; ++i) {
            EXPECT_EQ(A(i, 1), 0.0f);
            EXPECT_EQ(A(i, 4), 0.0f);
            EXPECT_NEAR(A.row(i).sum(), 1.0f, 1e-6f);
        }
        // The visible keys share the weight as a softmax over only them.
        EXPECT_TRUE(all_close(A, softmax_reference(t.scaled_scores(a), &t.mask), 1e-6f));
    }
}

TEST(Forward, FullyMaskedRowIsZeroFlaggedAndFinite) {
    // padding {0} + causal: query 0 may see only key 0, which is padded.
    Config c = seeded("the cat sat on the mat");
    c.padding = {0};
    c.causal = true;
    const Trace t = run(c);
    EXPECT_EQ(t.fully_masked, (std::vector<char>{1, 0, 0, 0, 0, 0}));
    for (int a = 0; a < 4; ++a) {
        const auto ua = static_cast<std::size_t>(a);
        EXPECT_EQ(RowVec(t.weights[ua].row(0)), RowVec::Zero(t.m));
        EXPECT_EQ(RowVec(t.head_outputs[ua].row(0)), RowVec::Zero(c.d_model / 4));
        EXPECT_EQ(t.diagnostics[ua].argmax[0], -1);
        EXPECT_EQ(t.diagnostics[ua].entropy[0], 0.0f);
        EXPECT_EQ(t.diagnostics[ua].max_weight[0], 0.0f);
        EXPECT_TRUE(std::isfinite(t.diagnostics[ua].mean_entropy));
        for (int i = 1; i < t.n; ++i) EXPECT_NEAR(t.weights[ua].row(i).sum(), 1.0f, 1e-6f);
    }
    EXPECT_EQ(RowVec(t.concat.row(0)), RowVec::Zero(t.concat.cols()));
    EXPECT_EQ(RowVec(t.output.row(0)), RowVec::Zero(c.d_model));

    // Nothing NaN or Inf anywhere; logits and the additive mask hold −∞ exactly where masked.
    const std::vector<NamedTensor> all = named_tensors(t);
    ASSERT_FALSE(all.empty());
    for (const NamedTensor& nt : all) {
        const bool may_hold_neg_inf = nt.name == "logits" || nt.name == "additive_mask";
        for (std::size_t k = 0; k < nt.data.size(); ++k) {
            const float v = nt.data[k];
            ASSERT_FALSE(std::isnan(v)) << nt.name << "[" << k << "]";
            if (!may_hold_neg_inf) {
                ASSERT_TRUE(std::isfinite(v)) << nt.name << "[" << k << "] = " << v;
            } else {
                const std::size_t cell = k % static_cast<std::size_t>(t.n * t.m);
                const bool masked = t.mask.data()[cell] < 0.5f;
                if (masked)
                    ASSERT_EQ(v, kNegInf) << nt.name << "[" << k << "]";
                else
                    ASSERT_TRUE(std::isfinite(v)) << nt.name << "[" << k << "]";
            }
        }
    }
}

TEST(Forward, EachScaleModeAndTemperature) {
    // d_model = 32, h = 2 -> d_k = 16: sqrt gives 1/4, linear 1/16, none 1; T divides.
    struct Mode {
        ScaleMode scale;
        double base;
    };
    for (const Mode& mode :
         {Mode{ScaleMode::Sqrt, 0.25}, Mode{ScaleMode::Linear, 1.0 / 16}, Mode{ScaleMode::None, 1.0}}) {
        for (double T : {1.0, 0.25, 3.0}) {
            Config c = seeded("attention is all you need");
            c.n_heads = 2;
            c.scale = mode.scale;
            c.temperature = T;
            const Trace t = run(c);
            const double expected = mode.base / T;
            EXPECT_FLOAT_EQ(t.multiplier, static_cast<float>(expected)) << to_string(mode.scale) << " T=" << T;
            for (int a = 0; a < 2; ++a) {
                const MatRM& S = t.scores[static_cast<std::size_t>(a)];
                const MatRM logits = (S.cast<double>() * expected).cast<float>();
                EXPECT_TRUE(all_close(t.weights[static_cast<std::size_t>(a)], softmax_reference(logits), 1e-6f))
                    << to_string(mode.scale) << " T=" << T << " head " << a;
            }
        }
    }
    // The modes really differ: sqrt and none give different weights for the same scores.
    Config c = seeded("attention is all you need");
    c.scale = ScaleMode::None;
    const Trace none = run(c);
    c.scale = ScaleMode::Sqrt;
    const Trace sqrt = run(c);
    EXPECT_EQ(none.scores[0], sqrt.scores[0]);
    EXPECT_FALSE(all_close(none.weights[0], sqrt.weights[0], 1e-3f));
}

// ---- GQA / MQA ----------------------------------------------------------------------

bool bit_identical(const MatRM& a, const MatRM& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(float)) == 0;
}

TEST(Gqa, KvHeadsEqualToHeadsIsPlainMha) {
    Config mha = seeded("the cat sat on the mat");
    mha.n_heads = 8;
    Config gqa = mha;
    gqa.n_kv_heads = 8;
    const Trace a = run(mha), b = run(gqa);
    EXPECT_EQ(a.config.n_kv_heads, 8);
    ASSERT_EQ(a.K.size(), 8u);
    ASSERT_EQ(b.K.size(), 8u);
    for (std::size_t h = 0; h < 8; ++h) {
        EXPECT_TRUE(bit_identical(a.K[h], b.K[h]));
        EXPECT_TRUE(bit_identical(a.weights[h], b.weights[h]));
    }
    EXPECT_TRUE(bit_identical(a.output, b.output));
}

TEST(Gqa, QueryHeadsReadConsecutiveKvHeads) {
    // h = 8, kv = 2: heads 0-3 read K/V head 0, heads 4-7 read K/V head 1.
    Config c = seeded("the cat sat on the mat");
    c.n_heads = 8;
    c.n_kv_heads = 2;
    const Trace t = run(c);
    ASSERT_EQ(t.K.size(), 2u);
    ASSERT_EQ(t.V.size(), 2u);
    EXPECT_EQ(t.W_K.cols(), 2 * 4);  // kv·d_k, d_k = 32 / 8
    for (int a = 0; a < 8; ++a) {
        const auto ua = static_cast<std::size_t>(a);
        const int g = a < 4 ? 0 : 1;
        EXPECT_EQ(t.kv_head(a), g);
        const auto ug = static_cast<std::size_t>(g);
        EXPECT_TRUE(all_close(t.scores[ua], t.Q[ua] * t.K[ug].transpose(), 1e-5f)) << "head " << a;
        EXPECT_FALSE(all_close(t.scores[ua], t.Q[ua] * t.K[1 - ug].transpose(), 1e-3f)) << "head " << a;
        EXPECT_TRUE(all_close(t.head_outputs[ua], t.weights[ua] * t.V[ug], 1e-5f)) << "head " << a;
    }
}

TEST(Gqa, EqualsMhaWithRepeatedKvWeights) {
    // GQA(kv = 2) is MHA whose W_K, W_V repeat each K/V head's columns for the query heads sharing it.
    Config c = seeded("sharing keys and values across heads");
    c.n_kv_heads = 2;  // h = 4, d_k = d_v = 8
    const Inputs gin = prepare(c);
    const Weights gw = make_weights(gin.config);
    const Trace g = forward(gin, gw);

    Config m = c;
    m.n_kv_heads = 4;
    const Inputs min = prepare(m);
    Weights mw = gw;
    mw.W_K.resize(32, 4 * 8);
    mw.W_V.resize(32, 4 * 8);
    for (int a = 0; a < 4; ++a) {
        const int src = a / 2;
        mw.W_K.middleCols(a * 8, 8) = gw.W_K.middleCols(src * 8, 8);
        mw.W_V.middleCols(a * 8, 8) = gw.W_V.middleCols(src * 8, 8);
    }
    const Trace t = forward(min, mw);
    for (std::size_t a = 0; a < 4; ++a) {
        EXPECT_TRUE(all_close(t.weights[a], g.weights[a], 1e-6f)) << "head " << a;
        EXPECT_TRUE(all_close(t.head_outputs[a], g.head_outputs[a], 1e-6f)) << "head " << a;
    }
    EXPECT_TRUE(all_close(t.output, g.output, 1e-5f));
}

TEST(Mqa, EveryQueryHeadUsesTheSameKv) {
    Config c = seeded("one key to rule them all");
    c.n_kv_heads = 1;
    const Trace t = run(c);
    ASSERT_EQ(t.K.size(), 1u);
    ASSERT_EQ(t.V.size(), 1u);
    EXPECT_EQ(t.W_K.cols(), 8);
    EXPECT_EQ(t.W_V.cols(), 8);
    for (int a = 0; a < 4; ++a) {
        const auto ua = static_cast<std::size_t>(a);
        EXPECT_EQ(t.kv_head(a), 0);
        EXPECT_TRUE(all_close(t.scores[ua], t.Q[ua] * t.K[0].transpose(), 1e-5f)) << "head " << a;
        EXPECT_TRUE(all_close(t.head_outputs[ua], t.weights[ua] * t.V[0], 1e-5f)) << "head " << a;
    }
    // Different query heads still attend differently (their W_Q columns differ).
    EXPECT_FALSE(all_close(t.weights[0], t.weights[1], 1e-3f));
}

// ---- ALiBi --------------------------------------------------------------------------

TEST(Alibi, SlopesAndDistanceBiasInTheLogits) {
    Config c = seeded("the cat sat on the mat");
    c.n_heads = 8;
    c.positional = Positional::Alibi;
    const Trace t = run(c);
    ASSERT_EQ(t.alibi_slopes.size(), 8u);
    for (int a = 0; a < 8; ++a) EXPECT_EQ(t.alibi_slopes[static_cast<std::size_t>(a)], std::ldexp(1.0f, -(a + 1)));
    EXPECT_EQ(t.PE, MatRM::Zero(t.n, 32));  // ALiBi adds nothing to X
    for (int a = 0; a < 8; ++a) {
        const double m_a = std::ldexp(1.0, -(a + 1));
        const MatRM& S = t.scores[static_cast<std::size_t>(a)];
        MatRM expected(t.n, t.m);  // multiplier·S − m_a·|i − j|
        for (int i = 0; i < t.n; ++i)
            for (int j = 0; j < t.m; ++j) {
                const double z = t.multiplier * static_cast<double>(S(i, j)) - m_a * std::abs(i - j);
                expected(i, j) = static_cast<float>(z);
                EXPECT_FLOAT_EQ(t.bias(a, i, j), static_cast<float>(-m_a * std::abs(i - j)));
            }
        EXPECT_TRUE(all_close(t.logits(a), expected, 1e-5f)) << "head " << a;
        EXPECT_TRUE(all_close(t.weights[static_cast<std::size_t>(a)], softmax_reference(expected), 1e-6f))
            << "head " << a;
    }
}

TEST(Alibi, IdenticalTokensAttendByDistanceAlone) {
    // "a a a": every score is equal, so only the bias −m·|i−j| matters.  Head 0 of 8: m = 1/2.
    //   row 0: ∝ [1, e^-0.5, e^-1] = [1, 0.606531, 0.367879] / 1.974410 = [0.5064804, 0.3071959, 0.1863237]
    //   row 1: ∝ [e^-0.5, 1, e^-0.5] = [0.2740686, 0.4518628, 0.2740686]
    Config c = seeded("a a a", Positional::Alibi);
    c.n_heads = 8;
    const Trace t = run(c);
    EXPECT_TRUE(all_close(t.weights[0],
                          mat({{0.5064804f, 0.3071959f, 0.1863237f},
                               {0.2740686f, 0.4518628f, 0.2740686f},
                               {0.1863237f, 0.3071959f, 0.5064804f}}),
                          1e-6f));
}

// ---- RoPE in the block ----------------------------------------------------------------

TEST(RopeForward, RotatesQAndKButNotVAndScoresAreRelative) {
    // "x y x y" with RoPE and nothing added to X: rows 0 and 2 (and 1 and 3) have the same
    // projections, so S(0,1) = S(2,3) and S(0,0) = S(2,2) — only the offset counts.
    for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::Half}) {
        Config c = seeded("x y x y", Positional::Rope);
        c.rope_style = style;
        const Trace t = run(c);
        EXPECT_EQ(t.X_in, t.X);
        for (int a = 0; a < 4; ++a) {
            const auto ua = static_cast<std::size_t>(a);
            EXPECT_TRUE(all_close(t.Q[ua], apply_rope(t.Q_proj[ua], c.rope_base, style), 0.0f));
            EXPECT_TRUE(all_close(t.K[ua], apply_rope(t.K_proj[ua], c.rope_base, style), 0.0f));
            const MatRM& S = t.scores[ua];
            EXPECT_NEAR(S(0, 1), S(2, 3), 1e-4f) << to_string(style) << " head " << a;
            EXPECT_NEAR(S(1, 0), S(3, 2), 1e-4f) << to_string(style) << " head " << a;
            EXPECT_NEAR(S(0, 0), S(2, 2), 1e-4f) << to_string(style) << " head " << a;
        }
    }
}

// ---- cross-attention -------------------------------------------------------------------

TEST(Cross, ShapesFollowTheSource) {
    Config c = seeded("the cat sat");
    c.source = "le chat est assis sur le tapis";
    c.n_kv_heads = 2;
    const Trace t = run(c);
    ASSERT_EQ(t.n, 3);
    ASSERT_EQ(t.m, 7);
    EXPECT_EQ(t.source_tokens.size(), 7u);
    EXPECT_EQ(t.X_source.rows(), 7);
    EXPECT_TRUE(all_close(t.X_in_source, t.X_source + sinusoidal_pe(7, 32), 0.0f));
    EXPECT_EQ(RowVec(t.X_source.row(0)), RowVec(t.X_source.row(5)));  // "le" twice
    EXPECT_EQ(t.mask.rows(), 3);
    EXPECT_EQ(t.mask.cols(), 7);
    for (std::size_t g = 0; g < 2; ++g) {
        EXPECT_EQ(t.K[g].rows(), 7);
        EXPECT_EQ(t.V[g].rows(), 7);
    }
    for (std::size_t a = 0; a < 4; ++a) {
        EXPECT_EQ(t.scores[a].rows(), 3);
        EXPECT_EQ(t.scores[a].cols(), 7);
        EXPECT_EQ(t.weights[a].cols(), 7);
        for (int i = 0; i < 3; ++i) EXPECT_NEAR(t.weights[a].row(i).sum(), 1.0f, 1e-6f);
    }
    bool has_source = false;
    for (const NamedTensor& nt : named_tensors(t)) {
        if (nt.name == "X_in_source") {
            has_source = true;
            EXPECT_EQ(nt.shape, (std::vector<int>{7, 32}));
        }
        if (nt.name == "scores") {
            EXPECT_EQ(nt.shape, (std::vector<int>{4, 3, 7}));
        }
        if (nt.name == "K") {
            EXPECT_EQ(nt.shape, (std::vector<int>{2, 7, 8}));
        }
    }
    EXPECT_TRUE(has_source);
}

TEST(Cross, PaddingIndexesTheSource) {
    Config c = seeded("the cat sat");
    c.source = "le chat est assis sur le <pad>";
    c.padding = {4};
    const Trace t = run(c);
    EXPECT_EQ(t.config.padding, (std::vector<int>{4, 6}));  // the source's <pad> is merged in
    for (std::size_t a = 0; a < 4; ++a)
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(t.weights[a](i, 4), 0.0f);
            EXPECT_EQ(t.weights[a](i, 6), 0.0f);
        }
    // Index 5 is past the 3 query tokens but inside the 7 source tokens: fine. 7 is not.
    c.padding = {7};
    EXPECT_TRUE(throws_config_error([&] { prepare(c); }, "padding", {"padding=7", "past the last source token",
                                                                       "index 6"}));
}

TEST(Cross, CausalWithSourceRejected) {
    Config c = seeded("the cat sat");
    c.source = "le chat";
    c.causal = true;
    EXPECT_TRUE(throws_config_error([&] { run(c); }, "causal", {"causal=true"}));
}

// Window and ALiBi compare positions inside one sequence; a query index and a source index are not
// on one axis, so both are refused rather than computed on a meaningless |i - j|.
TEST(Cross, WindowAndAlibiWithSourceRejected) {
    Config c = seeded("the cat sat");
    c.source = "le chat";
    c.window = 2;
    EXPECT_TRUE(throws_config_error([&] { run(c); }, "window", {"window=2", "source"}));
    c.window = 0;
    c.positional = Positional::Alibi;
    EXPECT_TRUE(throws_config_error([&] { run(c); }, "positional", {"positional=alibi", "source"}));
}

// ---- prepare ----------------------------------------------------------------------

TEST(Prepare, PadTokensMergeIntoPaddingSortedAndUnique) {
    Config c = seeded("the <pad> cat <pad> sat");
    c.padding = {3, 0};
    const Inputs in = prepare(c);
    EXPECT_EQ(in.tokens, (std::vector<std::string>{"the", "<pad>", "cat", "<pad>", "sat"}));
    EXPECT_EQ(in.config.padding, (std::vector<int>{0, 1, 3}));
    EXPECT_EQ(in.X.rows(), 5);
    const Trace t = forward(in, make_weights(in.config));
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(t.weights[0](i, 1), 0.0f);
        EXPECT_EQ(t.weights[0](i, 3), 0.0f);
    }
}

TEST(Prepare, PaddingPastTheEndRejected) {
    Config c = seeded("the cat sat");
    c.padding = {3};
    EXPECT_TRUE(throws_config_error([&] { prepare(c); }, "padding", {"padding=3", "past the last token", "index 2"}));
    c.padding = {2};
    EXPECT_EQ(prepare(c).config.padding, (std::vector<int>{2}));
}

TEST(Prepare, RejectsBadTextAndBadConfig) {
    EXPECT_TRUE(throws_config_error([] { prepare(seeded("   ")); }, "text", {"empty"}));
    Config c = seeded("ok");
    c.source = "\xff";
    EXPECT_TRUE(throws_config_error([&] { prepare(c); }, "source", {"invalid UTF-8"}));
    c = seeded("ok");
    c.n_kv_heads = 3;
    EXPECT_TRUE(throws_config_error([&] { prepare(c); }, "n_kv_heads", {"n_kv_heads=3 must divide n_heads=4"}));
}

// ---- learned positions past the table ----------------------------------------------------

TEST(LearnedForward, PositionsPastTheTableAreUntrainedAndZero) {
    std::string text;
    for (int k = 0; k < 70; ++k) text += "w" + std::to_string(k) + " ";
    const Trace t = run(seeded(text, Positional::Learned));
    ASSERT_EQ(t.n, 70);
    EXPECT_EQ(t.untrained_positions, 6);  // positions 64..69
    const Weights w = make_weights(t.config);
    EXPECT_EQ(MatRM(t.PE.topRows(64)), w.learned_pe);
    EXPECT_EQ(MatRM(t.PE.bottomRows(6)), MatRM::Zero(6, 32));
    EXPECT_EQ(MatRM(t.X_in.bottomRows(6)), MatRM(t.X.bottomRows(6)));

    EXPECT_EQ(run(seeded("short text", Positional::Learned)).untrained_positions, 0);
    EXPECT_EQ(run(seeded(text, Positional::Sinusoidal)).untrained_positions, 0);
    // Cross-attention counts the longer of the two sequences.
    Config c = seeded("the cat", Positional::Learned);
    c.source = text;
    EXPECT_EQ(run(c).untrained_positions, 6);
}

// ---- symmetry and determinism -------------------------------------------------------------

TEST(Forward, PermutationEquivariantWithoutPositionsOrMask) {
    // With no positions and no mask, attention is a set operation: permuting the tokens permutes
    // the output rows (and both axes of every weight matrix).
    const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta", "epsilon"};
    const int perm[] = {3, 0, 4, 1, 2};  // new token i is old token perm[i]
    std::string original, permuted;
    for (int i = 0; i < 5; ++i) {
        original += words[static_cast<std::size_t>(i)] + " ";
        permuted += words[static_cast<std::size_t>(perm[i])] + " ";
    }
    const Trace a = run(seeded(original, Positional::None));
    const Trace b = run(seeded(permuted, Positional::None));
    MatRM expected_out(5, 32);
    for (int i = 0; i < 5; ++i) expected_out.row(i) = a.output.row(perm[i]);
    EXPECT_TRUE(all_close(b.output, expected_out, 1e-5f));
    for (std::size_t h = 0; h < 4; ++h) {
        MatRM expected_w(5, 5);
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 5; ++j) expected_w(i, j) = a.weights[h](perm[i], perm[j]);
        EXPECT_TRUE(all_close(b.weights[h], expected_w, 1e-6f)) << "head " << h;
    }
    // With sinusoidal positions the same permutation does not commute.
    const Trace c = run(seeded(original)), d = run(seeded(permuted));
    for (int i = 0; i < 5; ++i) expected_out.row(i) = c.output.row(perm[i]);
    EXPECT_FALSE(all_close(d.output, expected_out, 1e-3f));
}

TEST(Forward, RunTwiceIsBitIdentical) {
    Config c = seeded("the cat sat on the mat, and the cat slept.");
    c.n_kv_heads = 2;
    c.causal = true;
    c.window = 4;
    c.padding = {2};
    const Trace a = run(c), b = run(c);
    const std::vector<NamedTensor> ta = named_tensors(a), tb = named_tensors(b);
    ASSERT_EQ(ta.size(), tb.size());
    for (std::size_t k = 0; k < ta.size(); ++k) {
        EXPECT_EQ(ta[k].name, tb[k].name);
        EXPECT_EQ(ta[k].shape, tb[k].shape);
        ASSERT_EQ(ta[k].data.size(), tb[k].data.size());
        EXPECT_EQ(std::memcmp(ta[k].data.data(), tb[k].data.data(), ta[k].data.size() * sizeof(float)), 0)
            << ta[k].name;
    }
    EXPECT_EQ(a.diagnostics[1].entropy, b.diagnostics[1].entropy);
}

TEST(Forward, SameTokenSameEmbeddingRowWherever) {
    const Trace t = run(seeded("the cat sat on the cat"));
    EXPECT_EQ(RowVec(t.X.row(1)), RowVec(t.X.row(5)));
    EXPECT_EQ(RowVec(t.X.row(1)), embed_token("cat", 42, 32));
    // Position makes the inputs differ: X_in rows 1 and 5 are not equal.
    EXPECT_NE(RowVec(t.X_in.row(1)), RowVec(t.X_in.row(5)));
    EXPECT_TRUE(all_close(t.X_in, t.X + sinusoidal_pe(6, 32), 0.0f));
}

TEST(Forward, EditedInputsRecomputeDownstream) {
    Inputs in = prepare(seeded("the cat sat"));
    const Weights w = make_weights(in.config);
    const Trace before = forward(in, w);
    in.X(1, 0) += 5.0f;
    const Trace after = forward(in, w);
    EXPECT_EQ(RowVec(after.X.row(0)), RowVec(before.X.row(0)));
    EXPECT_FALSE(all_close(after.output, before.output, 1e-4f));
}

}  // namespace
}  // namespace attnviz
