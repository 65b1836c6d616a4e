#include "core/trace.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace attnviz {

float Trace::bias(int a, int i, int j) const {
    if (alibi_slopes.empty()) return 0.0f;
    return -alibi_slopes[static_cast<std::size_t>(a)] * static_cast<float>(std::abs(i - j));
}

float Trace::logit(int a, int i, int j) const {
    if (!visible(i, j)) return kNegInf;
    return scaled(a, i, j) + bias(a, i, j);
}

MatRM Trace::scaled_scores(int a) const { return scores[static_cast<std::size_t>(a)] * multiplier; }

MatRM Trace::logits(int a) const {
    MatRM z(n, m);  // [n, m]
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < m; ++j) z(i, j) = logit(a, i, j);
    }
    return z;
}

MatRM Trace::additive_mask() const {
    return (mask.array() > 0.5f).select(MatRM::Zero(n, m), MatRM::Constant(n, m, kNegInf));
}

namespace {

// "scores[head 2][3, 4] = inf" for the first non-finite entry, or "" when there is none.
std::string first_non_finite(const std::string& name, const MatRM& m, int head = -1) {
    if (m.allFinite()) return "";
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            if (!std::isfinite(m(i, j))) {
                return name + (head >= 0 ? "[head " + std::to_string(head) + "]" : "") + "[" + std::to_string(i) + ", " +
                       std::to_string(j) + "] = " + (std::isnan(m(i, j)) ? "nan" : m(i, j) > 0 ? "inf" : "-inf");
            }
    return "";
}

}  // namespace

void require_finite(const Trace& t) {
    std::string bad;
    const auto check = [&](const char* name, const MatRM& m) {
        if (bad.empty()) bad = first_non_finite(name, m);
    };
    const auto check_stack = [&](const char* name, const Stack& s) {
        for (std::size_t a = 0; a < s.size() && bad.empty(); ++a) bad = first_non_finite(name, s[a], static_cast<int>(a));
    };
    check("X", t.X);
    check("PE", t.PE);
    check("X_in", t.X_in);
    check("X_source", t.X_source);
    check("X_in_source", t.X_in_source);
    check("W_Q", t.W_Q);
    check("W_K", t.W_K);
    check("W_V", t.W_V);
    check("W_O", t.W_O);
    check("b_Q", t.b_Q);
    check("b_K", t.b_K);
    check("b_V", t.b_V);
    check("b_O", t.b_O);
    check_stack("Q_proj", t.Q_proj);
    check_stack("Q", t.Q);
    check_stack("K_proj", t.K_proj);
    check_stack("K", t.K);
    check_stack("V", t.V);
    check_stack("scores", t.scores);
    if (bad.empty() && !std::isfinite(t.multiplier)) bad = "the score multiplier scale/T";
    for (int a = 0; a < t.config.n_heads && bad.empty(); ++a)
        for (int i = 0; i < t.n && bad.empty(); ++i)
            for (int j = 0; j < t.m && bad.empty(); ++j)
                if (t.visible(i, j) && !std::isfinite(t.logit(a, i, j)))
                    bad = "logits[head " + std::to_string(a) + "][" + std::to_string(i) + ", " + std::to_string(j) + "]";
    check_stack("weights", t.weights);
    check_stack("head_outputs", t.head_outputs);
    check("concat", t.concat);
    check("output", t.output);
    if (!bad.empty()) {
        throw ConfigError("trace", "the trace holds a non-finite value at " + bad +
                                       ": a number overflowed float (lower edited weights or a long text's width, "
                                       "or raise the temperature)");
    }
}

namespace {

TensorView stacked(std::string name, std::string equation, const Stack& s) {
    std::vector<int> shape = {static_cast<int>(s.size()), 0, 0};
    if (!s.empty()) {
        shape[1] = static_cast<int>(s[0].rows());
        shape[2] = static_cast<int>(s[0].cols());
    }
    return {std::move(name), std::move(equation), std::move(shape), [&s](const ChunkSink& sink) {
                for (const MatRM& m : s) sink(m.data(), static_cast<std::size_t>(m.size()));
            }};
}

// [heads, n, m] (or [n, m] when `heads` is 0) made by fill(a, r0, block), which writes rows
// [r0, r0 + block.rows()) of head a into block: [rows, m]. About 2^16 values per block keep it in cache.
template <typename Fill>
TensorView computed(std::string name, std::string equation, int heads, int n, int m, Fill fill) {
    std::vector<int> shape = {n, m};
    if (heads > 0) shape.insert(shape.begin(), heads);
    return {std::move(name), std::move(equation), std::move(shape), [=](const ChunkSink& sink) {
                const int rows_per_block = std::max(1, (1 << 16) / std::max(m, 1));
                MatRM block;
                for (int a = 0; a < std::max(heads, 1); ++a) {
                    for (int r0 = 0; r0 < n; r0 += rows_per_block) {
                        block.resize(std::min(rows_per_block, n - r0), m);
                        fill(a, r0, block);
                        sink(block.data(), static_cast<std::size_t>(block.size()));
                    }
                }
            }};
}

std::string scale_text(const Config& c) {
    std::string s;
    switch (c.scale) {
        case ScaleMode::Sqrt: s = "/√d_k"; break;
        case ScaleMode::Linear: s = "/d_k"; break;
        case ScaleMode::None: s = ""; break;
    }
    if (c.temperature != 1.0) s += "/T";
    return s;
}

}  // namespace

std::size_t TensorView::numel() const {
    std::size_t k = 1;
    for (int d : shape) k *= static_cast<std::size_t>(d);
    return k;
}

