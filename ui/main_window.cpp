#include "ui/main_window.hpp"

#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace attnviz {
namespace {

// ImGui 1.86 indexes keys by the platform key code, as the backend fills them: `keys` names the
// codes of the keys ImGuiKey_ has no entry for.
void handle_shortcuts(UiContext& ctx, const KeyCodes& keys) {
    AppState& st = ctx.state;
    const ImGuiIO& io = ImGui::GetIO();
    const auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); };
    if (ImGui::IsKeyPressed(keys.f1)) ctx.help_open = !ctx.help_open;
    if (ImGui::IsKeyPressed(keys.f1 + 11)) ctx.screenshot_requested = true;
    if (io.WantTextInput) return;  // typing in a field: arrows and digits belong to it
    if (io.KeyCtrl && ImGui::IsKeyPressed(keys.letter_a + ('S' - 'A'))) st.save_session_to(ctx.session_path);
    if (io.KeyCtrl && ImGui::IsKeyPressed(keys.letter_a + ('O' - 'A'))) st.load_session_from(ctx.session_path);
    if (io.KeyCtrl || io.KeyAlt) {
        // Every tab has a digit (view_shortcut): Ctrl+1 … Ctrl+9, Ctrl+0, then Alt+1 … for the rest.
        for (std::size_t v = 0; v < views().size(); ++v) {
            const ViewShortcut key = view_shortcut(v);
            const bool modifier = key.alt ? io.KeyAlt && !io.KeyCtrl : io.KeyCtrl && !io.KeyAlt;
            if (modifier && ImGui::IsKeyPressed(keys.digit0 + key.digit)) st.view = views()[v].view;
        }
        // Ctrl+PageDown / Ctrl+PageUp walk the tabs, as in browsers (Ctrl+Tab is ImGui's window switcher).
        if (io.KeyCtrl && pressed(ImGuiKey_PageDown)) st.cycle_view(+1);
        if (io.KeyCtrl && pressed(ImGuiKey_PageUp)) st.cycle_view(-1);
        // Ctrl+Up / Ctrl+Down: the layer above / below in the model view's grid (layer 0 on top).
        if (io.KeyCtrl && pressed(ImGuiKey_UpArrow)) st.select_layer(st.layer - 1);
        if (io.KeyCtrl && pressed(ImGuiKey_DownArrow)) st.select_layer(st.layer + 1);
        return;
    }
    // ←/→ step whatever the view steps: tiles in the Tiling view, stages everywhere else.
    if (st.view == View::Tiling) {
        if (pressed(ImGuiKey_LeftArrow)) ctx.tiling.tile = std::max(0, ctx.tiling.tile - 1);
        if (pressed(ImGuiKey_RightArrow)) ++ctx.tiling.tile;  // clamped when the view refreshes
    } else {
        if (pressed(ImGuiKey_LeftArrow)) st.prev_stage();
        if (pressed(ImGuiKey_RightArrow)) st.next_stage();
    }
    if (st.view == View::Decode && ImGui::IsKeyPressed(keys.letter_a + ('N' - 'A'))) st.decode_step();
    if (ImGui::IsKeyPressed(keys.left_bracket)) st.set_query(st.query - 1);
    if (ImGui::IsKeyPressed(keys.right_bracket)) st.set_query(st.query + 1);
    for (int k = 1; k <= 9; ++k)
        if (ImGui::IsKeyPressed(keys.digit0 + k)) st.select_head(k - 1);
}

