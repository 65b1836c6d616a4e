#include "core/io/stack_json.hpp"

namespace attnviz {

using nlohmann::json;

json stack_arch_to_json(const StackArch& a, ModelPreset model, const std::vector<Ablation>& ablate) {
    return {{"layers", a.layers},
            {"mlp", std::string(to_string(a.mlp))},
            {"norm", std::string(to_string(a.norm))},
            {"ln", std::string(to_string(a.placement))},
            {"d_ff", a.mlp == MlpKind::None ? 0 : a.d_ff},
            {"model_preset", std::string(to_string(model))},
            {"ablate", ablations_to_string(ablate)},
            {"ablate_mode", std::string(to_string(ablate.empty() ? AblationMode::Zero : ablate.front().mode))}};
}

json next_token_to_json(const std::vector<std::vector<TopToken>>& next) {
    json out = json::array();
    for (const auto& row : next) {
        json r = json::array();
        for (const TopToken& t : row) r.push_back({{"id", t.id}, {"token", t.token}, {"prob", t.prob}});
        out.push_back(std::move(r));
    }
    return out;
}

json top_logits_to_json(const Eigen::Ref<const MatRM>& logits, const std::vector<std::vector<TopToken>>& next) {
    json ids = json::array(), values = json::array();
    const std::size_t k = next.empty() ? 0 : next.front().size();
    for (std::size_t i = 0; i < next.size(); ++i) {
        json ri = json::array(), rv = json::array();
        for (const TopToken& t : next[i]) {
            ri.push_back(t.id);
            rv.push_back(logits(static_cast<Eigen::Index>(i), t.id));
        }
        ids.push_back(std::move(ri));
        values.push_back(std::move(rv));
    }
    return {{"kind", "top-k"}, {"top_k", k}, {"shape", {next.size(), k}}, {"ids", ids}, {"values", values}};
}

json logit_lens_to_json(const std::vector<std::vector<LensCell>>& lens) {
    json out = json::array();
    for (const auto& layer : lens) {
        json row = json::array();
        for (const LensCell& c : layer) {
            row.push_back({{"top_id", c.top.id},
                           {"top_token", c.top.token},
                           {"top_prob", c.top.prob},
                           {"final_rank", c.final_rank},
                           {"final_prob", c.final_prob}});
        }
        out.push_back(std::move(row));
    }
    return out;
}

json head_scores_to_json(const HeadScores& s) {
    return {{"previous_token", s.previous_token},
            {"same_position", s.same_position},
            {"first_token", s.first_token},
            {"duplicate_token", s.duplicate_token},
            {"induction", s.induction}};
}

}  // namespace attnviz
