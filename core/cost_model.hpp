// What attention costs at inference time: KV-cache bytes, and the FLOPs and bytes moved of
// prefill against one decode step, with and without a KV cache; and "Attention Is All You Need"
// Table 1 with numbers.
//
// Key: L = layers, B = batch, T = context length (tokens), h = query heads, kv = K/V heads,
// d_h = per-head width (d_k = d_v = d_h), d = d_model, b = bytes per element,
// W = sliding window (keys a query may see, itself included; only when asked for).
//
// What is counted — the attention block only, for all L layers and B sequences:
//   FLOPs, 1 MAC = 2 FLOPs:
//     projections, per token     P = 2·d·d_h·(h + 2·kv)  (Q, K, V)  +  2·h·d_h·d  (O)
//     scores and weighted sum    F = 2·h·d_h (QKᵀ) + 2·h·d_h (A·V)  per (query, key) pair
//   (query, key) pairs:
//     prefill of T tokens, causal (the default): Σ_{i=1..T} min(i, W) = T(T+1)/2 without a
//       window — the causal halving of T²; causal = false: every pair, T² (within W on both sides
//       when a window is applied)
//     one decode step at context T: min(T, W). Decoding is causal whatever the flag says.
//   Bytes moved per pass, integers (validate() keeps them below 2^63):
//     the attention weights, each read once:       L·(d·d_h·(h + 2·kv) + h·d_h·d)·b
//     plus the KV-cache traffic (below)
//     plus activations in and out (x, then o):     2·L·B·tokens·d·b
// Decode at context T: the new token is the T-th and attends to T keys, itself included; the
// cache holds T − 1 entries before the step and T after, so the step reads T − 1 and writes 1:
// the whole cache, 2·L·B·T·kv·d_h·b. Prefill writes the cache it leaves behind. With a window
// the cache is a rolling buffer of min(T, W) entries.
// Without a KV cache: from layer 2 on, the prefix's K and V are computed from the layer below's
// outputs for the prefix, so recomputing them means re-running the whole prefix. One step at
// context T then costs a causal prefill of T tokens with no cache written (what Hugging Face
// transformers does with use_cache=False).
// Left out: softmax, masks, norms and RoPE (O(pairs) or O(tokens·d) next to the products), the
// MLP, embeddings and logits, and on-chip reuse beyond "each weight read once per pass".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

enum class Precision { Fp32, Fp16, Bf16, Int8 };
int bytes_per_element(Precision p);  // 4, 2, 2, 1
std::string_view to_string(Precision p);
Precision parse_precision(std::string_view s);  // "fp32|fp16|bf16|int8", else ConfigError("precision", ...)

struct ModelShape {
    std::string name;
    int layers = 32;             // L
    int heads = 32;              // h, query heads
    int kv_heads = 32;           // kv: h for MHA, 1 for MQA, a divisor in between for GQA
    int d_head = 128;            // d_h
    int d_model = 4096;          // d
    std::string source;          // where the numbers come from (URL)
    long long sliding_window = 0;  // W as published, in tokens; 0: none
};

// Published configurations of well-known models, each naming its config.json.
const std::vector<ModelShape>& model_presets();

// Bounds that keep every byte count inside 64 bits: at all maxima together the KV cache is
// exactly 2 · 256 · 1024 · 2^24 · 256 · 512 · 4 = 2^62 bytes.
struct CostLimits {
    static constexpr int max_layers = 256;
    static constexpr int max_heads = 256;
    static constexpr int max_d_head = 512;
    static constexpr int max_d_model = 65536;
    static constexpr int max_batch = 1024;
    static constexpr long long max_context = 1LL << 24;  // 16,777,216 tokens
};

struct Workload {
    ModelShape model;
    long long context = 4096;  // T
    int batch = 1;             // B
    Precision precision = Precision::Fp16;
    bool causal = true;        // prefill scores only keys at or before the query (halves its pairs)
    bool apply_window = false; // honour model.sliding_window (rolling cache); off: full attention
};

// Throws ConfigError naming the field, its value and the rule: every size within CostLimits and
// >= 1, kv_heads <= heads and dividing it, 0 <= sliding_window <= max_context.
void validate(const Workload& w);

struct PassCost {
    double flops = 0;  // floating-point operations
    double bytes = 0;  // bytes read and written from memory
    double intensity() const { return bytes > 0 ? flops / bytes : 0.0; }  // FLOPs per byte
};

struct CostReport {
    long long cached_tokens = 0;          // entries per sequence in the cache at T: min(T, W)
    double kv_cache_bytes = 0;            // 2·L·B·cached_tokens·kv·d_h·b
    double kv_cache_bytes_per_token = 0;  // 2·L·kv·d_h·b
    PassCost prefill;                     // all T prompt tokens in one pass, filling the cache
    PassCost decode_cached;               // one new token at context T, through the cache
    PassCost decode_recompute;            // one new token at context T with no cache: the prefix re-run
    double generate_flops_cached = 0;     // Σ_{t=1..T} decode_cached at t: T tokens one by one from empty
    double generate_flops_recompute = 0;  // Σ_{t=1..T} decode_recompute at t
};

// validate(w), then the counts above at context w.context.
CostReport cost(const Workload& w);

// cost()'s kv_cache_bytes for one sequence of `context` tokens, full attention: what a model's
// cache holds at that length. Throws ConfigError as validate does.
double kv_cache_bytes(const ModelShape& m, long long context, Precision p);

// KV-cache bytes against context for the model as published, and with its K/V heads set to h
// (MHA), to its own kv (as published) and to 1 (MQA): the plot of what GQA and MQA buy. `points`
// contexts from 0 to max_context, evenly spaced (rounded to whole tokens); batch, precision and
// window as in w. Throws ConfigError for w, for points outside [2, 4096] and for max_context
// outside [1, CostLimits::max_context].
struct CacheCurve {
    std::vector<double> context;              // T values
    std::vector<double> mha, published, mqa;  // bytes at each T
};
CacheCurve cache_curve(const Workload& w, long long max_context, int points);

// "Attention Is All You Need" (Vaswani et al. 2017, https://arxiv.org/abs/1706.03762), Table 1,
// with numbers: per-layer work, sequential operations and the longest path between two tokens
// for self-attention, a recurrent layer and a convolutional layer of kernel width k, at n tokens
// of width d. The big-O constants are taken as 1; the convolutional path is the table's
// dilated-convolution figure, ⌈log_k n⌉ stacked layers (at least 1).
struct Table1Row {
    std::string_view layer, complexity, sequential, path;  // the paper's symbols, e.g. "O(n²·d)"
    double ops = 0, sequential_ops = 0, path_length = 0;   // the same at this n, d, k
};

struct LayerComparison {
    int n = 0, d = 0, k = 0;
    double attention_ops = 0, recurrent_ops = 0, convolutional_ops = 0;        // n²·d, n·d², k·n·d²
    double attention_sequential = 1, recurrent_sequential = 0, convolutional_sequential = 1;  // 1, n, 1
    double attention_path = 1, recurrent_path = 0, convolutional_path = 0;     // 1, n, ⌈log_k n⌉
    std::vector<Table1Row> rows() const;  // self-attention, recurrent, convolutional
};

// Throws ConfigError("n" | "d" | "k", ...) unless 1 <= n, d <= 2^30 and 2 <= k <= 1024.
LayerComparison compare_layers(int n, int d, int k = 3);

}  // namespace attnviz
