#include "tests/monkey/ui_harness.hpp"

#include "core/io/runtime_files.hpp"

#include <glad/gl.h>
#include <GLFW/glfw3.h>
#include <imgui_internal.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace attnviz::testing {

KeyCodes glfw_key_codes() {
    return KeyCodes{GLFW_KEY_0, GLFW_KEY_A, GLFW_KEY_F1, GLFW_KEY_LEFT_BRACKET, GLFW_KEY_RIGHT_BRACKET};
}

UiWindow::UiWindow() {
    if (!glfwInit()) throw std::runtime_error("cannot initialise GLFW (run under xvfb-run)");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    window_ = glfwCreateWindow(1600, 1000, "attnviz monkey", nullptr, nullptr);
    if (!window_) {
        glfwTerminate();
        throw std::runtime_error("cannot create an OpenGL 3.3 core window");
    }
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(0);
    if (!gladLoadGL(glfwGetProcAddress)) throw std::runtime_error("cannot load OpenGL 3.3 functions");
    program_ = std::make_unique<HeatmapProgram>();
    program_->load(runtime_root() / "shaders");
    // load_fonts adds to the current context's atlas: a context borrows ours for it.
    ImGuiContext* loader = ImGui::CreateContext(&atlas_);
    fonts_ = load_fonts(15.0f);
    atlas_.Build();
    ImGui::DestroyContext(loader);
}

UiWindow::~UiWindow() {
    program_.reset();
    glfwDestroyWindow(window_);
    glfwTerminate();
}

UiSession::UiSession(UiWindow& window, ImVec2 display, const std::filesystem::path& sandbox)
    : window_(window), display_(display) {
    imgui_ = ImGui::CreateContext(&window.atlas());
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGui::GetStyle().FrameRounding = 3.0f;
    // No callbacks: the test writes io itself. The backend still sets the key map and clipboard.
    ImGui_ImplGlfw_InitForOpenGL(window.window(), false);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    ctx = std::make_unique<UiContext>(state, window.program(), window.fonts());
    ctx->headless = true;  // background labs are waited for: same frames on every run
    ctx->export_dir = sandbox;
    ctx->session_path = sandbox / "session.json";
}

UiSession::~UiSession() {
    ImGui::SetCurrentContext(imgui_);
    ctx.reset();  // its textures go before the context's GL objects
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext(imgui_);
}

ImGuiIO& UiSession::io() {
    ImGui::SetCurrentContext(imgui_);
    return ImGui::GetIO();
}

std::string UiSession::frame(bool draw_gl) {
    ImGui::SetCurrentContext(imgui_);
    glfwPollEvents();
    state.poll_recompute();
    while (state.computing) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        state.poll_recompute();
    }
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = display_;
    io.DeltaTime = 1.0f / 60.0f;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    draw_frame(*ctx, glfw_key_codes(), 60.0f);
    ImGui::Render();
    if (draw_gl) {
        glViewport(0, 0, static_cast<int>(display_.x), static_cast<int>(display_.y));
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    }
    ctx->screenshot_requested = false;  // F12: the app's loop reads the window back; nothing to keep here
    ++frames_;
    return unbalanced_stacks();
}

std::string unbalanced_stacks() {
    const ImGuiContext& g = *ImGui::GetCurrentContext();
    std::string out;
    auto expect = [&out](const char* what, int size, int balanced) {
        if (size != balanced)
            out += std::string(out.empty() ? "" : "; ") + what + " holds " + std::to_string(size) + " (balanced: " +
                   std::to_string(balanced) + ")";
    };
    if (g.FrameCountEnded != g.FrameCount) out += "the frame did not end; ";
    expect("window stack (Begin/End, BeginChild/EndChild)", g.CurrentWindowStack.Size, 0);
    expect("colour stack (PushStyleColor/PopStyleColor)", g.ColorStack.Size, 0);
    expect("style-var stack (PushStyleVar/PopStyleVar)", g.StyleVarStack.Size, 0);
    expect("font stack (PushFont/PopFont)", g.FontStack.Size, 0);
    expect("disabled stack (BeginDisabled/EndDisabled)", g.DisabledStackSize, 0);
    expect("group stack (BeginGroup/EndGroup)", g.GroupStack.Size, 0);
    expect("popup stack (BeginPopup/EndPopup)", g.BeginPopupStack.Size, 0);
    expect("item-flags stack (PushItemFlag/PopItemFlag, BeginDisabled)", g.ItemFlagsStack.Size, 1);
    expect("focus-scope stack", g.FocusScopeStack.Size, 0);
    expect("tab-bar stack (BeginTabBar/EndTabBar)", g.CurrentTabBarStack.Size, 0);
    expect("table stack (BeginTable/EndTable)", g.TablesTempDataStacked, 0);
    for (const ImGuiWindow* w : g.Windows) {
        if (!w->Active) continue;
        const std::string name = std::string(" of window '") + w->Name + "'";
        expect(("ID stack (PushID/PopID)" + name).c_str(), w->IDStack.Size, 1);
        expect(("item-width stack (PushItemWidth/PopItemWidth)" + name).c_str(), w->DC.ItemWidthStack.Size, 0);
        expect(("text-wrap stack (PushTextWrapPos/PopTextWrapPos)" + name).c_str(), w->DC.TextWrapPosStack.Size, 0);
    }
    return out;
}

UiWindow& shared_window() {
    static UiWindow window;
    return window;
}

bool click_item(UiSession& s, const std::string& window_part, const char* label, std::string& error) {
    ImGuiIO& io = s.io();
    auto step = [&](ImVec2 pos, bool down) {
        io.MousePos = pos;
        io.MouseDown[0] = down;
        const std::string e = s.frame(down);  // the sweep itself needs no pixels
        if (error.empty()) error = e;
    };
    ImGuiWindow* target = nullptr;
    // The first match: a view's own child windows ("…/view_…/scheme_…") contain the part too.
    for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
        if (!target && w->Active && std::string(w->Name).find(window_part) != std::string::npos) target = w;
    if (!target) return false;
    const ImGuiID id = target->GetID(label);
    const ImRect r = target->InnerRect;
    for (float y = r.Min.y + 2; y < r.Max.y; y += 6)
        for (float x = r.Min.x + 2; x < r.Max.x; x += 8) {
            step(ImVec2(x, y), false);
            if (ImGui::GetCurrentContext()->HoveredId != id) continue;
            step(ImVec2(x, y), true);
            step(ImVec2(x, y), false);
            return true;
        }
    return false;
}

}  // namespace attnviz::testing
