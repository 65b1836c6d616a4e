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
    // name, L, h, kv, d_h, d, source, W. d_h = hidden_size / num_attention_heads in each config.
    static const std::vector<ModelShape> all = {
        {"Llama 2 7B (MHA)", 32, 32, 32, 128, 4096,
         "https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json", 0},
        {"Llama 2 70B (GQA, 8 K/V heads)", 80, 64, 8, 128, 8192,
         "https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json", 0},
        {"Llama 3 8B (GQA, 8 K/V heads)", 32, 32, 8, 128, 4096,
         "https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json", 0},
        // v0.1 only: later Mistral 7B releases dropped the sliding window.
        {"Mistral 7B v0.1 (GQA, 8 K/V heads)", 32, 32, 8, 128, 4096,
         "https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json", 4096},
        // multi_query: true — one K/V head shared by all 71 query heads (fused QKV width 71·64 + 2·64).
        {"Falcon 7B (MQA, 1 K/V head)", 32, 71, 1, 64, 4544,
         "https://huggingface.co/tiiuae/falcon-7b/blob/main/config.json", 0},
    };
    return all;
}

namespace {

using u64 = std::uint64_t;

void require_range(const char* field, long long v, long long lo, long long hi) {
    if (v < lo || v > hi) {
        throw ConfigError(field, std::string(field) + "=" + std::to_string(v) + " must be between " +
                                     std::to_string(lo) + " and " + std::to_string(hi));
    }
}

// Elements of one layer's attention weights: W_Q [d, h·d_h], W_K and W_V [d, kv·d_h], W_O [h·d_h, d].
u64 weight_elements(const ModelShape& m) {
    const u64 d = static_cast<u64>(m.d_model), dh = static_cast<u64>(m.d_head);
    return d * dh * static_cast<u64>(m.heads + 2 * m.kv_heads) + static_cast<u64>(m.heads) * dh * d;
}

double projection_flops_per_token(const ModelShape& m) { return 2.0 * static_cast<double>(weight_elements(m)); }

double pair_flops(const ModelShape& m) { return 2.0 * 2.0 * m.heads * m.d_head; }  // q·k and a·v

// K and V, every layer, one token of one sequence.
u64 kv_bytes_per_token(const ModelShape& m, int b) {
    return 2 * static_cast<u64>(m.layers) * static_cast<u64>(m.kv_heads) * static_cast<u64>(m.d_head) *
           static_cast<u64>(b);
}

// The window in force, or 0 for none.
long long window_of(const Workload& w) { return w.apply_window ? w.model.sliding_window : 0; }

long long visible_keys(long long T, long long W) { return W > 0 ? std::min(T, W) : T; }

// Σ_{i=1..T} min(i, W): query i sees the i keys up to itself, or the last W of them.
u64 causal_pairs(long long T, long long W) {
    const u64 t = static_cast<u64>(T);
    if (W <= 0 || T <= W) return t * (t + 1) / 2;
    const u64 w = static_cast<u64>(W);
    return w * (w + 1) / 2 + (t - w) * w;
}

// Ordered pairs (i, j) in [0, T)² with |i − j| < W; all T² without a window.
u64 full_pairs(long long T, long long W) {
    const u64 t = static_cast<u64>(T);
    if (W <= 0) return t * t;
    const u64 m = static_cast<u64>(std::min(W - 1, T - 1));  // largest offset |i − j| in the window
    return t + 2 * (m * t - m * (m + 1) / 2);                  // the diagonal, then offsets 1..m both sides
}

// Σ_{t=1..T} causal_pairs(t, W), in double: it grows as T³ and leaves 64 bits near T = 2^21.
double sum_causal_pairs(long long T, long long W) {
    const double t = static_cast<double>(T);
    if (W <= 0 || T <= W) return t * (t + 1) * (t + 2) / 6;
    const double w = static_cast<double>(W), rest = t - w;  // steps past the window add w pairs each
    return w * (w + 1) * (w + 2) / 6 + rest * w * (w + 1) / 2 + w * rest * (rest + 1) / 2;
}

}  // namespace

void validate(const Workload& w) {
    const ModelShape& m = w.model;
    require_range("layers", m.layers, 1, CostLimits::max_layers);
    require_range("heads", m.heads, 1, CostLimits::max_heads);
    require_range("kv_heads", m.kv_heads, 1, m.heads);
    if (m.heads % m.kv_heads != 0) {
        throw ConfigError("kv_heads", "kv_heads=" + std::to_string(m.kv_heads) + " must divide heads=" +
                                          std::to_string(m.heads));
    }
    require_range("d_head", m.d_head, 1, CostLimits::max_d_head);
    require_range("d_model", m.d_model, 1, CostLimits::max_d_model);
    require_range("sliding_window", m.sliding_window, 0, CostLimits::max_context);
    require_range("context", w.context, 1, CostLimits::max_context);
    require_range("batch", w.batch, 1, CostLimits::max_batch);
}

