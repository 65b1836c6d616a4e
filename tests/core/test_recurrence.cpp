// The toy RNN: determinism and shapes, the seeded W_h's singular values, the Jacobian against a
// double-precision reference with finite differences, the guaranteed decay of x_0's influence,
// a one-unit case by hand, and attention's one-step line to token 0.
//
// Key: n = tokens, d = embedding width, d_h = hidden width, t = step.
#include "core/recurrence.hpp"

#include "core/attention.hpp"
#include "test_helpers.hpp"

#include <cmath>

namespace attnviz::test {
namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// 40 words with positions added, as the panel feeds the RNN (trace.X_in).
MatRM long_sentence_embeddings(std::uint64_t seed = 42) {
    Config c;
    c.text = "the quick brown fox jumps over the dog while the old cat sat on the mat by the door "
             "and the small bird sang in the tall tree near the red barn as the sun went down over the hill";
    c.seed = seed;
    return run(c).X_in;
}

// The recurrence again, in double and written out loop by loop, for one x_0.
MatD reference_states(const MatD& X, const MatD& W_x, const MatD& W_h) {
    MatD H = MatD::Zero(X.rows(), W_h.rows());
    for (Eigen::Index t = 0; t < X.rows(); ++t)
        for (Eigen::Index j = 0; j < W_h.rows(); ++j) {
            double u = 0.0;
            for (Eigen::Index i = 0; i < X.cols(); ++i) u += X(t, i) * W_x(i, j);
            if (t > 0)
                for (Eigen::Index k = 0; k < W_h.rows(); ++k) u += H(t - 1, k) * W_h(k, j);
            H(t, j) = std::tanh(u);
        }
    return H;
}

TEST(Recurrence, DeterministicForASeedWithTheStatedShapes) {
    const MatRM X = long_sentence_embeddings();
    const RecurrenceTrace a = run_recurrence(X, 16, 42), b = run_recurrence(X, 16, 42);
    ASSERT_EQ(a.H.rows(), X.rows());
    EXPECT_EQ(a.H.cols(), 16);
    EXPECT_TRUE(all_close(a.H, b.H, 0.0f));
    EXPECT_EQ(a.first_token_influence, b.first_token_influence);
    EXPECT_FALSE(all_close(a.H, run_recurrence(X, 16, 43).H, 1e-3f));
    EXPECT_LE(a.H.cwiseAbs().maxCoeff(), 1.0f);  // tanh
    ASSERT_EQ(a.sequential_steps.size(), static_cast<std::size_t>(X.rows()));
    ASSERT_EQ(a.attention_steps.size(), static_cast<std::size_t>(X.rows()));
    for (std::size_t t = 0; t < a.sequential_steps.size(); ++t) {
        EXPECT_EQ(a.sequential_steps[t], static_cast<int>(t));
        EXPECT_EQ(a.attention_steps[t], 1);
    }
    const RecurrenceTrace none = run_recurrence(MatRM(0, 8), 4, 42);
    EXPECT_EQ(none.H.rows(), 0);
    EXPECT_TRUE(none.first_token_influence.empty());
}

TEST(Recurrence, SeededRecurrentMatrixHasEverySingularValueAtTheGain) {
    // W_h = 0.9·Q with Q orthogonal, so W_h·W_hᵀ = 0.81·I.
    const RnnWeights w = make_rnn_weights(64, 32, 42);
    EXPECT_EQ(w.W_x.rows(), 64);
    EXPECT_EQ(w.W_x.cols(), 32);
    const MatRM gram = w.W_h * w.W_h.transpose();
    EXPECT_TRUE(all_close(gram, MatRM::Identity(32, 32) * static_cast<float>(kRecurrentGain * kRecurrentGain), 1e-5f));
    EXPECT_NEAR(std::abs(make_rnn_weights(3, 1, 7).W_h(0, 0)), kRecurrentGain, 1e-6);
}

TEST(Recurrence, StatesAndJacobianMatchADoubleReference) {
    const MatRM X = long_sentence_embeddings().topRows(8);
    const RnnWeights w = make_rnn_weights(64, 6, 5);
    const RecurrenceTrace r = run_recurrence(X, w);
    const MatD Xd = X.cast<double>(), W_x = w.W_x.cast<double>(), W_h = w.W_h.cast<double>();
    const MatD H = reference_states(Xd, W_x, W_h);
    EXPECT_TRUE(all_close(r.H, H.cast<float>(), 1e-5f));
    // ‖∂h_t/∂x_0‖_F by central differences, one input coordinate at a time (error O(ε²) ≈ 1e-10).
    constexpr double eps = 1e-5;
    MatD sq = MatD::Zero(X.rows(), 1);  // Σ over (i, j) of (∂h_t[j]/∂x_0[i])² for each t
    for (Eigen::Index i = 0; i < X.cols(); ++i) {
        MatD up = Xd, down = Xd;
        up(0, i) += eps;
        down(0, i) -= eps;
        const MatD dH = (reference_states(up, W_x, W_h) - reference_states(down, W_x, W_h)) / (2 * eps);
        sq += dH.array().square().rowwise().sum().matrix();
    }
    for (Eigen::Index t = 0; t < X.rows(); ++t)
        EXPECT_NEAR(r.first_token_influence[static_cast<std::size_t>(t)], std::sqrt(sq(t, 0)),
                    1e-5 * std::sqrt(sq(0, 0)))
            << "t=" << t;
}

TEST(Recurrence, InfluenceOfTheFirstTokenFallsAtLeastTenPercentPerStep) {
    // ∂h_t/∂x_0 = ∂h_{t−1}/∂x_0 · W_h · diag(tanh′): with every singular value of W_h at 0.9 and
    // tanh′ ≤ 1, ‖J_t‖_F ≤ 0.9·‖J_{t−1}‖_F for every seed — so non-increasing, and below 0.9^t.
    for (std::uint64_t seed : {42ULL, 1ULL, 2ULL, 3ULL, 1234567ULL}) {
        const RecurrenceTrace r = run_recurrence(long_sentence_embeddings(seed), 32, seed);
        const std::vector<float>& f = r.first_token_influence;
        ASSERT_EQ(f.size(), 40u);
        for (std::size_t t = 1; t < f.size(); ++t)
            EXPECT_LE(f[t], kRecurrentGain * f[t - 1] * (1 + 1e-6)) << "seed " << seed << " t=" << t;
        EXPECT_GT(f.back(), 0.0f);  // faded, not cut off
        EXPECT_LT(f.back(), std::pow(kRecurrentGain, 39) * f.front());
    }
}

TEST(Recurrence, OneUnitByHand) {
    // d = d_h = 1, w_x = 1, w_h = 0.5, x = (0.5, −0.25, 1):
    //   h_0 = tanh(0.5)                       = 0.462117157,  tanh′ = 1 − h_0² = 0.786447733
    //   h_1 = tanh(−0.25 + 0.5·h_0 = −0.018941421) = −0.018939156, tanh′ = 0.999641308
    //   h_2 = tanh(1 + 0.5·h_1 = 0.990530422)       = 0.757588406,  tanh′ = 0.426059806
    //   ∂h_0/∂x_0 = w_x·0.786447733 = 0.786447733
    //   ∂h_1/∂x_0 = 0.786447733 · w_h · 0.999641308 = 0.393082820
    //   ∂h_2/∂x_0 = 0.393082820 · w_h · 0.426059806 = 0.083738395
    RnnWeights w{mat({{1.0f}}), mat({{0.5f}})};
    const RecurrenceTrace r = run_recurrence(mat({{0.5f}, {-0.25f}, {1.0f}}), w);
    EXPECT_TRUE(all_close(r.H, mat({{0.462117157f}, {-0.018939156f}, {0.757588406f}}), 1e-6f));
    ASSERT_EQ(r.first_token_influence.size(), 3u);
    EXPECT_NEAR(r.first_token_influence[0], 0.786447733f, 1e-6f);
    EXPECT_NEAR(r.first_token_influence[1], 0.393082820f, 1e-6f);
    EXPECT_NEAR(r.first_token_influence[2], 0.083738395f, 1e-6f);
}

TEST(Recurrence, AttentionReachesTokenZeroInOneStep) {
    Config c;
    c.causal = true;
    c.n_heads = 4;
    const Trace t = run(c);
    const std::vector<float> w = attention_on_first_token(t);
    ASSERT_EQ(w.size(), 6u);
    EXPECT_NEAR(w[0], 1.0f, 1e-6f);  // causal: query 0 sees only itself
    for (int i = 0; i < t.n; ++i) {
        float mean = 0.0f;
        for (const MatRM& A : t.weights) mean += A(i, 0) / 4.0f;
        EXPECT_NEAR(w[static_cast<std::size_t>(i)], mean, 1e-6f) << "query " << i;
        EXPECT_GT(w[static_cast<std::size_t>(i)], 0.0f);
    }
}

TEST(Recurrence, RejectsHiddenWidthsOutOfRange) {
    EXPECT_TRUE(throws_config_error([] { run_recurrence(MatRM::Ones(2, 2), 0, 1); }, "d_h", {"d_h=0", "1 and 1024"}));
    EXPECT_TRUE(throws_config_error([] { make_rnn_weights(8, 1025, 1); }, "d_h", {"d_h=1025"}));
    EXPECT_TRUE(throws_config_error([] { run_recurrence(MatRM(3, 0), 4, 1); }, "d_model", {"d_model=0"}));
}

}  // namespace
}  // namespace attnviz::test
