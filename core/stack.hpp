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
// [SECTION] ablation
// [SECTION] the stack's trace and forward
// [SECTION] logit lens and head detectors
#pragma once

#include "core/attention.hpp"

#include <atomic>
#include <cstdint>
#include <stdexcept>
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

// ---- [SECTION] ablation --------------------------------------------------------------------------

// One component knocked out of the forward pass: head `head` of layer `layer`, or that layer's MLP
// (head = kMlp). Zero: its output H_a (or the MLP's output) becomes 0. Mean: the mean of that output
// over the positions, which keeps the constant direction it writes and removes what depends on the
// token. Later layers then read the changed residual stream.
enum class AblationMode { Zero, Mean };
struct Ablation {
    static constexpr int kMlp = -1;
    int layer = 0;
    int head = kMlp;
    AblationMode mode = AblationMode::Zero;
    bool operator==(const Ablation&) const = default;
};
std::string_view to_string(AblationMode v);
AblationMode parse_ablation_mode(std::string_view s);  // zero|mean; ConfigError("ablate-mode", ...)
// "0.1,1.mlp" (layer.head or layer.mlp, comma-separated) -> ablations of `mode`; empty -> none.
// Throws ConfigError("ablate", ...) naming the item.
std::vector<Ablation> parse_ablations(std::string_view s, AblationMode mode);
std::string ablations_to_string(const std::vector<Ablation>& a);  // parse_ablations' syntax
// Throws ConfigError("ablate", ...) for a layer or head outside the model.
void check_ablations(const std::vector<Ablation>& a, int layers, int heads);

// ---- [SECTION] the stack's trace and forward -----------------------------------------------------

struct TopToken {
    int id = 0;
    std::string token;
    float prob = 0.0f;
};

struct LayerTrace {
    Trace attn;            // today's trace; attn.X_in is this block's attention input (after norm₁).
                           // Without `attn_full` its n×n stacks (scores, weights) are empty: see
                           // StackRunOptions; layer_attention() recomputes them.
    bool attn_full = true;
    Stack thumbs;          // [h][≤48, ≤48] A pooled for thumbnails (pool_for_image), always kept
    MatRM resid_pre;       // [n, d] the stream entering the block
    MatRM attn_out;        // [n, d] what attention writes: concat·W_O
    MatRM resid_mid;       // [n, d] after attention's residual add (post-LN: and norm₁)
    MatRM mlp_in;          // [n, d] the MLP's input (pre-LN: norm₂(resid_mid))
    MatRM mlp_hidden;      // [n, f] after the nonlinearity; empty without an MLP
    MatRM mlp_out;         // [n, d] what the MLP writes
    MatRM resid_post;      // [n, d] the stream leaving the block
};

// Per (layer, head) in [0, 1], means over the query positions where the pattern is defined:
//   previous_token  mean_i≥1 A[i, i−1]        same_position  mean_i A[i, i]
//   first_token     mean_i≥1 A[i, 0]          (attention sinks)
//   duplicate_token mean over i with an earlier j < i, tok_j = tok_i, of Σ_{such j} A[i, j]
//   induction       mean over i with an earlier j < i, tok_j = tok_i, j + 1 < i, of Σ A[i, j + 1]
//                   (Olsson et al. 2022's prefix matching: attend to what followed the last time)
struct HeadScores {
    std::vector<std::vector<float>> previous_token, same_position, first_token, duplicate_token, induction;  // [L][h]
};

struct StackTrace {
    StackArch arch;
    std::vector<LayerTrace> layers;          // [L]
    MatRM final_resid;                        // [n, d] norm_f(resid_L) (post-LN: resid_L)
    MatRM logits;                             // [n, V]
    MatRM probs;                              // [n, V]
    std::vector<std::vector<TopToken>> next;  // [n][top_k], most probable first
    HeadScores scores;                        // of every layer, measured before any n×n is dropped
    std::vector<Ablation> ablated;            // what this run knocked out
    std::size_t attn_bytes = 0;               // the n×n stacks of every layer, had all been kept
    std::size_t attn_bytes_kept = 0;          // of the layers with attn_full
};

