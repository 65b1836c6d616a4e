#include "core/cost_model.hpp"

#include "core/types.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz {

int bytes_per_element(Precision p) {
    switch (p) {
        case Precision::Fp32: return 4;
        case Precision::Fp16:
        case Precision::Bf16: return 2;
        case Precision::Int8: return 1;
    }
    return 4;
}

std::string_view to_string(Precision p) {
    switch (p) {
        case Precision::Fp32: return "fp32";
        case Precision::Fp16: return "fp16";
        case Precision::Bf16: return "bf16";
        case Precision::Int8: return "int8";
    }
    return "fp32";
}

Precision parse_precision(std::string_view s) {
    for (Precision p : {Precision::Fp32, Precision::Fp16, Precision::Bf16, Precision::Int8})
        if (to_string(p) == s) return p;
    throw ConfigError("precision", "precision=" + std::string(s) + " must be one of fp32|fp16|bf16|int8");
}

const std::vector<ModelShape>& model_presets() {
    static const std::vector<ModelShape> all = {
        {"Llama 2 7B (MHA)", 32, 32, 32, 128, 4096,
         "https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json"},
        {"Llama 2 70B (GQA, 8 K/V heads)", 80, 64, 8, 128, 8192,
         "https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json"},
        {"Llama 3 8B (GQA, 8 K/V heads)", 32, 32, 8, 128, 4096,
         "https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json"},
        {"Mistral 7B v0.1 (GQA, 8 K/V heads)", 32, 32, 8, 128, 4096,
         "https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json"},
        {"Falcon 7B (MQA, 1 K/V head)", 32, 71, 1, 64, 4544,
         "https://huggingface.co/tiiuae/falcon-7b/blob/main/config.json"},
    };
    return all;
}

namespace {

void require_range(const char* field, long long v, long long lo, long long hi) {
    if (v < lo || v > hi) {
        throw ConfigError(field, std::string(field) + "=" + std::to_string(v) + " must be between " +
                                     std::to_string(lo) + " and " + std::to_string(hi));
    }
}

// Elements of the attention weights: W_Q [d, h·d_h], W_K and W_V [d, kv·d_h], W_O [h·d_h, d].
double weight_elements(const ModelShape& m) {
    return static_cast<double>(m.d_model) * m.d_head * (m.heads + 2.0 * m.kv_heads) +
           static_cast<double>(m.heads) * m.d_head * m.d_model;
}

double projection_flops_per_token(const ModelShape& m) { return 2.0 * weight_elements(m); }

double pair_flops(const ModelShape& m) { return 2.0 * 2.0 * m.heads * m.d_head; }  // q·k and a·v

double kv_bytes_per_token(const ModelShape& m, int b) { return 2.0 * m.layers * m.kv_heads * m.d_head * b; }

// Causal prefill of T tokens scores T(T+1)/2 pairs; full attention T².
double prefill_pairs(long long T, bool causal) {
    const double t = static_cast<double>(T);
    return causal ? t * (t + 1.0) / 2.0 : t * t;
}

}  // namespace

void validate(const Workload& w) {
    const ModelShape& m = w.model;
    require_range("layers", m.layers, 1, 1024);
    require_range("heads", m.heads, 1, 1024);
    require_range("kv_heads", m.kv_heads, 1, m.heads);
    if (m.heads % m.kv_heads != 0) {
        throw ConfigError("kv_heads", "kv_heads=" + std::to_string(m.kv_heads) + " must divide heads=" +
                                          std::to_string(m.heads));
    }
    require_range("d_head", m.d_head, 1, 4096);
    require_range("d_model", m.d_model, 1, 65536);
    require_range("context", w.context, 1, 10'000'000);
    require_range("batch", w.batch, 1, 4096);
}

CostReport cost(const Workload& w) {
    validate(w);
    const ModelShape& m = w.model;
    const int b = bytes_per_element(w.precision);
    const double L = m.layers, B = w.batch, T = static_cast<double>(w.context);
    const double weights_bytes = L * weight_elements(m) * b;
    const double act_bytes_per_token = 2.0 * m.d_model * b;  // x in, o out, per layer
    CostReport r;
    r.kv_cache_bytes_per_token = kv_bytes_per_token(m, b);
    r.kv_cache_bytes = r.kv_cache_bytes_per_token * B * T;

    // Prefill: every prompt token projected, every causal pair scored; the cache is written once.
    r.prefill.flops = L * B * (T * projection_flops_per_token(m) + prefill_pairs(w.context, w.causal) * pair_flops(m));
    r.prefill.bytes = weights_bytes + r.kv_cache_bytes + L * B * T * act_bytes_per_token;

    // Decode with a cache: one token projected, T pairs scored, the whole cache read.
    r.decode_cached.flops = L * B * (projection_flops_per_token(m) + T * pair_flops(m));
    r.decode_cached.bytes = weights_bytes + r.kv_cache_bytes + L * B * act_bytes_per_token;

    // Decode without a cache: K and V of all T tokens recomputed (their K/V projections), then
    // the new token attends as above; the weights are read once, nothing is cached.
    const double kv_projection = 2.0 * 2.0 * m.d_model * m.kv_heads * m.d_head;  // per token
    r.decode_recompute.flops = L * B * (projection_flops_per_token(m) + T * kv_projection + T * pair_flops(m));
    r.decode_recompute.bytes = weights_bytes + L * B * (T + 1.0) * act_bytes_per_token;

    // Generating T tokens from empty: Σ_t of one step at context t.
    const double sum_t = T * (T + 1.0) / 2.0;
    r.generate_flops_cached = L * B * (T * projection_flops_per_token(m) + sum_t * pair_flops(m));
    r.generate_flops_recompute = r.generate_flops_cached + L * B * sum_t * kv_projection;
    return r;
}

CacheCurve cache_curve(const Workload& w, long long max_context, int points) {
    validate(w);
    require_range("points", points, 2, 4096);
    require_range("max_context", max_context, 1, 10'000'000);
    const int b = bytes_per_element(w.precision);
    ModelShape mha = w.model, mqa = w.model;
    mha.kv_heads = w.model.heads;
    mqa.kv_heads = 1;
    CacheCurve c;
    for (int k = 0; k < points; ++k) {
        const double T = std::round(static_cast<double>(max_context) * k / (points - 1));
        c.context.push_back(T);
        c.mha.push_back(kv_bytes_per_token(mha, b) * w.batch * T);
        c.published.push_back(kv_bytes_per_token(w.model, b) * w.batch * T);
        c.mqa.push_back(kv_bytes_per_token(mqa, b) * w.batch * T);
    }
    return c;
}

LayerComparison compare_layers(int n, int d) {
    LayerComparison c;
    const double N = n, D = d;
    c.attention_ops = N * N * D;
    c.recurrent_ops = N * D * D;
    c.recurrent_sequential = N;
    c.recurrent_path = N;
    return c;
}

}  // namespace attnviz
