#include "core/attention.hpp"

#include "core/positional.hpp"
#include "core/softmax.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz {

Inputs prepare(const Config& user) {
    Inputs in;
    in.config = resolve_sizes(user);
    Config& c = in.config;
    const Tokens t = tokenize(c.text, c.tokenize, "text");
    in.tokens = t.text;
    std::vector<int> pads = c.padding;
    if (c.cross()) {
        const Tokens s = tokenize(c.source, c.tokenize, "source");
        in.source_tokens = s.text;
        pads.insert(pads.end(), s.pad_positions.begin(), s.pad_positions.end());
    } else {
        pads.insert(pads.end(), t.pad_positions.begin(), t.pad_positions.end());
    }
    std::sort(pads.begin(), pads.end());
    pads.erase(std::unique(pads.begin(), pads.end()), pads.end());
    const int m = static_cast<int>(c.cross() ? in.source_tokens.size() : in.tokens.size());
    for (int p : pads) {
        if (p >= m) {
            throw ConfigError("padding", "padding=" + std::to_string(p) + " is past the last " +
                                             (c.cross() ? "source " : "") + "token (index " +
                                             std::to_string(m - 1) + ")");
        }
    }
    c.padding = pads;
    in.X = embed(in.tokens, c.seed, c.d_model);
    if (c.cross()) in.X_source = embed(in.source_tokens, c.seed, c.d_model);
    return in;
}

namespace {

// x·W + b.   [rows, cols of W]
MatRM project(const MatRM& x, const MatRM& W, const RowVec& b) {
    MatRM y = x * W;
    if (b.size()) y.rowwise() += b;
    return y;
}

// Splits [rows, heads·width] into heads × [rows, width], then applies RoPE when asked.
void split_heads(const MatRM& all, int heads, int width, const Config& c, Stack& proj, Stack* rotated) {
    proj.resize(static_cast<std::size_t>(heads));
    if (rotated) rotated->resize(static_cast<std::size_t>(heads));
    for (int a = 0; a < heads; ++a) {
        proj[static_cast<std::size_t>(a)] = all.middleCols(static_cast<Eigen::Index>(a) * width, width);
        if (!rotated) continue;
        (*rotated)[static_cast<std::size_t>(a)] =
            c.positional == Positional::Rope
                ? apply_rope(proj[static_cast<std::size_t>(a)], c.rope_base, c.rope_style)
                : proj[static_cast<std::size_t>(a)];
    }
}

}  // namespace

Trace forward(const Inputs& in, const Weights& w) {
    Trace t;
    forward_into(in, w, t);
    return t;
}

