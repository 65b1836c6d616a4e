#include "ui/views.hpp"

#include <imgui.h>

namespace attnviz {

void draw_help(bool* open) {
    if (!*open) return;
    ImGui::SetNextWindowSize(ImVec2(560, 460), ImGuiCond_FirstUseEver);
    if (ImGui::Begin("Help", open)) {
        ImGui::TextUnformatted("Keyboard (when not typing in a field)");
        if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
            const char* rows[][2] = {
                {"← / →", "previous / next pipeline stage; in the Tiling view, previous / next tile"},
                {"N", "decode the next token (KV cache view)"},
                {"1 … 9", "select the detail head"},
                {"[ / ]", "previous / next query token (Query view)"},
                {"Ctrl+1 … Ctrl+9, Ctrl+0", "the first ten tabs, left to right"},
                {"F12", "save a full-window screenshot into the export folder"},
                {"Ctrl+S / Ctrl+O", "save / load the session file last used (session.json at first)"},
                {"F1", "this window"},
            };
            for (auto& r : rows) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(r[0]);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(r[1]);
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
