#include "core/patterns.hpp"

#include "core/attention.hpp"
#include "test_helpers.hpp"

namespace attnviz::test {
namespace {

Config sentence(int n) {
    static const char* vocab[] = {"the", "cat", "sat", "on", "a", "mat", "and", "slept", "all", "day"};
    Config c;
    c.text.clear();
    for (int i = 0; i < n; ++i) c.text += (i ? " " : "") + std::string(vocab[i % 10]);
    return c;
}

TEST(Patterns, FullIsExactAndScoresEveryVisiblePair) {
    Config c = sentence(9);
    const PatternResult r = compare_pattern(run(c), {Pattern::Full});
    EXPECT_LT(r.max_output_error, 1e-5f);  // float rounding only
    EXPECT_EQ(r.scored_pairs, 81);
    c.causal = true;
    const PatternResult rc = compare_pattern(run(c), {Pattern::Full});
    EXPECT_EQ(rc.scored_pairs, 45);  // 9·10/2
    EXPECT_EQ(rc.full_pairs, 45);
    EXPECT_LT(rc.max_output_error, 1e-5f);
}

TEST(Patterns, WindowCountByHand) {
    // n = 6, w = 2: |i − j| < 2 → 6 diagonal + 2·5 neighbours = 16 pairs.
    const PatternResult r = compare_pattern(run(sentence(6)), {Pattern::Window, 2});
    EXPECT_EQ(r.scored_pairs, 16);
    EXPECT_GT(r.max_output_error, 0.0f);
}

TEST(Patterns, StridedAndGlobalMasksByHand) {
    // n = 8, stride 3: row 7 sees |7 − j| < 3 → {5, 6, 7} and (7 − j) mod 3 = 0 → {1, 4, 7}.
    const MatRM s = pattern_mask({Pattern::Strided, 3, 3, 0}, 8, 8);
    EXPECT_EQ(s.row(7), mat({{0, 1, 0, 0, 1, 1, 1, 1}}));
    // Global, window 2, 1 global token: row 5 sees {0} ∪ {4, 5, 6}; row 0 sees everyone.
    const MatRM g = pattern_mask({Pattern::Global, 2, 3, 1}, 8, 8);
    EXPECT_EQ(g.row(5), mat({{1, 0, 0, 0, 1, 1, 1, 0}}));
    EXPECT_EQ(g.row(0), MatRM::Ones(1, 8));
    EXPECT_EQ(g.col(0), MatRM::Ones(8, 1));
}

TEST(Patterns, ErrorVanishesAsTheWindowCoversTheSequence) {
    const Trace t = run(sentence(12));
    float previous = 1e30f;
    for (int w : {1, 3, 6, 9, 12}) {
        const PatternResult r = compare_pattern(t, {Pattern::Window, w});
        EXPECT_LE(r.scored_pairs, r.full_pairs);
        if (w == 12) {
            EXPECT_LT(r.max_output_error, 1e-5f);  // float rounding only
            EXPECT_EQ(r.scored_pairs, 144);
        }
        EXPECT_LE(r.max_output_error, previous + 1e-6f) << "w=" << w;
        previous = r.max_output_error;
    }
}

TEST(Patterns, WeightsRowsSumToOneOverThePatternAndZeroOutside) {
    Config c = sentence(10);
    c.causal = true;
    c.padding = {0};
    const PatternResult r = compare_pattern(run(c), {Pattern::Strided, 2, 3, 0});
    for (const MatRM& A : r.weights) {
        for (int i = 0; i < 10; ++i) {
            const float vis = r.mask.row(i).sum();
            if (vis > 0) EXPECT_NEAR(A.row(i).sum(), 1.0f, 1e-5f);
            else EXPECT_TRUE(A.row(i).isZero(0.0f));  // query 0 sees only the padded key 0
            for (int j = 0; j < 10; ++j)
                if (r.mask(i, j) == 0.0f) EXPECT_EQ(A(i, j), 0.0f);
        }
    }
}

TEST(Patterns, LocalPatternsRefuseCrossAttention) {
    Config c = sentence(4);
    c.source = "le chat est assis";
    const Trace t = run(c);
    EXPECT_NO_THROW(compare_pattern(t, {Pattern::Full}));
    EXPECT_TRUE(throws_config_error([&] { compare_pattern(t, {Pattern::Window, 2}); }, "source"));
}

TEST(Patterns, BadSpecsNameTheirField) {
    EXPECT_TRUE(throws_config_error([] { pattern_mask({Pattern::Window, 0}, 4, 4); }, "pattern_window"));
    EXPECT_TRUE(throws_config_error([] { pattern_mask({Pattern::Strided, 3, 0}, 4, 4); }, "stride"));
    EXPECT_TRUE(throws_config_error([] { pattern_mask({Pattern::Global, 3, 3, -1}, 4, 4); }, "globals"));
}

}  // namespace
}  // namespace attnviz::test
