#include "core/recurrence.hpp"

#include "core/attention.hpp"
#include "test_helpers.hpp"

#include <cmath>

namespace attnviz::test {
namespace {

MatRM embeddings(int n) {
    Config c;
    c.text.clear();
    for (int i = 0; i < n; ++i) c.text += "w" + std::to_string(i % 7) + " ";
    return prepare(c).X;
}

TEST(Recurrence, DeterministicShapesAndBounded) {
    const MatRM X = embeddings(12);
    const RecurrenceTrace a = run_recurrence(X, 16, 42), b = run_recurrence(X, 16, 42);
    EXPECT_EQ(a.H.rows(), 12);
    EXPECT_EQ(a.H.cols(), 16);
    EXPECT_TRUE(all_close(a.H, b.H, 0.0f));
    EXPECT_LE(a.H.cwiseAbs().maxCoeff(), 1.0f);  // tanh
    EXPECT_EQ(a.sequential_steps.back(), 11);
    EXPECT_FALSE(all_close(a.H, run_recurrence(X, 16, 43).H, 1e-3f));
}

TEST(Recurrence, InfluenceOfTheFirstTokenFades) {
    const RecurrenceTrace r = run_recurrence(embeddings(40), 32, 42);
    // Over long spans the product of Jacobians shrinks: 10 steps later it is clearly smaller, and
    // by the end it has all but vanished.
    for (std::size_t t = 10; t < r.first_token_influence.size(); ++t)
        EXPECT_LT(r.first_token_influence[t], r.first_token_influence[t - 10]) << "t=" << t;
    EXPECT_LT(r.first_token_influence.back(), 0.05f * r.first_token_influence.front());
}

TEST(Recurrence, OneUnitByHand) {
    // d = d_h = 1: h_0 = tanh(w_x x_0), h_1 = tanh(w_x x_1 + w_h h_0), ∂h_1/∂x_0 = (1−h_1²) w_h (1−h_0²) w_x.
    MatRM X(2, 1);
    X << 0.5f, -0.25f;
    const RecurrenceTrace r = run_recurrence(X, 1, 7);
    const float h0 = r.H(0, 0), h1 = r.H(1, 0);
    const float w_x = std::atanh(h0) / 0.5f;
    const float w_h = (std::atanh(h1) - w_x * -0.25f) / h0;
    EXPECT_NEAR(r.first_token_influence[0], std::abs((1 - h0 * h0) * w_x), 1e-5f);
    EXPECT_NEAR(r.first_token_influence[1], std::abs((1 - h1 * h1) * w_h * (1 - h0 * h0) * w_x), 1e-5f);
}

TEST(Recurrence, AttentionReachesTokenZeroInOneStep) {
    Config c;
    c.causal = true;
    const Trace t = run(c);
    const std::vector<float> w = attention_on_first_token(t);
    ASSERT_EQ(w.size(), 6u);
    EXPECT_NEAR(w[0], 1.0f, 1e-6f);  // causal: query 0 sees only itself
    for (float v : w) EXPECT_GT(v, 0.0f);
    EXPECT_TRUE(throws_config_error([] { run_recurrence(MatRM::Ones(2, 2), 0, 1); }, "d_h"));
}

}  // namespace
}  // namespace attnviz::test
