#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {

namespace {

const char* const kTargets[] = {"W_Q", "W_K", "W_V", "W_O", "embedding"};

}  // namespace

// Any cell of W_Q, W_K, W_V, W_O or of a token's embedding, set by hand: everything downstream
// recomputes at once, and the edit is saved with the session.
void draw_edit_view(UiContext& ctx) {
    AppState& st = ctx.state;
    EditViewState& v = ctx.edit;
    const Trace& t = st.trace;
    caption("Pick a matrix, click a cell (or type its row and column), type a value and press Set: the whole "
            "pipeline recomputes from the edited numbers. An embedding edit changes that token's row wherever the "
            "token appears. Reset to seed (side bar) removes every edit.");
    // A loaded model's weights are shared with every run (never copied), and its checkpoint is what
    // the views claim to show: they are read here, not edited.
    const bool read_only = st.pretrained != nullptr;
    if (read_only)
        note(kWarnColour, "Editing a loaded model's weights is not supported: the views show its checkpoint as it is. "
                          "Its numbers can be read here (layer " + std::to_string(st.layer) +
                          "); close the model in the side bar to edit the toy model's.");
    ImGui::SetNextItemWidth(140);
    ImGui::Combo("matrix", &v.target, kTargets, 5);
    const auto target = static_cast<EditTarget>(v.target);
    // The matrix as it is now (edits included), and what a row and a column mean in it.
    const MatRM* m = nullptr;
    std::string rows_are = "d_model row", cols_are = "column";
    switch (target) {
        case EditTarget::W_Q: m = &st.weights.W_Q; cols_are = "head·d_k + k"; break;
        case EditTarget::W_K: m = &st.weights.W_K; cols_are = "kv head·d_k + k"; break;
        case EditTarget::W_V: m = &st.weights.W_V; cols_are = "kv head·d_v + k"; break;
        case EditTarget::W_O: m = &st.weights.W_O; rows_are = "head·d_v + k"; cols_are = "d_model column"; break;
        case EditTarget::Embedding: m = &st.inputs.X; rows_are = "token"; cols_are = "dim"; break;
    }
    v.row = std::clamp(v.row, 0, static_cast<int>(m->rows()) - 1);
    v.col = std::clamp(v.col, 0, static_cast<int>(m->cols()) - 1);
    const char* row_label = target == EditTarget::Embedding ? "token" : "row";
    flow(field_width(110, row_label));
    ImGui::SetNextItemWidth(110);
    ImGui::InputInt(row_label, &v.row);
    flow(field_width(110, "col"));
    ImGui::SetNextItemWidth(110);
    ImGui::InputInt("col", &v.col);
    v.row = std::clamp(v.row, 0, static_cast<int>(m->rows()) - 1);
    v.col = std::clamp(v.col, 0, static_cast<int>(m->cols()) - 1);
    const float current = (*m)(v.row, v.col);
    const std::uint64_t selection = key_of({u64(v.target), u64(v.row), u64(v.col)});
    if (selection != v.selection) {
        v.selection = selection;
        v.value = current;
    }
    flow(field_width(120, "value"));
    ImGui::SetNextItemWidth(120);
    ImGui::InputFloat("value", &v.value, 0.1f, 1.0f, "%.4f");
    flow(button_width("Set"));
    if (read_only) ImGui::BeginDisabled();
    const bool set = ImGui::Button("Set");
    if (read_only) ImGui::EndDisabled();
    if (set) {
        CellEdit e;
        e.target = target;
        e.col = v.col;
        e.value = v.value;
        if (target == EditTarget::Embedding) e.token = t.tokens[static_cast<std::size_t>(v.row)];
        else e.row = v.row;
        st.set_edit(e);
    }
    const std::string now = format("now %.4f  [%s %d, %s %d]", static_cast<double>(current), rows_are.c_str(), v.row,
                                   cols_are.c_str(), v.col);
    flow(text_width(now.c_str()));
    ImGui::TextDisabled("%s", now.c_str());
    if (!st.error.empty() && st.error_field == "edit") note(ImVec4(1, 0.45f, 0.4f, 1), st.error);

    // The edits so far, each removable on its own.
    if (!st.edits.empty()) {
        ImGui::TextDisabled("edits:");
        for (std::size_t k = 0; k < st.edits.size(); ++k) {
            const CellEdit& e = st.edits[k];
            const std::string label =
                std::string(to_string(e.target)) +
                (e.target == EditTarget::Embedding ? "['" + e.token + "'][" + std::to_string(e.col) + "]"
                                                   : "[" + std::to_string(e.row) + "][" + std::to_string(e.col) + "]") +
                " = " + num(e.value, "%.3g") + "  ×##edit" + std::to_string(k);
            flow(button_width(label.c_str()));
            if (ImGui::SmallButton(label.c_str())) {
                std::vector<CellEdit> rest = st.edits;
                rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(k));
                st.clear_edits();
                for (const CellEdit& r : rest) st.set_edit(r);
                break;
            }
        }
    }

    HeatmapSpec s{"edit_matrix", std::string(kTargets[v.target]) + "  [" + dims(*m) + "]  click a cell to select it", *m};
    s.look = signed_look(*m, nullptr);
    s.rows_are_tokens = target == EditTarget::Embedding;
    s.cols_are_tokens = false;
    if (target == EditTarget::Embedding) s.row_labels = &t.tokens;
    s.row_axis = rows_are;
    s.col_axis = cols_are;
    s.outline = CellRect{v.row, v.row + 1, v.col, v.col + 1};
    v.hovered_row = v.hovered_col = -1;
    s.explain = [&v](int i, int j) {
        v.hovered_row = i;  // the widget explains the cell under the mouse: remember it for a click
        v.hovered_col = j;
        return std::string("click to select");
    };
    s.data_key = key_of({st.generation, u64(v.target), 99});
    const bool hovered = draw_heatmap(ctx, s, ImGui::GetContentRegionAvail());
    if (hovered && ImGui::IsMouseClicked(0) && v.hovered_row >= 0) {
        v.row = v.hovered_row;
        v.col = v.hovered_col;
    }
}

}  // namespace attnviz
