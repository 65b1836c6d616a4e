// The whole window's UI for one frame: keyboard shortcuts, the side bar, the token strip, the
// tabs with the current view, the status bar and help. The frame loop (app/gui_app.cpp) and the
// monkey test (tests/monkey) call it between ImGui::NewFrame() and ImGui::Render().
#pragma once

#include "ui/ui_context.hpp"

namespace attnviz {

// Platform key codes the shortcuts read: ImGui 1.86 indexes io.KeysDown by the backend's codes
// (GLFW_KEY_* in the app). Arrows and PageUp/PageDown come from io.KeyMap instead.
struct KeyCodes {
    int digit0 = -1;         // '0'; '1' … '9' follow it
    int letter_a = -1;       // 'A'; 'B' … 'Z' follow it
    int f1 = -1;             // F1; F2 … F12 follow it
    int left_bracket = -1, right_bracket = -1;
};

// Reads this frame's keys into intents, then draws everything. Sets ctx.help_open and
// ctx.screenshot_requested (F12: the caller owns the framebuffer); the hover every panel
// reported lands in ctx.state.hover at the end, so all panels drew with the same one.
void draw_frame(UiContext& ctx, const KeyCodes& keys, float fps);

}  // namespace attnviz
