// Positional schemes: the sinusoidal formula, the learned table past its length, RoPE's pair
// mapping, rotation, norm preservation and relative property.
#include "core/positional.hpp"
#include "core/rng.hpp"

#include "test_helpers.hpp"

#include <cmath>

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

// ---- sinusoidal -----------------------------------------------------------------

TEST(SinusoidalPe, PositionZeroIsSinZeroCosZero) {
    // PE(0, 2i) = sin 0 = 0, PE(0, 2i+1) = cos 0 = 1.
    const MatRM pe = sinusoidal_pe(3, 8);
    EXPECT_EQ(RowVec(pe.row(0)), mat({{0, 1, 0, 1, 0, 1, 0, 1}}));
}

TEST(SinusoidalPe, HandValuesForDModel4) {
    // d = 4: frequencies 10000^(0/4) = 1 and 10000^(2/4) = 100.
    // PE(1, ·) = [sin 1, cos 1, sin 0.01, cos 0.01] = [0.841471, 0.540302, 0.00999983, 0.99995].
    const MatRM pe = sinusoidal_pe(2, 4);
    EXPECT_TRUE(all_close(pe.row(1), mat({{0.84147098f, 0.54030231f, 0.0099998333f, 0.99995000f}}), 1e-6f));
}

TEST(SinusoidalPe, MatchesTheFormulaInDouble) {
    constexpr int n = 50, d = 16;
    const MatRM pe = sinusoidal_pe(n, d);
    ASSERT_EQ(pe.rows(), n);
    ASSERT_EQ(pe.cols(), d);
    for (int p : {0, 1, 2, 7, 31, 49}) {
        for (int i = 0; i < d / 2; ++i) {
            const double angle = p / std::pow(10000.0, 2.0 * i / d);
            EXPECT_NEAR(pe(p, 2 * i), std::sin(angle), 1e-6) << "p=" << p << " i=" << i;
            EXPECT_NEAR(pe(p, 2 * i + 1), std::cos(angle), 1e-6) << "p=" << p << " i=" << i;
        }
    }
}

TEST(SinusoidalPe, OddDModelEndsWithASinColumn) {
    // d = 5: column 4 is 2i with i = 2, so sin(p / 10000^(4/5)).
    const MatRM pe = sinusoidal_pe(4, 5);
    EXPECT_NEAR(pe(3, 4), std::sin(3.0 / std::pow(10000.0, 0.8)), 1e-7);
}

// ---- learned and the additive dispatch ----------------------------------------------

TEST(LearnedPe, CopiesTheTableAndZeroesUntrainedPositions) {
    const MatRM table = random_matrix(Limits::learned_length, 6, 11);
    const MatRM short_pe = learned_pe(table, 10);
    EXPECT_EQ(short_pe, MatRM(table.topRows(10)));
    const MatRM long_pe = learned_pe(table, 70);  // 6 positions past the trained 64
    ASSERT_EQ(long_pe.rows(), 70);
    EXPECT_EQ(MatRM(long_pe.topRows(64)), table);
    EXPECT_EQ(MatRM(long_pe.bottomRows(6)), MatRM::Zero(6, 6));
}

TEST(AdditivePe, OnlySinusoidalAndLearnedAddAnything) {
    const MatRM table = random_matrix(Limits::learned_length, 4, 5);
    EXPECT_EQ(additive_pe(Positional::Sinusoidal, table, 3, 4), sinusoidal_pe(3, 4));
    EXPECT_EQ(additive_pe(Positional::Learned, table, 3, 4), MatRM(table.topRows(3)));
    for (Positional p : {Positional::None, Positional::Rope, Positional::Alibi})
        EXPECT_EQ(additive_pe(p, table, 3, 4), MatRM::Zero(3, 4)) << to_string(p);
}

// ---- RoPE -----------------------------------------------------------------------

TEST(Rope, ThetaAndPairMapping) {
    // θ_i = base^(-2i/d_k): d_k = 8, base = 10000 -> 1, 0.1, 0.01, 0.001.
    EXPECT_DOUBLE_EQ(rope_theta(0, 8, 10000.0), 1.0);
    EXPECT_NEAR(rope_theta(1, 8, 10000.0), 0.1, 1e-15);
    EXPECT_NEAR(rope_theta(2, 8, 10000.0), 0.01, 1e-15);
    EXPECT_NEAR(rope_theta(3, 8, 10000.0), 0.001, 1e-15);
    const std::pair<int, int> interleaved[] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}};
    const std::pair<int, int> half[] = {{0, 4}, {1, 5}, {2, 6}, {3, 7}};
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(rope_pair(i, 8, RopeStyle::Interleaved), interleaved[i]) << "pair " << i;
        EXPECT_EQ(rope_pair(i, 8, RopeStyle::Half), half[i]) << "pair " << i;
    }
}

TEST(Rope, HandRotationD2) {
    // d_k = 2: one pair with θ_0 = 1, so row p of [1, 0] becomes [cos p, sin p].
    const MatRM x = mat({{1, 0}, {1, 0}, {1, 0}});
    const MatRM r = apply_rope(x, 10000.0, RopeStyle::Interleaved);
    EXPECT_TRUE(all_close(r, mat({{1.0f, 0.0f}, {0.54030231f, 0.84147098f}, {-0.41614684f, 0.90929743f}}), 1e-6f));
    // With offset 1 the first row is already at position 1.
    EXPECT_TRUE(all_close(apply_rope(x.topRows(1), 10000.0, RopeStyle::Interleaved, 1),
                          mat({{0.54030231f, 0.84147098f}}), 1e-6f));
}