std::vector<TensorView> tensor_views(const Trace& t) {
    const Config& c = t.config;
    const bool rope = c.positional == Positional::Rope;
    const std::string pe_eq = c.positional == Positional::Sinusoidal
                                  ? "PE(p,2i) = sin(p/10000^(2i/d_model)), PE(p,2i+1) = cos(…)"
                              : c.positional == Positional::Learned ? "PE = learned table row p (zero past the trained length)"
                                                                    : "PE = 0 (no additive position)";
    const std::string kv_src = c.cross() ? "X_in_source" : "X_in";
    std::vector<TensorView> out;
    out.push_back(view_of("X", "X = Embed(tokens)", t.X));
    out.push_back(view_of("PE", pe_eq, t.PE));
    out.push_back(view_of("X_in", "X_in = X + PE", t.X_in));
    if (c.cross()) {
        out.push_back(view_of("X_source", "X_source = Embed(source tokens)", t.X_source));
        out.push_back(view_of("X_in_source", "X_in_source = X_source + PE", t.X_in_source));
    }
    out.push_back(view_of("W_Q", "W_Q ∈ ℝ^(d_model × h·d_k), seeded", t.W_Q));
    out.push_back(view_of("W_K", "W_K ∈ ℝ^(d_model × kv·d_k), seeded", t.W_K));
    out.push_back(view_of("W_V", "W_V ∈ ℝ^(d_model × kv·d_v), seeded", t.W_V));
    out.push_back(view_of("W_O", "W_O ∈ ℝ^(h·d_v × d_model), seeded", t.W_O));
    // A model with biases (GPT-2, Qwen2) adds them to the projections; the toy model has none.
    const auto bias = [&](const char* name, const char* eq, const RowVec& b) {
        if (b.size()) out.push_back({name, eq, {static_cast<int>(b.size())}, [&b](const ChunkSink& sink) { sink(b.data(), static_cast<std::size_t>(b.size())); }});
    };
    bias("b_Q", "Q_proj = X_in·W_Q + b_Q", t.b_Q);
    bias("b_K", "K_proj = X_in·W_K + b_K", t.b_K);
    bias("b_V", "V = X_in·W_V + b_V", t.b_V);
    bias("b_O", "O = concat·W_O + b_O", t.b_O);
    out.push_back(stacked("Q_proj", "Q_proj = X_in·W_Q, split into heads", t.Q_proj));
    out.push_back(stacked("K_proj", "K_proj = " + kv_src + "·W_K, split into K/V heads", t.K_proj));
    out.push_back(stacked("Q", rope ? "Q = RoPE(Q_proj)" : "Q = Q_proj", t.Q));
    out.push_back(stacked("K", rope ? "K = RoPE(K_proj)" : "K = K_proj", t.K));
    out.push_back(stacked("V", "V = " + kv_src + "·W_V, split into K/V heads", t.V));
    out.push_back(stacked("scores", "S = Q·Kᵀ", t.scores));
    // The same products as Trace::scaled_scores, logits and additive_mask, block by block.
    out.push_back(computed("scores_scaled", "S" + scale_text(c), c.n_heads, t.n, t.m, [&t](int a, int r0, MatRM& b) {
        b = t.scores[static_cast<std::size_t>(a)].middleRows(r0, b.rows()) * t.multiplier;
    }));
    out.push_back(view_of("mask", "mask(i,j) = 1 if query i may see key j, else 0", t.mask));
    out.push_back(computed("additive_mask", "M(i,j) = 0 if visible, −∞ if masked", 0, t.n, t.m, [&t](int, int r0, MatRM& b) {
        for (Eigen::Index i = 0; i < b.rows(); ++i)
            for (Eigen::Index j = 0; j < b.cols(); ++j) b(i, j) = t.mask(r0 + i, j) > 0.5f ? 0.0f : kNegInf;
    }));
    if (!t.alibi_slopes.empty()) {
        out.push_back({"alibi_slopes", "m_a = 2^(−8(a+1)/h)", {c.n_heads}, [&t](const ChunkSink& sink) {
                           sink(t.alibi_slopes.data(), t.alibi_slopes.size());
                       }});
    }
    out.push_back(computed("logits", "Z = S" + scale_text(c) + (t.alibi_slopes.empty() ? "" : " − m_a·|i−j|") + " + M",
                           c.n_heads, t.n, t.m, [&t](int a, int r0, MatRM& b) {
                               for (int i = 0; i < b.rows(); ++i)
                                   for (int j = 0; j < b.cols(); ++j) b(i, j) = t.logit(a, r0 + i, j);
                           }));
    out.push_back(stacked("weights", "A = softmax(Z) row-wise", t.weights));
    out.push_back(stacked("head_outputs", "H = A·V", t.head_outputs));
    out.push_back(view_of("concat", "concat = [H_0 | H_1 | … ]", t.concat));
    out.push_back(view_of("output", "O = concat·W_O", t.output));
    return out;
}

std::vector<NamedTensor> named_tensors(const Trace& t) {
    std::vector<NamedTensor> out;
    for (const TensorView& v : tensor_views(t)) {
        NamedTensor nt{v.name, v.equation, v.shape, {}};
        nt.data.reserve(v.numel());
        v.for_each_chunk([&](const float* p, std::size_t k) { nt.data.insert(nt.data.end(), p, p + k); });
        out.push_back(std::move(nt));
    }
    return out;
}

TensorView view_of(std::string name, std::string equation, const MatRM& m) {
    return {std::move(name), std::move(equation), {static_cast<int>(m.rows()), static_cast<int>(m.cols())},
            [&m](const ChunkSink& sink) { sink(m.data(), static_cast<std::size_t>(m.size())); }};
}

TensorView view_of(const NamedTensor& t) {
    return {t.name, t.equation, t.shape, [&t](const ChunkSink& sink) { sink(t.data.data(), t.data.size()); }};
}

}  // namespace attnviz
