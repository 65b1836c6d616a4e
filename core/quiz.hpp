// Interview-practice questions built from the live trace, and the checking of typed answers.
//
// Every question's expected answer and its worked solution come from the numbers on screen, so a
// question about "head 2's scores" is about this input's head 2, not a textbook example.
// Key: n = query tokens, m = key tokens, h = heads, kv = K/V heads, d = d_model.
#pragma once

#include "core/trace.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

enum class QuestionKind {
    ScoresShape,       // shape of one head's QKᵀ
    QueryShape,        // shape of one head's Q after the split
    VisibleKeys,       // which keys a query sees under the current mask
    WeightFromScores,  // softmax by hand over three logits
    ScaledScore,       // the ÷√d_k (or chosen scale) stage on one raw score
    SharedKvHeads,     // which query heads read the same K/V head (GQA/MQA)
    ProjectionParams,  // parameter count of W_Q, W_K, W_V, W_O together
    ArgmaxKey,         // the key a query attends to most in one head
    KvCacheBytes,      // KV-cache bytes of a published model at a context length
};
inline constexpr int kQuestionKindCount = 9;

enum class AnswerForm {
    Shape,     // ordered integers: "6x16", "[6, 16]", "6 × 16"
    IndexSet,  // unordered integers: "0, 1, 3"; "none" for the empty set
    Integer,   // one integer; for bytes also "2 GiB", "512 MiB", "4 KB"
    Real,      // one number, within `tolerance` (absolute)
};

// A tensor of the live trace a question is about, for a view to show beside the question.
enum class QuizTensor { X, W_Q, Q, K, V, Scores, Logits, Weights };

struct QuizFocus {
    QuizTensor tensor = QuizTensor::Scores;
    int head = 0;   // query head a (Q, Scores, Logits, Weights) or K/V head g (K, V); unused otherwise
};

struct Question {
    QuestionKind kind = QuestionKind::ScoresShape;
    AnswerForm form = AnswerForm::Shape;
    std::string prompt;            // what is asked, with the live numbers it needs
    std::string answer_hint;       // how to type the answer, e.g. "rows × cols"
    std::vector<double> expected;  // the answer (IndexSet sorted ascending)
    double tolerance = 0.0;        // Real only
    std::string worked;            // the solution, step by step, with this trace's numbers
    // What to show while the question is open: inputs only, never a picture of the answer.
    // `revealed` replaces it once answered (e.g. the mask's hatching for "which keys").
    std::vector<QuizFocus> focus, revealed;
    int focus_query = -1;          // the query row the question names, -1 none
    std::vector<int> focus_keys;   // the key columns it names (sorted), empty none
};

struct Grade {
    bool understood = false;  // the answer could be read at all
    bool correct = false;
    std::string feedback;     // "correct", what was expected, or why the answer could not be read
};

std::string_view to_string(QuestionKind k);

// A question of the given kind about `trace`. `seed` picks the head, query and keys; the same
// (trace, kind, seed) always gives the same question. Never throws for a valid trace: a kind
// that does not apply (e.g. VisibleKeys needs n ≥ 1) falls back to ScoresShape.
Question make_question(const Trace& trace, QuestionKind kind, std::uint64_t seed);

// The k-th question of a quiz: kinds cycle so a run covers all of them.
Question quiz_question(const Trace& trace, int k, std::uint64_t seed);

// Reads the typed answer in the question's form and compares it.
Grade grade(const Question& q, std::string_view answer);

// Integers and decimals in free text, in order: "[4, 6×6]" -> {4, 6, 6}. A byte unit right
// after a number (KB, KiB, MB, MiB, GB, GiB; case-insensitive) multiplies it.
std::vector<double> parse_numbers(std::string_view text);

}  // namespace attnviz
