#include "core/head_presets.hpp"

#include "core/rng.hpp"
#include "test_helpers.hpp"

namespace attnviz::test {
namespace {

// 50 sentences of 3–30 words over a 20-word vocabulary, so repeats are common.
std::vector<std::string> sentences() {
    static const char* vocab[] = {"the", "cat", "sat", "on", "mat", "dog", "a", "ran", "to", "park",
                                  "big", "red", "sun", "and", "it", "was", "hot", "we", "saw", "birds"};
    Rng rng(2024);
    std::vector<std::string> out;
    for (int s = 0; s < 50; ++s) {
        const int n = 3 + static_cast<int>(rng.next_u64() % 28);
        std::string text;
        for (int i = 0; i < n; ++i) text += (i ? " " : "") + std::string(vocab[rng.next_u64() % 20]);
        out.push_back(text);
    }
    return out;
}

Trace run_preset(const std::string& text, Preset p, int heads = 5, std::uint64_t seed = 42, int d_model = 64) {
    Config c;
    c.text = text;
    c.n_heads = heads;
    c.d_model = d_model;
    c.seed = seed;
    c.d_v = 16;
    const PresetBuild b = build_preset(c, p);
    return forward(b.inputs, b.weights);
}

// The mixed preset with 5 heads has one head of each kind, in the order of HeadKind.
TEST(HeadPresets, EveryKindShowsItsPatternOnFiftySentences) {
    float worst_prev = 1, worst_self = 1, worst_first = 1, worst_copy = 1;
    for (std::uint64_t seed : {42ULL, 7ULL}) {
        for (const std::string& text : sentences()) {
            SCOPED_TRACE(text);
            const Trace t = run_preset(text, Preset::Mixed, 5, seed);
            const int n = t.n;
            for (int i = 0; i < n; ++i) {
                const auto ui = static_cast<std::size_t>(i);
                if (i >= 1) {
                    EXPECT_EQ(t.diagnostics[0].argmax[ui], i - 1) << "previous-token head, row " << i;
                    worst_prev = std::min(worst_prev, t.weights[0](i, i - 1));
                }
                EXPECT_EQ(t.diagnostics[1].argmax[ui], i) << "self head, row " << i;
                worst_self = std::min(worst_self, t.weights[1](i, i));
                EXPECT_EQ(t.diagnostics[2].argmax[ui], 0) << "first-token head, row " << i;
                worst_first = std::min(worst_first, t.weights[2](i, 0));
                float copies = 0.0f;
                bool has_copy = false;
                for (int j = 0; j < i; ++j) {
                    if (t.tokens[static_cast<std::size_t>(j)] == t.tokens[ui]) {
                        copies += t.weights[3](i, j);
                        has_copy = true;
                    }
                }
                if (has_copy) worst_copy = std::min(worst_copy, copies);
                const float even = 1.0f / static_cast<float>(i + 1);  // causal: keys 0..i
                for (int j = 0; j <= i; ++j) EXPECT_NEAR(t.weights[4](i, j), even, 1e-6f) << "uniform head";
            }
        }
    }
    // Margins measured over all 100 runs, and the bars they must clear.
    EXPECT_GT(worst_prev, 0.9f);
    EXPECT_GT(worst_self, 0.9f);
    EXPECT_GT(worst_first, 0.9f);
    EXPECT_GT(worst_copy, 0.9f);
    std::printf("preset margins: previous %.4f  self %.4f  first %.4f  same-word %.4f\n", worst_prev, worst_self,
                worst_first, worst_copy);
}

TEST(HeadPresets, SingleKindPresetsAndHeadCounts) {
    for (int heads : {1, 2, 4, 8}) {
        const Trace t = run_preset("the cat sat on the mat and the dog", Preset::Previous, heads);
        for (int a = 0; a < heads; ++a)
            for (int i = 1; i < t.n; ++i) EXPECT_EQ(t.diagnostics[static_cast<std::size_t>(a)].argmax[static_cast<std::size_t>(i)], i - 1);
    }
    Config c;
    c.n_heads = 4;
    const PresetBuild b = build_preset(c, Preset::Mixed);
    EXPECT_EQ(b.head_kinds, (std::vector<HeadKind>{HeadKind::Previous, HeadKind::Self, HeadKind::First, HeadKind::SameWord}));
    EXPECT_TRUE(b.inputs.config.causal);
    EXPECT_EQ(b.inputs.config.d_k, 64);
}

TEST(HeadPresets, LargerModelsKeepThePatterns) {
    const Trace t = run_preset("a b c a b c a b", Preset::Mixed, 5, 3, 128);
    for (int i = 1; i < t.n; ++i) EXPECT_EQ(t.diagnostics[0].argmax[static_cast<std::size_t>(i)], i - 1);
    // Row 3 ('a') has one earlier 'a', at 0.
    EXPECT_GT(t.weights[3](3, 0), 0.9f);
}

TEST(HeadPresets, RandomIsTheSeededModel) {
    Config c;
    const PresetBuild b = build_preset(c, Preset::Random);
    EXPECT_TRUE(all_close(b.weights.W_Q, make_weights(resolve_sizes(c)).W_Q, 0.0f));
    EXPECT_TRUE(b.head_kinds.empty());
}

// The controls show what a preset forces from preset_config / preset_overrides: they must name
// exactly the fields the run changes, and give the values the trace was computed with.
TEST(HeadPresets, OverridesNameEveryFieldThePresetChanges) {
    Config user;
    user.positional = Positional::Alibi;
    user.causal = false;
    user.n_kv_heads = 2;
    user.d_k = 8;
    EXPECT_TRUE(preset_overrides(Preset::Random).empty());
    EXPECT_EQ(preset_config(user, Preset::Random), user);
    for (Preset p : all_presets()) {
        if (p == Preset::Random) continue;
        SCOPED_TRACE(std::string(to_string(p)));
        const Config eff = preset_config(user, p);
        const Config& ran = build_preset(user, p).inputs.config;
        EXPECT_EQ(ran.positional, eff.positional);
        EXPECT_EQ(ran.causal, eff.causal);
        EXPECT_EQ(ran.n_kv_heads, eff.n_kv_heads);
        EXPECT_EQ(ran.d_k, eff.d_k);
        EXPECT_EQ(eff.positional, Positional::Sinusoidal);
        EXPECT_TRUE(eff.causal);
        EXPECT_EQ(eff.n_kv_heads, user.n_heads);
        EXPECT_EQ(eff.d_k, user.d_model);
        std::vector<std::string> fields;
        for (const PresetOverride& o : preset_overrides(p)) {
            fields.emplace_back(o.field);
            EXPECT_EQ(preset_override(p, o.field), &o);
            EXPECT_FALSE(o.setting.empty());
            EXPECT_FALSE(o.reason.empty());
        }
        EXPECT_EQ(fields, (std::vector<std::string>{"n_kv_heads", "d_k", "positional", "causal"}));
        EXPECT_EQ(preset_override(p, "d_v"), nullptr);
    }
}

TEST(HeadPresets, ParseAndRefusals) {
    for (Preset p : all_presets()) EXPECT_EQ(parse_preset(to_string(p)), p);
    EXPECT_TRUE(throws_config_error([] { parse_preset("clever"); }, "preset", {"preset=clever", "same-word"}));
    Config small;
    small.d_model = 16;
    small.n_heads = 2;
    EXPECT_TRUE(throws_config_error([&] { build_preset(small, Preset::Mixed); }, "preset", {"d_model=16"}));
    Config cross;
    cross.source = "le chat";
    EXPECT_TRUE(throws_config_error([&] { build_preset(cross, Preset::Self); }, "preset", {"source"}));
    for (HeadKind k : {HeadKind::Previous, HeadKind::Self, HeadKind::First, HeadKind::SameWord, HeadKind::Uniform})
        EXPECT_GT(describe(k).size(), 80u);
}

}  // namespace
}  // namespace attnviz::test
