// A whole decoder-style Transformer: embedding → L blocks → final norm → unembedding → logits.
//
// Key: n tokens, d = d_model, V vocabulary size, f MLP hidden width, L layers, h heads.
//
//   resid_0 = E[tokens] + PE                                  [n, d]   (PE: sinusoidal, learned or 0)
//   pre-LN  (GPT-2, Llama):  a = Attn(norm1(resid)); mid = resid + a; post = mid + MLP(norm2(mid))
//   post-LN (Transformer, BERT): mid = norm1(resid + Attn(resid)); post = norm2(mid + MLP(mid))
//   logits = norm_f(resid_L) · Uᵀ   (U = E when tied)         [n, V]   (post-LN: no norm_f)
//   p(next | ≤ i) = softmax(logits[i])
//
// Each layer keeps today's attention Trace unchanged (so every attention view and analysis works
// on any layer), plus the residual stream around it and the MLP's hidden activations.
//
// [SECTION] architecture
// [SECTION] vocabulary
// [SECTION] weights
// [SECTION] ops
// [SECTION] the stack's trace and forward
// [SECTION] logit lens and head detectors
#pragma once

#include "core/attention.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnviz {

// ---- [SECTION] architecture ----------------------------------------------------------------------

enum class NormKind { None, Layer, Rms };
enum class NormPlacement { Pre, Post };
enum class MlpKind { None, Gelu, GeluTanh, SwiGlu };

struct StackLimits {
    static constexpr int max_layers = 48;
    static constexpr int max_d_ff = 16384;
    static constexpr int top_k = 5;  // next tokens kept per position
};

struct StackArch {
    int layers = 1;                           // L, 1 … StackLimits::max_layers
    NormKind norm = NormKind::None;
    NormPlacement placement = NormPlacement::Pre;
    MlpKind mlp = MlpKind::None;
    int d_ff = 0;                             // MLP hidden width f; 0 = 4·d_model
    float norm_eps = 1e-5f;                   // LayerNorm / RMSNorm ε
    bool tied_unembedding = true;             // U = E (GPT-2); else its own [V, d]
    bool operator==(const StackArch&) const = default;
};

std::string_view to_string(NormKind v);
std::string_view to_string(NormPlacement v);
std::string_view to_string(MlpKind v);
NormKind parse_norm(std::string_view s);               // layer|rms|none; throws ConfigError("norm", ...)
NormPlacement parse_placement(std::string_view s);     // pre|post; throws ConfigError("ln", ...)
MlpKind parse_mlp(std::string_view s);                 // gelu|gelu-tanh|swiglu|none; ConfigError("mlp", ...)

// Checks ranges and fills d_ff. Throws ConfigError naming the field.
StackArch resolve_arch(const StackArch& a, int d_model);

// ---- [SECTION] vocabulary ------------------------------------------------------------------------

// The toy vocabulary: the text's distinct tokens in order of first appearance, then a built-in
// list of common English words not already in it, so "the next token" has real competitors.
struct Vocabulary {
    std::vector<std::string> tokens;             // [V]; id = index
    std::unordered_map<std::string, int> ids;
    int size() const { return static_cast<int>(tokens.size()); }
    int id(const std::string& token) const;      // -1 when absent
};

const std::vector<std::string_view>& common_words();  // at least 1,000, lower case, no repeats
Vocabulary toy_vocabulary(const std::vector<std::string>& text_tokens);

// ---- [SECTION] weights ---------------------------------------------------------------------------

struct NormWeights {
    RowVec gamma;   // [d] scale
    RowVec beta;    // [d] shift (LayerNorm only; empty for RMSNorm)
};

// x·W row-major as GPT-2 stores it. GELU: up [d, f] (+ b_up), down [f, d] (+ b_down).
// SwiGLU: gate [d, f], up [d, f], down [f, d], no biases (Llama).
struct MlpWeights {
    MatRM W_gate, W_up, W_down;
    RowVec b_up, b_down;   // empty when absent
};

struct LayerWeights {
    Weights attn;          // W_Q, W_K, W_V, W_O as today (learned_pe unused past layer 0)
    NormWeights norm1, norm2;
    MlpWeights mlp;
};

struct StackWeights {
    MatRM embedding;       // E: [V, d]
    MatRM unembedding;     // U: [V, d] when not tied, else empty (E is used)
    MatRM learned_pe;      // [L_pe, d] for positional = learned
    std::vector<LayerWeights> layers;  // [L]
    NormWeights final_norm;
    const MatRM& U() const { return unembedding.size() ? unembedding : embedding; }
};

