#include "core/view_ids.hpp"

namespace attnviz {

const std::array<StageInfo, kStageCount>& stages() {
    static const std::array<StageInfo, kStageCount> all = {{
        {Stage::Embed, "embed", "X"},
        {Stage::AddPE, "pe", "X + PE"},
        {Stage::Project, "qkv", "Q, K, V"},
        {Stage::Scores, "scores", "QKᵀ"},
        {Stage::Scale, "scale", "÷√d_k"},
        {Stage::Mask, "mask", "+ M"},
        {Stage::Softmax, "softmax", "softmax"},
        {Stage::WeightedSum, "av", "A·V"},
        {Stage::Concat, "concat", "concat"},
        {Stage::Output, "output", "·W_O"},
        {Stage::Residual, "residual", "+ residual"},
        {Stage::Mlp, "mlp", "MLP"},
        {Stage::Logits, "logits", "logits"},
    }};
    return all;
}

std::optional<Stage> parse_stage(std::string_view id) {
    for (const StageInfo& s : stages())
        if (s.id == id) return s.stage;
    return std::nullopt;
}

const std::vector<ViewInfo>& views() {
    static const std::vector<ViewInfo> all = {
        {View::Pipeline, "pipeline", "Pipeline"},
        {View::Heads, "heads", "Heads"},
        {View::Model, "model", "Model"},
        {View::Block, "block", "Block"},
        {View::NextToken, "next-token", "Next token"},
        {View::Positional, "positional", "Positional"},
        {View::Query, "query", "Follow a query"},
        {View::Decode, "decode", "KV cache"},
        {View::Cost, "cost", "Prefill vs decode"},
        {View::Tiling, "tiling", "Tiling"},
        {View::Sparse, "sparse", "Sparse"},
        {View::Recurrence, "rnn", "RNN vs attention"},
        {View::SqrtDk, "sqrt-dk", "√d_k lab"},
        {View::Length, "length", "Length lab"},
        {View::Edit, "edit", "Edit weights"},
        {View::Quiz, "quiz", "Quiz"},
    };
    return all;
}

std::string_view to_string(Stage s) {
    for (const StageInfo& info : stages())
        if (info.stage == s) return info.id;
    return stages().front().id;
}

std::string stage_ids() {
    std::string out;
    for (const StageInfo& s : stages()) out += (out.empty() ? "" : "|") + std::string(s.id);
    return out;
}

std::optional<View> parse_view(std::string_view id) {
    for (const ViewInfo& v : views())
        if (v.id == id) return v.view;
    return std::nullopt;
}

std::string_view to_string(View v) {
    for (const ViewInfo& info : views())
        if (info.view == v) return info.id;
    return views().front().id;
}

std::string view_ids() {
    std::string out;
    for (const ViewInfo& v : views()) out += (out.empty() ? "" : "|") + std::string(v.id);
    return out;
}

}  // namespace attnviz
