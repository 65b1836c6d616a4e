// What the Positional view plots: PE similarity and wavelengths, the offered dims, RoPE angles
// and the relative property of rotated dots, ALiBi bias, and the with/without-position comparison.
//
// Key: P = positions, d = d_model, d_k = per-head width, m, n = query / key positions.
#include "core/positional_analysis.hpp"

#include "core/positional.hpp"
#include "core/rng.hpp"
#include "test_helpers.hpp"

#include <cmath>
#include <limits>

namespace attnviz {
namespace {

using test::all_close;
using test::mat;

MatRM random_matrix(int rows, int cols, std::uint64_t seed) {
    Rng rng(seed);
    MatRM m(rows, cols);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(rng.normal());
    return m;
}

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- sinusoidal ----------------------------------------------------------------------

TEST(RowCosineSimilarity, HandRowsAndAZeroRow) {
    // [3, 4]·[4, 3] = 24, both norms 5 → 24/25 = 0.96; the zero row is similar to nothing.
    const MatRM s = row_cosine_similarity(mat({{3, 4}, {4, 3}, {0, 0}}));
    EXPECT_TRUE(all_close(s, mat({{1, 0.96f, 0}, {0.96f, 1, 0}, {0, 0, 0}}), 1e-6f));
}

TEST(RowCosineSimilarity, SinusoidalHandValueD4) {
    // d = 4: PE_0 = [0, 1, 0, 1], PE_1 = [sin 1, cos 1, sin 0.01, cos 0.01], both of norm √2.
    // cos = (cos 1 + cos 0.01) / 2 = (0.5403023 + 0.9999500) / 2 = 0.7701262.
    const MatRM s = row_cosine_similarity(sinusoidal_pe(2, 4));
    EXPECT_NEAR(s(0, 1), 0.7701262f, 1e-6f);
    EXPECT_NEAR(s(1, 0), 0.7701262f, 1e-6f);
    EXPECT_NEAR(s(0, 0), 1.0f, 1e-6f);
}

TEST(RowCosineSimilarity, SinusoidalDependsOnlyOnTheDistance) {
    // PE_p·PE_q = Σ_i cos((p − q)·ω_i): every diagonal of the matrix is constant.
    constexpr int P = 80;
    const MatRM s = row_cosine_similarity(sinusoidal_pe(P, 32));
    float worst = 0.0f;
    for (int p = 0; p + 1 < P; ++p)
        for (int q = 0; q + 1 < P; ++q) worst = std::max(worst, std::abs(s(p, q) - s(p + 1, q + 1)));
    EXPECT_LT(worst, 1e-5f) << "max |S(p, q) − S(p+1, q+1)| = " << worst;
}

TEST(SinusoidalWavelength, TwoPiTimesTheFrequencyDivisor) {
    // 2π·10000^(2i/d): dim 0 → 2π = 6.2831853; d = 4, dims 2 and 3 (i = 1) → 2π·100 = 628.31853;
    // d = 64, dim 16 (i = 8) → 2π·10000^(1/4) = 2π·10 = 62.831853.
    EXPECT_NEAR(sinusoidal_wavelength(0, 64), 6.2831853, 1e-6);
    EXPECT_NEAR(sinusoidal_wavelength(1, 64), 6.2831853, 1e-6);
    EXPECT_NEAR(sinusoidal_wavelength(2, 4), 628.31853, 1e-4);
    EXPECT_NEAR(sinusoidal_wavelength(3, 4), 628.31853, 1e-4);
    EXPECT_NEAR(sinusoidal_wavelength(16, 64), 62.831853, 1e-5);
}

TEST(PeCurveDims, LowDimsThenEvenFractionsThenTheLastTwo) {
    EXPECT_EQ(pe_curve_dims(64), (std::vector<int>{0, 1, 2, 3, 8, 16, 32, 62, 63}));
    EXPECT_EQ(pe_curve_dims(6), (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(pe_curve_dims(4), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(pe_curve_dims(1), (std::vector<int>{0}));
}

// ---- RoPE ----------------------------------------------------------------------------

TEST(RopeAngleTable, WrappedAnglesD4) {
    // d_k = 4, base 10000: θ_0 = 1, θ_1 = 0.01. At p = 7: 7 − 2π = 0.7168147 and 0.07.
    const MatRM a = rope_angle_table(8, 4, 10000.0);
    ASSERT_EQ(a.rows(), 2);
    ASSERT_EQ(a.cols(), 8);
    EXPECT_NEAR(a(0, 7), 0.7168147f, 1e-6f);
    EXPECT_NEAR(a(1, 7), 0.07f, 1e-7f);
    EXPECT_EQ(a(0, 0), 0.0f);
    EXPECT_GE(a.minCoeff(), 0.0f);
    EXPECT_LT(a.maxCoeff(), 6.2831853f);
}

TEST(RopeScoreTable, HandD2IsCosineOfTheOffset) {
    // d_k = 2, θ_0 = 1: RoPE([1, 0], m) = [cos m, sin m], so the dot is cos(m − n).
    // (3, 1) and (1, 3): cos 2 = −0.4161468.
    const MatRM s = rope_score_table(mat({{1, 0}}), mat({{1, 0}}), 5, 10000.0, RopeStyle::Interleaved);
    EXPECT_NEAR(s(3, 1), -0.4161468f, 1e-6f);
    EXPECT_NEAR(s(1, 3), -0.4161468f, 1e-6f);
    EXPECT_NEAR(s(4, 4), 1.0f, 1e-6f);
}

TEST(RopeScoreTable, ConstantAlongEveryDiagonal) {
    // The relative property: RoPE(q, m)·RoPE(k, n) = q·RoPE(k, n − m), whatever m is.
    constexpr int P = 64;
    const MatRM q = random_matrix(1, 16, 1), k = random_matrix(1, 16, 2);
    for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::Half}) {
        const MatRM s = rope_score_table(q, k, P, 10000.0, style);
        float worst = 0.0f;
        for (int m = 0; m + 1 < P; ++m)
            for (int n = 0; n + 1 < P; ++n) worst = std::max(worst, std::abs(s(m, n) - s(m + 1, n + 1)));
        EXPECT_LT(worst, 1e-4f) << to_string(style) << ": max diagonal spread " << worst;
        // And the rotation matters: the offsets do not all give the same dot.
        EXPECT_GT(std::abs(s(0, 0) - s(5, 0)), 1e-2f) << to_string(style);
    }
}

TEST(RopeOffsetCurves, HandD2IsSineOfTheOffset) {
    // q = [1, 0], k = [0, 1]: RoPE(q, m)·RoPE(k, n) = −cos m sin n + sin m cos n = sin(m − n).
    // Offsets 0, 1, 2: 0, 0.8414710, 0.9092974 — for the key at 0 and at 10 alike.
    const MatRM c = rope_offset_curves(mat({{1, 0}}), mat({{0, 1}}), {0, 10}, 2, 10000.0, RopeStyle::Interleaved);
    EXPECT_TRUE(all_close(c, mat({{0, 0.8414710f, 0.9092974f}, {0, 0.8414710f, 0.9092974f}}), 1e-5f));
}

TEST(RopeOffsetCurves, CurvesCoincideAndMatchTheTableDiagonals) {
    const MatRM q = random_matrix(1, 8, 3), k = random_matrix(1, 8, 4);
    const std::vector<int> keys = {0, 10, 30};
    const MatRM c = rope_offset_curves(q, k, keys, 40, 500.0, RopeStyle::Half);
    const MatRM table = rope_score_table(q, k, 80, 500.0, RopeStyle::Half);
    ASSERT_EQ(c.rows(), 3);
    ASSERT_EQ(c.cols(), 41);
    for (int s = 0; s < 3; ++s)
        for (int o = 0; o <= 40; ++o) {
            EXPECT_NEAR(c(s, o), c(0, o), 1e-4f) << "key at " << keys[static_cast<std::size_t>(s)] << ", offset " << o;
            EXPECT_NEAR(c(s, o), table(keys[static_cast<std::size_t>(s)] + o, keys[static_cast<std::size_t>(s)]), 1e-4f);
        }
}

// ---- ALiBi ---------------------------------------------------------------------------

TEST(AlibiBias, MinusSlopeTimesDistance) {
    EXPECT_EQ(alibi_bias(3, 0.5f), mat({{0, -0.5f, -1}, {-0.5f, 0, -0.5f}, {-1, -0.5f, 0}}));
}

// ---- with vs without position ----------------------------------------------------------

TEST(DifferenceWhereFinite, MaskedCellsBecomeNaN) {
    const MatRM d = difference_where_finite(mat({{1, -kInf}, {0.5f, 2}}), mat({{0.25f, 0}, {0.5f, -kInf}}));
    EXPECT_EQ(d(0, 0), 0.75f);
    EXPECT_EQ(d(1, 0), 0.0f);
    EXPECT_TRUE(std::isnan(d(0, 1)));
    EXPECT_TRUE(std::isnan(d(1, 1)));
}

TEST(CompareWeights, HandCaseWithAMaskedKeyAndAnEmptyRow) {
    // Dyadic weights, so every |Δ| is exact. Visible |Δ|: row 0 → 0.5, 0.5 (key 2 masked);
    // row 1 → 0, 0.25, 0.25; row 2 sees nothing. max 0.5, first found at (0, 0);
    // mean = 1.5 / 5 = 0.3. argmax row 0: key 0 → key 1; row 1: key 1 → key 2: both changed.
    const MatRM with = mat({{0.75f, 0.25f, 0}, {0.25f, 0.5f, 0.25f}, {0, 0, 0}});
    const MatRM without = mat({{0.25f, 0.75f, 0}, {0.25f, 0.25f, 0.5f}, {0, 0, 0}});
    const MatRM mask = mat({{1, 1, 0}, {1, 1, 1}, {0, 0, 0}});
    const WeightsChange c = compare_weights(with, without, mask);
    EXPECT_EQ(c.max_abs, 0.5f);
    EXPECT_EQ(c.max_row, 0);
    EXPECT_EQ(c.max_col, 0);
    EXPECT_NEAR(c.mean_abs, 0.3f, 1e-7f);
    EXPECT_EQ(c.argmax_changed, 2);
    EXPECT_EQ(c.rows_compared, 2);
}

TEST(CompareWeights, IdenticalWeightsChangeNothing) {
    const MatRM w = mat({{0.5f, 0.5f}, {0.9f, 0.1f}});
    const WeightsChange c = compare_weights(w, w, MatRM::Ones(2, 2));
    EXPECT_EQ(c.max_abs, 0.0f);
    EXPECT_EQ(c.mean_abs, 0.0f);
    EXPECT_EQ(c.argmax_changed, 0);
    EXPECT_EQ(c.rows_compared, 2);
}

Config small(Positional p) {
    Config c;
    c.text = "the cat sat on the mat";
    c.d_model = 16;
    c.n_heads = 2;
    c.positional = p;
    return c;
}

// The comparison's run: the inputs and weights `run` computes `with` from.
Trace without_position(const Config& c) {
    const Inputs in = prepare(c);
    return run_without_position(in, make_weights(in.config));
}

TEST(RunWithoutPosition, IsTheSameRunWithPositionalNone) {
    for (Positional p : {Positional::Sinusoidal, Positional::Learned, Positional::Rope, Positional::Alibi}) {
        const Trace with = run(small(p));
        const Trace without = without_position(small(p));
        const Trace none = run(small(Positional::None));
        EXPECT_EQ(without.config.positional, Positional::None);
        EXPECT_TRUE(without.alibi_slopes.empty());
        for (std::size_t a = 0; a < 2; ++a)
            EXPECT_TRUE(all_close(without.weights[a], none.weights[a], 0.0f)) << to_string(p) << " head " << a;
    }
}

TEST(RunWithoutPosition, WithoutPositionTheTwoThesGetTheSameWeights) {
    // No position and no mask: tokens 0 and 4 are both "the", so their query rows are identical;
    // with sinusoidal PE they differ.
    const Trace with = run(small(Positional::Sinusoidal));
    const Trace without = without_position(small(Positional::Sinusoidal));
    EXPECT_TRUE(all_close(without.weights[0].row(0), without.weights[0].row(4), 1e-6f));
    EXPECT_FALSE(all_close(with.weights[0].row(0), with.weights[0].row(4), 1e-3f));
}

}  // namespace
}  // namespace attnviz
