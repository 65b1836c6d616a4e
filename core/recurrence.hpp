// A toy Elman RNN on the same embeddings, to set next to attention: what recurrence does
// sequentially that attention does in one step.
//
// Key: n = tokens, d = d_model (embedding width), d_h = hidden width, t = step (token index).
// Row vectors, as everywhere in core (X·W_Q): h_t = tanh(x_t·W_x + h_{t−1}·W_h), h_{−1} = 0 —
// the textbook h_t = tanh(W_x x_t + W_h h_{t−1}) transposed.
#pragma once

#include "core/trace.hpp"

#include <cstdint>
#include <vector>

namespace attnviz {

// Every singular value of the seeded W_h: one step of the recurrence scales any vector by
// exactly this before tanh′ (≤ 1) shrinks it further.
inline constexpr double kRecurrentGain = 0.9;

struct RnnWeights {
    MatRM W_x;  // [d, d_h]
    MatRM W_h;  // [d_h, d_h]
};

// Seeded from `seed` alone: W_x ~ N(0, 1/(4d)), W_h = kRecurrentGain · (a seeded orthogonal
// matrix). Throws ConfigError("d_h", ...) unless 1 <= d_h <= 1024 and ("d_model", ...) unless
// 1 <= d <= 4096.
RnnWeights make_rnn_weights(int d, int d_h, std::uint64_t seed);

struct RecurrenceTrace {
    MatRM H;                                   // [n, d_h] hidden state after each token
    std::vector<float> first_token_influence;  // [n] ‖∂h_t/∂x_0‖_F: how much h_t still depends on x_0
    std::vector<int> sequential_steps;         // [n] recurrence steps from x_0 to h_t: t
    std::vector<int> attention_steps;          // [n] the same for attention: 1 (one weight, A[t, 0])
};

// Runs the recurrence over the rows of X ([n, d], n may be 0). W_x must be [d, d_h] and W_h
// [d_h, d_h] (checked as invariants).
RecurrenceTrace run_recurrence(const Eigen::Ref<const MatRM>& X, const RnnWeights& w);
// make_rnn_weights(X.cols(), d_h, seed), then the above: deterministic for a seed.
RecurrenceTrace run_recurrence(const Eigen::Ref<const MatRM>& X, int d_h, std::uint64_t seed);

// Attention's direct line to token 0: A[t, 0] averaged over heads, for every query t (one step,
// whatever the distance). Zero where token 0 is masked from t. Length trace.n.
std::vector<float> attention_on_first_token(const Trace& trace);

}  // namespace attnviz
