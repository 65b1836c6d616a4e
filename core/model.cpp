#include "core/model.hpp"

#include "core/rng.hpp"

#include <cmath>

namespace attnviz {

MatRM gaussian(int rows, int cols, std::uint64_t seed, double stddev) {
    Rng rng(seed);
    MatRM m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal() * stddev);
    return m;
}

Weights make_weights(const Config& c) {
    // 1/√fan_in keeps Q, K, V entries near unit variance, so raw QKᵀ has variance ≈ d_k —
    // exactly the growth the 1/√d_k scale exists to undo.
    const double in_std = 1.0 / std::sqrt(static_cast<double>(c.d_model));
    const double out_std = 1.0 / std::sqrt(static_cast<double>(c.n_heads * c.d_v));
    Weights w;
    w.W_Q = gaussian(c.d_model, c.n_heads * c.d_k, stream_seed(c.seed, "W_Q"), in_std);
    w.W_K = gaussian(c.d_model, c.n_kv_heads * c.d_k, stream_seed(c.seed, "W_K"), in_std);
    w.W_V = gaussian(c.d_model, c.n_kv_heads * c.d_v, stream_seed(c.seed, "W_V"), in_std);
    w.W_O = gaussian(c.n_heads * c.d_v, c.d_model, stream_seed(c.seed, "W_O"), out_std);
    // RMS 0.5, close to the sinusoidal table's 0.71, so both schemes weigh alike against X.
    w.learned_pe = gaussian(Limits::learned_length, c.d_model, stream_seed(c.seed, "learned_pe"), 0.5);
    return w;
}

RowVec embed_token(const std::string& token, std::uint64_t seed, int d_model) {
    Rng rng(stream_seed(seed, "embedding", hash_string(token)));
    RowVec e(d_model);
    for (int j = 0; j < d_model; ++j) e[j] = static_cast<float>(rng.normal());
    return e;
}

MatRM embed(const std::vector<std::string>& tokens, std::uint64_t seed, int d_model) {
    MatRM X(static_cast<Eigen::Index>(tokens.size()), d_model);  // X: [n, d]
    for (std::size_t i = 0; i < tokens.size(); ++i) X.row(static_cast<Eigen::Index>(i)) = embed_token(tokens[i], seed, d_model);
    return X;
}

}  // namespace attnviz
