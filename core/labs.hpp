// Two experiments: why scores are divided by √d_k, and how position schemes behave past the
// length a model was trained on.
//
// Key: d_k = query/key width, n = keys per softmax row, L = trained length, t = query position,
// Δ = offset back from the query.
#pragma once

#include "core/trace.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

// ---- the √d_k lab -------------------------------------------------------------------------
// q, k with i.i.d. N(0, 1) entries. Var(q·k) = Σ Var(q_i k_i) = d_k·E[q²]E[k²] = d_k, so q·k/√d_k
// has unit variance whatever d_k is; unscaled, softmax rows saturate toward one-hot as d_k grows
// and the softmax Jacobian diag(a) − aaᵀ (the gradient that flows back) collapses.

enum ScaleIndex { kScaleSqrt = 0, kScaleLinear = 1, kScaleNone = 2 };  // ÷√d_k, ÷d_k, ÷1

struct SqrtDkRow {
    int d_k = 0;
    double var_raw = 0, var_scaled = 0;   // Var(q·k), Var(q·k/√d_k) over `samples` pairs
    double entropy[3] = {};                // mean row entropy (nats) per ScaleIndex
    double max_weight[3] = {};             // mean largest weight per row
    double jacobian[3] = {};               // mean ‖diag(a) − aaᵀ‖_F per row
};

struct Histogram {
    double lo = 0, hi = 0;                 // bin edges lo + k·(hi − lo)/bins
    std::vector<int> raw, scaled;          // counts of q·k and of q·k/√d_k (values outside clamp to the end bins)
};

struct SqrtDkLab {
    int samples = 0, keys = 0;
    std::vector<SqrtDkRow> rows;           // one per d_k, ascending
    std::vector<Histogram> histograms;     // one per d_k
};

std::vector<int> default_d_ks();           // 1, 2, 4, …, 1024
// Deterministic from `seed`. Throws ConfigError("samples" | "d_k" | "keys", ...): samples in
// [keys, 1e6], each d_k in [1, 4096], keys in [2, 4096].
SqrtDkLab run_sqrt_dk_lab(const std::vector<int>& d_ks, int samples, int keys, std::uint64_t seed, int bins = 41);
std::string sqrt_dk_derivation();

// On the current input: head a's weights if the raw scores were multiplied by `multiplier`
// instead of the trace's own (ALiBi bias and mask kept). A larger multiplier sharpens rows
// toward one-hot; a smaller one flattens them toward uniform.
struct ScaledWeights {
    MatRM weights;                // [n, m]
    float mean_entropy = 0.0f;    // over rows that see a key
    float mean_max_weight = 0.0f;
};
ScaledWeights weights_at_multiplier(const Trace& trace, int head, float multiplier);

// ---- length extrapolation -------------------------------------------------------------------
// One positional pattern, "attend to the token one position back", built into a head the way
// each scheme allows, then read at query positions t = 1 … max_length:
//   sinusoidal  q_i = PE(i − 1), k_j = PE(j) (pairs 0–7; PE exists at every position)
//   RoPE        q = R(i)·q₀, k = R(j)·R(1)·q₀: the score depends only on j − i, at any length
//   learned     q_i = P(i − 1), k_j = P(j) from a table of L random rows; past L there is no row
//               (the model adds zeros), so the head has nothing to match and spreads its weight
//   ALiBi       −m·|i − j| alone (m = 1): recency, the same at every length, but it cannot single
//               out the previous token over the current one
// Causal rows; the metric is the weight on key t − 1.

struct ExtrapolationLab {
    int trained_length = 0;                // L
    std::vector<int> positions;            // t = 1 … max_length
    std::vector<float> sinusoidal, rope, rope_long_base, learned, alibi;  // weight on t − 1
    std::vector<char> learned_trained;     // [positions] 1 when both t and t − 1 have a table row
    double rope_base = 10000, long_base = 500000;
    // Weights of every query row at the longest length, per scheme ([max_length, max_length]).
    std::vector<std::vector<float>> weights_sinusoidal, weights_rope, weights_learned, weights_alibi;
};

// Throws ConfigError("trained_length" | "max_length" | "rope_base", ...): 4 <= L <= 256,
// L < max_length <= 1024, rope bases in [2, 1e9].
ExtrapolationLab run_extrapolation_lab(int trained_length, int max_length, double rope_base, double long_base,
                                       std::uint64_t seed);

// Wavelength 2π·base^(2i/d) of every RoPE pair i (d even), in positions.
std::vector<double> rope_wavelengths(int d, double base);

// CSV-ready tables: a header row and numeric rows.
struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<double>> rows;
};
Table sqrt_dk_table(const SqrtDkLab& lab);
Table extrapolation_table(const ExtrapolationLab& lab);

}  // namespace attnviz
