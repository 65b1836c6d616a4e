// What the Positional view plots, computed from core's positional schemes: PE similarity,
// sinusoidal wavelengths, RoPE angles and the relative property of rotated dot products, ALiBi
// biases, and the effect of removing position from this input.
//
// Key: P = positions shown, d = d_model, d_k = per-head query/key width, p, q, m, n = positions
// (from 0), i = RoPE pair / sinusoidal frequency index, n_tok / m_tok = query / key tokens.
#pragma once

#include "core/attention.hpp"

#include <vector>

namespace attnviz {

// ---- sinusoidal ----------------------------------------------------------------------

// Cosine similarity of every pair of rows: S[p, q] = PE_p·PE_q / (‖PE_p‖ ‖PE_q‖), 0 where either
// row is all zeros.   pe: [P, d] → S: [P, P]
MatRM row_cosine_similarity(const Eigen::Ref<const MatRM>& pe);

// Period, in positions, of sinusoidal column `dim` (sin for even, cos for odd):
// 2π·10000^(2i/d) with i = dim / 2.   dim in [0, d_model).
double sinusoidal_wavelength(int dim, int d_model);

// Columns offered as PE(p, dim) curves: 0, 1, 2, 3, then d/8, d/4, d/2 (rounded down to even,
// so each is a sin column), d − 2 and d − 1; unique, ascending, all in [0, d_model).
std::vector<int> pe_curve_dims(int d_model);

// ---- RoPE ----------------------------------------------------------------------------

// Rotation angle p·θ_i of pair i at position p, wrapped into [0, 2π); θ_i = base^(−2i/d_k).
// d_k >= 2 (an odd d_k has d_k / 2 pairs).   → [d_k / 2, P]
MatRM rope_angle_table(int positions, int d_k, double base);

// RoPE(q, m)·RoPE(k, n) for every query position m and key position n in [0, P).
// q, k: [1, d_k] with d_k even.   → [P, P], constant along every diagonal (relative property).
MatRM rope_score_table(const Eigen::Ref<const MatRM>& q, const Eigen::Ref<const MatRM>& k, int positions,
                       double base, RopeStyle style);

// Row s, column o: RoPE(q, n_s + o)·RoPE(k, n_s), the key at n_s = key_positions[s] >= 0 and
// the query o = 0 … max_offset positions later. Rows coincide: the dot depends only on o = m − n.
// q, k: [1, d_k] with d_k even.   → [key_positions.size(), max_offset + 1]
MatRM rope_offset_curves(const Eigen::Ref<const MatRM>& q, const Eigen::Ref<const MatRM>& k,
                         const std::vector<int>& key_positions, int max_offset, double base, RopeStyle style);

// ---- ALiBi ---------------------------------------------------------------------------

// One head's bias B[i, j] = −slope·|i − j|.   → [P, P]
MatRM alibi_bias(int positions, float slope);

// ---- with vs without position ----------------------------------------------------------

// The same inputs and weights with positional = none: no additive code, no rotation, no ALiBi
// bias. Any layer of any model: the inputs and weights of the trace on screen (a deeper layer's
// stream, a loaded model's ids and weights, hand edits included). Throws ConfigError like forward().
Trace run_without_position(const Inputs& inputs, const Weights& weights);

// a − b where both are finite; NaN (shown as masked) where either is not.   [n_tok, m_tok]
MatRM difference_where_finite(const Eigen::Ref<const MatRM>& a, const Eigen::Ref<const MatRM>& b);

// How one head's attention weights move when position is removed, over the visible cells of
// `mask` (1 visible, 0 masked). with, without, mask: [n_tok, m_tok].
struct WeightsChange {
    float max_abs = 0.0f;       // largest |with − without|
    int max_row = -1;           // where it is (query, key); -1 when nothing is visible
    int max_col = -1;
    float mean_abs = 0.0f;      // mean |with − without| over visible cells
    int argmax_changed = 0;     // query rows whose most-attended key differs
    int rows_compared = 0;      // query rows that see at least one key
};
WeightsChange compare_weights(const Eigen::Ref<const MatRM>& with, const Eigen::Ref<const MatRM>& without,
                              const Eigen::Ref<const MatRM>& mask);

}  // namespace attnviz
