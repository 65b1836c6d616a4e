#include "core/mask.hpp"

#include <algorithm>
#include <cstdlib>

namespace attnviz {

bool key_visible(const MaskSpec& spec, int i, int j) {
    if (spec.causal && j > i) return false;
    if (spec.window > 0 && std::abs(i - j) >= spec.window) return false;
    return std::find(spec.padded_keys.begin(), spec.padded_keys.end(), j) == spec.padded_keys.end();
}

MatRM build_mask(const MaskSpec& spec, int n_q, int n_k) {
    MatRM mask = MatRM::Zero(n_q, n_k);  // mask: [n_q, n_k]
    // Each row's visible keys form one interval [lo, hi]; filling it as a segment keeps this
    // O(n²) pass vectorised (it sits in the forward pass the benchmark times).
    for (int i = 0; i < n_q; ++i) {
        int lo = 0, hi = n_k - 1;
        if (spec.causal) hi = std::min(hi, i);
        if (spec.window > 0) {
            lo = std::max(lo, i - spec.window + 1);
            hi = std::min(hi, i + spec.window - 1);
        }
        if (lo <= hi) mask.row(i).segment(lo, hi - lo + 1).setOnes();
    }
    for (int p : spec.padded_keys) {
        if (p >= 0 && p < n_k) mask.col(p).setZero();
    }
    return mask;
}

bool masks_anything(const MaskSpec& spec) { return spec.causal || spec.window > 0 || !spec.padded_keys.empty(); }

}  // namespace attnviz
