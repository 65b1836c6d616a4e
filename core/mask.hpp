// Which keys each query may see.
//
// Key: n_q = queries, n_k = keys; mask entries are 1 (visible) or 0 (masked).
#pragma once

#include "core/types.hpp"

#include <vector>

namespace attnviz {

struct MaskSpec {
    bool causal = false;            // key j visible from query i only when j <= i
    int window = 0;                 // 0: off; else |i - j| < w (with causal: i - w < j <= i)
    std::vector<int> padded_keys;   // keys nobody may attend to
};

// The rule build_mask applies, for one (query i, key j) pair: causal, window and padding.
bool key_visible(const MaskSpec& spec, int i, int j);

// mask: [n_q, n_k] of 1 / 0. Padded indices past n_k are ignored (validation rejects them first).
MatRM build_mask(const MaskSpec& spec, int n_q, int n_k);

// False when every query sees every key (no causal, window or padding).
bool masks_anything(const MaskSpec& spec);

}  // namespace attnviz
