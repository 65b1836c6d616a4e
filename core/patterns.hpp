// Local and sparse attention patterns as masks, and what each costs against full attention.
//
// Key: n = queries, m = keys, h = heads; (i, j) = (query, key). Each pattern is ANDed with the
// trace's own mask (causal, window, padding), so a causal model stays causal under any pattern.
#pragma once

#include "core/trace.hpp"

#include <string_view>
#include <vector>

namespace attnviz {

enum class Pattern {
    Full,     // every pair
    Window,   // local band: |i − j| < window (Longformer's sliding window, Mistral's SWA)
    Strided,  // local band |i − j| < stride, plus every stride-th key: (i − j) mod stride = 0
              // (the Sparse Transformer's strided pattern, Child et al. 2019)
    Global,   // local band |i − j| < window, plus `globals` first tokens that see and are seen by
              // everyone (Longformer's global tokens; "attention sinks" keep the first tokens too)
};
inline constexpr Pattern kPatterns[] = {Pattern::Full, Pattern::Window, Pattern::Strided, Pattern::Global};

struct PatternSpec {
    Pattern pattern = Pattern::Full;
    int window = 3;   // >= 1
    int stride = 3;   // >= 1
    int globals = 1;  // >= 0
};

std::string_view to_string(Pattern p);
// One line a learner can read: the rule with this spec's numbers.
std::string describe(const PatternSpec& spec);

// [n_q, n_k] of 1 / 0. Throws ConfigError("pattern_window" / "stride" / "globals", ...).
MatRM pattern_mask(const PatternSpec& spec, int n_q, int n_k);

struct PatternResult {
    PatternSpec spec;
    MatRM mask;                  // [n, m] pattern AND the trace's mask
    Stack weights;               // [h][n, m] softmax over the pattern's pairs
    MatRM output;                // [n, d] O under the pattern
    float max_output_error = 0;  // max |O_pattern − O_full|
    float max_head_error = 0;    // max over heads of max |H_pattern − H_full|
    long long scored_pairs = 0;  // visible (i, j) pairs per head under the pattern
    long long full_pairs = 0;    // visible pairs per head with the trace's mask alone
};

// Recomputes the block from the trace's Q, K, V and W_O with the pattern's mask. Throws
// ConfigError("source", ...) for a local pattern under cross-attention.
PatternResult compare_pattern(const Trace& full, const PatternSpec& spec);

}  // namespace attnviz
