// Built-in stack models: a random L-layer stack from the seed, and a designed two-layer
// induction circuit (Elhage et al. 2021; Olsson et al. 2022) whose weights are written by hand.
//
// The induction circuit, attention only, one head per layer. The residual stream [n, d] is cut
// into named subspaces, each written by one thing and read by another:
//   pos    dims [0, 16)   position code: 8 (cos ωp, sin ωp) pairs, from the learned PE table
//   first  dim 16         1 at position 0 only (PE)          bias  dim 17   1 everywhere (PE)
//   tok    dims [18, 66)  the token: a unit vector per vocabulary entry (the embedding)
//   prev   dims [66, 114) "my previous token was X": written by layer 0
//   out    dims [114, 162) "the token to predict": written by layer 1, read by the unembedding
// Layer 0, a previous-token head: W_Q rotates pos by −ω per pair, W_K reads pos as it is, so
//   q_i·k_j = s₀² Σ cos(ω (i − 1 − j)) peaks at j = i − 1; W_V reads tok, W_O writes it into prev.
// Layer 1, an induction head: queries read tok (the current token A), keys read prev (K-
//   composition with layer 0), so query i matches key j when token j − 1 is A, i.e. j is the token
//   B that followed A before; the bias/first pair pushes position 0 (whose "previous" is itself)
//   away. W_V reads tok at j (B), W_O writes it into out, and U reads out: the logits predict B.
#pragma once

#include "core/stack.hpp"

#include <memory>
#include <string>

namespace attnviz {

// Everything a stack run needs, built once. The vocabulary and weights are shared, never copied:
// a pretrained model's are the loaded model's own.
struct StackModel {
    Inputs inputs;           // config as run (a designed model forces some fields)
    StackArch arch;          // resolved
    std::shared_ptr<const Vocabulary> vocab_ptr;
    std::shared_ptr<const StackWeights> weights_ptr;
    std::string summary;     // what was forced and why, for the UI
    std::vector<int> token_ids;  // a pretrained model's input ids (the toy models' are vocabulary ids of the text)
    const Vocabulary& vocab() const { return *vocab_ptr; }
    const StackWeights& weights() const { return *weights_ptr; }
};

// Random weights from config.seed (see random_stack). Throws ConfigError.
StackModel build_random_model(const Config& config, const StackArch& arch);

// The configuration the induction circuit runs with: `config` with the fields it needs forced.
Config induction_config(const Config& config);

// The designed induction circuit on config's text (positions past the learned table's 64 rows
// have no position code, so it works on texts of up to 64 tokens). Forces d_model, heads, d_k,
// d_v, positional = learned and causal; keeps the text, tokenizer, padding and temperature.
StackModel build_induction_model(const Config& config);

// "a b c … a b c …": `length` distinct common words drawn from `seed`, repeated `copies` times,
// the input on which the induction detector is measured.
std::string repeated_random_text(int length, int copies, std::uint64_t seed);

}  // namespace attnviz