CostReport cost(const Workload& w) {
    validate(w);
    const ModelShape& m = w.model;
    const int b = bytes_per_element(w.precision);
    const long long T = w.context, W = window_of(w);
    const u64 L = static_cast<u64>(m.layers), B = static_cast<u64>(w.batch);
    const double LB = static_cast<double>(L * B);
    const double P = projection_flops_per_token(m), F = pair_flops(m);
    const u64 weight_bytes = L * weight_elements(m) * static_cast<u64>(b);
    const u64 act_bytes_per_token = L * B * 2 * static_cast<u64>(m.d_model) * static_cast<u64>(b);  // x in, o out
    auto to_d = [](u64 x) { return static_cast<double>(x); };

    CostReport r;
    r.cached_tokens = visible_keys(T, W);
    const u64 cache_bytes = kv_bytes_per_token(m, b) * B * static_cast<u64>(r.cached_tokens);
    r.kv_cache_bytes = to_d(cache_bytes);
    r.kv_cache_bytes_per_token = to_d(kv_bytes_per_token(m, b));

    // Prefill: every prompt token projected, every visible pair scored, the cache written once.
    const u64 prefill_pairs = w.causal ? causal_pairs(T, W) : full_pairs(T, W);
    r.prefill.flops = LB * (static_cast<double>(T) * P + to_d(prefill_pairs) * F);
    r.prefill.bytes = to_d(weight_bytes + cache_bytes + act_bytes_per_token * static_cast<u64>(T));

    // Decode with a cache: one token projected, its visible keys scored, the cache read (and the
    // new entry written).
    r.decode_cached.flops = LB * (P + static_cast<double>(visible_keys(T, W)) * F);
    r.decode_cached.bytes = to_d(weight_bytes + cache_bytes + act_bytes_per_token);

    // Decode without a cache: the whole prefix through the block again; nothing kept, nothing read back.
    r.decode_recompute.flops = LB * (static_cast<double>(T) * P + to_d(causal_pairs(T, W)) * F);
    r.decode_recompute.bytes = to_d(weight_bytes + act_bytes_per_token * static_cast<u64>(T));

    // Generating T tokens from empty, step t at context t. With a cache the steps add up to
    // exactly a causal prefill; without one every step is a prefill of its own prefix.
    const double t = static_cast<double>(T);
    r.generate_flops_cached = LB * (t * P + to_d(causal_pairs(T, W)) * F);
    r.generate_flops_recompute = LB * (t * (t + 1) / 2 * P + sum_causal_pairs(T, W) * F);
    return r;
}

double kv_cache_bytes(const ModelShape& m, long long context, Precision p) {
    Workload w;
    w.model = m;
    w.context = context;
    w.precision = p;
    return cost(w).kv_cache_bytes;
}

CacheCurve cache_curve(const Workload& w, long long max_context, int points) {
    validate(w);
    require_range("points", points, 2, 4096);
    require_range("max_context", max_context, 1, CostLimits::max_context);
    const int b = bytes_per_element(w.precision);
    const long long W = window_of(w);
    ModelShape mha = w.model, mqa = w.model;
    mha.kv_heads = w.model.heads;
    mqa.kv_heads = 1;
    const u64 B = static_cast<u64>(w.batch);
    auto bytes_at = [&](const ModelShape& m, long long T) {
        return static_cast<double>(kv_bytes_per_token(m, b) * B * static_cast<u64>(visible_keys(T, W)));
    };
    CacheCurve c;
    for (int k = 0; k < points; ++k) {
        const auto T = std::llround(static_cast<double>(max_context) * k / (points - 1));
        c.context.push_back(static_cast<double>(T));
        c.mha.push_back(bytes_at(mha, T));
        c.published.push_back(bytes_at(w.model, T));
        c.mqa.push_back(bytes_at(mqa, T));
    }
    return c;
}

std::vector<Table1Row> LayerComparison::rows() const {
    return {
        {"self-attention", "O(n²·d)", "O(1)", "O(1)", attention_ops, attention_sequential, attention_path},
        {"recurrent", "O(n·d²)", "O(n)", "O(n)", recurrent_ops, recurrent_sequential, recurrent_path},
        {"convolutional", "O(k·n·d²)", "O(1)", "O(log_k(n))", convolutional_ops, convolutional_sequential,
         convolutional_path},
    };
}

LayerComparison compare_layers(int n, int d, int k) {
    require_range("n", n, 1, 1LL << 30);
    require_range("d", d, 1, 1LL << 30);
    require_range("k", k, 2, 1024);
    LayerComparison c;
    c.n = n;
    c.d = d;
    c.k = k;
    const double N = n, D = d, K = k;
    c.attention_ops = N * N * D;
    c.recurrent_ops = N * D * D;
    c.convolutional_ops = K * N * D * D;
    c.recurrent_sequential = N;
    c.recurrent_path = N;
    // Dilated layers widen the receptive field k-fold each: the fewest layers with k^layers >= n,
    // counted in integers so that exact powers of k do not fall to rounding in a log.
    int layers = 0;
    for (long long reach = 1; reach < n; reach *= k) ++layers;
    c.convolutional_path = std::max(layers, 1);
    return c;
}

}  // namespace attnviz
