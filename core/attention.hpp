// The forward pass of one multi-head attention block, keeping every intermediate.
#pragma once

#include "core/model.hpp"
#include "core/tokenizer.hpp"
#include "core/trace.hpp"

namespace attnviz {

// Validated, tokenized and embedded input: what forward() consumes. Editing X here (or the
// Weights) and calling forward() again recomputes everything downstream.
struct Inputs {
    Config config;                          // resolved; padding includes "<pad>" tokens, sorted, unique
    std::vector<std::string> tokens;        // [n]
    std::vector<std::string> source_tokens; // [m] when cross-attending
    MatRM X;                                // [n, d]
    MatRM X_source;                         // [m, d] when cross-attending
};

// Throws ConfigError naming the field, value and rule for any invalid input.
Inputs prepare(const Config& config);

Trace forward(const Inputs& inputs, const Weights& weights);
// The same into an existing trace, reusing its buffers when the shapes match (live recompute,
// benchmarks): no n×n allocation after the first call.
void forward_into(const Inputs& inputs, const Weights& weights, Trace& trace);

// prepare + make_weights + forward.
Trace run(const Config& config);

}  // namespace attnviz
