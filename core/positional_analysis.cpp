#include "core/positional_analysis.hpp"

#include "core/positional.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace attnviz {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

// The query-side vectors RoPE(q, first + r) for r = 0 … count − 1.   → [count, d_k]
MatRM rotated_copies(const Eigen::Ref<const MatRM>& v, int count, int first, double base, RopeStyle style) {
    const MatRM repeated = v.row(0).replicate(count, 1);
    return apply_rope(repeated, base, style, first);
}

// First visible key with the largest weight in row i, −1 when the row sees none.
int visible_argmax(const Eigen::Ref<const MatRM>& w, const Eigen::Ref<const MatRM>& mask, Eigen::Index i) {
    int best = -1;
    for (Eigen::Index j = 0; j < w.cols(); ++j)
        if (mask(i, j) > 0.5f && (best < 0 || w(i, j) > w(i, best))) best = static_cast<int>(j);
    return best;
}

}  // namespace

MatRM row_cosine_similarity(const Eigen::Ref<const MatRM>& pe) {
    const Eigen::VectorXf norms = pe.rowwise().norm();                       // [P]
    const Eigen::VectorXf inv = norms.unaryExpr([](float v) { return v > 0.0f ? 1.0f / v : 0.0f; });
    MatRM sim = pe * pe.transpose();                                         // [P, P]
    sim.array().colwise() *= inv.array();
    sim.array().rowwise() *= inv.transpose().array();
    return sim;
}

double sinusoidal_wavelength(int dim, int d_model) {
    const int i = dim / 2;
    return kTwoPi * std::pow(10000.0, 2.0 * i / static_cast<double>(d_model));
}

std::vector<int> pe_curve_dims(int d_model) {
    const auto even = [](int v) { return v - v % 2; };
    std::vector<int> dims = {0, 1, 2, 3, even(d_model / 8), even(d_model / 4), even(d_model / 2), d_model - 2,
                             d_model - 1};
    std::erase_if(dims, [d_model](int v) { return v < 0 || v >= d_model; });
    std::sort(dims.begin(), dims.end());
    dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
    return dims;
}

MatRM rope_angle_table(int positions, int d_k, double base) {
    const int pairs = d_k / 2;
    MatRM angle(pairs, positions);  // [d_k/2, P]
    for (int i = 0; i < pairs; ++i) {
        const double theta = rope_theta(i, d_k, base);
        for (int p = 0; p < positions; ++p) angle(i, p) = static_cast<float>(std::fmod(p * theta, kTwoPi));
    }
    return angle;
}

MatRM rope_score_table(const Eigen::Ref<const MatRM>& q, const Eigen::Ref<const MatRM>& k, int positions,
                       double base, RopeStyle style) {
    const MatRM q_rot = rotated_copies(q, positions, 0, base, style);  // [P, d_k]: row m = RoPE(q, m)
    const MatRM k_rot = rotated_copies(k, positions, 0, base, style);  // [P, d_k]: row n = RoPE(k, n)
    return q_rot * k_rot.transpose();                                   // [P, P]
}

MatRM rope_offset_curves(const Eigen::Ref<const MatRM>& q, const Eigen::Ref<const MatRM>& k,
                         const std::vector<int>& key_positions, int max_offset, double base, RopeStyle style) {
    MatRM curves(static_cast<Eigen::Index>(key_positions.size()), max_offset + 1);  // [S, max_offset + 1]
    for (std::size_t s = 0; s < key_positions.size(); ++s) {
        const int n = key_positions[s];
        const MatRM q_rot = rotated_copies(q, max_offset + 1, n, base, style);  // row o = RoPE(q, n + o)
        const MatRM k_rot = apply_rope(k.topRows(1), base, style, n);            // RoPE(k, n): [1, d_k]
        curves.row(static_cast<Eigen::Index>(s)) = (q_rot * k_rot.transpose()).transpose();
    }
    return curves;
}

MatRM alibi_bias(int positions, float slope) {
    MatRM bias(positions, positions);  // [P, P]
    for (int i = 0; i < positions; ++i)
        for (int j = 0; j < positions; ++j) bias(i, j) = -slope * static_cast<float>(std::abs(i - j));
    return bias;
}

Trace run_without_position(const Inputs& inputs, const Weights& weights) {
    Inputs none = inputs;
    none.config.positional = Positional::None;
    return forward(none, weights);
}

MatRM difference_where_finite(const Eigen::Ref<const MatRM>& a, const Eigen::Ref<const MatRM>& b) {
    ATTNVIZ_ASSERT(a.rows() == b.rows() && a.cols() == b.cols());
    MatRM d(a.rows(), a.cols());  // [n_tok, m_tok]
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j)
            d(i, j) = std::isfinite(a(i, j)) && std::isfinite(b(i, j)) ? a(i, j) - b(i, j)
                                                                     : std::numeric_limits<float>::quiet_NaN();
    return d;
}

WeightsChange compare_weights(const Eigen::Ref<const MatRM>& with, const Eigen::Ref<const MatRM>& without,
                              const Eigen::Ref<const MatRM>& mask) {
    ATTNVIZ_ASSERT(with.rows() == without.rows() && with.cols() == without.cols());
    ATTNVIZ_ASSERT(with.rows() == mask.rows() && with.cols() == mask.cols());
    WeightsChange c;
    double sum = 0.0;
    long cells = 0;
    for (Eigen::Index i = 0; i < with.rows(); ++i) {
        const int a = visible_argmax(with, mask, i);
        if (a < 0) continue;
        ++c.rows_compared;
        if (a != visible_argmax(without, mask, i)) ++c.argmax_changed;
        for (Eigen::Index j = 0; j < with.cols(); ++j) {
            if (mask(i, j) < 0.5f) continue;
            const float d = std::abs(with(i, j) - without(i, j));
            sum += d;
            ++cells;
            if (c.max_row < 0 || d > c.max_abs) {
                c.max_abs = d;
                c.max_row = static_cast<int>(i);
                c.max_col = static_cast<int>(j);
            }
        }
    }
    c.mean_abs = cells ? static_cast<float>(sum / static_cast<double>(cells)) : 0.0f;
    return c;
}

}  // namespace attnviz
