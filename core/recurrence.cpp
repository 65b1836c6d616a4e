#include "core/recurrence.hpp"

#include "core/model.hpp"
#include "core/rng.hpp"

#include <cmath>
#include <string>

namespace attnviz {

RecurrenceTrace run_recurrence(const Eigen::Ref<const MatRM>& X, int d_h, std::uint64_t seed) {
    if (d_h < 1 || d_h > 1024) throw ConfigError("d_h", "d_h=" + std::to_string(d_h) + " must be between 1 and 1024");
    const int n = static_cast<int>(X.rows()), d = static_cast<int>(X.cols());
    // Gaussian W_h with std 1/√d_h has spectral radius ≈ 1; 0.9 of that keeps the recurrence
    // stable and lets the influence of early tokens fade at a visible rate, as in a real RNN.
    const MatRM W_x = gaussian(d, d_h, stream_seed(seed, "rnn W_x"), 1.0 / std::sqrt(static_cast<double>(d)));      // [d, d_h]
    const MatRM W_h = gaussian(d_h, d_h, stream_seed(seed, "rnn W_h"), 0.9 / std::sqrt(static_cast<double>(d_h)));  // [d_h, d_h]
    RecurrenceTrace r;
    r.H.resize(n, d_h);
    RowVec h = RowVec::Zero(d_h);
    MatRM J;  // ∂h_t/∂x_0: [d, d_h] in row-vector convention (h = x·W)
    for (int t = 0; t < n; ++t) {
        h = (X.row(t) * W_x + h * W_h).array().tanh().matrix();
        r.H.row(t) = h;
        const RowVec slope = (1.0f - h.array().square()).matrix();  // tanh' at this step
        // Chain rule through the recurrence: token 0 reaches h_t only through t products of
        // W_h and tanh', which is why its influence decays with distance.
        J = t == 0 ? MatRM(W_x) : MatRM(J * W_h);
        J = J * slope.asDiagonal();
        r.first_token_influence.push_back(J.norm());
        r.sequential_steps.push_back(t);
    }
    return r;
}

std::vector<float> attention_on_first_token(const Trace& t) {
    std::vector<float> out(static_cast<std::size_t>(t.n), 0.0f);
    const int h = t.config.n_heads;
    for (int a = 0; a < h; ++a)
        for (int i = 0; i < t.n; ++i) out[static_cast<std::size_t>(i)] += t.weights[static_cast<std::size_t>(a)](i, 0) / static_cast<float>(h);
    return out;
}

}  // namespace attnviz
