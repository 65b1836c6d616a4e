// The Block view: one layer's block as a diagram with this input's shapes (pre-LN or post-LN,
// switchable), how much attention and the MLP each write into the residual stream at every
// position, and the stream itself before and after.
#include "ui/trace_panels.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {
namespace {

struct Box {
    std::string title, shape;
    ImU32 colour;
};

// A row of boxes joined by arrows; returns the index of the box clicked, or -1.
int draw_diagram(const std::vector<Box>& boxes) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float avail = ImGui::GetContentRegionAvail().x;
    const float gap = 22.0f;
    const float w = std::clamp((avail - gap * static_cast<float>(boxes.size() - 1)) / static_cast<float>(boxes.size()), 70.0f, 170.0f);
    const float h = 2.6f * ImGui::GetTextLineHeightWithSpacing();
    int clicked = -1;
    for (std::size_t k = 0; k < boxes.size(); ++k) {
        const ImVec2 p0(origin.x + static_cast<float>(k) * (w + gap), origin.y);
        const ImVec2 p1(p0.x + w, p0.y + h);
        ImGui::SetCursorScreenPos(p0);
        ImGui::PushID(static_cast<int>(k));
        if (ImGui::InvisibleButton("box", ImVec2(w, h))) clicked = static_cast<int>(k);
        const bool hot = ImGui::IsItemHovered();
        ImGui::PopID();
        dl->AddRectFilled(p0, p1, boxes[k].colour, 6.0f);
        if (hot) dl->AddRect(p0, p1, IM_COL32(255, 255, 255, 220), 6.0f, 0, 2.0f);
        const ImVec2 t = ImGui::CalcTextSize(boxes[k].title.c_str());
        const ImVec2 s = ImGui::CalcTextSize(boxes[k].shape.c_str());
        dl->AddText(ImVec2(p0.x + (w - t.x) / 2, p0.y + 6), IM_COL32(255, 255, 255, 255), boxes[k].title.c_str());
        dl->AddText(ImVec2(p0.x + (w - s.x) / 2, p1.y - s.y - 6), IM_COL32(220, 230, 240, 255), boxes[k].shape.c_str());
        if (k + 1 < boxes.size()) {
            const float y = p0.y + h / 2;
            dl->AddLine(ImVec2(p1.x + 2, y), ImVec2(p1.x + gap - 4, y), IM_COL32(200, 200, 200, 255), 2.0f);
            dl->AddTriangleFilled(ImVec2(p1.x + gap - 2, y), ImVec2(p1.x + gap - 9, y - 5), ImVec2(p1.x + gap - 9, y + 5),
                                  IM_COL32(200, 200, 200, 255));
        }
    }
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + h + 8));
    ImGui::Dummy(ImVec2(0, 0));
    return clicked;
}

std::string shape(int rows, int cols) { return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]"; }

}  // namespace

