// The designed induction circuit predicts the repeated continuation on sequences it was never
// tuned on, and its two heads are what the detectors call them.
#include "core/induction_model.hpp"

#include "test_helpers.hpp"

#include <sstream>

namespace attnviz::test {
namespace {

std::vector<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

TEST(InductionModel, PredictsTheRepeatedContinuationOnHeldOutSequences) {
    // Each seed draws a fresh sequence of distinct common words, repeated: "… A B … A" → B.
    int checked = 0;
    float worst = 1.0f;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const int len = 5 + static_cast<int>(seed % 20);  // 6 … 24 words, 12 … 48 tokens
        Config c;
        c.text = repeated_random_text(len, 2, seed * 7919);
        c.seed = seed;
        const StackModel m = build_induction_model(c);
        const StackTrace t = run_stack(m.inputs, m.arch, m.weights(), m.vocab());
        const std::vector<std::string> tok = words_of(c.text);
        for (int i = len; i + 1 < 2 * len; ++i) {  // second copy: the next token is tok[i + 1]
            const int want = m.vocab().id(tok[static_cast<std::size_t>(i + 1)]);
            const float p = t.probs(i, want);
            worst = std::min(worst, p);
            EXPECT_GT(p, 0.5f) << "seed " << seed << " position " << i;
            EXPECT_EQ(t.next[static_cast<std::size_t>(i)][0].id, want);
            ++checked;
        }
    }
    EXPECT_GT(checked, 200);
    EXPECT_GT(worst, 0.9f) << "the circuit's margins are meant to be wide";
}

TEST(InductionModel, LayerZeroIsAPreviousTokenHeadAndLayerOneAnInductionHead) {
    Config c;
    c.text = repeated_random_text(16, 2, 3);
    const StackModel m = build_induction_model(c);
    const StackTrace t = run_stack(m.inputs, m.arch, m.weights(), m.vocab());
    const HeadScores& s = t.scores;
    EXPECT_GT(s.previous_token[0][0], 0.95f);
    EXPECT_LT(s.induction[0][0], 0.1f);
    EXPECT_GT(s.induction[1][0], 0.9f);
    EXPECT_LT(s.previous_token[1][0], 0.2f);
    // Every query after the first puts nearly all its weight on the token before it.
    const MatRM& A0 = t.layers[0].attn.weights[0];
    for (int i = 1; i < A0.rows(); ++i) EXPECT_GT(A0(i, i - 1), 0.99f) << i;
}

TEST(InductionModel, ForcesOnlyWhatTheCircuitNeeds) {
    Config c;
    c.text = "a b a";
    c.temperature = 2.0;
    c.causal = false;
    c.positional = Positional::Rope;
    const StackModel m = build_induction_model(c);
    EXPECT_EQ(m.inputs.config.text, "a b a");
    EXPECT_EQ(m.inputs.config.temperature, 2.0);
    EXPECT_TRUE(m.inputs.config.causal);
    EXPECT_EQ(m.inputs.config.positional, Positional::Learned);
    EXPECT_EQ(m.arch.layers, 2);
    EXPECT_FALSE(m.summary.empty());
}

TEST(InductionModel, RepeatedRandomTextIsDistinctWordsRepeated) {
    const std::vector<std::string> w = words_of(repeated_random_text(10, 3, 42));
    ASSERT_EQ(w.size(), 30u);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(w[static_cast<std::size_t>(i)], w[static_cast<std::size_t>(i + 10)]);
        EXPECT_EQ(w[static_cast<std::size_t>(i)], w[static_cast<std::size_t>(i + 20)]);
        for (int j = 0; j < i; ++j) EXPECT_NE(w[static_cast<std::size_t>(i)], w[static_cast<std::size_t>(j)]);
    }
    EXPECT_NE(repeated_random_text(10, 2, 1), repeated_random_text(10, 2, 2));
}

}  // namespace
}  // namespace attnviz::test