// The token strip and the tab bar of views.
void draw_views(UiContext& ctx) {
    View& shown_view = ctx.shown_view;
    AppState& st = ctx.state;
    draw_token_strip(ctx);
    // The active tab stands out, focused or not: dark idle tabs, a saturated active one (and the
    // bar's rule under it); the Positional view's own tab bar inside gets the same look.
    const ImVec4 idle(0.13f, 0.16f, 0.21f, 1.0f), active(0.20f, 0.50f, 0.92f, 1.0f);
    ImGui::PushStyleColor(ImGuiCol_Tab, idle);
    ImGui::PushStyleColor(ImGuiCol_TabUnfocused, idle);
    ImGui::PushStyleColor(ImGuiCol_TabHovered, ImVec4(0.28f, 0.40f, 0.58f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_TabActive, active);
    ImGui::PushStyleColor(ImGuiCol_TabUnfocusedActive, active);
    if (ImGui::BeginTabBar("views")) {
        for (std::size_t index = 0; index < views().size(); ++index) {
            const ViewInfo& info = views()[index];
            const View v = info.view;
            const std::string name(info.title);
            // A view chosen by shortcut or flag selects its tab once; clicks select as usual.
            const ImGuiTabItemFlags flags = (st.view == v && shown_view != v) ? ImGuiTabItemFlags_SetSelected : 0;
            const bool open = ImGui::BeginTabItem(name.c_str(), nullptr, flags);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s  (%s)", name.c_str(), to_string(view_shortcut(index)).c_str());
            if (open) {
                if (shown_view == st.view || flags) st.view = v;
                shown_view = v;
                ImGui::BeginChild("view", ImVec2(0, 0), false);
                switch (v) {
                    case View::Pipeline: draw_pipeline_view(ctx); break;
                    case View::Heads: draw_heads_view(ctx); break;
                    case View::Model: draw_model_view(ctx); break;
                    case View::Block: draw_block_view(ctx); break;
                    case View::NextToken: draw_next_token_view(ctx); break;
                    case View::Positional: draw_positional_view(ctx); break;
                    case View::Query: draw_query_view(ctx); break;
                    case View::Decode: draw_decode_view(ctx); break;
                    case View::Cost: draw_cost_view(ctx); break;
                    case View::Tiling: draw_tiling_view(ctx); break;
                    case View::Sparse: draw_sparse_view(ctx); break;
                    case View::Recurrence: draw_recurrence_view(ctx); break;
                    case View::SqrtDk: draw_sqrt_dk_view(ctx); break;
                    case View::Length: draw_length_view(ctx); break;
                    case View::Edit: draw_edit_view(ctx); break;
                    case View::Quiz: draw_quiz_view(ctx); break;
                }
                ImGui::EndChild();
                ImGui::EndTabItem();
            }
        }
        ImGui::EndTabBar();
    }
    ImGui::PopStyleColor(5);
}

// In place of the views while a loaded model's first run is in progress (the trace on screen is
// still the model before it): what runs, how far it is, and why it stopped if it failed.
void draw_first_run(const AppState& st) {
    ImGui::Dummy(ImVec2(0, 40));
    ImGui::PushTextWrapPos(0);
    if (st.ids.empty()) ImGui::Text("Running %s on the text", st.pretrained->name().c_str());
    else ImGui::Text("Running %s on %zu tokens", st.pretrained->name().c_str(), st.ids.size());
    if (st.computing) {
        const AppState::ComputeProgress p = st.compute_progress();
        ImGui::ProgressBar(p.fraction(), ImVec2(std::min(480.0f, ImGui::GetContentRegionAvail().x), 0), p.text().c_str());
        ImGui::TextDisabled("Every view shows the model once its %d layers and the logit lens are computed.",
                            st.pretrained->config.layers);
    } else if (!st.error.empty()) {
        ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "The model could not run: %s", st.error.c_str());
        ImGui::TextDisabled("Change the input in the side bar, or close the model.");
    }
    ImGui::PopTextWrapPos();
}

void draw_main_window(UiContext& ctx, float fps) {
    const AppState& st = ctx.state;
    const ImGuiIO& io = ImGui::GetIO();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("attnviz", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus);
    const float status_h = ImGui::GetFrameHeightWithSpacing() + 4;
    ImGui::BeginChild("controls", ImVec2(340, -status_h), true);
    ImGui::PushFont(ctx.fonts.title);
    ImGui::TextUnformatted("attnviz");
    ImGui::PopFont();
    ImGui::TextDisabled("scaled dot-product attention, step by step");
    draw_controls(ctx);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("main", ImVec2(0, -status_h), false);
    if (st.awaiting_loaded_model()) draw_first_run(st);
    else draw_views(ctx);
    ImGui::EndChild();
    ImGui::Separator();
    draw_status_bar(ctx, fps);
    ImGui::End();
}

}  // namespace

void draw_frame(UiContext& ctx, const KeyCodes& keys, float fps) {
    handle_shortcuts(ctx, keys);
    ctx.frame_hover = Hover{};
    draw_main_window(ctx, fps);
    draw_help(&ctx.help_open);
    ctx.state.hover = ctx.frame_hover;  // every panel drew with last frame's hover; all agree
}

}  // namespace attnviz
