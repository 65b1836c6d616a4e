#include "core/labs.hpp"

#include "core/attention.hpp"

#include "test_helpers.hpp"

#include <numbers>
#include <numeric>

namespace attnviz::test {
namespace {

TEST(SqrtDkLab, VarianceGrowsLikeDkAndScalingMakesItOne) {
    const SqrtDkLab lab = run_sqrt_dk_lab({1, 4, 16, 64, 256, 1024}, 10000, 16, 42);
    ASSERT_EQ(lab.rows.size(), 6u);
    for (const SqrtDkRow& r : lab.rows) {
        EXPECT_NEAR(r.var_raw / r.d_k, 1.0, 0.05) << "d_k=" << r.d_k;   // the 5% at 10 000 samples
        EXPECT_NEAR(r.var_scaled, 1.0, 0.05) << "d_k=" << r.d_k;
    }
}

TEST(SqrtDkLab, UnscaledRowsSaturateScaledRowsDoNot) {
    const SqrtDkLab lab = run_sqrt_dk_lab(default_d_ks(), 4000, 16, 7);
    const SqrtDkRow& small = lab.rows[2];   // d_k = 4
    const SqrtDkRow& large = lab.rows.back();  // d_k = 1024
    // No scaling: entropy collapses (ln 16 = 2.77 is uniform), the max weight → 1, the Jacobian → 0.
    EXPECT_LT(large.entropy[kScaleNone], 0.15);
    EXPECT_GT(large.max_weight[kScaleNone], 0.95);
    EXPECT_LT(large.jacobian[kScaleNone], 0.08);
    EXPECT_GT(small.entropy[kScaleNone], large.entropy[kScaleNone] + 1.0);
    // ÷√d_k: the same statistics at every width, within sampling noise.
    for (const SqrtDkRow& r : lab.rows) {
        EXPECT_NEAR(r.entropy[kScaleSqrt], lab.rows.back().entropy[kScaleSqrt], 0.1) << "d_k=" << r.d_k;
        EXPECT_GT(r.jacobian[kScaleSqrt], 0.2);
    }
    // ÷d_k over-corrects: rows flatten toward uniform as d_k grows.
    EXPECT_GT(large.entropy[kScaleLinear], 2.7);
}

TEST(SqrtDkLab, HistogramsCountEverySampleAndRunsAreDeterministic) {
    const SqrtDkLab a = run_sqrt_dk_lab({8, 32}, 2000, 8, 3), b = run_sqrt_dk_lab({32, 8}, 2000, 8, 3);
    for (const Histogram& h : a.histograms) {
        EXPECT_EQ(std::accumulate(h.raw.begin(), h.raw.end(), 0), 2000);
        EXPECT_EQ(std::accumulate(h.scaled.begin(), h.scaled.end(), 0), 2000);
    }
    EXPECT_EQ(a.rows[1].var_raw, b.rows[1].var_raw);  // order of the list does not matter
    EXPECT_EQ(sqrt_dk_table(a).rows.size(), 2u);
    EXPECT_EQ(sqrt_dk_table(a).columns.size(), sqrt_dk_table(a).rows[0].size());
}

TEST(SqrtDkLab, BadArgumentsNameTheirField) {
    EXPECT_TRUE(throws_config_error([] { run_sqrt_dk_lab({8}, 1, 16, 1); }, "samples"));
    EXPECT_TRUE(throws_config_error([] { run_sqrt_dk_lab({0}, 100, 16, 1); }, "d_k"));
    EXPECT_TRUE(throws_config_error([] { run_sqrt_dk_lab({8}, 100, 1, 1); }, "keys"));
    EXPECT_TRUE(throws_config_error([] { run_sqrt_dk_lab({}, 100, 16, 1); }, "d_k"));
}

TEST(ExtrapolationLab, LearnedLosesThePatternPastItsTrainedLength) {
    const ExtrapolationLab lab = run_extrapolation_lab(16, 64, 10000, 500000, 42);
    ASSERT_EQ(lab.positions.size(), 63u);
    for (std::size_t k = 0; k < lab.positions.size(); ++k) {
        const int t = lab.positions[k];
        EXPECT_EQ(lab.learned_trained[k] != 0, t < 16) << t;
        EXPECT_GT(lab.sinusoidal[k], 0.9f) << t;  // defined at every position
        EXPECT_GT(lab.rope[k], 0.9f) << t;        // depends only on the offset
        if (t >= 17) EXPECT_NEAR(lab.learned[k], 1.0f / static_cast<float>(t + 1), 1e-6f) << t;  // no rows: uniform
    }
    // Inside the table the learned head does find the previous token.
    float inside = 0.0f;
    for (std::size_t k = 1; k < 15; ++k) inside += lab.learned[k] / 14.0f;
    EXPECT_GT(inside, 0.5f);
    // ALiBi: the same at every length once the row is long, and below the current token's weight.
    EXPECT_NEAR(lab.alibi[40], lab.alibi[60], 1e-5f);
    EXPECT_NEAR(lab.alibi[60], static_cast<float>((1 - std::exp(-1.0)) * std::exp(-1.0)), 1e-4f);
    EXPECT_EQ(lab.weights_learned.size(), 64u);
    EXPECT_EQ(extrapolation_table(lab).rows.size(), 63u);
}

TEST(ExtrapolationLab, RopeWavelengthsFollowTheBase) {
    const std::vector<double> a = rope_wavelengths(64, 10000), b = rope_wavelengths(64, 500000);
    ASSERT_EQ(a.size(), 32u);
    EXPECT_NEAR(a[0], 2 * std::numbers::pi, 1e-9);  // pair 0 turns by 1 radian per position
    EXPECT_NEAR(b[0], 2 * std::numbers::pi, 1e-9);
    for (std::size_t i = 1; i < a.size(); ++i) {
        EXPECT_GT(a[i], a[i - 1]);
        EXPECT_GT(b[i], a[i]);  // a larger base stretches every slower pair
    }
    EXPECT_TRUE(throws_config_error([] { run_extrapolation_lab(2, 64, 10000, 500000, 1); }, "trained_length"));
    EXPECT_TRUE(throws_config_error([] { run_extrapolation_lab(16, 16, 10000, 500000, 1); }, "max_length"));
    EXPECT_TRUE(throws_config_error([] { run_extrapolation_lab(16, 64, 1, 500000, 1); }, "rope_base"));
}

TEST(ScaleSlider, TheTracesOwnMultiplierReproducesItsWeightsAndLargerSharpens) {
    Config c;
    c.causal = true;
    const Trace t = run(c);
    const ScaledWeights same = weights_at_multiplier(t, 1, t.multiplier);
    EXPECT_TRUE(all_close(same.weights, t.weights[1], 1e-6f));
    EXPECT_NEAR(same.mean_entropy, t.diagnostics[1].mean_entropy, 1e-5f);
    const ScaledWeights sharp = weights_at_multiplier(t, 1, t.multiplier * 50.0f);
    const ScaledWeights flat = weights_at_multiplier(t, 1, 0.0f);
    EXPECT_LT(sharp.mean_entropy, same.mean_entropy);
    EXPECT_GT(sharp.mean_max_weight, 0.9f);
    EXPECT_NEAR(flat.weights(3, 0), 0.25f, 1e-6f);  // uniform over keys 0..3
}

}  // namespace
}  // namespace attnviz::test
