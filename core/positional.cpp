#include "core/positional.hpp"

#include <cmath>

namespace attnviz {

MatRM sinusoidal_pe(int n, int d_model) {
    MatRM pe(n, d_model);  // PE: [n, d]
    for (int j = 0; j < d_model; j += 2) {
        const double omega = 1.0 / std::pow(10000.0, static_cast<double>(j) / d_model);
        for (int p = 0; p < n; ++p) {
            const double angle = p * omega;
            pe(p, j) = static_cast<float>(std::sin(angle));
            if (j + 1 < d_model) pe(p, j + 1) = static_cast<float>(std::cos(angle));
        }
    }
    return pe;
}

MatRM learned_pe(const Eigen::Ref<const MatRM>& table, int n) {
    MatRM pe = MatRM::Zero(n, table.cols());  // PE: [n, d]
    const int trained = static_cast<int>(std::min<Eigen::Index>(n, table.rows()));
    pe.topRows(trained) = table.topRows(trained);
    return pe;
}

MatRM additive_pe(Positional scheme, const Eigen::Ref<const MatRM>& learned_table, int n, int d_model) {
    switch (scheme) {
        case Positional::Sinusoidal: return sinusoidal_pe(n, d_model);
        case Positional::Learned: return learned_pe(learned_table, n);
        default: return MatRM::Zero(n, d_model);
    }
}

double rope_theta(int pair, int d_k, double base) {
    return std::pow(base, -2.0 * pair / static_cast<double>(d_k));
}

std::pair<int, int> rope_pair(int pair, int d_k, RopeStyle style) {
    if (style == RopeStyle::Interleaved) return {2 * pair, 2 * pair + 1};
    return {pair, pair + d_k / 2};
}

MatRM apply_rope(const Eigen::Ref<const MatRM>& x, double base, RopeStyle style, int offset) {
    const int d_k = static_cast<int>(x.cols());
    ATTNVIZ_ASSERT(d_k % 2 == 0);
    MatRM out = x;  // [n, d_k]
    for (int i = 0; i < d_k / 2; ++i) {
        const double theta = rope_theta(i, d_k, base);
        const auto [a, b] = rope_pair(i, d_k, style);
        for (Eigen::Index p = 0; p < x.rows(); ++p) {
            const double angle = static_cast<double>(p + offset) * theta;
            const double c = std::cos(angle), s = std::sin(angle);
            const double xa = x(p, a), xb = x(p, b);
            out(p, a) = static_cast<float>(xa * c - xb * s);
            out(p, b) = static_cast<float>(xa * s + xb * c);
        }
    }
    return out;
}

}  // namespace attnviz
