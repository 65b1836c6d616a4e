#include "ui/views.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace attnviz {
namespace {

// Shows core's message under the control whose field it names.
void field_error(const AppState& st, std::string_view field) {
    if (!st.error.empty() && st.error_field == field) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", st.error.c_str());
        ImGui::PopTextWrapPos();
    }
}

template <typename E, std::size_t N>
bool combo(const char* label, E& value, const E (&options)[N]) {
    bool changed = false;
    if (ImGui::BeginCombo(label, std::string(to_string(value)).c_str())) {
        for (E o : options) {
            if (ImGui::Selectable(std::string(to_string(o)).c_str(), o == value)) {
                value = o;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

}  // namespace

void draw_controls(UiContext& ctx) {
    AppState& st = ctx.state;
    Config c = st.config;
    ImGui::PushItemWidth(-110);

    ImGui::TextDisabled("Input");
    ImGui::InputTextMultiline("text", &c.text, ImVec2(-110, ImGui::GetTextLineHeight() * 3));
    field_error(st, "text");
    static constexpr Tokenization kTok[] = {Tokenization::Word, Tokenization::Char};
    combo("tokenize", c.tokenize, kTok);
    bool cross = c.cross();
    if (ImGui::Checkbox("cross-attention", &cross)) c.source = cross ? "le chat est assis sur le tapis" : "";
    if (cross) {
        ImGui::InputText("source", &c.source);
        if (c.source.empty()) c.source = " ";  // keep cross mode on while the field is cleared
        field_error(st, "source");
    }

    ImGui::Separator();
    ImGui::TextDisabled("Sizes");
    ImGui::InputInt("d_model", &c.d_model, 8, 64);
    field_error(st, "d_model");
    ImGui::InputInt("heads", &c.n_heads);
    field_error(st, "n_heads");
    ImGui::InputInt("kv heads", &c.n_kv_heads);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("0 = same as heads (MHA); 1 = MQA; between = GQA");
    field_error(st, "n_kv_heads");
    ImGui::InputInt("d_k (0=auto)", &c.d_k);
    field_error(st, "d_k");
    ImGui::InputInt("d_v (0=auto)", &c.d_v);
    field_error(st, "d_v");
    int seed = static_cast<int>(c.seed);
    if (ImGui::InputInt("seed", &seed)) c.seed = static_cast<std::uint64_t>(std::max(0, seed));

    ImGui::Separator();
    ImGui::TextDisabled("Position");
    static constexpr Positional kPos[] = {Positional::None, Positional::Sinusoidal, Positional::Learned,
                                          Positional::Rope, Positional::Alibi};
    combo("scheme", c.positional, kPos);
    field_error(st, "positional");
    if (c.positional == Positional::Rope) {
        float base = static_cast<float>(c.rope_base);
        if (ImGui::DragFloat("RoPE base", &base, 100.0f, 2.0f, 1e7f, "%.0f", ImGuiSliderFlags_Logarithmic))
            c.rope_base = base;
        field_error(st, "rope_base");
        static constexpr RopeStyle kStyle[] = {RopeStyle::Interleaved, RopeStyle::Half};
        combo("RoPE style", c.rope_style, kStyle);
    }

    ImGui::Separator();
    ImGui::TextDisabled("Scores");
    static constexpr ScaleMode kScale[] = {ScaleMode::Sqrt, ScaleMode::Linear, ScaleMode::None};
    combo("scale", c.scale, kScale);
    float temp = static_cast<float>(c.temperature);
    if (ImGui::DragFloat("temperature", &temp, 0.01f, 0.01f, 100.0f, "%.2f", ImGuiSliderFlags_Logarithmic))
        c.temperature = temp;
    field_error(st, "temperature");
    ImGui::Checkbox("causal mask", &c.causal);
    field_error(st, "causal");
    ImGui::InputInt("window (0=off)", &c.window);
    field_error(st, "window");
    std::string pads;
    for (int p : st.trace.config.padding) pads += (pads.empty() ? "" : ",") + std::to_string(p);
    ImGui::TextDisabled("padding: %s", pads.empty() ? "none (click a token)" : pads.c_str());
    field_error(st, "padding");
    if (!st.error.empty() && st.error_field.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", st.error.c_str());
    ImGui::PopItemWidth();
    st.edit(c);

    ImGui::Separator();
    ImGui::TextDisabled("Heads");
    ImGui::PushItemWidth(-110);
    Preset preset = st.preset;
    static constexpr Preset kPresets[] = {Preset::Random,  Preset::Mixed,    Preset::Previous, Preset::Self,
                                          Preset::First,   Preset::SameWord, Preset::Uniform};
    if (combo("preset", preset, kPresets)) st.set_preset(preset);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("random: weights from the seed\nmixed: previous, self, first, same-word, uniform heads in turn\n"
                          "others: every head of one kind");
    field_error(st, "preset");
    if (st.preset != Preset::Random && !st.preset_summary.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "%s", st.preset_summary.c_str());
        ImGui::PopTextWrapPos();
    }
    if (!st.edits.empty()) {
        ImGui::Text("%zu cell%s edited by hand", st.edits.size(), st.edits.size() == 1 ? "" : "s");
        ImGui::SameLine();
        if (ImGui::SmallButton("Reset to seed")) st.clear_edits();
    }
    field_error(st, "edit");
    ImGui::PopItemWidth();

    ImGui::Separator();
    ImGui::TextDisabled("Export and session");
    ImGui::PushItemWidth(-110);
    std::string dir = ctx.export_dir.string();
    if (ImGui::InputText("##folder", &dir)) ctx.export_dir = dir;
    ImGui::SameLine();
    if (ImGui::Button("Browse…")) {
        ctx.browser.open(FileBrowser::Purpose::PickFolder, "Export folder", ctx.export_dir);
        ctx.browsing = UiContext::Browse::ExportFolder;
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Where Save PNG and F12 write");
    ImGui::RadioButton("1×", &ctx.export_scale, 1);
    ImGui::SameLine();
    ImGui::RadioButton("2×", &ctx.export_scale, 2);
    ImGui::SameLine();
    ImGui::TextDisabled("PNG scale");
    const std::filesystem::path session_dir =
        ctx.session_path.has_parent_path() ? ctx.session_path.parent_path() : std::filesystem::path(".");
    if (ImGui::Button("Save session…")) {
        ctx.browser.open(FileBrowser::Purpose::SaveFile, "Save session", session_dir, ".json",
                         ctx.session_path.filename().string());
        ctx.browsing = UiContext::Browse::SaveSession;
    }
    ImGui::SameLine();
    if (ImGui::Button("Load session…")) {
        ctx.browser.open(FileBrowser::Purpose::OpenFile, "Load session", session_dir, ".json");
        ctx.browsing = UiContext::Browse::LoadSession;
    }
    ImGui::SameLine();
    draw_examples_menu(ctx);
    if (const auto chosen = ctx.browser.draw()) {
        switch (ctx.browsing) {
            case UiContext::Browse::ExportFolder: ctx.export_dir = *chosen; break;
            case UiContext::Browse::SaveSession:
                if (st.save_session_to(*chosen)) ctx.session_path = *chosen;
                break;
            case UiContext::Browse::LoadSession:
                if (st.load_session_from(*chosen)) ctx.session_path = *chosen;
                break;
            case UiContext::Browse::None: break;
        }
        ctx.browsing = UiContext::Browse::None;
    }
    ImGui::PopItemWidth();
}

}  // namespace attnviz