void forward_into(const Inputs& in, const Weights& w, Trace& t) {
    const Config& c = in.config;
    t.config = c;
    t.tokens = in.tokens;
    t.source_tokens = in.source_tokens;
    t.n = static_cast<int>(in.tokens.size());
    t.m = c.cross() ? static_cast<int>(in.source_tokens.size()) : t.n;
    const int n = t.n, m = t.m, h = c.n_heads, kv = c.n_kv_heads;
    ATTNVIZ_ASSERT(in.X.rows() == n && in.X.cols() == c.d_model);
    ATTNVIZ_ASSERT(w.W_Q.rows() == c.d_model && w.W_Q.cols() == h * c.d_k);
    ATTNVIZ_ASSERT(w.W_O.rows() == h * c.d_v && w.W_O.cols() == c.d_model);

    // 1. Inputs plus position: X_in = X + PE.   [n, d]
    t.X = in.X;
    t.PE = additive_pe(c.positional, w.learned_pe, n, c.d_model);
    t.X_in = t.X + t.PE;
    t.untrained_positions = 0;
    if (c.positional == Positional::Learned) {
        t.untrained_positions = std::max(0, std::max(n, m) - static_cast<int>(w.learned_pe.rows()));
    }
    t.X_source.resize(0, 0);
    t.PE_source.resize(0, 0);
    t.X_in_source.resize(0, 0);
    if (c.cross()) {
        t.X_source = in.X_source;
        t.PE_source = additive_pe(c.positional, w.learned_pe, m, c.d_model);
        t.X_in_source = t.X_source + t.PE_source;
    }
    const MatRM& kv_input = c.cross() ? t.X_in_source : t.X_in;  // [m, d]
    t.W_Q = w.W_Q;
    t.W_K = w.W_K;
    t.W_V = w.W_V;
    t.W_O = w.W_O;
    t.b_Q = w.b_Q;
    t.b_K = w.b_K;
    t.b_V = w.b_V;
    t.b_O = w.b_O;

    // 2. Projections (plus their biases), split into heads; RoPE rotates q and k (never v).
    split_heads(project(t.X_in, w.W_Q, w.b_Q), h, c.d_k, c, t.Q_proj, &t.Q);     // Q: [h][n, d_k]
    split_heads(project(kv_input, w.W_K, w.b_K), kv, c.d_k, c, t.K_proj, &t.K);  // K: [kv][m, d_k]
    split_heads(project(kv_input, w.W_V, w.b_V), kv, c.d_v, c, t.V, nullptr);    // V: [kv][m, d_v]

    // 3. Mask shared by every head.   mask: [n, m]
    const MaskSpec spec{c.causal, c.window, c.padding};
    t.mask = build_mask(spec, n, m);
    const bool any_masked = masks_anything(spec);
    t.multiplier = score_multiplier(c);
    t.alibi_slopes.clear();
    if (c.positional == Positional::Alibi) {
        for (int a = 0; a < h; ++a) t.alibi_slopes.push_back(alibi_slope(a, h));
    }
    t.fully_masked.assign(static_cast<std::size_t>(n), 0);

    // 4. Per head: scores, softmax, weighted sum of values.
    t.scores.resize(static_cast<std::size_t>(h));
    t.weights.resize(static_cast<std::size_t>(h));
    t.head_outputs.resize(static_cast<std::size_t>(h));
    t.diagnostics.resize(static_cast<std::size_t>(h));
    t.concat.resize(n, h * c.d_v);  // concat: [n, h·d_v]
    RowVec scratch(m);
    for (int a = 0; a < h; ++a) {
        const auto ua = static_cast<std::size_t>(a);
        const auto g = static_cast<std::size_t>(t.kv_head(a));
        MatRM& S = t.scores[ua];
        S.noalias() = t.Q[ua] * t.K[g].transpose();  // scores: [n, m] raw QKᵀ
        MatRM& A = t.weights[ua];
        A.resize(n, m);  // filled row by row with logits, then weights, while the row is in cache
        HeadDiagnostics& dg = t.diagnostics[ua];
        dg.entropy.resize(static_cast<std::size_t>(n));
        dg.max_weight.resize(static_cast<std::size_t>(n));
        dg.argmax.resize(static_cast<std::size_t>(n));
        double sum = 0.0, sum_sq = 0.0, count = 0.0, entropy_sum = 0.0;
        int live_rows = 0;
        for (int i = 0; i < n; ++i) {
            A.row(i) = S.row(i) * t.multiplier;
            if (!t.alibi_slopes.empty()) {
                const float slope = t.alibi_slopes[ua];
                for (int j = 0; j < m; ++j) A(i, j) -= slope * static_cast<float>(std::abs(i - j));
            }
            const RowStats st = softmax_row(A.row(i), any_masked ? t.mask.row(i).data() : nullptr, scratch);
            const auto ui = static_cast<std::size_t>(i);
            dg.entropy[ui] = st.entropy;
            dg.max_weight[ui] = st.max_weight;
            dg.argmax[ui] = st.argmax;
            if (st.fully_masked) {
                t.fully_masked[ui] = 1;
            } else {
                entropy_sum += st.entropy;
                ++live_rows;
            }
            if (any_masked) {
                const auto vis = t.mask.row(i).array();
                sum += (S.row(i).array() * vis).sum();
                sum_sq += (S.row(i).array().square() * vis).sum();
                count += vis.sum();
            } else {
                sum += S.row(i).sum();
                sum_sq += S.row(i).squaredNorm();
                count += m;
            }
        }
        t.head_outputs[ua].noalias() = A * t.V[g];  // H: [n, d_v]
        dg.mean_entropy = live_rows ? static_cast<float>(entropy_sum / live_rows) : 0.0f;
        const double mean = count > 0 ? sum / count : 0.0;
        const double var = count > 0 ? std::max(0.0, sum_sq / count - mean * mean) : 0.0;
        dg.raw_variance = static_cast<float>(var);
        dg.scaled_variance = static_cast<float>(var * t.multiplier * t.multiplier);

        t.concat.middleCols(static_cast<Eigen::Index>(a) * c.d_v, c.d_v) = t.head_outputs[ua];
    }

    // 5. Output projection.   O: [n, d]
    t.output.noalias() = t.concat * w.W_O;
    if (w.b_O.size()) t.output.rowwise() += w.b_O;
}

Trace run(const Config& config) {
    const Inputs in = prepare(config);
    return forward(in, make_weights(in.config));
}

}  // namespace attnviz
