#include "core/softmax.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz {

RowStats softmax_row(Eigen::Ref<RowVec> z, const float* visible, Eigen::Ref<RowVec> scratch) {
    // Masked keys never take part: their shifted logit is this finite stand-in for −∞, so exp()
    // gives 0 and 0 · stand-in stays 0 in the entropy sum (a real −∞ would give NaN there).
    // Visible shifts are clamped to it too: near the float limit z - max overflows to −∞.
    constexpr float kMaskedShift = -1e30f;
    const Eigen::Index n = z.size();
    RowStats st;
    float mx;
    if (visible) {
        Eigen::Map<const RowVec> vis(visible, n);
        if ((vis.array() > 0.5f).count() == 0) {
            z.setZero();
            st.fully_masked = true;
            return st;
        }
        mx = (vis.array() > 0.5f).select(z.array(), -std::numeric_limits<float>::infinity()).maxCoeff();
        // Subtracting the row max only keeps exp() in range; the weights are unchanged by it.
        scratch.array() = (vis.array() > 0.5f).select((z.array() - mx).max(kMaskedShift), kMaskedShift);
        z.array() = scratch.array().exp() * vis.array();
    } else {
        mx = z.maxCoeff();
        scratch.array() = (z.array() - mx).max(kMaskedShift);
        z.array() = scratch.array().exp();
    }
    // The argmax is the first key whose shifted logit is exactly 0; finding it here keeps the max
    // itself a vectorised reduction (maxCoeff with an index is a scalar loop).
    const float* shifted = scratch.data();
    const auto arg = std::min<Eigen::Index>(std::find(shifted, shifted + n, 0.0f) - shifted, n - 1);
    const float sum = z.sum();  // >= 1: the argmax contributes exp(0)
    const float weighted_shift = (z.array() * scratch.array()).sum();
    z /= sum;
    st.entropy = std::max(0.0f, std::log(sum) - weighted_shift / sum);
    st.max_weight = 1.0f / sum;
    st.argmax = static_cast<int>(arg);
    return st;
}

std::vector<RowStats> softmax_rows(MatRM& logits, const MatRM* mask) {
    ATTNVIZ_ASSERT(!mask || (mask->rows() == logits.rows() && mask->cols() == logits.cols()));
    std::vector<RowStats> stats(static_cast<std::size_t>(logits.rows()));
    RowVec scratch(logits.cols());
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
        stats[static_cast<std::size_t>(i)] = softmax_row(logits.row(i), mask ? mask->row(i).data() : nullptr, scratch);
    }
    return stats;
}

}  // namespace attnviz