// A long run watched, and abandoned, from another thread: `done` of `total` steps of the function
// running now (a layer of the forward, a layer of the logit lens); `cancel` set makes it throw
// RunCancelled at its next step.
struct RunProgress {
    std::atomic<int> done{0}, total{0};
    std::atomic<bool> cancel{false};
    void start(int steps);  // done = 0 of `steps`; throws RunCancelled when cancelled
    void step();            // one more done; throws RunCancelled when cancelled
};

struct RunCancelled : std::runtime_error {
    RunCancelled() : std::runtime_error("computation abandoned") {}
};

struct StackRunOptions {
    // The per-layer n×n stacks (raw scores and weights, 2·h·n² floats a layer) are kept for as many
    // layers as fit in this many bytes, from layer 0 up, and always for `keep_layer`.
    std::size_t attention_budget = std::size_t{1} << 30;
    int keep_layer = 0;
    std::vector<Ablation> ablate;
    RunProgress* progress = nullptr;  // one step per layer
};

// One stack run; `inputs` from prepare(). Throws ConfigError for cross-attention on more than one
// layer (the stack is a decoder over one sequence), sizes out of range or an ablation outside the model.
StackTrace run_stack(const Inputs& inputs, const StackArch& arch, const StackWeights& w, const Vocabulary& vocab,
                     const StackRunOptions& options = {});

// What layer `layer`'s attention reads, given the stream entering it [n, d]: for layer 0 without a
// pre-norm, `inputs` itself (forward adds the position there, exactly as the single block does);
// past it, norm₁(resid_pre) with the additive position switched off (it entered once, at the
// embedding). And the weights it runs with (layer 0 carries the learned PE table).
Inputs layer_inputs(const Inputs& inputs, const StackArch& arch, const StackWeights& w, int layer,
                    const Eigen::Ref<const MatRM>& resid_pre);
Weights layer_weights(const StackWeights& w, int layer);
// Layer `layer`'s attention trace with every intermediate, from t.layers[layer].resid_pre, with the
// head ablations of `t.ablated` applied: what a layer without attn_full shows when selected.
Trace layer_attention(const Inputs& inputs, const StackWeights& w, const StackTrace& t, int layer);

std::vector<TopToken> top_k(const Eigen::Ref<const RowVec>& probs, const Vocabulary& vocab, int k);

// One block's tensors as trace.json version 2 lists them under "layers": tensor_views(attn) (version
// 1's names, `attn` being that layer's full attention trace), then resid_pre, resid_mid, resid_post
// [n, d] and, with an MLP, mlp_hidden [n, f] from `layer`. The views read both, which must outlive them.
std::vector<TensorView> layer_tensor_views(const Trace& attn, const LayerTrace& layer);

// ---- [SECTION] logit lens and head detectors -----------------------------------------------------

// The final norm and unembedding applied to the stream after layer ℓ (Nostalgebraist 2020).
struct LensCell {
    TopToken top;          // the most probable token read off this layer
    int final_rank = 0;    // rank (0 = top) of the model's final prediction at this position
    float final_prob = 0;  // and its probability here
};
// [L][n]; `progress`: one step per layer.
std::vector<std::vector<LensCell>> logit_lens(const StackTrace& t, const StackWeights& w, const Vocabulary& vocab,
                                              RunProgress* progress = nullptr);
// The k most probable tokens read off the stream after `layer` at position `pos`.
std::vector<TopToken> lens_top_k(const StackTrace& t, const StackWeights& w, const Vocabulary& vocab, int layer, int pos, int k);

// Appends one layer's row of every detector (the formulas at HeadScores); zeros for cross-attention.
void add_head_scores(const Trace& attn, HeadScores& s);

}  // namespace attnviz
