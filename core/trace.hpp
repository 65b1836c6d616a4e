// The Trace: every intermediate of one attention block, per head, as the UI and exporters read it.
//
// Key: n = query tokens, m = key tokens (m = n without a source), d = d_model,
// h = n_heads, kv = n_kv_heads, d_k, d_v = per-head widths, a = query head, g = K/V head.
#pragma once

#include "core/config.hpp"
#include "core/mask.hpp"

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace attnviz {

struct HeadDiagnostics {
    std::vector<float> entropy;       // [n] nats per query row (0 for a fully masked row)
    std::vector<float> max_weight;    // [n]
    std::vector<int> argmax;          // [n] key index, -1 for a fully masked row
    float mean_entropy = 0.0f;        // over rows that see at least one key
    float raw_variance = 0.0f;        // Var of QKᵀ over visible (i, j)
    float scaled_variance = 0.0f;     // Var of multiplier·QKᵀ over visible (i, j)
};

struct Trace {
    Config config;                            // resolved; padding lists every padded key
    std::vector<std::string> tokens;          // [n]
    std::vector<std::string> source_tokens;   // [m] when cross-attending, else empty
    int n = 0, m = 0;
    int untrained_positions = 0;              // learned PE: positions past the trained length

    MatRM X, PE, X_in;                        // [n, d]; X_in = X + PE
    MatRM X_source, PE_source, X_in_source;   // [m, d] when cross-attending, else empty
    MatRM W_Q, W_K, W_V, W_O;                 // [d, h·d_k], [d, kv·d_k], [d, kv·d_v], [h·d_v, d]
    RowVec b_Q, b_K, b_V, b_O;                // the projections' biases; empty when the model has none

    Stack Q_proj, Q;                          // [h][n, d_k]; Q = RoPE(Q_proj) or Q_proj
    Stack K_proj, K;                          // [kv][m, d_k]
    Stack V;                                  // [kv][m, d_v]
    Stack scores;                             // [h][n, m] raw QKᵀ
    MatRM mask;                               // [n, m] 1 visible / 0 masked
    float multiplier = 1.0f;                  // scale(d_k) / T applied to raw scores
    std::vector<float> alibi_slopes;          // [h] when positional = alibi, else empty
    Stack weights;                            // [h][n, m] A = softmax(multiplier·QKᵀ + bias + M)
    Stack head_outputs;                       // [h][n, d_v] H = A·V
    MatRM concat;                             // [n, h·d_v]
    MatRM output;                             // [n, d] O = concat·W_O
    std::vector<char> fully_masked;           // [n] 1 when query i sees no key
    std::vector<HeadDiagnostics> diagnostics; // [h]

    int kv_head(int a) const { return kv_head_of(a, config.n_heads, config.n_kv_heads); }
    bool visible(int i, int j) const { return mask(i, j) > 0.5f; }
    // ALiBi's additive bias -m_a·|i - j| (0 for other schemes).
    float bias(int a, int i, int j) const;
    // multiplier·QKᵀ[i, j] (what the √d_k stage shows).
    float scaled(int a, int i, int j) const { return multiplier * scores[static_cast<std::size_t>(a)](i, j); }
    // scaled + bias + M: −∞ where masked.
    float logit(int a, int i, int j) const;
    MatRM scaled_scores(int a) const;   // [n, m]
    MatRM logits(int a) const;          // [n, m], −∞ where masked
    MatRM additive_mask() const;        // [n, m] of 0 / −∞
};

// README's promise: no NaN or ±∞ anywhere in a trace except the logits of masked cells (and the
// additive mask that puts them there). Throws ConfigError("trace", ...) naming the first
// offending tensor, head and cell, so an overflow (huge edited weights, say) is refused before
// anything is shown or written.
void require_finite(const Trace& t);

// One tensor flattened row-major, as exporters write it. Non-finite entries mean "masked".
struct NamedTensor {
    std::string name;
    std::string equation;   // how it was made, in the paper's notation
    std::vector<int> shape;
    std::vector<float> data;
};

// Every tensor of the trace under its export name, in pipeline order (a copy of each).
std::vector<NamedTensor> named_tensors(const Trace& trace);

// One run of consecutive elements of a tensor, row-major.
using ChunkSink = std::function<void(const float* data, std::size_t count)>;

// A tensor of the trace read on demand: for_each_chunk hands every element to the sink once, in
// row-major order, as consecutive runs. A stored tensor is handed straight from the trace, a computed
// one (scores_scaled, logits, additive_mask) a block of rows at a time, so an exporter of
// gigabytes holds no copy of them.
struct TensorView {
    std::string name;
    std::string equation;
    std::vector<int> shape;
    std::function<void(const ChunkSink&)> for_each_chunk;
    std::size_t numel() const;
};

// The tensors of named_tensors (same names, equations, shapes, order and values) without copying
// them. The views read `trace`, which must outlive them.
std::vector<TensorView> tensor_views(const Trace& trace);

// A view of a tensor already in memory, which must outlive it.
TensorView view_of(const NamedTensor& tensor);
// A view of a matrix [rows, cols] under `name`; the matrix must outlive it.
TensorView view_of(std::string name, std::string equation, const MatRM& m);

inline constexpr float kNegInf = -std::numeric_limits<float>::infinity();

}  // namespace attnviz
