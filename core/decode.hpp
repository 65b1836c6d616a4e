// Autoregressive decoding with a KV cache: prefill a prompt in one batched pass, then one token
// at a time, projecting only the new token and attending over the cached K and V.
//
// Key: n = tokens of the typed text, p = prefill length, t = position of the token being decoded,
// c = cache entries (t + 1, or at most w under a sliding window), h = heads, kv = K/V heads,
// d = d_model. The typed text is the sequence (teacher forcing): step k decodes token p + k.
//
// Decoding is causal by nature, so every result equals the matching row of the full forward pass
// with causal = true and the same window, padding, positions and heads.
#pragma once

#include "core/attention.hpp"

#include <cstddef>
#include <vector>

namespace attnviz {

struct DecodeStep {
    int position = 0;                  // t, absolute position of the new token
    Stack q;                           // [h][1, d_k]  the new token's query (RoPE at t)
    Stack k_new, v_new;                // [kv][1, d_k], [kv][1, d_v]  appended to the cache
    std::vector<int> cache_positions;  // [c] absolute positions held after append (and eviction)
    Stack K_cache, V_cache;            // [kv][c, d_k], [kv][c, d_v]  the cache this step read
    Stack weights;                     // [h][1, c]  one row of A, over the cache entries
    Stack head_outputs;                // [h][1, d_v]
    RowVec output;                     // [1, d]  the new row of O
    // Work, in multiply-accumulates, to produce this token's output:
    //   cached    = d·(h·d_k + kv·d_k + kv·d_v)          project the new token only
    //             + h·c·(d_k + d_v)                       one row of scores, one weighted sum
    //             + h·d_v·d                               its row of W_O
    //   recompute = the full causal forward over t + 1 tokens with no cache, as a cache-less
    //               generate loop runs it: (t+1)·d·(h·d_k + kv·d_k + kv·d_v) + h·(t+1)²·(d_k + d_v)
    //               + (t+1)·h·d_v·d  (every score is computed; the mask only zeroes weights).
    long long macs_cached = 0;
    long long macs_recompute = 0;
    long long pairs_scored = 0;        // h·c
    std::size_t cache_bytes = 0;       // kv·c·(d_k + d_v)·sizeof(float) after this step
};

// Steps one token at a time; the GUI keeps one and calls step() per key press.
class Decoder {
public:
    // Throws ConfigError("source", ...) for cross-attention and ConfigError("prefill", ...) unless
    // 1 <= prefill <= n. Runs the batched prefill pass at once.
    Decoder(const Inputs& inputs, const Weights& weights, int prefill);

    int prefill_length() const { return prefill_; }
    int position() const { return next_; }              // the next token to decode
    bool done() const { return next_ >= n_; }
    const Trace& prefill_trace() const { return prefill_trace_; }  // causal forward over [0, p)

    // Decodes token position(); returns its step (valid until the next call). ATTNVIZ_ASSERT(!done()).
    const DecodeStep& step();
    const DecodeStep* last_step() const { return has_step_ ? &last_ : nullptr; }

    const std::vector<int>& cache_positions() const { return positions_; }
    const Stack& K_cache() const { return K_; }         // [kv][c, d_k]
    const Stack& V_cache() const { return V_; }         // [kv][c, d_v]
    std::size_t cache_bytes() const;

private:
    void append(int position, const Stack& k, const Stack& v);

    Config config_;                    // resolved, causal = true
    Weights weights_;
    MatRM X_in_;                       // [n, d]  X + additive PE for every position
    int n_ = 0, prefill_ = 0, next_ = 0;
    Trace prefill_trace_;
    Stack K_, V_;
    std::vector<int> positions_;
    DecodeStep last_;
    bool has_step_ = false;
};

struct DecodeTrace {
    int prefill = 0;
    Trace prefill_trace;               // the batched pass over tokens [0, p), causal
    std::vector<DecodeStep> steps;     // tokens p, p + 1, …
};

// Prefill p tokens, then decode `steps` more. Throws ConfigError("decode_steps", ...) when
// steps < 0 or p + steps > n, and as Decoder does.
DecodeTrace run_decode(const Inputs& inputs, const Weights& weights, int prefill, int steps);

// The inputs restricted to the first `count` tokens, causal: what a prefill pass sees.
Inputs prefix_inputs(const Inputs& inputs, int count);

}  // namespace attnviz
