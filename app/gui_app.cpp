#include "app/gui_app.hpp"

#include "core/io/png_reader.hpp"
#include "core/io/png_writer.hpp"
#include "core/io/runtime_files.hpp"
#include "ui/fonts.hpp"
#include "ui/heatmap_gl.hpp"
#include "ui/main_window.hpp"
#include "ui/ui_context.hpp"

#include <glad/gl.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnviz {
namespace {

using Clock = std::chrono::steady_clock;

void glfw_error(int code, const char* description) { std::fprintf(stderr, "GLFW error %d: %s\n", code, description); }

// The window icon from the PNGs the build rasterised from assets/attnviz.svg. Cosmetic: a
// missing or broken file is reported with its full path and the window keeps GLFW's default.
void set_window_icon(GLFWwindow* window) {
    std::vector<Image> images;
    try {
        for (const int px : {32, 48, 256})
            images.push_back(read_png(runtime_file("assets/icons/attnviz-" + std::to_string(px) + ".png")));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnviz: window icon not set: %s\n", e.what());
        return;
    }
    std::vector<GLFWimage> glfw_images;
    for (Image& img : images) glfw_images.push_back(GLFWimage{img.width, img.height, img.rgba.data()});
    glfwSetWindowIcon(window, static_cast<int>(glfw_images.size()), glfw_images.data());
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int run_gui(const GuiOptions& options) {
    const std::filesystem::path root = runtime_root();  // before any window: missing files fail fast, naming the paths
    glfwSetErrorCallback(glfw_error);
    if (!glfwInit()) throw std::runtime_error("cannot initialise GLFW (is there a display? try xvfb-run)");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    GLFWwindow* window = glfwCreateWindow(options.width, options.height, "attnviz", nullptr, nullptr);
    if (!window) {
        glfwTerminate();
        throw std::runtime_error("cannot create an OpenGL 3.3 core window");
    }
    set_window_icon(window);
    glfwMakeContextCurrent(window);
    const bool headless_run = !options.screenshot.empty() || options.bench_frames > 0;
    glfwSwapInterval(headless_run ? 0 : 1);
    if (!gladLoadGL(glfwGetProcAddress)) {
        glfwDestroyWindow(window);
        glfwTerminate();
        throw std::runtime_error("cannot load OpenGL 3.3 functions");
    }

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // layout comes from code, not from a stray imgui.ini
    ImGui::StyleColorsDark();
    ImGui::GetStyle().FrameRounding = 3.0f;
    const Fonts fonts = load_fonts(15.0f);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");

    int exit_code = 0;
    {
        HeatmapProgram program;
        program.load(root / "shaders");
        AppState state;
        state.config = options.config;
        state.preset = options.preset;
        state.set_arch(options.arch);
        state.set_model_preset(options.model_preset);
        state.set_ablate_mode(options.ablate_mode);
        for (const Ablation& a : options.ablate) state.toggle_ablation(a.layer, a.head);
        state.stage = options.stage;
        state.view = options.view;
        if (options.pretrained) {
            // A real model's first run can take seconds: the toy model runs first, so every view
            // has a trace to draw, the window opens at once with the real run's progress, and the
            // layer, head and query asked for are selected when it is done.
            state.recompute_now();
            state.pretrained = options.pretrained;
            state.ids = options.ids;
            state.dirty = true;
            state.select_when_computed(options.layer, options.head, options.query);
        } else {
            state.recompute_now();
            state.select_layer(options.layer);
            state.select_head(options.head);
            state.set_query(options.query);
        }
        UiContext ctx(state, program, fonts);
        ctx.headless = headless_run;
        // Start-up positions for figures: a decode session part-way, a tile of the replay.
        state.decode_reset(options.prefill);
        for (int k = 0; k < options.decode_steps; ++k)
            if (!state.decode_step()) break;  // finished: the rest of a huge count would spin
        ctx.tiling.block_q = options.block_q;
        ctx.tiling.block_k = options.block_k;
        ctx.tiling.tile = options.tile;
        ctx.quiz.index = options.quiz;
        ctx.quiz.answer = options.quiz_answer;
        ctx.quiz.check_requested = !options.quiz_answer.empty();
        if (options.session) {
            state.apply_session(*options.session);
            ctx.session_path = options.session_path;
            state.set_status("loaded " + options.session_path.string(), false);
        }

        const KeyCodes keys{GLFW_KEY_0, GLFW_KEY_A, GLFW_KEY_F1, GLFW_KEY_LEFT_BRACKET, GLFW_KEY_RIGHT_BRACKET};
        int settle_frames = 0;
        std::vector<double> frame_ms, latency_ms;
        Clock::time_point last = Clock::now(), keystroke_at{};
        bool keystroke_pending = false;
        float fps = 0.0f;
        int bench_frame = 0;

        while (!glfwWindowShouldClose(window)) {
            glfwPollEvents();
            const bool adopted = state.poll_recompute();
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            // Scripted runs ignore the pointer: Xvfb parks it mid-screen, which would hover a
            // cell and put a tooltip into every screenshot.
            if (headless_run) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
            ImGui::NewFrame();
            draw_frame(ctx, keys, fps);

            ImGui::Render();
            int fb_w = 0, fb_h = 0;
            glfwGetFramebufferSize(window, &fb_w, &fb_h);
            glViewport(0, 0, fb_w, fb_h);
            glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

            if (ctx.screenshot_requested) {
                ctx.screenshot_requested = false;
                const auto path = ctx.export_dir / ("attnviz_window_" + file_timestamp() + ".png");
                try {
                    write_png_atomic(path, read_framebuffer(0, fb_w, fb_h));
                    state.set_status("saved " + path.string(), false);
                } catch (const std::exception& e) {
                    state.set_status(std::string("screenshot failed: ") + e.what(), true);
                }
            }
            // Screenshot mode: wait for the result, then a few frames for ImGui's layout to settle.
            const bool settled = !state.computing && !state.dirty;
            settle_frames = settled ? settle_frames + 1 : 0;
            if (!options.screenshot.empty() && settle_frames == 4) {
                try {
                    write_png_atomic(options.screenshot, read_framebuffer(0, fb_w, fb_h));
                    std::printf("attnviz: wrote %s (%dx%d)\n", options.screenshot.c_str(), fb_w, fb_h);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "attnviz: %s\n", e.what());
                    exit_code = 1;
                }
                glfwSetWindowShouldClose(window, GLFW_TRUE);
            }
            glfwSwapBuffers(window);
            if (options.bench_frames > 0) glFinish();  // time what the GPU did, not what was queued

            const Clock::time_point now = Clock::now();
            const double ms = std::chrono::duration<double, std::milli>(now - last).count();
            last = now;
            fps = fps == 0.0f ? static_cast<float>(1000.0 / std::max(ms, 0.01))
                              : 0.95f * fps + 0.05f * static_cast<float>(1000.0 / std::max(ms, 0.01));

            if (options.bench_frames > 0) {
                // Phase 1: steady frames. Phase 2: keystrokes, each timed until its frame is shown.
                if (keystroke_pending) {
                    if (adopted) {
                        latency_ms.push_back(std::chrono::duration<double, std::milli>(now - keystroke_at).count());
                        keystroke_pending = false;
                    }
                } else if (settled && settle_frames > 3) {
                    if (bench_frame < options.bench_frames) {
                        frame_ms.push_back(ms);
                        ++bench_frame;
                    } else if (latency_ms.size() < 20) {
                        Config next = state.config;
                        next.text += latency_ms.size() % 2 ? "x" : "y";
                        state.edit(next);
                        keystroke_at = Clock::now();
                        keystroke_pending = true;
                    } else {
                        std::printf("frames %zu  mean %.2f ms  p95 %.2f ms\nkeystroke-to-frame %zu  mean %.2f ms  p95 %.2f ms\n",
                                    frame_ms.size(), std::accumulate(frame_ms.begin(), frame_ms.end(), 0.0) / static_cast<double>(frame_ms.size()),
                                    percentile(frame_ms, 0.95), latency_ms.size(),
                                    std::accumulate(latency_ms.begin(), latency_ms.end(), 0.0) / static_cast<double>(latency_ms.size()),
                                    percentile(latency_ms, 0.95));
                        glfwSetWindowShouldClose(window, GLFW_TRUE);
                    }
                }
            }
        }
    }

    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}

}  // namespace attnviz