TEST(Rope, HandRotationD4BothStyles) {
    // x = [1, 2, 3, 4] at position 1, base 10000: θ_0 = 1, θ_1 = 10000^(-2/4) = 0.01.
    // interleaved pairs (0,1), (2,3): [1c₁ - 2s₁, 1s₁ + 2c₁, 3c - 4s, 3s + 4c] with c, s at 0.01;
    // half pairs (0,2), (1,3):        [1c₁ - 3s₁, 2c - 4s, 1s₁ + 3c₁, 2s + 4c].
    const MatRM x = mat({{0, 0, 0, 0}, {1, 2, 3, 4}});
    const double c1 = std::cos(1.0), s1 = std::sin(1.0), c = std::cos(0.01), s = std::sin(0.01);
    const MatRM inter = apply_rope(x, 10000.0, RopeStyle::Interleaved);
    const MatRM half = apply_rope(x, 10000.0, RopeStyle::Half);
    EXPECT_TRUE(all_close(inter.row(1), mat({{float(c1 - 2 * s1), float(s1 + 2 * c1), float(3 * c - 4 * s),
                                               float(3 * s + 4 * c)}}),
                          1e-6f));
    EXPECT_TRUE(all_close(half.row(1), mat({{float(c1 - 3 * s1), float(2 * c - 4 * s), float(s1 + 3 * c1),
                                              float(2 * s + 4 * c)}}),
                          1e-6f));
    EXPECT_EQ(RowVec(inter.row(0)), RowVec::Zero(4));
}

TEST(Rope, PositionZeroIsIdentity) {
    const MatRM x = random_matrix(1, 8, 3);
    EXPECT_EQ(apply_rope(x, 10000.0, RopeStyle::Interleaved), x);
    EXPECT_EQ(apply_rope(x, 10000.0, RopeStyle::Half), x);
}

TEST(Rope, PreservesRowNorms) {
    const MatRM x = random_matrix(40, 16, 21);
    for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::Half}) {
        const MatRM r = apply_rope(x, 10000.0, style, 7);
        for (Eigen::Index p = 0; p < x.rows(); ++p)
            EXPECT_NEAR(r.row(p).norm(), x.row(p).norm(), 1e-5f * x.row(p).norm()) << "row " << p;
    }
}

TEST(Rope, OffsetEqualsLaterRows) {
    // Row 0 rotated with offset 5 is row 5 of a longer matrix rotated from 0.
    const MatRM x = random_matrix(8, 6, 4);
    for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::Half}) {
        const MatRM all = apply_rope(x, 500.0, style);
        const MatRM tail = apply_rope(x.bottomRows(3), 500.0, style, 5);
        EXPECT_TRUE(all_close(tail, all.bottomRows(3), 1e-6f));
    }
}

TEST(Rope, ShiftingEveryPositionLeavesQKUnchanged) {
    // Relative property: (R_{p+s} q)·(R_{p'+s} k) = q·R_{p'-p} k for every shift s, so QKᵀ of a
    // block rotated from offset s1 equals the one rotated from offset s2.
    constexpr int n = 6, d_k = 8;
    const MatRM Q = random_matrix(n, d_k, 100), K = random_matrix(n, d_k, 200);
    for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::Half}) {
        const MatRM base = apply_rope(Q, 10000.0, style, 0) * apply_rope(K, 10000.0, style, 0).transpose();
        for (int s : {1, 5, 100, 1000}) {
            const MatRM shifted = apply_rope(Q, 10000.0, style, s) * apply_rope(K, 10000.0, style, s).transpose();
            EXPECT_TRUE(all_close(shifted, base, 2e-4f)) << to_string(style) << " shift " << s;
        }
        // And the rotation does something: relative offset changes the product.
        const MatRM unrotated = Q * K.transpose();
        EXPECT_FALSE(all_close(base, unrotated, 1e-2f)) << to_string(style);
    }
}

TEST(Rope, DotDependsOnlyOnRelativeOffset) {
    // One q and one k at absolute positions (p, p'): the dot equals q · R_{p'-p} k.
    const MatRM q = random_matrix(1, 8, 7), k = random_matrix(1, 8, 8);
    for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::Half}) {
        const float rel = (q * apply_rope(k, 100.0, style, 4).transpose())(0, 0);  // p' - p = 4
        for (int p : {0, 3, 17, 250}) {
            const float abs_dot =
                (apply_rope(q, 100.0, style, p) * apply_rope(k, 100.0, style, p + 4).transpose())(0, 0);
            EXPECT_NEAR(abs_dot, rel, 1e-4f) << to_string(style) << " p=" << p;
        }
    }
}

TEST(Rope, OddWidthIsAnInvariantError) {
    EXPECT_THROW(apply_rope(MatRM::Zero(2, 3), 10000.0, RopeStyle::Interleaved), InvariantError);
}

}  // namespace
}  // namespace attnviz
