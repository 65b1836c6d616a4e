// The Trace: its derived views (scaled scores, bias, logits, additive mask), the per-head
// diagnostics, and named_tensors — the names, order, shapes and data the exporters write.
#include "core/attention.hpp"
#include "core/trace.hpp"

#include "test_helpers.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>

namespace attnviz {
namespace {

using test::all_close;

// d_model = 24, h = 4, kv = 2, d_k = 8, d_v = 5, n = 3: every size different, so a swapped
// axis shows up as a wrong shape.
Config shaped() {
    Config c;
    c.text = "the cat sat";
    c.d_model = 24;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    c.d_k = 8;
    c.d_v = 5;
    return c;
}

const NamedTensor* find(const std::vector<NamedTensor>& all, const std::string& name) {
    for (const NamedTensor& t : all)
        if (t.name == name) return &t;
    return nullptr;
}

TEST(NamedTensors, NamesInPipelineOrder) {
    const std::vector<NamedTensor> all = named_tensors(run(shaped()));
    std::vector<std::string> names;
    for (const NamedTensor& t : all) names.push_back(t.name);
    EXPECT_EQ(names, (std::vector<std::string>{"X", "PE", "X_in", "W_Q", "W_K", "W_V", "W_O", "Q_proj", "K_proj", "Q",
                                               "K", "V", "scores", "scores_scaled", "mask", "additive_mask", "logits",
                                               "weights", "head_outputs", "concat", "output"}));
}

TEST(NamedTensors, ShapesOfTheRequiredNames) {
    const std::vector<NamedTensor> all = named_tensors(run(shaped()));
    const std::vector<std::pair<std::string, std::vector<int>>> expected = {
        {"X", {3, 24}},                // [n, d_model]
        {"PE", {3, 24}},               // [n, d_model]
        {"X_in", {3, 24}},             // [n, d_model]
        {"W_Q", {24, 32}},             // [d_model, h·d_k]
        {"W_K", {24, 16}},             // [d_model, kv·d_k]
        {"W_V", {24, 10}},             // [d_model, kv·d_v]
        {"W_O", {20, 24}},             // [h·d_v, d_model]
        {"Q_proj", {4, 3, 8}},         // [h, n, d_k]
        {"K_proj", {2, 3, 8}},         // [kv, n, d_k]
        {"Q", {4, 3, 8}},              // [h, n, d_k]
        {"K", {2, 3, 8}},              // [kv, n, d_k]
        {"V", {2, 3, 5}},              // [kv, n, d_v]
        {"scores", {4, 3, 3}},         // [h, n, n]
        {"scores_scaled", {4, 3, 3}},  // [h, n, n]
        {"mask", {3, 3}},              // [n, n]
        {"additive_mask", {3, 3}},     // [n, n]
        {"logits", {4, 3, 3}},         // [h, n, n]
        {"weights", {4, 3, 3}},        // [h, n, n]
        {"head_outputs", {4, 3, 5}},   // [h, n, d_v]
        {"concat", {3, 20}},           // [n, h·d_v]
        {"output", {3, 24}},           // [n, d_model]
    };
    for (const auto& [name, shape] : expected) {
        const NamedTensor* t = find(all, name);
        ASSERT_NE(t, nullptr) << name;
        EXPECT_EQ(t->shape, shape) << name;
        const std::size_t size =
            std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<std::size_t>());
        EXPECT_EQ(t->data.size(), size) << name;
        EXPECT_FALSE(t->equation.empty()) << name;
    }
}

TEST(NamedTensors, DataIsRowMajorPerHead) {
    const Trace t = run(shaped());
    const std::vector<NamedTensor> all = named_tensors(t);
    const NamedTensor* w = find(all, "weights");
    const NamedTensor* v = find(all, "V");
    const NamedTensor* wq = find(all, "W_Q");
    ASSERT_TRUE(w && v && wq);
    for (int a = 0; a < 4; ++a)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
                EXPECT_EQ(w->data[static_cast<std::size_t>(a * 9 + i * 3 + j)],
                          t.weights[static_cast<std::size_t>(a)](i, j));
    EXPECT_EQ(v->data[static_cast<std::size_t>(1 * 15 + 2 * 5 + 4)], t.V[1](2, 4));  // head 1, row 2, col 4
    EXPECT_EQ(wq->data[static_cast<std::size_t>(5 * 32 + 17)], t.W_Q(5, 17));
}

TEST(NamedTensors, AlibiSlopesAppearWhenUsed) {
    Config c = shaped();
    c.positional = Positional::Alibi;
    const std::vector<NamedTensor> all = named_tensors(run(c));
    const NamedTensor* slopes = find(all, "alibi_slopes");
    ASSERT_NE(slopes, nullptr);
    EXPECT_EQ(slopes->shape, (std::vector<int>{4}));
    EXPECT_EQ(slopes->data, (std::vector<float>{0.25f, 0.0625f, 0.015625f, 0.00390625f}));  // 2^(-8(a+1)/4)
    EXPECT_NE(find(all, "logits")->equation.find("m_a·|i−j|"), std::string::npos);
    EXPECT_EQ(find(named_tensors(run(shaped())), "alibi_slopes"), nullptr);
}

TEST(NamedTensors, CrossSourceTensorsAppearWhenUsed) {
    Config c = shaped();
    c.source = "le chat est assis";
    const std::vector<NamedTensor> all = named_tensors(run(c));
    ASSERT_NE(find(all, "X_source"), nullptr);
    ASSERT_NE(find(all, "X_in_source"), nullptr);
    EXPECT_EQ(find(all, "X_in_source")->shape, (std::vector<int>{4, 24}));
    EXPECT_EQ(find(all, "scores")->shape, (std::vector<int>{4, 3, 4}));
    EXPECT_EQ(find(all, "K_proj")->equation, "K_proj = X_in_source·W_K, split into K/V heads");
    // Neither appears for plain self-attention.
    const std::vector<NamedTensor> plain = named_tensors(run(shaped()));
    EXPECT_EQ(find(plain, "X_in_source"), nullptr);
    EXPECT_EQ(find(plain, "K_proj")->equation, "K_proj = X_in·W_K, split into K/V heads");
}

TEST(NamedTensors, ScaleEquationNamesModeAndTemperature) {
    Config c = shaped();
    EXPECT_EQ(find(named_tensors(run(c)), "scores_scaled")->equation, "S/√d_k");
    c.scale = ScaleMode::Linear;
    c.temperature = 2.0;
    EXPECT_EQ(find(named_tensors(run(c)), "scores_scaled")->equation, "S/d_k/T");
    c.scale = ScaleMode::None;
    c.temperature = 1.0;
    EXPECT_EQ(find(named_tensors(run(c)), "scores_scaled")->equation, "S");
}

// ---- derived views ----------------------------------------------------------------

TEST(TraceViews, ScaledLogitsAndAdditiveMaskAgree) {
    Config c = shaped();
    c.text = "the cat sat on the mat";
    c.causal = true;
    const Trace t = run(c);
    const MatRM M = t.additive_mask();
    for (int a = 0; a < 4; ++a) {
        const MatRM scaled = t.scaled_scores(a);
        const MatRM Z = t.logits(a);
        for (int i = 0; i < t.n; ++i)
            for (int j = 0; j < t.m; ++j) {
                EXPECT_EQ(scaled(i, j), t.multiplier * t.scores[static_cast<std::size_t>(a)](i, j));
                EXPECT_EQ(t.scaled(a, i, j), scaled(i, j));
                EXPECT_EQ(t.bias(a, i, j), 0.0f);  // no ALiBi
                if (j > i) {
                    EXPECT_FALSE(t.visible(i, j));
                    EXPECT_EQ(M(i, j), kNegInf);
                    EXPECT_EQ(Z(i, j), kNegInf);
                    EXPECT_EQ(t.logit(a, i, j), kNegInf);
                } else {
                    EXPECT_TRUE(t.visible(i, j));
                    EXPECT_EQ(M(i, j), 0.0f);
                    EXPECT_EQ(Z(i, j), scaled(i, j));
                }
            }
    }
}

// ---- diagnostics --------------------------------------------------------------------

TEST(Diagnostics, UniformRowsHaveEntropyLnK) {
    // "a a a a" without positions: every q·k is the same number, so each row is uniform over its
    // visible keys. Without a mask: ln 4 per row. Causal: row i sees i+1 keys, entropy ln(i+1),
    // mean (0 + ln 2 + ln 3 + ln 4) / 4 = 0.7945135.
    Config c = shaped();
    c.text = "a a a a";
    c.positional = Positional::None;
    const Trace full = run(c);
    for (float h : full.diagnostics[0].entropy) EXPECT_NEAR(h, std::log(4.0f), 1e-6f);
    EXPECT_EQ(full.diagnostics[0].entropy.size(), 4u);
    EXPECT_NEAR(full.diagnostics[2].mean_entropy, std::log(4.0f), 1e-6f);
    c.causal = true;
    const Trace causal = run(c);
    for (int a = 0; a < 4; ++a) {
        for (int i = 0; i < 4; ++i)
            EXPECT_NEAR(causal.diagnostics[static_cast<std::size_t>(a)].entropy[static_cast<std::size_t>(i)],
                        std::log(static_cast<float>(i + 1)), 1e-6f);
        EXPECT_NEAR(causal.diagnostics[static_cast<std::size_t>(a)].mean_entropy, 0.7945135f, 1e-6f);
    }
}

TEST(Diagnostics, ConsistentWithTheWeights) {
    Config c = shaped();
    c.text = "the quick brown fox jumps over the lazy dog";
    c.window = 3;
    c.temperature = 0.5;
    const Trace t = run(c);
    for (int a = 0; a < 4; ++a) {
        const HeadDiagnostics& dg = t.diagnostics[static_cast<std::size_t>(a)];
        const MatRM& A = t.weights[static_cast<std::size_t>(a)];
        ASSERT_EQ(dg.entropy.size(), static_cast<std::size_t>(t.n));
        double entropy_sum = 0.0;
        for (int i = 0; i < t.n; ++i) {
            const auto ui = static_cast<std::size_t>(i);
            double h = 0.0;
            for (int j = 0; j < t.m; ++j)
                if (A(i, j) > 0.0f) h -= static_cast<double>(A(i, j)) * std::log(static_cast<double>(A(i, j)));
            EXPECT_NEAR(dg.entropy[ui], h, 1e-5) << "head " << a << " row " << i;
            entropy_sum += dg.entropy[ui];
            ASSERT_GE(dg.argmax[ui], 0);
            EXPECT_TRUE(t.visible(i, dg.argmax[ui]));
            EXPECT_FLOAT_EQ(A(i, dg.argmax[ui]), dg.max_weight[ui]) << "head " << a << " row " << i;
            EXPECT_FLOAT_EQ(A.row(i).maxCoeff(), dg.max_weight[ui]) << "head " << a << " row " << i;
        }
        EXPECT_NEAR(dg.mean_entropy, entropy_sum / t.n, 1e-5);
    }
}

TEST(Diagnostics, VariancesOverVisibleCellsAndScaledByMultiplierSquared) {
    for (bool causal : {false, true}) {
        Config c = shaped();
        c.text = "the quick brown fox jumps over the lazy dog";
        c.causal = causal;
        c.scale = ScaleMode::Linear;
        c.temperature = 0.7;
        const Trace t = run(c);
        for (int a = 0; a < 4; ++a) {
            const MatRM& S = t.scores[static_cast<std::size_t>(a)];
            double sum = 0.0, sum_sq = 0.0, count = 0.0;
            for (int i = 0; i < t.n; ++i)
                for (int j = 0; j < t.m; ++j)
                    if (t.visible(i, j)) {
                        sum += S(i, j);
                        sum_sq += static_cast<double>(S(i, j)) * S(i, j);
                        ++count;
                    }
            const double mean = sum / count, var = sum_sq / count - mean * mean;
            const HeadDiagnostics& dg = t.diagnostics[static_cast<std::size_t>(a)];
            EXPECT_NEAR(dg.raw_variance, var, 1e-4 * var) << "causal " << causal << " head " << a;
            const double m = t.multiplier;
            EXPECT_NEAR(dg.scaled_variance, m * m * dg.raw_variance, 1e-6 * dg.scaled_variance);
            EXPECT_GT(dg.raw_variance, 0.0f);
        }
    }
}

TEST(Diagnostics, FullyMaskedRowsAreLeftOutOfTheMean) {
    Config c = shaped();
    c.text = "the cat sat on the mat";
    c.causal = true;
    c.padding = {0};
    const Trace t = run(c);
    for (const HeadDiagnostics& dg : t.diagnostics) {
        EXPECT_EQ(dg.argmax[0], -1);
        EXPECT_EQ(dg.entropy[0], 0.0f);
        const float rest = std::accumulate(dg.entropy.begin() + 1, dg.entropy.end(), 0.0f) / 5.0f;
        EXPECT_NEAR(dg.mean_entropy, rest, 1e-6f);
    }
}

// The tensors as the exporters read them before views existed: copies of the stored ones and
// Trace's own scaled_scores, additive_mask and logits. Views must hand out exactly these bits.
std::vector<std::pair<std::string, std::vector<float>>> copied_the_old_way(const Trace& t) {
    const auto flat = [](const MatRM& m) { return std::vector<float>(m.data(), m.data() + m.size()); };
    const auto stacked = [](const Stack& s) {
        std::vector<float> out;
        for (const MatRM& m : s) out.insert(out.end(), m.data(), m.data() + m.size());
        return out;
    };
    Stack scaled, logits;
    for (int a = 0; a < t.config.n_heads; ++a) {
        scaled.push_back(t.scaled_scores(a));
        logits.push_back(t.logits(a));
    }
    std::vector<std::pair<std::string, std::vector<float>>> out = {
        {"X", flat(t.X)}, {"PE", flat(t.PE)}, {"X_in", flat(t.X_in)}, {"W_Q", flat(t.W_Q)}, {"W_K", flat(t.W_K)},
        {"W_V", flat(t.W_V)}, {"W_O", flat(t.W_O)}, {"Q_proj", stacked(t.Q_proj)}, {"K_proj", stacked(t.K_proj)},
        {"Q", stacked(t.Q)}, {"K", stacked(t.K)}, {"V", stacked(t.V)}, {"scores", stacked(t.scores)},
        {"scores_scaled", stacked(scaled)}, {"mask", flat(t.mask)}, {"additive_mask", flat(t.additive_mask())}};
    if (!t.alibi_slopes.empty()) out.emplace_back("alibi_slopes", t.alibi_slopes);
    out.emplace_back("logits", stacked(logits));
    out.emplace_back("weights", stacked(t.weights));
    out.emplace_back("head_outputs", stacked(t.head_outputs));
    out.emplace_back("concat", flat(t.concat));
    out.emplace_back("output", flat(t.output));
    return out;
}

TEST(TensorViews, HandOutTheTraceBitForBitAcrossRowBlocks) {
    // n = 300 keys: computed tensors come in blocks of 2^16 / 300 = 218 rows, so a block boundary
    // falls inside every head. ALiBi and a causal window exercise the bias and −∞ paths.
    Config c;
    std::string text;
    for (int i = 0; i < 300; ++i) text += (i ? " w" : "w") + std::to_string(i % 37);
    c.text = text;
    c.d_model = 16;
    c.n_heads = 2;
    c.positional = Positional::Alibi;
    c.causal = true;
    c.window = 40;
    const Trace t = run(c);
    const auto expected = copied_the_old_way(t);
    const std::vector<TensorView> views = tensor_views(t);
    ASSERT_EQ(views.size(), expected.size());
    for (std::size_t k = 0; k < views.size(); ++k) {
        SCOPED_TRACE(views[k].name);
        EXPECT_EQ(views[k].name, expected[k].first);
        std::vector<float> got;
        std::size_t chunks = 0;
        views[k].for_each_chunk([&](const float* p, std::size_t n) {
            got.insert(got.end(), p, p + n);
            ++chunks;
        });
        EXPECT_EQ(got.size(), views[k].numel());
        ASSERT_EQ(got.size(), expected[k].second.size());
        EXPECT_EQ(std::memcmp(got.data(), expected[k].second.data(), got.size() * sizeof(float)), 0);
        if (views[k].name == "logits") EXPECT_EQ(chunks, 4u);  // 2 heads × 2 blocks
    }
    // named_tensors is the views copied: same names, equations and shapes.
    const std::vector<NamedTensor> all = named_tensors(t);
    ASSERT_EQ(all.size(), views.size());
    for (std::size_t k = 0; k < all.size(); ++k) {
        EXPECT_EQ(all[k].equation, views[k].equation);
        EXPECT_EQ(all[k].shape, views[k].shape);
    }
}

}  // namespace
}  // namespace attnviz
