#include "core/labs.hpp"

#include "core/model.hpp"
#include "core/positional.hpp"
#include "core/rng.hpp"
#include "core/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

namespace attnviz {

namespace {

void require(const char* field, long long v, long long lo, long long hi) {
    if (v < lo || v > hi) {
        throw ConfigError(field, std::string(field) + "=" + std::to_string(v) + " must be between " + std::to_string(lo) +
                                     " and " + std::to_string(hi));
    }
}

double dot_of_normals(Rng& rng, int d, const std::vector<double>* q) {
    double s = 0.0;
    for (int i = 0; i < d; ++i) s += (q ? (*q)[static_cast<std::size_t>(i)] : rng.normal()) * rng.normal();
    return s;
}

// Softmax of one row in double: entropy, max weight and ‖diag(a) − aaᵀ‖_F.
void row_stats(const std::vector<double>& z, double mult, double& entropy, double& max_w, double& jac) {
    double mx = -1e300;
    for (double v : z) mx = std::max(mx, v * mult);
    std::vector<double> a(z.size());
    double sum = 0.0;
    for (std::size_t j = 0; j < z.size(); ++j) sum += a[j] = std::exp(z[j] * mult - mx);
    double s2 = 0, s3 = 0, h = 0, m = 0;
    for (double& v : a) {
        v /= sum;
        s2 += v * v;
        s3 += v * v * v;
        if (v > 0) h -= v * std::log(v);
        m = std::max(m, v);
    }
    // ‖J‖²_F = Σ(a_i − a_i²)² + Σ_{i≠j} a_i² a_j² = Σa² − 2Σa³ + (Σa²)².
    entropy += h;
    max_w += m;
    jac += std::sqrt(std::max(0.0, s2 - 2 * s3 + s2 * s2));
}

}  // namespace

std::vector<int> default_d_ks() {
    std::vector<int> out;
    for (int d = 1; d <= 1024; d *= 2) out.push_back(d);
    return out;
}

SqrtDkLab run_sqrt_dk_lab(const std::vector<int>& d_ks, int samples, int keys, std::uint64_t seed, int bins) {
    require("keys", keys, 2, 4096);
    require("samples", samples, keys, 1'000'000);
    require("bins", bins, 3, 1000);
    if (d_ks.empty()) throw ConfigError("d_k", "d_k list is empty: give at least one width");
    for (int d : d_ks) require("d_k", d, 1, 4096);
    SqrtDkLab lab;
    lab.samples = samples;
    lab.keys = keys;
    std::vector<int> sorted = d_ks;
    std::sort(sorted.begin(), sorted.end());
    for (int d : sorted) {
        Rng rng(stream_seed(seed, "sqrt-dk", static_cast<std::uint64_t>(d)));
        SqrtDkRow row;
        row.d_k = d;
        // Independent (q, k) pairs for the variance and the histograms.
        std::vector<double> raw(static_cast<std::size_t>(samples));
        double sum = 0, sum_sq = 0;
        for (double& v : raw) {
            v = dot_of_normals(rng, d, nullptr);
            sum += v;
            sum_sq += v * v;
        }
        const double mean = sum / samples;
        row.var_raw = (sum_sq - samples * mean * mean) / (samples - 1);
        row.var_scaled = row.var_raw / d;
        Histogram hist;
        // Wide enough for the raw scores at this d_k (±4σ = ±4√d_k) and never narrower than the
        // scaled ones' ±4.
        hist.hi = 4.0 * std::sqrt(static_cast<double>(std::max(d, 1)));
        hist.lo = -hist.hi;
        hist.raw.assign(static_cast<std::size_t>(bins), 0);
        hist.scaled.assign(static_cast<std::size_t>(bins), 0);
        const double width = (hist.hi - hist.lo) / bins;
        auto bin = [&](double v) {
            return static_cast<std::size_t>(std::clamp(static_cast<int>((v - hist.lo) / width), 0, bins - 1));
        };
        const double root = std::sqrt(static_cast<double>(d));
        for (double v : raw) {
            ++hist.raw[bin(v)];
            ++hist.scaled[bin(v / root)];
        }
        // Softmax rows: one query against `keys` keys, as attention scores a row.
        const int rows = samples / keys;
        std::vector<double> q(static_cast<std::size_t>(d)), z(static_cast<std::size_t>(keys));
        for (int r = 0; r < rows; ++r) {
            for (double& v : q) v = rng.normal();
            for (double& v : z) v = dot_of_normals(rng, d, &q);
            const double mults[3] = {1.0 / root, 1.0 / d, 1.0};
            for (int s = 0; s < 3; ++s) row_stats(z, mults[s], row.entropy[s], row.max_weight[s], row.jacobian[s]);
        }
        for (int s = 0; s < 3; ++s) {
            row.entropy[s] /= rows;
            row.max_weight[s] /= rows;
            row.jacobian[s] /= rows;
        }
        lab.rows.push_back(row);
        lab.histograms.push_back(std::move(hist));
    }
    return lab;
}

std::string sqrt_dk_derivation() {
    return "q·k = Σ_i q_i k_i over d_k terms. Each term has mean 0 and variance E[q_i²]·E[k_i²] = 1 (independent, "
           "unit variance), and the terms are independent, so Var(q·k) = d_k: the scores spread like √d_k. Dividing "
           "by √d_k gives Var = 1 at every width, so the softmax sees the same spread whether d_k is 8 or 1024. "
           "Without it, large d_k pushes rows to one-hot: the entropy drops, the largest weight tends to 1 and the "
           "softmax Jacobian diag(a) − aaᵀ, through which gradients flow, goes to 0.";
}

ScaledWeights weights_at_multiplier(const Trace& t, int a, float multiplier) {
    ATTNVIZ_ASSERT(a >= 0 && a < t.config.n_heads);
    ScaledWeights out;
    out.weights = t.scores[static_cast<std::size_t>(a)] * multiplier;  // [n, m]
    if (!t.alibi_slopes.empty())
        for (int i = 0; i < t.n; ++i)
            for (int j = 0; j < t.m; ++j) out.weights(i, j) += t.bias(a, i, j);
    const std::vector<RowStats> stats = softmax_rows(out.weights, &t.mask);
    int live = 0;
    for (const RowStats& s : stats) {
        if (s.fully_masked) continue;
        out.mean_entropy += s.entropy;
        out.mean_max_weight += s.max_weight;
        ++live;
    }
    if (live > 0) {
        out.mean_entropy /= static_cast<float>(live);
        out.mean_max_weight /= static_cast<float>(live);
    }
    return out;
}

ExtrapolationLab run_extrapolation_lab(int L, int max_length, double rope_base, double long_base, std::uint64_t seed) {
    require("trained_length", L, 4, 256);
    require("max_length", max_length, L + 1, 1024);
    if (!(rope_base >= 2.0 && rope_base <= 1e9)) throw ConfigError("rope_base", "rope_base=" + std::to_string(rope_base) + " must be between 2 and 1e9");
    if (!(long_base >= 2.0 && long_base <= 1e9)) throw ConfigError("rope_base", "rope_base=" + std::to_string(long_base) + " must be between 2 and 1e9");
    constexpr int d = 64, pairs = 8;
    constexpr double gain = 7.0;  // nats per unit of the kernel, as the designed heads use
    ExtrapolationLab lab;
    lab.trained_length = L;
    lab.rope_base = rope_base;
    lab.long_base = long_base;
    const int T = max_length;

    // Every scheme as a logit function of (query i, key j); rows are causal (j <= i).
    auto sinusoid_kernel = [&](double base, int i, int j) {
        double s = 0;
        for (int k = 0; k < pairs; ++k) s += std::cos(std::pow(base, -2.0 * k / d) * (i - 1 - j));
        return gain * s;
    };
    // Learned: L random rows of unit norm; a row past L does not exist (zeros).
    const MatRM table = gaussian(L, d, stream_seed(seed, "extrapolation table"), 1.0 / std::sqrt(static_cast<double>(d)));
    auto learned_logit = [&](int i, int j) {
        if (i - 1 < 0 || i - 1 >= L || j >= L) return 0.0;
        return gain * pairs * static_cast<double>(table.row(i - 1).dot(table.row(j)));
    };
    auto alibi_logit = [](int i, int j) { return -1.0 * std::abs(i - j); };

    using Logit = std::function<double(int, int)>;
    const Logit schemes[] = {
        [&](int i, int j) { return sinusoid_kernel(10000.0, i, j); },
        // RoPE: q₀ with unit-norm pairs 0–7 rotated by i, k by j + 1 (R(j)·R(1)q₀): Σ cos(ω(i − j − 1)).
        [&](int i, int j) { return sinusoid_kernel(rope_base, i, j); },
        [&](int i, int j) { return sinusoid_kernel(long_base, i, j); },
        learned_logit,
        alibi_logit,
    };
    std::vector<float>* series[] = {&lab.sinusoidal, &lab.rope, &lab.rope_long_base, &lab.learned, &lab.alibi};
    std::vector<std::vector<float>>* matrices[] = {&lab.weights_sinusoidal, &lab.weights_rope, nullptr,
                                                   &lab.weights_learned, &lab.weights_alibi};
    for (int s = 0; s < 5; ++s) {
        if (matrices[s]) matrices[s]->assign(static_cast<std::size_t>(T), std::vector<float>(static_cast<std::size_t>(T), 0.0f));
        for (int i = 0; i < T; ++i) {
            RowVec z(i + 1), scratch(i + 1);
            for (int j = 0; j <= i; ++j) z(j) = static_cast<float>(schemes[s](i, j));
            softmax_row(z, nullptr, scratch);
            if (i >= 1) series[s]->push_back(z(i - 1));
            if (matrices[s])
                for (int j = 0; j <= i; ++j) (*matrices[s])[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = z(j);
        }
    }
    for (int t = 1; t < T; ++t) {
        lab.positions.push_back(t);
        lab.learned_trained.push_back(t < L ? 1 : 0);
    }
    return lab;
}

std::vector<double> rope_wavelengths(int d, double base) {
    std::vector<double> out;
    for (int i = 0; i < d / 2; ++i) out.push_back(2.0 * std::numbers::pi / rope_theta(i, d, base));
    return out;
}

Table sqrt_dk_table(const SqrtDkLab& lab) {
    Table t;
    t.columns = {"d_k",
                 "var_raw",
                 "var_scaled",
                 "entropy_sqrt",
                 "entropy_linear",
                 "entropy_none",
                 "max_weight_sqrt",
                 "max_weight_linear",
                 "max_weight_none",
                 "jacobian_sqrt",
                 "jacobian_linear",
                 "jacobian_none"};
    for (const SqrtDkRow& r : lab.rows) {
        t.rows.push_back({static_cast<double>(r.d_k), r.var_raw, r.var_scaled, r.entropy[0], r.entropy[1], r.entropy[2],
                          r.max_weight[0], r.max_weight[1], r.max_weight[2], r.jacobian[0], r.jacobian[1],
                          r.jacobian[2]});
    }
    return t;
}

Table extrapolation_table(const ExtrapolationLab& lab) {
    Table t;
    t.columns = {"position", "learned_trained", "sinusoidal", "rope", "rope_long_base", "learned", "alibi"};
    for (std::size_t k = 0; k < lab.positions.size(); ++k) {
        t.rows.push_back({static_cast<double>(lab.positions[k]), static_cast<double>(lab.learned_trained[k]),
                          lab.sinusoidal[k], lab.rope[k], lab.rope_long_base[k], lab.learned[k], lab.alibi[k]});
    }
    return t;
}

}  // namespace attnviz
