// Positional schemes: sinusoidal and learned tables added to X, RoPE rotations of q and k,
// ALiBi's linear distance bias on the scores.
//
// Key: n = positions, d = d_model, d_k = per-head width, p = position (from 0).
#pragma once

#include "core/config.hpp"

namespace attnviz {

// PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)).   PE: [n, d]
MatRM sinusoidal_pe(int n, int d_model);

// Rows of the learned table; positions >= its length get a zero row (no trained position).
MatRM learned_pe(const Eigen::Ref<const MatRM>& table, int n);  // [n, d]

// The PE added to X for `scheme` (zeros for none, rope and alibi).
MatRM additive_pe(Positional scheme, const Eigen::Ref<const MatRM>& learned_table, int n, int d_model);

// Rotation frequency of pair i: θ_i = base^(-2i/d_k), i = 0 .. d_k/2 - 1.
double rope_theta(int pair, int d_k, double base);
// Dimensions rotated together as pair i: (2i, 2i+1) interleaved, (i, i + d_k/2) half.
std::pair<int, int> rope_pair(int pair, int d_k, RopeStyle style);

// Rotates each row p of x by angles p·θ_i (positions start at `offset`).   x: [n, d_k]
MatRM apply_rope(const Eigen::Ref<const MatRM>& x, double base, RopeStyle style, int offset = 0);

}  // namespace attnviz
