#include "ui/views.hpp"

#include <imgui.h>

namespace attnviz {

void draw_status_bar(UiContext& ctx, float fps) {
    const AppState& st = ctx.state;
    const Trace& t = st.trace;
    ImGui::Text("n = %d%s  h = %d  kv = %d  d_k = %d", t.n, t.config.cross() ? (" m = " + std::to_string(t.m)).c_str() : "",
                t.config.n_heads, t.config.n_kv_heads, t.config.d_k);
    ImGui::SameLine(0, 24);
    if (st.computing) {
        const AppState::ComputeProgress p = st.compute_progress();
        if (p.total > 1) {
            ImGui::ProgressBar(p.fraction(), ImVec2(90, 0), "");
            ImGui::SameLine();
        }
        ImGui::TextColored(ImVec4(1, 0.8f, 0.3f, 1), "computing… %s", p.text().c_str());
    } else {
        ImGui::Text("compute %.2f ms", st.compute_ms);
    }
    ImGui::SameLine(0, 24);
    ImGui::Text("%.0f fps", static_cast<double>(fps));
    ImGui::SameLine(0, 24);
    if (!st.error.empty()) {
        ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s (showing the last valid result)", st.error.c_str());
    } else if (!st.status.empty()) {
        if (st.status_is_error) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", st.status.c_str());
        else ImGui::TextUnformatted(st.status.c_str());
    } else {
        ImGui::TextDisabled("F1: help");
    }
}

}  // namespace attnviz
