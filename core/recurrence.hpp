// A toy Elman RNN on the same embeddings, to set next to attention: what recurrence does
// sequentially that attention does in one step.
//
// Key: n = tokens, d = d_model, d_h = hidden width, t = step (token index).
// h_t = tanh(W_x x_t + W_h h_{t−1}), h_{−1} = 0.
#pragma once

#include "core/trace.hpp"

#include <cstdint>
#include <vector>

namespace attnviz {

struct RecurrenceTrace {
    MatRM H;                          // [n, d_h] hidden state after each token
    std::vector<float> first_token_influence;  // [n] ‖∂h_t/∂x_0‖_F: how much h_t still depends on token 0
    std::vector<int> sequential_steps;         // [n] steps token 0's information took to reach h_t (= t)
};

// Deterministic from `seed`. Throws ConfigError("d_h", ...) unless 1 <= d_h <= 1024.
RecurrenceTrace run_recurrence(const Eigen::Ref<const MatRM>& X, int d_h, std::uint64_t seed);

// Attention's direct line to token 0: A[t, 0] averaged over heads, for every query t (one step,
// whatever the distance). Zero where token 0 is masked from t.
std::vector<float> attention_on_first_token(const Trace& trace);

}  // namespace attnviz
