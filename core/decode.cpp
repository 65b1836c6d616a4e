#include "core/decode.hpp"

#include "core/mask.hpp"
#include "core/positional.hpp"
#include "core/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace attnviz {

Inputs prefix_inputs(const Inputs& in, int count) {
    ATTNVIZ_ASSERT(count >= 1 && count <= static_cast<int>(in.tokens.size()));
    Inputs p;
    p.config = in.config;
    p.config.causal = true;
    p.config.padding.clear();
    for (int j : in.config.padding)
        if (j < count) p.config.padding.push_back(j);
    p.tokens.assign(in.tokens.begin(), in.tokens.begin() + count);
    p.X = in.X.topRows(count);
    return p;
}

Decoder::Decoder(const Inputs& in, const Weights& w, int prefill) : weights_(w) {
    if (in.config.cross()) {
        throw ConfigError("source", "decoding is self-attention: clear source= (cross-attention has no KV cache "
                                    "that grows with the output)");
    }
    n_ = static_cast<int>(in.tokens.size());
    if (prefill < 1 || prefill > n_) {
        throw ConfigError("prefill", "prefill=" + std::to_string(prefill) + " must be between 1 and the " +
                                         std::to_string(n_) + " tokens of the text");
    }
    config_ = in.config;
    config_.causal = true;
    prefill_ = prefill;
    X_in_ = in.X + additive_pe(config_.positional, w.learned_pe, n_, config_.d_model);  // [n, d]

    // 1. Prefill: one batched causal pass over [0, p) fills the cache with every prompt K and V.
    prefill_trace_ = forward(prefix_inputs(in, prefill), w);
    const int kv = config_.n_kv_heads;
    K_.assign(static_cast<std::size_t>(kv), MatRM());
    V_.assign(static_cast<std::size_t>(kv), MatRM());
    for (int g = 0; g < kv; ++g) {
        K_[static_cast<std::size_t>(g)] = prefill_trace_.K[static_cast<std::size_t>(g)];  // [p, d_k]
        V_[static_cast<std::size_t>(g)] = prefill_trace_.V[static_cast<std::size_t>(g)];  // [p, d_v]
    }
    positions_.resize(static_cast<std::size_t>(prefill));
    for (int j = 0; j < prefill; ++j) positions_[static_cast<std::size_t>(j)] = j;
    // A sliding window never looks back w or more positions: older entries can be dropped now.
    if (config_.window > 0 && prefill > config_.window) {
        const int keep = config_.window;
        for (int g = 0; g < kv; ++g) {
            MatRM& K = K_[static_cast<std::size_t>(g)];
            MatRM& V = V_[static_cast<std::size_t>(g)];
            K = MatRM(K.bottomRows(keep));
            V = MatRM(V.bottomRows(keep));
        }
        positions_.erase(positions_.begin(), positions_.end() - keep);
    }
    next_ = prefill;
}

std::size_t Decoder::cache_bytes() const {
    return static_cast<std::size_t>(config_.n_kv_heads) * positions_.size() *
           static_cast<std::size_t>(config_.d_k + config_.d_v) * sizeof(float);
}

void Decoder::append(int position, const Stack& k, const Stack& v) {
    const bool evict = config_.window > 0 && static_cast<int>(positions_.size()) >= config_.window;
    for (std::size_t g = 0; g < K_.size(); ++g) {
        for (auto* pair : {&K_, &V_}) {
            MatRM& cache = (*pair)[g];
            const MatRM& row = pair == &K_ ? k[g] : v[g];
            if (evict) {
                // Ring-buffer semantics kept in position order: shift up, write the new row last.
                cache.topRows(cache.rows() - 1) = MatRM(cache.bottomRows(cache.rows() - 1));
                cache.row(cache.rows() - 1) = row;
            } else {
                cache.conservativeResize(cache.rows() + 1, Eigen::NoChange);
                cache.row(cache.rows() - 1) = row;
            }
        }
    }
    if (evict) positions_.erase(positions_.begin());
    positions_.push_back(position);
}

