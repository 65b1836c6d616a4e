// The Next token view: what the model predicts after the selected position (top-k with their
// probabilities, and the same without the current ablations), and the logit lens: the final norm
// and unembedding applied to the stream after every layer, layers × positions.
#include "ui/trace_panels.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace attnviz {
namespace {

// Shown as typed; an empty or whitespace token gets visible quotes.
std::string shown(const std::string& token) { return "\"" + token + "\""; }

void draw_bars(const char* title, const std::vector<TopToken>& top, float width) {
    ImGui::BeginGroup();
    ImGui::TextUnformatted(title);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float bar_w = std::max(60.0f, width - 190.0f);
    for (const TopToken& t : top) {
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const float h = ImGui::GetTextLineHeight();
        const std::string label = shown(t.token);
        dl->AddText(p, ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
        const ImVec2 b0(p.x + 120, p.y + 2), b1(p.x + 120 + bar_w * std::clamp(t.prob, 0.0f, 1.0f), p.y + h - 2);
        dl->AddRectFilled(ImVec2(p.x + 120, p.y + 2), ImVec2(p.x + 120 + bar_w, p.y + h - 2), IM_COL32(50, 56, 66, 255));
        dl->AddRectFilled(b0, b1, IM_COL32(80, 160, 240, 255));
        char pct[32];
        std::snprintf(pct, sizeof pct, "%.1f%%", 100.0 * t.prob);
        dl->AddText(ImVec2(p.x + 126 + bar_w, p.y), ImGui::GetColorU32(ImGuiCol_Text), pct);
        ImGui::Dummy(ImVec2(width, h + 2));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("id %d  p = %.6f", t.id, t.prob);
    }
    ImGui::EndGroup();
}

}  // namespace

void draw_next_token_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const StackTrace& t = st.stack;
    if (t.next.empty() || !st.model) {
        ImGui::TextDisabled("no model computed yet");
        return;
    }
    const int n = static_cast<int>(t.next.size()), L = static_cast<int>(t.layers.size());
    const int i = std::clamp(st.query, 0, n - 1);
    const std::vector<std::string>& tokens = st.model->inputs.tokens;
    ImGui::SetNextItemWidth(260);
    int pos = i;
    if (ImGui::SliderInt("position", &pos, 0, n - 1)) st.set_query(pos);
    ImGui::SameLine();
    ImGui::TextDisabled("([ and ] step; the same query every view follows)");
    std::string prefix;
    for (int k = std::max(0, i - 8); k <= i; ++k) prefix += (prefix.empty() ? "" : " ") + tokens[static_cast<std::size_t>(k)];
    ImGui::Text("after  %s%s  →  ?", i > 8 ? "… " : "", prefix.c_str());
    if (i + 1 < n) {
        ImGui::SameLine();
        ImGui::TextDisabled("  (the text continues with %s)", shown(tokens[static_cast<std::size_t>(i) + 1]).c_str());
    }
    ImGui::TextDisabled("p(next | tokens ≤ i) = softmax(logits[i]),  logits = norm_f(resid_L) · Uᵀ over a vocabulary of %d tokens",
                        st.model->vocab().size());

    const float w = ImGui::GetContentRegionAvail().x;
    const bool ablated = !t.ablated.empty() && static_cast<int>(st.unablated_next.size()) == n;
    const float col = ablated ? w / 2 - 10 : std::min(w, 640.0f);
    draw_bars(ablated ? ("with ablation of " + ablations_to_string(t.ablated)).c_str() : "top next tokens",
              t.next[static_cast<std::size_t>(i)], col);
    if (ablated) {
        ImGui::SameLine(0, 20);
        draw_bars("without ablation", st.unablated_next[static_cast<std::size_t>(i)], col);
    }

    ImGui::Separator();
    // The logit lens, layers × positions: cell = the top token's probability read off that layer.
    if (static_cast<int>(st.lens.size()) != L) return;
    if (ctx.next_lens_generation != st.generation) {  // filled when the run changes, not every frame
        ctx.next_lens_generation = st.generation;
        ctx.next_lens.resize(L, n);
        for (int l = 0; l < L; ++l)
            for (int j = 0; j < n; ++j) ctx.next_lens(l, j) = st.lens[static_cast<std::size_t>(l)][static_cast<std::size_t>(j)].top.prob;
        ctx.next_lens_labels.clear();
        for (int l = 0; l < L; ++l) ctx.next_lens_labels.push_back("after L" + std::to_string(l));
    }
    HeatmapSpec s{"logit_lens", "logit lens: p(top token) read off the stream after each layer  [" + std::to_string(L) + "×" +
                                    std::to_string(n) + "]",
                  ctx.next_lens};
    s.look = weights_look();
    s.row_labels = &ctx.next_lens_labels;
    s.col_labels = &tokens;
    s.row_axis = "layer";
    s.col_axis = "position";
    s.rows_are_tokens = false;
    s.cols_are_tokens = true;
    s.tall_rows = true;
    s.data_key = st.generation * 7 + 3;
    const StackWeights& weights = st.model->weights();
    const Vocabulary& vocab = st.model->vocab();
    s.explain = [&](int l, int j) {
        const LensCell& c = st.lens[static_cast<std::size_t>(l)][static_cast<std::size_t>(j)];
        std::string out = "after layer " + std::to_string(l) + " at " + shown(tokens[static_cast<std::size_t>(j)]) + ":\n";
        for (const TopToken& top : lens_top_k(t, weights, vocab, l, j, 5)) {
            char buf[128];
            std::snprintf(buf, sizeof buf, "  %-16s %.3f\n", shown(top.token).c_str(), top.prob);
            out += buf;
        }
        char tail[160];
        std::snprintf(tail, sizeof tail, "the final prediction %s: rank %d, p = %.3f here",
                      shown(t.next[static_cast<std::size_t>(j)].front().token).c_str(), c.final_rank + 1, c.final_prob);
        return out + tail;
    };
    const float lens_h = std::min(ImGui::GetContentRegionAvail().y * 0.55f, 90.0f + 34.0f * L);
    draw_heatmap(ctx, s, ImVec2(w, lens_h));

    // The lens at the selected position, layer by layer, as text.
    if (ImGui::BeginTable("lens_at", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("layer");
        ImGui::TableSetupColumn("top token there");
        ImGui::TableSetupColumn("p");
        ImGui::TableSetupColumn("rank / p of the final prediction");
        ImGui::TableHeadersRow();
        for (int l = 0; l < L; ++l) {
            const LensCell& c = st.lens[static_cast<std::size_t>(l)][static_cast<std::size_t>(i)];
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::Text("after L%d", l);
            ImGui::TableSetColumnIndex(1);
            ImGui::TextUnformatted(shown(c.top.token).c_str());
            ImGui::TableSetColumnIndex(2);
            ImGui::Text("%.3f", c.top.prob);
            ImGui::TableSetColumnIndex(3);
            ImGui::Text("#%d   %.3f", c.final_rank + 1, c.final_prob);
        }
        ImGui::EndTable();
    }
}

}  // namespace attnviz
