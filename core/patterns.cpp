#include "core/patterns.hpp"

#include "core/softmax.hpp"

#include <cstdlib>
#include <string>

namespace attnviz {

std::string_view to_string(Pattern p) {
    switch (p) {
        case Pattern::Full: return "full";
        case Pattern::Window: return "sliding window";
        case Pattern::Strided: return "strided";
        case Pattern::Global: return "global tokens";
    }
    return "full";
}

std::string describe(const PatternSpec& s) {
    const std::string w = std::to_string(s.window), st = std::to_string(s.stride);
    switch (s.pattern) {
        case Pattern::Full: return "every key: cost grows as n·m";
        case Pattern::Window: return "keys with |i − j| < " + w + ": cost grows as n·w";
        case Pattern::Strided:
            return "keys with |i − j| < " + st + " or (i − j) mod " + st + " = 0: about n·(2s + n/s)";
        case Pattern::Global:
            return "keys with |i − j| < " + w + ", plus the first " + std::to_string(s.globals) +
                   " token(s), which also see every key";
    }
    return {};
}

MatRM pattern_mask(const PatternSpec& s, int n_q, int n_k) {
    if (s.window < 1) throw ConfigError("pattern_window", "pattern_window=" + std::to_string(s.window) + " must be >= 1");
    if (s.stride < 1) throw ConfigError("stride", "stride=" + std::to_string(s.stride) + " must be >= 1");
    if (s.globals < 0) throw ConfigError("globals", "globals=" + std::to_string(s.globals) + " must be >= 0");
    MatRM mask(n_q, n_k);  // mask: [n_q, n_k]
    for (int i = 0; i < n_q; ++i) {
        for (int j = 0; j < n_k; ++j) {
            const int dist = std::abs(i - j);
            bool on = true;
            switch (s.pattern) {
                case Pattern::Full: break;
                case Pattern::Window: on = dist < s.window; break;
                case Pattern::Strided: on = dist < s.stride || dist % s.stride == 0; break;
                case Pattern::Global: on = dist < s.window || i < s.globals || j < s.globals; break;
            }
            mask(i, j) = on ? 1.0f : 0.0f;
        }
    }
    return mask;
}

PatternResult compare_pattern(const Trace& t, const PatternSpec& spec) {
    // Every local pattern measures |i − j| within one sequence; queries and keys from two texts
    // have no such distance (the config refuses window and ALiBi with a source for the same reason).
    if (t.config.cross() && spec.pattern != Pattern::Full) {
        throw ConfigError("source", "the " + std::string(to_string(spec.pattern)) +
                                        " pattern needs self-attention: clear source= (cross-attention)");
    }
    PatternResult r;
    r.spec = spec;
    r.mask = pattern_mask(spec, t.n, t.m).cwiseProduct(t.mask);  // [n, m]
    r.scored_pairs = static_cast<long long>(r.mask.sum());
    r.full_pairs = static_cast<long long>(t.mask.sum());
    const int h = t.config.n_heads, d_v = t.config.d_v;
    MatRM concat(t.n, h * d_v);  // concat: [n, h·d_v]
    r.weights.resize(static_cast<std::size_t>(h));
    for (int a = 0; a < h; ++a) {
        const auto ua = static_cast<std::size_t>(a);
        MatRM& A = r.weights[ua];
        A = t.scaled_scores(a);  // [n, m], then + bias, then softmax over the pattern's pairs
        if (!t.alibi_slopes.empty())
            for (int i = 0; i < t.n; ++i)
                for (int j = 0; j < t.m; ++j) A(i, j) += t.bias(a, i, j);
        softmax_rows(A, &r.mask);
        const MatRM H = A * t.V[static_cast<std::size_t>(t.kv_head(a))];  // [n, d_v]
        r.max_head_error = std::max(r.max_head_error, (H - t.head_outputs[ua]).cwiseAbs().maxCoeff());
        concat.middleCols(a * d_v, d_v) = H;
    }
    r.output = concat * t.W_O;  // [n, d]
    r.max_output_error = (r.output - t.output).cwiseAbs().maxCoeff();
    return r;
}

}  // namespace attnviz
