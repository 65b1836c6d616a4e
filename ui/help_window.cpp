#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace attnviz {

void draw_help(bool* open) {
    if (!*open) return;
    // Sized to the display, so no column falls off a small window; the text wraps inside.
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    const ImVec2 most(std::max(300.0f, display.x - 40.0f), std::max(200.0f, display.y - 40.0f));
    ImGui::SetNextWindowSizeConstraints(ImVec2(300, 200), most);
    ImGui::SetNextWindowSize(ImVec2(std::min(640.0f, most.x), std::min(600.0f, most.y)), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_FirstUseEver, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("Help", open)) {
        ImGui::TextUnformatted("Keyboard (when not typing in a field)");
        const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV;
        if (ImGui::BeginTable("keys", 2, flags)) {
            ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed);
            ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthStretch);
            const char* rows[][2] = {
                {"← / →", "previous / next pipeline stage; in the Tiling view, previous / next tile"},
                {"N", "decode the next token (KV cache view)"},
                {"1 … 9", "select the detail head"},
                {"[ / ]", "previous / next query token (Query view)"},
                {"Ctrl+PageDown / PageUp", "next / previous tab (wraps around)"},
                {"Ctrl+1 … 0, Alt+1 …", "a tab directly, as listed below"},
                {"F12", "save a full-window screenshot into the export folder"},
                {"Ctrl+S / Ctrl+O", "save / load the session file last used (session.json at first)"},
                {"F1", "this window"},
            };
            for (auto& r : rows) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(r[0]);
                ImGui::TableNextColumn();
                ImGui::TextWrapped("%s", r[1]);
            }
            ImGui::EndTable();
        }
        ImGui::Spacing();
        ImGui::TextUnformatted("Tabs");
        // Two (shortcut, tab) pairs per row.
        if (ImGui::BeginTable("tabs", 4, flags)) {
            for (int k = 0; k < 2; ++k) {
                ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed);
                ImGui::TableSetupColumn("tab", ImGuiTableColumnFlags_WidthStretch);
            }
            const auto& all = views();
            for (std::size_t v = 0; v < all.size(); ++v) {
                if (v % 2 == 0) ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(to_string(view_shortcut(v)).c_str());
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(std::string(all[v].title).c_str());
            }
            ImGui::EndTable();
        }
        ImGui::Separator();
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(
            "Mouse: hover any heatmap cell for its value and how it was made; the hovered query row and key "
            "column light up in every panel and in the token strip. Click a token chip to toggle it as padding. "
            "Each panel has Save PNG (1× or 2×, chosen in the side bar).");
        ImGui::Spacing();
        ImGui::TextUnformatted(
            "Reading the colours: weights use viridis on [0, 1]; signed tensors (scores, Q, K, V) use blue–grey–red "
            "centred on 0. Hatched grey cells are masked (−∞ before softmax, exactly 0 after), never a zero value.");
        ImGui::PopTextWrapPos();
    }
    ImGui::End();
}

}  // namespace attnviz
