#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {

void draw_token_strip(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    ImGui::TextDisabled("tokens (click: toggle padding, hover: highlight)");
    const auto& pad = t.config.padding;
    // Padding indices refer to the keys: the source when cross-attending.
    const bool cross = t.config.cross();
    const auto& chips = cross ? t.source_tokens : t.tokens;
    const int shown = std::min<int>(static_cast<int>(chips.size()), 512);
    const ImGuiStyle& style = ImGui::GetStyle();
    auto chip_label = [&](int i) {
        return visible_token(chips[static_cast<std::size_t>(i)]) + "##chip" + std::to_string(i);
    };
    auto chip_width = [&](const std::string& label) {
        return ImGui::CalcTextSize(label.c_str(), nullptr, true).x + style.FramePadding.x * 2;
    };
    // Long inputs scroll inside at most three rows of chips, so the views keep their height and
    // chips out of sight cost nothing to draw.
    const float avail = ImGui::GetContentRegionAvail().x - style.ScrollbarSize;
    int rows = 1;
    float x = 0.0f;
    for (int i = 0; i < shown; ++i) {
        const float w = chip_width(chip_label(i));
        if (x > 0.0f && x + w > avail) {
            ++rows;
            x = 0.0f;
        }
        x += w + style.ItemSpacing.x;
    }
    const float row_h = ImGui::GetFrameHeight() + style.ItemSpacing.y;
    ImGui::BeginChild("token_chips", ImVec2(0, std::min(rows, 3) * row_h + (rows > 3 ? style.ItemSpacing.y : 0.0f)),
                      false);
    const float right = ImGui::GetWindowContentRegionMax().x;
    for (int i = 0; i < shown; ++i) {
        const std::string& tok = chips[static_cast<std::size_t>(i)];
        const bool padded = std::find(pad.begin(), pad.end(), i) != pad.end();
        const bool hot = st.hover.key == i || (!cross && st.hover.query == i);
        const std::string label = chip_label(i);
        const float w = chip_width(label);
        if (i > 0) {
            ImGui::SameLine();
            if (ImGui::GetCursorPosX() + w > right) ImGui::NewLine();
        }
        ImGui::PushStyleColor(ImGuiCol_Button, padded ? ImVec4(0.35f, 0.35f, 0.38f, 1)
                                               : hot  ? ImVec4(0.85f, 0.55f, 0.15f, 1)
                                                      : ImVec4(0.20f, 0.35f, 0.55f, 1));
        if (ImGui::Button(label.c_str())) st.toggle_padding(i);
        ImGui::PopStyleColor();
        if (ImGui::IsItemHovered()) {
            if (!cross) ctx.frame_hover.query = i;
            ctx.frame_hover.key = i;
            ImGui::SetTooltip("token %d '%s'%s\nclick to %s padding", i, tok.c_str(), padded ? " (padding)" : "",
                              padded ? "remove it from" : "mark it as");
        }
    }
    if (static_cast<int>(chips.size()) > shown) {
        ImGui::SameLine();
        ImGui::TextDisabled("… %zu more", chips.size() - static_cast<std::size_t>(shown));
    }
    ImGui::EndChild();
    if (cross) {
        ImGui::TextDisabled("queries:");
        for (int i = 0; i < std::min(t.n, 256); ++i) {
            ImGui::SameLine();
            ImGui::TextColored(st.hover.query == i ? ImVec4(1, 0.7f, 0.3f, 1) : ImVec4(0.7f, 0.8f, 1, 1), "%s",
                               t.tokens[static_cast<std::size_t>(i)].c_str());
            if (ImGui::IsItemHovered()) ctx.frame_hover.query = i;
        }
    }
}

}  // namespace attnviz
