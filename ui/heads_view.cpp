#include "ui/trace_panels.hpp"
#include "ui/views.hpp"

#include "core/softmax.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace attnviz {

void draw_heads_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const Config& c = t.config;
    ctx.refresh_derived();
    const int h = c.n_heads;
    ImGui::Checkbox("show scores instead of weights", &st.heads_show_scores);
    ImGui::SameLine(0, 20);
    ImGui::SetNextItemWidth(230);
    const char* diff_modes[] = {"no difference view", "head a − head b", "with − without mask"};
    ImGui::Combo("##diff", &st.diff_mode, diff_modes, 3);
    if (st.diff_mode == 1) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(100);
        ImGui::SliderInt("head b", &st.diff_head, 0, h - 1);
    }
    if (c.n_kv_heads < h) {
        std::string groups;
        for (int g = 0; g < c.n_kv_heads; ++g) {
            groups += "  K/V head " + std::to_string(g) + " ← query heads ";
            for (int a = 0; a < h; ++a)
                if (t.kv_head(a) == g) groups += std::to_string(a) + " ";
        }
        ImGui::TextColored(ImVec4(0.6f, 0.85f, 1, 1), "%s:%s", c.n_kv_heads == 1 ? "MQA" : "GQA", groups.c_str());
    } else {
        ImGui::TextDisabled("MHA: every query head has its own K/V head. Click a head to make it the detail head.");
    }

    const bool designed = static_cast<int>(st.head_kinds.size()) == h;
    if (designed) {
        // What the detail head was built to do, and how its W_Q / W_K do it.
        const HeadKind k = st.head_kinds[static_cast<std::size_t>(st.detail_head)];
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.45f, 1.0f), "head %d, %s: %s", st.detail_head,
                           std::string(to_string(k)).c_str(), describe(k).c_str());
        ImGui::PopTextWrapPos();
    }

    // Ablation: what the prediction at the followed query was, and is with these heads knocked out.
    const int qi = std::clamp(st.query, 0, std::max(0, static_cast<int>(st.stack.next.size()) - 1));
    if (!st.stack.ablated.empty() && qi < static_cast<int>(st.unablated_next.size())) {
        const TopToken& before = st.unablated_next[static_cast<std::size_t>(qi)].front();
        const TopToken& after = st.stack.next[static_cast<std::size_t>(qi)].front();
        float before_now = 0.0f;
        for (const TopToken& tk : st.stack.next[static_cast<std::size_t>(qi)])
            if (tk.id == before.id) before_now = tk.prob;
        ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.35f, 1.0f),
                           "ablated %s: after \"%s\" the model predicted \"%s\" (%.1f%%), now \"%s\" (%.1f%%; \"%s\" %s%.1f%%)",
                           ablations_to_string(st.stack.ablated).c_str(), t.tokens[static_cast<std::size_t>(qi)].c_str(),
                           before.token.c_str(), 100.0 * before.prob, after.token.c_str(), 100.0 * after.prob,
                           before.token.c_str(), before_now > 0.0f ? "" : "< ", 100.0 * (before_now > 0.0f ? before_now : st.stack.next[static_cast<std::size_t>(qi)].back().prob));
    }

    const bool diff = st.diff_mode != 0;
    PanelGrid grid(h, 260.0f, diff ? 0.62f : 1.0f);
    for (int a = 0; a < h; ++a) {
        if (a > 0) grid.next();
        HeatmapSpec spec = st.heads_show_scores ? scores_spec(st, a, "_grid") : weights_spec(st, a, "_grid");
        if (c.n_kv_heads < h) spec.title += "  (kv " + std::to_string(t.kv_head(a)) + ")";
        if (designed) spec.title += "  · " + std::string(to_string(st.head_kinds[static_cast<std::size_t>(a)]));
        if (a == st.detail_head) spec.title = "▶ " + spec.title;
        const ImVec2 cell(grid.cell.x, grid.cell.y - ImGui::GetFrameHeightWithSpacing());
        ImGui::BeginGroup();  // the panel and its ablate box move together in the grid
        ImGui::BeginGroup();
        draw_heatmap(ctx, spec, cell);
        ImGui::EndGroup();
        if (ImGui::IsItemClicked()) st.select_head(a);
        // Not inside the clickable group: toggling ablation does not also select the head.
        bool ablated = st.is_ablated(st.layer, a);
        ImGui::PushID(a);
        if (ImGui::Checkbox("ablate", &ablated)) st.toggle_ablation(st.layer, a);
        ImGui::PopID();
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Knock head %d of layer %d out of the forward pass (its output %s)\nand see the prediction change",
                              a, st.layer, st.ablate_mode == AblationMode::Zero ? "set to 0" : "replaced by its mean over positions");
        ImGui::EndGroup();
    }

    if (!diff) return;
    ImGui::Separator();
    const int a = st.detail_head;
    const auto ua = static_cast<std::size_t>(a);
    // Difference matrices are rebuilt only when the trace or the chosen pair changes.
    const std::uint64_t key = (st.generation << 16) ^ (static_cast<std::uint64_t>(st.diff_mode) << 12) ^
                              (static_cast<std::uint64_t>(a) << 6) ^ static_cast<std::uint64_t>(st.diff_head);
    const std::string title =
        st.diff_mode == 1 ? "A_" + std::to_string(a) + " − A_" + std::to_string(st.diff_head) +
                                " (detail head minus head b)"
                          : "A with mask − A without mask, head " + std::to_string(a);
    if (ctx.heads_diff_key != key) {
        ctx.heads_diff_key = key;
        if (st.diff_mode == 1) {
            ctx.heads_diff = t.weights[ua] - t.weights[static_cast<std::size_t>(st.diff_head)];
        } else {
            // Without the mask: softmax of the same scaled (and ALiBi-biased) scores over every key.
            MatRM unmasked = ctx.scaled[ua];
            for (int i = 0; i < t.n; ++i)
                for (int j = 0; j < t.m; ++j) unmasked(i, j) += t.bias(a, i, j);
            softmax_rows(unmasked, nullptr);
            ctx.heads_diff = t.weights[ua] - unmasked;
        }
    }
    const MatRM& d = ctx.heads_diff;
    HeatmapSpec spec{"diff", title, d};
    spec.look = signed_look(d, nullptr);
    spec.row_labels = &t.tokens;
    spec.col_labels = c.cross() ? &t.source_tokens : &t.tokens;
    spec.data_key = key;
    draw_heatmap(ctx, spec, ImGui::GetContentRegionAvail());
}

}  // namespace attnviz
