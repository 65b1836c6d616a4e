// The real UI in a real frame loop, driven by a test. UiWindow is a hidden GLFW window with its
// GL 3.3 context (the heatmaps render through the app's own shaders, as on screen) and one font
// atlas; each UiSession is a fresh ImGui context, AppState and UiContext that run ui's
// draw_frame() between NewFrame() and Render(), exactly as app/gui_app.cpp does. Input goes in
// through ImGuiIO, not GLFW callbacks, so a session replays identically from its inputs.
#pragma once

#include "ui/main_window.hpp"
#include "ui/ui_context.hpp"

#include <imgui.h>

#include <filesystem>
#include <memory>
#include <string>

struct GLFWwindow;

namespace attnviz::testing {

// GLFW's codes, as the app passes them (app/gui_app.cpp).
KeyCodes glfw_key_codes();

class UiWindow {
public:
    // Throws std::runtime_error when there is no display or no GL 3.3 (run under xvfb-run).
    UiWindow();
    ~UiWindow();
    UiWindow(const UiWindow&) = delete;
    UiWindow& operator=(const UiWindow&) = delete;

    GLFWwindow* window() const { return window_; }
    const HeatmapProgram& program() const { return *program_; }
    ImFontAtlas& atlas() { return atlas_; }
    const Fonts& fonts() const { return fonts_; }

private:
    GLFWwindow* window_ = nullptr;
    std::unique_ptr<HeatmapProgram> program_;  // freed while the GL context still exists
    ImFontAtlas atlas_;  // shared by every session's context: fonts are rasterised once
    Fonts fonts_;
};

// One GL window for the whole executable, made on first use.
UiWindow& shared_window();

class UiSession {
public:
    // `sandbox` is where the session may write (Save PNG, F12, Ctrl+S): export folder and
    // session file both start there.
    UiSession(UiWindow& window, ImVec2 display, const std::filesystem::path& sandbox);
    ~UiSession();
    UiSession(const UiSession&) = delete;
    UiSession& operator=(const UiSession&) = delete;

    ImGuiIO& io();
    // One frame: adopts a finished recompute, NewFrame, draw_frame, Render and, with `draw_gl`,
    // ImGui's GL backend draws the result (the heatmaps' textures render either way). A
    // recompute the previous frame started is waited for, so every run sees the same trace on
    // the same frame. Returns what ImGui's stacks hold that a balanced frame leaves empty
    // ("" when balanced): an unpaired Push/Pop or Begin/End shows up here even where ImGui
    // itself would only assert later.
    std::string frame(bool draw_gl = true);
    int frames() const { return frames_; }

    AppState state;
    std::unique_ptr<UiContext> ctx;

private:
    UiWindow& window_;
    ImGuiContext* imgui_ = nullptr;
    ImVec2 display_;
    int frames_ = 0;
};

// What a frame left on ImGui's stacks; "" when every stack is back to its between-frames size.
std::string unbalanced_stacks();

// Hovers `label` (an item drawn directly in a window whose name contains `window_part`, with
// no PushID around it) by sweeping the pointer over that window, then clicks it. Returns false
// when no point of the window hovers it. `error` gets the first unbalanced frame.
bool click_item(UiSession& s, const std::string& window_part, const char* label, std::string& error);

}  // namespace attnviz::testing
