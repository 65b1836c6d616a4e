#include "ui/views.hpp"

#include "core/io/runtime_files.hpp"

#include <imgui.h>

namespace attnviz {

void draw_examples_menu(UiContext& ctx) {
    if (ImGui::Button("Examples")) {
        // Listed when the button is pressed, not per frame: each file is loaded to check it.
        ctx.examples.clear();
        ctx.examples_error.clear();
        try {
            ctx.examples_dir = runtime_root() / "assets" / "examples";
            ctx.examples = list_example_sessions(ctx.examples_dir);
            if (ctx.examples.empty()) ctx.examples_error = "no example sessions in " + ctx.examples_dir.string();
        } catch (const std::exception& e) {
            ctx.examples_error = e.what();
        }
        ImGui::OpenPopup("examples");
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open a prepared session: what it shows is under each name");
    if (!ImGui::BeginPopup("examples")) return;
    if (!ctx.examples_error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", ctx.examples_error.c_str());
    for (const ExampleSession& e : ctx.examples) {
        ImGui::PushID(e.path.c_str());
        // A broken example is still offered: choosing it shows its error like any broken session.
        if (ImGui::Selectable(e.title.c_str())) {
            // Loaded like "Load session…", but not made the Ctrl+S target: examples are installed files.
            ctx.state.load_session_from(e.path);
        }
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
            if (!e.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", e.error.c_str());
            else ImGui::TextUnformatted(e.description.c_str());
            ImGui::TextDisabled("%s", e.path.c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        ImGui::PopID();
    }
    ImGui::EndPopup();
}

}  // namespace attnviz
