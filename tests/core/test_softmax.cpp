// The masked, numerically stable row softmax and its per-row statistics.
#include "core/softmax.hpp"

#include "core/rng.hpp"
#include "test_helpers.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace attnviz {
namespace {

using test::all_close;
using test::mat;

struct Result {
    RowVec weights;
    RowStats stats;
};

// Runs softmax_row on a copy of `logits`; `visible` empty means every key is visible.
Result softmax_of(std::vector<float> logits, std::vector<float> visible = {}) {
    RowVec z = Eigen::Map<RowVec>(logits.data(), static_cast<Eigen::Index>(logits.size()));
    RowVec scratch(z.size());
    const RowStats st = softmax_row(z, visible.empty() ? nullptr : visible.data(), scratch);
    return {z, st};
}

double entropy_of(const RowVec& a) {
    double h = 0.0;
    for (Eigen::Index j = 0; j < a.size(); ++j)
        if (a[j] > 0.0f) h -= static_cast<double>(a[j]) * std::log(static_cast<double>(a[j]));
    return h;
}

TEST(SoftmaxRow, GoldenOneTwoThree) {
    // e^1, e^2, e^3 = 2.718282, 7.389056, 20.085537; sum 30.192875.
    // a = [0.0900306, 0.2447285, 0.6652410].
    // H = ln Σe^z - Σ a z = 3.4076059 - 2.5752104 = 0.8323956 nats.
    const Result r = softmax_of({1, 2, 3});
    EXPECT_TRUE(all_close(r.weights, mat({{0.09003057f, 0.24472847f, 0.66524096f}}), 1e-7f));
    EXPECT_NEAR(r.stats.entropy, 0.83239558f, 1e-6f);
    EXPECT_FLOAT_EQ(r.stats.max_weight, 0.66524096f);
    EXPECT_EQ(r.stats.argmax, 2);
    EXPECT_FALSE(r.stats.fully_masked);
}

TEST(SoftmaxRow, UniformRowHasEntropyLnK) {
    for (int k = 1; k <= 12; ++k) {
        const Result r = softmax_of(std::vector<float>(static_cast<std::size_t>(k), 0.37f));
        for (Eigen::Index j = 0; j < k; ++j) EXPECT_FLOAT_EQ(r.weights[j], 1.0f / k);
        EXPECT_NEAR(r.stats.entropy, std::log(static_cast<float>(k)), 1e-6f) << "k=" << k;
        EXPECT_FLOAT_EQ(r.stats.max_weight, 1.0f / k);
    }
}

TEST(SoftmaxRow, ShiftInvariantAndStableForHugeLogits) {
    // [1000, 1001] is [0, 1] shifted: a = [1/(1+e), e/(1+e)] = [0.2689414, 0.7310586].
    const Result r = softmax_of({1000.0f, 1001.0f});
    EXPECT_TRUE(all_close(r.weights, mat({{0.26894142f, 0.73105858f}}), 1e-6f));
    EXPECT_TRUE(all_close(softmax_of({-1000.0f, -999.0f}).weights, r.weights, 1e-6f));
    // Two equal 1e30 logits split evenly; 1e30 against -1e30 takes everything.
    const Result even = softmax_of({1e30f, 1e30f});
    EXPECT_TRUE(all_close(even.weights, mat({{0.5f, 0.5f}}), 0.0f));
    EXPECT_NEAR(even.stats.entropy, std::log(2.0f), 1e-6f);
    const Result one = softmax_of({1e30f, -1e30f});
    EXPECT_EQ(one.weights[0], 1.0f);
    EXPECT_EQ(one.weights[1], 0.0f);
    EXPECT_EQ(one.stats.entropy, 0.0f);
}

TEST(SoftmaxRow, ExtremeFiniteRangeStaysFiniteAndKeepsEntropy) {
    // Near the float limit z - max overflows to -inf; the weights are still [1/2, 1/2, 0] and the
    // entropy ln 2 (the overflowed key contributes 0·ln 0 = 0, not 0·(-inf) = NaN).
    const float big = 3e38f;
    const Result r = softmax_of({big, big, -big});
    EXPECT_TRUE(all_close(r.weights, mat({{0.5f, 0.5f, 0.0f}}), 0.0f));
    EXPECT_TRUE(std::isfinite(r.stats.entropy));
    EXPECT_NEAR(r.stats.entropy, std::log(2.0f), 1e-6f);
    const Result m = softmax_of({big, big, -big}, {1, 1, 1});
    EXPECT_NEAR(m.stats.entropy, std::log(2.0f), 1e-6f);
}

TEST(SoftmaxRow, MaskedKeysGetExactlyZero) {
    // Visible [1, ·, 3]: a = softmax([1, 3]) = [1/(1+e²), e²/(1+e²)] = [0.1192029, 0.8807971].
    const Result r = softmax_of({1.0f, 5.0f, 3.0f}, {1, 0, 1});
    EXPECT_EQ(r.weights[1], 0.0f);
    EXPECT_TRUE(all_close(r.weights, mat({{0.11920292f, 0.0f, 0.88079708f}}), 1e-7f));
    EXPECT_EQ(r.stats.argmax, 2);  // the masked 5 is not the argmax
    EXPECT_NEAR(r.stats.entropy, entropy_of(r.weights), 1e-6);
}

TEST(SoftmaxRow, MaskedHugeValueDoesNotLeak) {
    // The masked key's logit is never read: a huge finite value (or even inf / NaN) changes nothing.
    const float f32max = std::numeric_limits<float>::max();
    for (float poison : {1e30f, f32max, -f32max, std::numeric_limits<float>::infinity(),
                         std::numeric_limits<float>::quiet_NaN()}) {
        const Result r = softmax_of({1.0f, 2.0f, poison}, {1, 1, 0});
        EXPECT_TRUE(r.weights.allFinite()) << poison;
        EXPECT_EQ(r.weights[2], 0.0f) << poison;
        EXPECT_TRUE(all_close(r.weights, mat({{0.26894142f, 0.73105858f, 0.0f}}), 1e-6f)) << poison;
        EXPECT_TRUE(std::isfinite(r.stats.entropy)) << poison;
        EXPECT_NEAR(r.stats.entropy, entropy_of(r.weights), 1e-6) << poison;
        EXPECT_EQ(r.stats.argmax, 1) << poison;
    }
}

TEST(SoftmaxRow, FullyMaskedRowIsZerosAndFlagged) {
    const Result r = softmax_of({4.0f, 1e30f, -2.0f}, {0, 0, 0});
    EXPECT_EQ(r.weights, RowVec::Zero(3));
    EXPECT_TRUE(r.stats.fully_masked);
    EXPECT_EQ(r.stats.argmax, -1);
    EXPECT_EQ(r.stats.entropy, 0.0f);
    EXPECT_EQ(r.stats.max_weight, 0.0f);
}

TEST(SoftmaxRow, SingleVisibleKeyTakesAllWeight) {
    const Result r = softmax_of({-7.0f, 0.5f, 9.0f}, {1, 0, 0});
    EXPECT_EQ(r.weights, mat({{1.0f, 0.0f, 0.0f}}));
    EXPECT_EQ(r.stats.entropy, 0.0f);
    EXPECT_EQ(r.stats.argmax, 0);
}

TEST(SoftmaxRows, RowsSumToOneAndMatchTheReference) {
    Rng rng(5);
    MatRM logits(7, 9);
    for (Eigen::Index k = 0; k < logits.size(); ++k) logits.data()[k] = static_cast<float>(4.0 * rng.normal());
    MatRM mask = MatRM::Ones(7, 9);
    mask(0, 3) = mask(2, 0) = mask(2, 8) = 0.0f;
    mask.row(5).setZero();

    MatRM a = logits;
    const std::vector<RowStats> st = softmax_rows(a, &mask);
    ASSERT_EQ(st.size(), 7u);
    EXPECT_TRUE(all_close(a, test::softmax_reference(logits, &mask), 1e-6f));
    for (Eigen::Index i = 0; i < 7; ++i) {
        const auto ui = static_cast<std::size_t>(i);
        if (i == 5) {
            EXPECT_TRUE(st[ui].fully_masked);
            EXPECT_EQ(a.row(i).sum(), 0.0f);
            continue;
        }
        EXPECT_NEAR(a.row(i).sum(), 1.0f, 1e-6f) << "row " << i;
        EXPECT_NEAR(st[ui].entropy, entropy_of(a.row(i)), 1e-5) << "row " << i;
        EXPECT_EQ(a(i, st[ui].argmax), a.row(i).maxCoeff()) << "row " << i;
        EXPECT_FLOAT_EQ(st[ui].max_weight, a.row(i).maxCoeff()) << "row " << i;
    }
    EXPECT_EQ(a(0, 3), 0.0f);
    EXPECT_EQ(a(2, 0), 0.0f);

    // No mask is the same as an all-ones mask.
    MatRM b = logits, c = logits;
    const MatRM ones = MatRM::Ones(7, 9);
    softmax_rows(b, nullptr);
    softmax_rows(c, &ones);
    EXPECT_TRUE(all_close(b, c, 0.0f));
    EXPECT_TRUE(all_close(b, test::softmax_reference(logits), 1e-6f));
}

}  // namespace
}  // namespace attnviz
