// Numerically stable, masked, row-wise softmax that never produces NaN or Inf.
#pragma once

#include "core/types.hpp"

namespace attnviz {

struct RowStats {
    float entropy = 0.0f;     // -Σ a_j ln a_j, nats
    float max_weight = 0.0f;
    int argmax = -1;          // -1 when every key is masked
    bool fully_masked = false;
};

// In place: logits z (finite) -> weights a = softmax(z) over the keys where visible[j] = 1.
// Masked keys get exactly 0. A row with no visible key becomes all zeros and is flagged.
// `visible` may be null (every key visible); `scratch` must have z's length.
RowStats softmax_row(Eigen::Ref<RowVec> z, const float* visible, Eigen::Ref<RowVec> scratch);

// Row-wise over a matrix; mask may be null. logits: [r, c] -> weights: [r, c].
std::vector<RowStats> softmax_rows(MatRM& logits, const MatRM* mask);

}  // namespace attnviz