const DecodeStep& Decoder::step() {
    ATTNVIZ_ASSERT(!done());
    const Config& c = config_;
    const int t = next_, h = c.n_heads, kv = c.n_kv_heads, d = c.d_model;
    DecodeStep& s = last_;
    s.position = t;

    // 2. Project only the new token; RoPE rotates it at its absolute position t.
    const auto x = X_in_.row(t);                                      // [1, d]
    const auto project = [&](const MatRM& W, const RowVec& b) {
        MatRM y = x * W;
        if (b.size()) y += b;
        return y;
    };
    const MatRM q_all = project(weights_.W_Q, weights_.b_Q);  // [1, h·d_k]
    const MatRM k_all = project(weights_.W_K, weights_.b_K);  // [1, kv·d_k]
    const MatRM v_all = project(weights_.W_V, weights_.b_V);  // [1, kv·d_v]
    auto rotate = [&](const MatRM& row) {
        return c.positional == Positional::Rope ? apply_rope(row, c.rope_base, c.rope_style, t) : row;
    };
    s.q.resize(static_cast<std::size_t>(h));
    for (int a = 0; a < h; ++a) s.q[static_cast<std::size_t>(a)] = rotate(q_all.middleCols(a * c.d_k, c.d_k));
    s.k_new.resize(static_cast<std::size_t>(kv));
    s.v_new.resize(static_cast<std::size_t>(kv));
    for (int g = 0; g < kv; ++g) {
        s.k_new[static_cast<std::size_t>(g)] = rotate(k_all.middleCols(g * c.d_k, c.d_k));
        s.v_new[static_cast<std::size_t>(g)] = v_all.middleCols(g * c.d_v, c.d_v);
    }

    // 3. Append k and v (evicting the oldest entry under a window), then attend over the cache.
    append(t, s.k_new, s.v_new);
    s.cache_positions = positions_;
    s.K_cache = K_;
    s.V_cache = V_;
    const int cache = static_cast<int>(positions_.size());
    const MaskSpec spec{true, c.window, c.padding};
    RowVec visible(cache), scratch(cache);
    for (int e = 0; e < cache; ++e)
        visible(e) = key_visible(spec, t, positions_[static_cast<std::size_t>(e)]) ? 1.0f : 0.0f;
    const float multiplier = score_multiplier(c);
    s.weights.resize(static_cast<std::size_t>(h));
    s.head_outputs.resize(static_cast<std::size_t>(h));
    MatRM concat(1, h * c.d_v);  // concat: [1, h·d_v]
    for (int a = 0; a < h; ++a) {
        const auto ua = static_cast<std::size_t>(a);
        const auto g = static_cast<std::size_t>(kv_head_of(a, h, kv));
        MatRM& A = s.weights[ua];
        A.noalias() = multiplier * (s.q[ua] * K_[g].transpose());  // [1, c]
        if (c.positional == Positional::Alibi) {
            const float slope = alibi_slope(a, h);
            for (int e = 0; e < cache; ++e)
                A(0, e) -= slope * static_cast<float>(std::abs(t - positions_[static_cast<std::size_t>(e)]));
        }
        softmax_row(A.row(0), visible.data(), scratch);
        s.head_outputs[ua].noalias() = A * V_[g];  // [1, d_v]
        concat.middleCols(a * c.d_v, c.d_v) = s.head_outputs[ua];
    }
    s.output = concat * weights_.W_O;  // [1, d]
    if (weights_.b_O.size()) s.output += weights_.b_O;

    const long long proj = static_cast<long long>(d) * (h * c.d_k + kv * c.d_k + kv * c.d_v);
    const long long out = static_cast<long long>(h) * c.d_v * d;
    const long long width = c.d_k + c.d_v;
    const long long len = t + 1;
    s.pairs_scored = static_cast<long long>(h) * cache;
    s.macs_cached = proj + s.pairs_scored * width + out;
    s.macs_recompute = len * proj + static_cast<long long>(h) * len * len * width + len * out;
    s.cache_bytes = cache_bytes();
    has_step_ = true;
    ++next_;
    return s;
}

DecodeTrace run_decode(const Inputs& in, const Weights& w, int prefill, int steps) {
    Decoder dec(in, w, prefill);
    const int n = static_cast<int>(in.tokens.size());
    if (steps < 0 || steps > n - prefill) {  // not prefill + steps: that overflows for steps near INT_MAX
        throw ConfigError("decode_steps", "decode_steps=" + std::to_string(steps) + " with prefill=" +
                                              std::to_string(prefill) + " must satisfy 0 <= steps and prefill + "
                                              "steps <= " + std::to_string(n) + " (the tokens of the text)");
    }
    DecodeTrace out;
    out.prefill = prefill;
    out.prefill_trace = dec.prefill_trace();
    out.steps.reserve(static_cast<std::size_t>(steps));
    for (int k = 0; k < steps; ++k) out.steps.push_back(dec.step());
    return out;
}

}  // namespace attnviz