void draw_block_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const StackTrace& t = st.stack;
    if (t.layers.empty() || !st.model) {
        ImGui::TextDisabled("no model computed yet");
        return;
    }
    const int l = std::clamp(st.layer, 0, static_cast<int>(t.layers.size()) - 1);
    const LayerTrace& L = t.layers[static_cast<std::size_t>(l)];
    const StackArch& a = t.arch;
    const Config& c = st.trace.config;
    const int n = static_cast<int>(L.resid_pre.rows()), d = static_cast<int>(L.resid_pre.cols());
    const bool pre = a.placement == NormPlacement::Pre;
    const std::string norm = a.norm == NormKind::None ? "no norm" : a.norm == NormKind::Layer ? "LayerNorm" : "RMSNorm";

    ImGui::Text("Layer %d of %d", l, static_cast<int>(t.layers.size()));
    ImGui::SameLine(0, 24);
    int placement = pre ? 0 : 1;
    const bool forced = !st.forced_by("ln").empty();
    ImGui::BeginDisabled(forced);
    bool changed = ImGui::RadioButton("pre-LN", &placement, 0);
    ImGui::SameLine();
    changed = ImGui::RadioButton("post-LN", &placement, 1) || changed;
    if (changed) {
        StackArch next = st.arch;
        next.placement = placement == 0 ? NormPlacement::Pre : NormPlacement::Post;
        st.set_arch(next);
    }
    ImGui::EndDisabled();
    ImGui::SameLine(0, 24);
    ImGui::TextDisabled("%s", pre ? "x + Attn(norm₁(x)), then + MLP(norm₂(·))  (GPT-2, Llama)"
                                  : "norm₁(x + Attn(x)), then norm₂(· + MLP(·))  (2017 Transformer, BERT)");

    const ImU32 norm_c = IM_COL32(90, 110, 140, 255), attn_c = IM_COL32(40, 110, 200, 255),
                add_c = IM_COL32(70, 140, 90, 255), mlp_c = IM_COL32(170, 110, 40, 255);
    const std::string attn_shape = std::to_string(c.n_heads) + " heads × d_k " + std::to_string(c.d_k);
    const std::string mlp_shape = a.mlp == MlpKind::None ? "none" : std::string(to_string(a.mlp)) + "  " + std::to_string(d) + "→" +
                                                                        std::to_string(a.d_ff) + "→" + std::to_string(d);
    std::vector<Box> boxes;
    boxes.push_back({"x (stream)", shape(n, d), IM_COL32(60, 60, 70, 255)});
    if (pre) boxes.push_back({norm + " ₁", shape(n, d), norm_c});
    boxes.push_back({"attention", attn_shape, attn_c});
    boxes.push_back({"+ residual", shape(n, d), add_c});
    if (!pre) boxes.push_back({norm + " ₁", shape(n, d), norm_c});
    if (a.mlp != MlpKind::None) {
        if (pre) boxes.push_back({norm + " ₂", shape(n, d), norm_c});
        boxes.push_back({"MLP", mlp_shape, mlp_c});
        boxes.push_back({"+ residual", shape(n, d), add_c});
        if (!pre) boxes.push_back({norm + " ₂", shape(n, d), norm_c});
    }
    boxes.push_back({"to layer " + std::to_string(l + 1), shape(n, d), IM_COL32(60, 60, 70, 255)});
    const int clicked = draw_diagram(boxes);
    if (clicked >= 0 && boxes[static_cast<std::size_t>(clicked)].title == "attention") st.view = View::Pipeline;
    ImGui::TextDisabled("Click attention to step through it in the Pipeline view. Select another layer in the side bar or with Ctrl+Up/Down.");

    // Per position: ‖what attention writes‖ and ‖what the MLP writes‖ against ‖the stream‖.
    ImGui::Separator();
    ImGui::TextUnformatted("What each sublayer writes into the residual stream, per position (L2 norms)");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float top = 1e-6f;
    for (int i = 0; i < n; ++i) top = std::max({top, L.resid_pre.row(i).norm(), L.attn_out.row(i).norm(), L.mlp_out.row(i).norm()});
    const float avail = ImGui::GetContentRegionAvail().x;
    const float label_w = 110.0f, bar_w = std::max(80.0f, avail - label_w - 80.0f);
    const float line = ImGui::GetTextLineHeight();
    const int shown_rows = std::min(n, 24);
    const struct {
        const MatRM* m;
        ImU32 colour;
        const char* name;
    } series[] = {{&L.resid_pre, IM_COL32(150, 150, 160, 255), "‖x‖"},
                  {&L.attn_out, IM_COL32(80, 150, 240, 255), "‖attn‖"},
                  {&L.mlp_out, IM_COL32(230, 150, 60, 255), "‖mlp‖"}};
    for (const auto& s : series) {
        ImGui::SameLine(0, 12);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.colour), "■ %s", s.name);
    }
    ImGui::NewLine();
    const float bar_h = 5.0f, row_h = std::max(line, 3 * bar_h + 4) + 4;
    ImGui::BeginChild("block_norms", ImVec2(0, std::min(ImGui::GetContentRegionAvail().y * 0.4f, row_h * shown_rows + 8)), false);
    for (int i = 0; i < n; ++i) {
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const std::string& tok = st.model->inputs.tokens[static_cast<std::size_t>(i)];
        dl = ImGui::GetWindowDrawList();
        dl->AddText(ImVec2(p.x, p.y + (row_h - line) / 2), ImGui::GetColorU32(i == st.query ? ImGuiCol_Text : ImGuiCol_TextDisabled),
                    (std::to_string(i) + " " + tok.substr(0, 12)).c_str());
        for (int k = 0; k < 3; ++k) {
            const float v = series[k].m->rows() ? series[k].m->row(i).norm() : 0.0f;
            const float y = p.y + 2 + static_cast<float>(k) * (bar_h + 1);
            dl->AddRectFilled(ImVec2(p.x + label_w, y), ImVec2(p.x + label_w + bar_w * v / top, y + bar_h), series[k].colour);
        }
        ImGui::Dummy(ImVec2(avail, row_h));
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("position %d %s\n‖x‖ = %.4f entering the block\n‖attn‖ = %.4f added by attention\n‖mlp‖ = %.4f added by the MLP",
                              i, tok.c_str(), L.resid_pre.row(i).norm(), L.attn_out.row(i).norm(),
                              L.mlp_out.rows() ? L.mlp_out.row(i).norm() : 0.0f);
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) st.set_query(i);
        }
    }
    ImGui::EndChild();

    // The stream and the sublayer outputs as token × dim heatmaps.
    ImGui::Separator();
    const std::vector<std::string>* tokens = &st.model->inputs.tokens;
    std::vector<HeatmapSpec> panels;
    panels.push_back(features_spec(st, "block_resid_pre", "resid_pre (x entering)", L.resid_pre, tokens, 40));
    panels.push_back(features_spec(st, "block_attn_out", "attention writes", L.attn_out, tokens, 41));
    if (L.mlp_hidden.size()) panels.push_back(features_spec(st, "block_mlp_hidden", "MLP hidden (after the nonlinearity)", L.mlp_hidden, tokens, 42));
    panels.push_back(features_spec(st, "block_resid_post", "resid_post (x leaving)", L.resid_post, tokens, 43));
    PanelGrid grid(static_cast<int>(panels.size()), 260.0f);
    for (std::size_t k = 0; k < panels.size(); ++k) {
        if (k) grid.next();
        draw_heatmap(ctx, panels[k], grid.cell);
    }
}

}  // namespace attnviz
