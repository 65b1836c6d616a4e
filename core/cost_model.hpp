// What attention costs at inference time: KV-cache bytes, and the FLOPs and bytes moved of
// prefill against one decode step, with and without a KV cache.
//
// Key: L = layers, B = batch, T = context length (tokens), h = query heads, kv = K/V heads,
// d_h = per-head width (d_k = d_v = d_h), d = d_model, b = bytes per element.
//
// What is counted: the attention block only (Q/K/V/O projections, QKᵀ and A·V), 1 MAC = 2 FLOPs.
//   projections per token   2·d·d_h·(h + 2·kv) + 2·h·d_h·d      FLOPs
//   scores + weighted sum   2·2·h·d_h per (query, key) pair      FLOPs
//   prefill pairs           B·T·(T+1)/2 when causal (the default), else B·T²
// Bytes moved per pass: the attention weights read once (d·d_h·(h + 2·kv) + h·d_h·d elements),
// plus the KV cache read (decode) or written (prefill), plus activations in and out (2·B·tokens·d).
// Softmax, masks and norms are left out: they are O(pairs) work next to the O(pairs·d_h) products.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

enum class Precision { Fp32, Fp16, Bf16, Int8 };
int bytes_per_element(Precision p);
std::string_view to_string(Precision p);
Precision parse_precision(std::string_view s);  // "fp32|fp16|bf16|int8", ConfigError("precision", ...)

struct ModelShape {
    std::string name;
    int layers = 32;
    int heads = 32;
    int kv_heads = 32;
    int d_head = 128;
    int d_model = 4096;
    std::string source;  // where the numbers come from
};

// Published configurations of well-known models (sources in each entry).
const std::vector<ModelShape>& model_presets();

struct Workload {
    ModelShape model;
    long long context = 4096;  // T
    int batch = 1;             // B
    Precision precision = Precision::Fp16;
    bool causal = true;
};

// Throws ConfigError naming the field: every size >= 1, kv_heads divides heads, and the
// products stay far inside 64 bits (context <= 10M, batch <= 4096, layers <= 1024, ...).
void validate(const Workload& w);

struct PassCost {
    double flops = 0;         // floating-point operations
    double bytes = 0;         // bytes read and written from memory
    double intensity() const { return bytes > 0 ? flops / bytes : 0.0; }  // FLOPs per byte
};

struct CostReport {
    double kv_cache_bytes = 0;           // 2·L·B·T·kv·d_h·b
    double kv_cache_bytes_per_token = 0; // 2·L·kv·d_h·b
    PassCost prefill;                    // all T prompt tokens in one pass, filling the cache
    PassCost decode_cached;              // one new token at context T, reading the cache
    PassCost decode_recompute;           // one new token with no cache: K and V of all T recomputed
    double generate_flops_cached = 0;    // T tokens one by one from empty, with a cache
    double generate_flops_recompute = 0; // the same without one
};

CostReport cost(const Workload& w);

// KV-cache bytes against context for the model as published, and with its K/V heads set to
// h (MHA), to its own kv (as published) and to 1 (MQA): the plot of what GQA/MQA buy.
struct CacheCurve {
    std::vector<double> context;                 // T values
    std::vector<double> mha, published, mqa;     // bytes at each T
};
CacheCurve cache_curve(const Workload& w, long long max_context, int points);

// "Attention Is All You Need", Table 1, with numbers: per-layer work, sequential operations and
// the longest path between two tokens for self-attention vs a recurrent layer, at n and d.
struct LayerComparison {
    double attention_ops = 0, recurrent_ops = 0;            // n²·d vs n·d²
    double attention_sequential = 1, recurrent_sequential = 0;  // O(1) vs O(n)
    double attention_path = 1, recurrent_path = 0;              // O(1) vs O(n)
};
LayerComparison compare_layers(int n, int d);

}  // namespace attnviz
