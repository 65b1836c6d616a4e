// trace.json version 2's small sections about the whole stack, serialised from what core computed:
// "stack" (what ran), "next_token", "logits" (top k), "logit_lens" and "head_scores". The streamed
// tensors ("layers", full "logits") are trace_json's StackTensors.
#pragma once

#include "core/model_setup.hpp"
#include "core/stack.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace attnviz {

// {"layers", "mlp", "norm", "ln", "d_ff", "model_preset", "ablate" ("0.1,1.mlp", "" for none),
// "ablate_mode", the mode of the ablations, "zero" without any}; `arch` resolved (d_ff filled in;
// written 0 without an MLP).
nlohmann::json stack_arch_to_json(const StackArch& arch, ModelPreset model, const std::vector<Ablation>& ablate);

// [n][k] of {"id", "token", "prob"}, most probable first.
nlohmann::json next_token_to_json(const std::vector<std::vector<TopToken>>& next);

// The logits of next's tokens: {"kind": "top-k", "top_k": k, "shape": [n, k], "ids": [n][k],
// "values": [n][k]} with values[i][r] = logits(i, ids[i][r]). logits: [n, V].
nlohmann::json top_logits_to_json(const Eigen::Ref<const MatRM>& logits, const std::vector<std::vector<TopToken>>& next);

// [L][n] of {"top_id", "top_token", "top_prob", "final_rank", "final_prob"}.
nlohmann::json logit_lens_to_json(const std::vector<std::vector<LensCell>>& lens);

// {"previous_token", "same_position", "first_token", "duplicate_token", "induction"}, each [L][h].
nlohmann::json head_scores_to_json(const HeadScores& s);

}  // namespace attnviz
