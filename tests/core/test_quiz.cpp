#include "core/quiz.hpp"

#include "core/attention.hpp"
#include "test_helpers.hpp"

#include <cmath>

namespace attnviz::test {
namespace {

Trace default_trace(bool causal = false, int kv = 0) {
    Config c;
    c.causal = causal;
    c.n_kv_heads = kv;
    return run(c);
}

// The expected answer typed back in the form the hint asks for.
std::string typed(const Question& q) {
    std::string s;
    for (double v : q.expected) {
        if (!s.empty()) s += q.form == AnswerForm::Shape ? "x" : ", ";
        char buf[64];
        std::snprintf(buf, sizeof buf, q.form == AnswerForm::Real ? "%.4f" : "%.0f", v);
        s += buf;
    }
    return s.empty() ? "none" : s;
}

TEST(Quiz, EveryKindIsAnsweredCorrectlyByItsOwnExpectedAnswer) {
    for (const Trace& t : {default_trace(), default_trace(true, 2), default_trace(true, 1)}) {
        for (int k = 0; k < kQuestionKindCount; ++k) {
            for (std::uint64_t seed : {1ULL, 2ULL, 99ULL}) {
                const Question q = make_question(t, static_cast<QuestionKind>(k), seed);
                EXPECT_FALSE(q.prompt.empty());
                EXPECT_FALSE(q.worked.empty());
                const Grade g = grade(q, typed(q));
                EXPECT_TRUE(g.correct) << q.prompt << "\nanswer " << typed(q) << ": " << g.feedback;
            }
        }
    }
}

TEST(Quiz, ScoresShapeIsNByMFromTheTrace) {
    const Trace t = default_trace();
    const Question q = make_question(t, QuestionKind::ScoresShape, 3);
    EXPECT_EQ(q.expected, (std::vector<double>{6, 6}));
    EXPECT_TRUE(grade(q, "6x6").correct);
    EXPECT_TRUE(grade(q, "[6, 6]").correct);
    EXPECT_TRUE(grade(q, "6 × 6").correct);
    EXPECT_FALSE(grade(q, "6x16").correct);
    EXPECT_FALSE(grade(q, "6").correct);
}

TEST(Quiz, VisibleKeysFollowTheCausalMask) {
    const Trace t = default_trace(true);
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const Question q = make_question(t, QuestionKind::VisibleKeys, seed);
        // Causal: query i sees 0..i, so the set is {0, …, i} for some i.
        ASSERT_FALSE(q.expected.empty());
        for (std::size_t j = 0; j < q.expected.size(); ++j) EXPECT_EQ(q.expected[j], static_cast<double>(j));
        std::string reversed;
        for (auto it = q.expected.rbegin(); it != q.expected.rend(); ++it)
            reversed += std::to_string(static_cast<int>(*it)) + " ";
        EXPECT_TRUE(grade(q, reversed).correct) << "order must not matter";
    }
}

TEST(Quiz, FullyMaskedRowExpectsNone) {
    Config c;
    c.text = "a b c";
    c.padding = {0, 1, 2};
    const Trace t = run(c);
    const Question q = make_question(t, QuestionKind::VisibleKeys, 5);
    EXPECT_TRUE(q.expected.empty());
    EXPECT_TRUE(grade(q, "none").correct);
    EXPECT_FALSE(grade(q, "0").correct);
}

TEST(Quiz, WeightFromScoresIsTheSoftmaxOfTheQuotedLogits) {
    const Trace t = default_trace();
    const Question q = make_question(t, QuestionKind::WeightFromScores, 7);
    ASSERT_EQ(q.expected.size(), 1u);
    EXPECT_GT(q.expected[0], 0.0);
    EXPECT_LT(q.expected[0], 1.0);
    EXPECT_TRUE(grade(q, std::to_string(q.expected[0] + 0.004)).correct);
    EXPECT_FALSE(grade(q, std::to_string(q.expected[0] + 0.02)).correct);
}

// The quiz view shows the live tensors a question is about: every question names some, with
// heads, the query row and the key columns inside the trace; what is on show while the question
// is open never pictures the answer (the weights' hatching for "which keys", the scores for
// "what shape"), and the named row and cells are the ones the prompt quotes.
TEST(Quiz, EveryQuestionNamesTheTensorsItIsAbout) {
    for (const Trace& t : {default_trace(), default_trace(true, 2)}) {
        for (int kind = 0; kind < kQuestionKindCount; ++kind) {
            for (std::uint64_t seed = 1; seed < 6; ++seed) {
                const Question q = make_question(t, static_cast<QuestionKind>(kind), seed);
                SCOPED_TRACE(q.prompt);
                ASSERT_FALSE(q.focus.empty());
                ASSERT_FALSE(q.revealed.empty());
                for (const auto* list : {&q.focus, &q.revealed})
                    for (const QuizFocus& f : *list) {
                        const bool kv = f.tensor == QuizTensor::K || f.tensor == QuizTensor::V;
                        EXPECT_GE(f.head, 0);
                        EXPECT_LT(f.head, kv ? t.config.n_kv_heads : t.config.n_heads);
                    }
                EXPECT_LT(q.focus_query, t.n);
                for (int j : q.focus_keys) {
                    EXPECT_GE(j, 0);
                    EXPECT_LT(j, t.m);
                }
                if (q.focus_query >= 0) EXPECT_NE(q.prompt.find(std::to_string(q.focus_query)), std::string::npos);
                for (const QuizFocus& f : q.focus) {
                    if (q.kind == QuestionKind::VisibleKeys) EXPECT_NE(f.tensor, QuizTensor::Weights);
                    if (q.kind == QuestionKind::ScoresShape) EXPECT_NE(f.tensor, QuizTensor::Scores);
                    if (q.kind == QuestionKind::QueryShape) EXPECT_NE(f.tensor, QuizTensor::Q);
                }
                if (q.kind == QuestionKind::ScaledScore) {
                    ASSERT_EQ(q.focus_keys.size(), 1u);
                    EXPECT_NE(q.prompt.find("q_" + std::to_string(q.focus_query) + "·k_" + std::to_string(q.focus_keys[0])),
                              std::string::npos);
                }
                if (q.kind == QuestionKind::VisibleKeys) EXPECT_EQ(q.revealed.front().tensor, QuizTensor::Weights);
            }
        }
    }
}

TEST(Quiz, ScaledScoreUsesTheTracesMultiplier) {
    const Trace t = default_trace();
    const Question q = make_question(t, QuestionKind::ScaledScore, 4);
    // d_k = 16, sqrt scaling: multiplier 1/4.
    EXPECT_FLOAT_EQ(t.multiplier, 0.25f);
    EXPECT_NE(q.worked.find("0.25"), std::string::npos) << q.worked;
}

TEST(Quiz, SharedKvHeadsUnderGqa) {
    Config c;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    const Trace t = run(c);
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
        const Question q = make_question(t, QuestionKind::SharedKvHeads, seed);
        // Heads {0, 1} share K/V head 0, heads {2, 3} share K/V head 1.
        EXPECT_TRUE(q.expected == (std::vector<double>{0, 1}) || q.expected == (std::vector<double>{2, 3}));
    }
}

