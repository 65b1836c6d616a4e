#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnviz {

// One output row end to end, every number read from the trace: the table recomputes only the
// display quantities exp(z − max) and their sum, and shows that they reproduce the trace's weights.
void draw_query_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const Config& c = t.config;
    const int i = st.query, a = st.detail_head, g = t.kv_head(a);
    const auto ua = static_cast<std::size_t>(a), ug = static_cast<std::size_t>(g);
    const std::vector<std::string>& keys = c.cross() ? t.source_tokens : t.tokens;

    ImGui::TextDisabled("query ([ / ]):");
    for (int q = 0; q < std::min(t.n, 64); ++q) {
        ImGui::SameLine();
        const bool cur = q == i;
        if (cur) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.85f, 0.55f, 0.15f, 1));
        if (ImGui::SmallButton((visible_token(t.tokens[static_cast<std::size_t>(q)]) + "##q" + std::to_string(q)).c_str())) st.set_query(q);
        if (cur) ImGui::PopStyleColor();
    }
    ImGui::SetNextItemWidth(160);
    int head = a;
    if (ImGui::SliderInt("head", &head, 0, c.n_heads - 1)) st.select_head(head);
    if (c.n_kv_heads < c.n_heads) {
        ImGui::SameLine();
        ImGui::TextDisabled("reads K/V head %d", g);
    }
    ImGui::PushFont(ctx.fonts.title);
    ImGui::Text("a_ij = exp(z_ij − max z) / Σ exp(z_ij − max z),   z_ij = q_i·k_j · %.4g%s + M_ij",
                static_cast<double>(t.multiplier), t.alibi_slopes.empty() ? "" : " − m·|i−j|");
    ImGui::PopFont();

    if (t.fully_masked[static_cast<std::size_t>(i)]) {
        ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1),
                           "query %d sees no key (all masked): its weights are all 0 and h_%d = 0, never NaN.", i, i);
    }

    // The visible z's max and Σ exp, as the softmax used them.
    float zmax = -INFINITY;
    for (int j = 0; j < t.m; ++j)
        if (t.visible(i, j)) zmax = std::max(zmax, t.logit(a, i, j));
    double sum = 0.0;
    for (int j = 0; j < t.m; ++j)
        if (t.visible(i, j)) sum += std::exp(static_cast<double>(t.logit(a, i, j) - zmax));

    const float table_h = ImGui::GetContentRegionAvail().y * 0.55f;
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("arith", 9, flags, ImVec2(0, table_h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        for (const char* h : {"key j", "q·k_j", "× scale", "+ bias", "+ M", "z − max", "exp(z − max)", "÷ Σ = a_ij",
                              "weight"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        ImGuiListClipper clip;
        clip.Begin(t.m);
        while (clip.Step()) {
            for (int j = clip.DisplayStart; j < clip.DisplayEnd; ++j) {
                ImGui::TableNextRow();
                const bool vis = t.visible(i, j);
                ImGui::TableNextColumn();
                ImGui::Text("%d '%s'", j, keys[static_cast<std::size_t>(j)].c_str());
                if (ImGui::IsItemHovered()) {
                    ctx.frame_hover.key = j;
                    ctx.frame_hover.query = i;
                }
                ImGui::TableNextColumn();
                ImGui::Text("%.4f", static_cast<double>(t.scores[ua](i, j)));
                ImGui::TableNextColumn();
                ImGui::Text("%.4f", static_cast<double>(t.scaled(a, i, j)));
                ImGui::TableNextColumn();
                ImGui::Text("%.4f", static_cast<double>(t.bias(a, i, j)));
                ImGui::TableNextColumn();
                if (!vis) {
                    ImGui::TextColored(ImVec4(1, 0.5f, 0.4f, 1), "−∞ masked");
                    for (int k = 0; k < 4; ++k) {
                        ImGui::TableNextColumn();
                        ImGui::TextDisabled(k == 2 ? "0 (exactly)" : "—");
                    }
                    continue;
                }
                ImGui::TextUnformatted("0");
                const double shifted = static_cast<double>(t.logit(a, i, j) - zmax);
                ImGui::TableNextColumn();
                ImGui::Text("%.4f", shifted);
                ImGui::TableNextColumn();
                ImGui::Text("%.5f", std::exp(shifted));
                ImGui::TableNextColumn();
                ImGui::Text("%.5f", static_cast<double>(t.weights[ua](i, j)));
                ImGui::TableNextColumn();
                ImGui::ProgressBar(t.weights[ua](i, j), ImVec2(-1, 0), "");
            }
        }
        ImGui::EndTable();
    }
    const HeadDiagnostics& d = t.diagnostics[ua];
    const int arg = d.argmax[static_cast<std::size_t>(i)];
    ImGui::Text("max z = %.4f   Σ exp(z − max) = %.5f   entropy = %.3f nats   argmax = %s", static_cast<double>(zmax), sum,
                static_cast<double>(d.entropy[static_cast<std::size_t>(i)]),
                arg >= 0 ? ("'" + keys[static_cast<std::size_t>(arg)] + "'").c_str() : "none");

    // h_i = Σ_j a_ij v_j, checked against the trace's head output row.
    RowVec h = RowVec::Zero(c.d_v);
    std::vector<std::pair<float, int>> parts;
    for (int j = 0; j < t.m; ++j) {
        const float w = t.weights[ua](i, j);
        h += w * t.V[ug].row(j);
        parts.emplace_back(w, j);
    }
    std::sort(parts.begin(), parts.end(), std::greater<>());
    std::string sum_text = "h_" + std::to_string(i) + " = ";
    for (std::size_t k = 0; k < std::min<std::size_t>(3, parts.size()); ++k) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%.3f × v_%d ('%s')", k ? " + " : "", static_cast<double>(parts[k].first),
                      parts[k].second, keys[static_cast<std::size_t>(parts[k].second)].c_str());
        sum_text += buf;
    }
    if (parts.size() > 3) sum_text += " + …";
    const float err = (h - t.head_outputs[ua].row(i)).cwiseAbs().maxCoeff();
    ImGui::TextUnformatted(sum_text.c_str());
    ImGui::TextDisabled("matches H row %d of the trace: max |Δ| = %.2g", i, static_cast<double>(err));

    PanelGrid grid(3, 260.0f);
    ctx.query_row = t.Q[ua].row(i);
    ctx.output_row = t.head_outputs[ua].row(i);
    HeatmapSpec q = features_spec(st, "q_row", "q_" + std::to_string(i), ctx.query_row, nullptr, 900);
    q.data_key ^= static_cast<std::uint64_t>(i) << 40 ^ static_cast<std::uint64_t>(a) << 48;
    draw_heatmap(ctx, q, ImVec2(grid.cell.x, grid.cell.y * 0.5f));
    grid.next();
    draw_heatmap(ctx, features_spec(st, "V_q", "V (K/V head " + std::to_string(g) + ")", t.V[ug], &keys, 1000 + g), grid.cell);
    grid.next();
    HeatmapSpec out = features_spec(st, "h_row", "h_" + std::to_string(i) + " = Σ a_ij v_j", ctx.output_row, nullptr, 1100);
    out.data_key ^= static_cast<std::uint64_t>(i) << 40 ^ static_cast<std::uint64_t>(a) << 48;
    draw_heatmap(ctx, out, ImVec2(grid.cell.x, grid.cell.y * 0.5f));
}

}  // namespace attnviz
