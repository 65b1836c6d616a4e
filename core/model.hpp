// The deterministic toy model: token embeddings, projection weights and the learned PE table.
//
// Key: d = d_model, h = n_heads, kv = n_kv_heads, L = Limits::learned_length.
#pragma once

#include "core/config.hpp"

#include <string>
#include <vector>

namespace attnviz {

struct Weights {
    MatRM W_Q;         // [d, h·d_k]
    MatRM W_K;         // [d, kv·d_k]
    MatRM W_V;         // [d, kv·d_v]
    MatRM W_O;         // [h·d_v, d]
    MatRM learned_pe;  // [L, d]
    // Projection biases (GPT-2: all four; Qwen2: Q, K, V); empty when the model has none.
    RowVec b_Q, b_K, b_V, b_O;  // [h·d_k], [kv·d_k], [kv·d_v], [d]
};

// Entries N(0, stddev²) drawn row-major from one stream `seed` (see stream_seed in core/rng.hpp).
MatRM gaussian(int rows, int cols, std::uint64_t seed, double stddev);

// Seeded from config.seed only: identical across runs and machines. `resolved` must come
// from resolve_sizes().
Weights make_weights(const Config& resolved);

// A token's embedding depends only on (token, seed, d_model): "cat" is the same row everywhere.
RowVec embed_token(const std::string& token, std::uint64_t seed, int d_model);  // [1, d]
MatRM embed(const std::vector<std::string>& tokens, std::uint64_t seed, int d_model);  // [n, d]

}  // namespace attnviz