// A random stack from config.seed: layer 0's attention weights and every token's embedding are
// exactly today's (make_weights, embed_token); later layers draw from their own streams. Norms
// start at γ = 1, β = 0. `resolved` from resolve_sizes, `arch` from resolve_arch.
StackWeights random_stack(const Config& resolved, const StackArch& arch, const Vocabulary& vocab);

// ---- [SECTION] ops -------------------------------------------------------------------------------

MatRM layer_norm(const Eigen::Ref<const MatRM>& x, const NormWeights& w, float eps);  // [n, d] per row
MatRM rms_norm(const Eigen::Ref<const MatRM>& x, const NormWeights& w, float eps);    // [n, d] per row
MatRM apply_norm(NormKind kind, const Eigen::Ref<const MatRM>& x, const NormWeights& w, float eps);
float gelu(float x);        // x·Φ(x), exact with erf
float gelu_tanh(float x);   // GPT-2's gelu_new: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))
float silu(float x);        // x·σ(x)
// hidden: [n, f] activations after the nonlinearity (SwiGLU: silu(x·W_gate) ⊙ (x·W_up)); returns [n, d].
MatRM mlp_forward(MlpKind kind, const Eigen::Ref<const MatRM>& x, const MlpWeights& w, MatRM& hidden);
// softmax of each row of logits [n, V], in float64 accumulators; returns [n, V].
MatRM softmax_rows(const Eigen::Ref<const MatRM>& logits);

// ---- [SECTION] the stack's trace and forward -----------------------------------------------------

struct TopToken {
    int id = 0;
    std::string token;
    float prob = 0.0f;
};

struct LayerTrace {
    Trace attn;            // today's trace; attn.X_in is this block's attention input (after norm₁)
    MatRM resid_pre;       // [n, d] the stream entering the block
    MatRM attn_out;        // [n, d] what attention writes: concat·W_O
    MatRM resid_mid;       // [n, d] after attention's residual add (post-LN: and norm₁)
    MatRM mlp_in;          // [n, d] the MLP's input (pre-LN: norm₂(resid_mid))
    MatRM mlp_hidden;      // [n, f] after the nonlinearity; empty without an MLP
    MatRM mlp_out;         // [n, d] what the MLP writes
    MatRM resid_post;      // [n, d] the stream leaving the block
};

struct StackTrace {
    StackArch arch;
    std::vector<LayerTrace> layers;          // [L]
    MatRM final_resid;                        // [n, d] norm_f(resid_L) (post-LN: resid_L)
    MatRM logits;                             // [n, V]
    MatRM probs;                              // [n, V]
    std::vector<std::vector<TopToken>> next;  // [n][top_k], most probable first
};

// One stack run; `inputs` from prepare(). Throws ConfigError for a cross-attention config (the
// stack is a decoder over one sequence) or sizes out of range.
StackTrace run_stack(const Inputs& inputs, const StackArch& arch, const StackWeights& w, const Vocabulary& vocab);

std::vector<TopToken> top_k(const Eigen::Ref<const RowVec>& probs, const Vocabulary& vocab, int k);

// ---- [SECTION] logit lens and head detectors -----------------------------------------------------

// The final norm and unembedding applied to the stream after layer ℓ (Nostalgebraist 2020).
struct LensCell {
    TopToken top;          // the most probable token read off this layer
    int final_rank = 0;    // rank (0 = top) of the model's final prediction at this position
    float final_prob = 0;  // and its probability here
};
std::vector<std::vector<LensCell>> logit_lens(const StackTrace& t, const StackWeights& w, const Vocabulary& vocab);  // [L][n]

// Per (layer, head) in [0, 1], means over the query positions where the pattern is defined:
//   previous_token  mean_i≥1 A[i, i−1]        same_position  mean_i A[i, i]
//   first_token     mean_i≥1 A[i, 0]          (attention sinks)
//   duplicate_token mean over i with an earlier j < i, tok_j = tok_i, of Σ_{such j} A[i, j]
//   induction       mean over i with an earlier j < i, tok_j = tok_i, j + 1 < i, of Σ A[i, j + 1]
//                   (Olsson et al. 2022's prefix matching: attend to what followed the last time)
struct HeadScores {
    std::vector<std::vector<float>> previous_token, same_position, first_token, duplicate_token, induction;  // [L][h]
};
HeadScores head_scores(const StackTrace& t);

}  // namespace attnviz