TEST(Quiz, ProjectionParamsByHand) {
    // d = 64, h = 4, kv = 2, d_k = d_v = 16: W_Q 64·64 + W_K 64·32 + W_V 64·32 + W_O 64·64 = 12288.
    Config c;
    c.n_kv_heads = 2;
    const Question q = make_question(run(c), QuestionKind::ProjectionParams, 0);
    EXPECT_EQ(q.expected, (std::vector<double>{12288}));
}

TEST(Quiz, KvCacheBytesAcceptsUnits) {
    const Trace t = default_trace();
    for (std::uint64_t seed = 0; seed < 12; ++seed) {
        const Question q = make_question(t, QuestionKind::KvCacheBytes, seed);
        const double mib = q.expected[0] / (1024.0 * 1024.0);
        EXPECT_TRUE(grade(q, std::to_string(static_cast<long long>(mib)) + " MiB").correct) << q.prompt;
        EXPECT_FALSE(grade(q, std::to_string(static_cast<long long>(mib / 2)) + " MiB").correct);
    }
}

TEST(Quiz, UnreadableAnswerSaysHowToAnswer) {
    const Question q = make_question(default_trace(), QuestionKind::ScoresShape, 0);
    const Grade g = grade(q, "six by six");
    EXPECT_FALSE(g.understood);
    EXPECT_FALSE(g.correct);
    EXPECT_NE(g.feedback.find("rows × cols"), std::string::npos) << g.feedback;
}

TEST(Quiz, QuestionsAreDeterministicAndCycleThroughEveryKind) {
    const Trace t = default_trace();
    std::vector<bool> seen(kQuestionKindCount, false);
    for (int k = 0; k < kQuestionKindCount; ++k) {
        const Question a = quiz_question(t, k, 11), b = quiz_question(t, k, 11);
        EXPECT_EQ(a.prompt, b.prompt);
        seen[static_cast<std::size_t>(a.kind)] = true;
    }
    for (bool s : seen) EXPECT_TRUE(s);
}

TEST(ParseNumbers, ShapesListsDecimalsAndByteUnits) {
    EXPECT_EQ(parse_numbers("[4, 6×6]"), (std::vector<double>{4, 6, 6}));
    EXPECT_EQ(parse_numbers("-0.5 and .25"), (std::vector<double>{-0.5, 0.25}));
    EXPECT_EQ(parse_numbers("2 GiB"), (std::vector<double>{2.0 * 1024 * 1024 * 1024}));
    EXPECT_EQ(parse_numbers("3kb"), (std::vector<double>{3000}));
    EXPECT_EQ(parse_numbers("1e3"), (std::vector<double>{1000}));
    EXPECT_EQ(parse_numbers("6x16"), (std::vector<double>{6, 16}));
    EXPECT_TRUE(parse_numbers("none").empty());
}

}  // namespace
}  // namespace attnviz::test
