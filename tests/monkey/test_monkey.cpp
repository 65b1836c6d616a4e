// The monkey: for every view and a range of configurations, random input through the real frame
// loop (ui/main_window's draw_frame in a GL window under Xvfb). It fails on a crash, on an ImGui
// assertion (Debian's libimgui.a keeps them: the process aborts) and on any frame that leaves
// ImGui's stacks unbalanced. Each (configuration, view) session has its own seed, printed on
// failure with the command that replays it:
//   ATTNVIZ_MONKEY_SEED=S ATTNVIZ_MONKEY_ONLY=config/view [ATTNVIZ_MONKEY_EVENTS=N]
//     xvfb-run -a build/attnviz_monkey_tests --gtest_filter=Monkey.*
#include "tests/monkey/monkey.hpp"
#include "tests/hf_fixture.hpp"
#include "tests/monkey/ui_harness.hpp"

#include "core/rng.hpp"
#include "core/view_ids.hpp"

#include <gtest/gtest.h>
#include <imgui.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace attnviz::testing {
namespace {

constexpr std::uint64_t kDefaultSeed = 20251203;
constexpr long kDefaultEventsPerSession = 520;  // × 13 configurations × 16 views ≥ 100 000

struct Scenario {
    const char* name;
    ImVec2 display;
    std::function<void(AppState&, UiContext&)> setup;  // before the first frame
};

std::string words(int n) {
    const char* vocab[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "ran", "far", "away", "and", "then"};
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(i ? " " : "") + vocab[i % 12];
    return s;
}

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> all = {
        {"default", {1600, 1000}, [](AppState&, UiContext&) {}},
        {"tiny", {420, 300}, [](AppState& st, UiContext&) {
             st.config.text = "a";
             st.config.d_model = 8;
             st.config.n_heads = 1;
         }},
        {"long-learned", {1280, 800}, [](AppState& st, UiContext&) {
             st.config.text = words(150);  // past the learned table's 64 positions
             st.config.positional = Positional::Learned;
             st.config.d_model = 32;
             st.config.n_heads = 2;
         }},
        {"causal-padding-window", {1024, 700}, [](AppState& st, UiContext&) {
             st.config.text = "the cat <pad> sat on the mat";
             st.config.causal = true;
             st.config.padding = {1, 4};
             st.config.window = 3;
         }},
        {"cross", {1280, 800}, [](AppState& st, UiContext&) {
             st.config.source = "le chat est assis sur le tapis";
             st.config.n_heads = 2;
         }},
        {"gqa-rope", {1600, 1000}, [](AppState& st, UiContext&) {
             st.config.n_heads = 8;
             st.config.n_kv_heads = 2;
             st.config.positional = Positional::Rope;
             st.config.rope_style = RopeStyle::Half;
         }},
        {"preset-mixed-alibi", {1280, 800}, [](AppState& st, UiContext&) {
             st.preset = Preset::Mixed;
             st.config.positional = Positional::Alibi;
         }},
        {"preset-previous-chars", {800, 600}, [](AppState& st, UiContext&) {
             st.preset = Preset::Previous;
             st.config.tokenize = Tokenization::Char;
             st.config.text = "日本語 ß é 🙂 naïve";
         }},
        {"stack-deep-ablated", {1600, 1000}, [](AppState& st, UiContext&) {
             StackArch a;
             a.layers = 4;
             a.mlp = MlpKind::SwiGlu;
             a.norm = NormKind::Rms;
             st.set_arch(a);
             st.config.causal = true;
             st.config.text = words(30);
             st.toggle_ablation(1, 2);
             st.toggle_ablation(2, Ablation::kMlp);
             st.recompute_now();
             st.select_layer(2);
         }},
        {"induction-post-ln", {1280, 800}, [](AppState& st, UiContext&) {
             st.set_model_preset(ModelPreset::Induction);
             st.config.text = "red green blue gold . red green blue gold";
             StackArch a;
             a.placement = NormPlacement::Post;  // forced away while the induction model runs
             st.set_arch(a);
         }},
        {"hf-llama-gqa", {1280, 800}, [](AppState& st, UiContext&) {
             // A Hugging Face folder made here (no tokenizer: typed text asks for ids).
             static const std::filesystem::path dir = [] {
                 const auto d = std::filesystem::temp_directory_path() / ("attnviz-monkey-hf-" + std::to_string(::getpid()));
                 test::HfSpec spec;
                 spec.model_type = "qwen2";
                 spec.kv_heads = 2;
                 spec.dtype = Dtype::BF16;
                 test::write_hf_model(d, spec);
                 return d;
             }();
             st.pretrained = std::make_shared<HfModel>(load_hf_model(dir));
             st.ids = {3, 17, 5, 3, 17, 42, 8};
             st.dirty = true;
         }},
        {"decode-finished", {1600, 1000}, [](AppState& st, UiContext&) {
             st.config.causal = true;
             st.recompute_now();
             st.decode_reset(st.trace.n);
         }},
        {"decode-unfinished", {1280, 800}, [](AppState& st, UiContext&) {
             st.config.scale = ScaleMode::None;
             st.config.temperature = 0.5;
             st.recompute_now();
             st.decode_reset(2);
             st.decode_step();
         }},
    };
    return all;
}

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// What a crash prints: the session that was running and how to run it alone. Written before
// each session, read only by the signal handler (write(2) is async-signal-safe).
char g_replay[512] = "";

void print_replay() {
    if (g_replay[0]) {
        const ssize_t ignored = write(STDERR_FILENO, g_replay, std::strlen(g_replay));
        (void)ignored;
    }
}

extern "C" void on_fatal_signal(int sig) {
    print_replay();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void install_crash_report() {
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_fatal_signal);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(print_replay);
#endif
}

// Where the sessions may write: Save PNG, F12, Ctrl+S, and the file browser's Save. Eight
// levels deep, and the browser is closed after a few frames, so it cannot climb out; the
// working directory moves here too, so a relative path typed into the browser stays inside.
struct Sandbox {
    std::filesystem::path root, dir, old_cwd;
    Sandbox() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "attnviz-monkey-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
        root = tmpl;
        dir = root / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "h";
        std::filesystem::create_directories(dir);
        old_cwd = std::filesystem::current_path();
        std::filesystem::current_path(dir);
    }
    ~Sandbox() {
        std::filesystem::current_path(old_cwd);
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
};

constexpr int kBrowserFrames = 8;  // frames the file browser may stay open (see Sandbox)

struct SessionResult {
    long events = 0;
    int frames = 0;
    std::string failure;
};

SessionResult run_session(UiWindow& window, const Sandbox& sandbox, const Scenario& sc, const ViewInfo& view,
                          std::uint64_t seed, long target_events) {
    SessionResult r;
    UiSession s(window, sc.display, sandbox.dir);
    sc.setup(s.state, *s.ctx);
    s.state.view = view.view;
    Monkey monkey(seed);
    int browser_frames = 0;
    while (r.events < target_events) {
        ImGuiIO& io = s.io();
        if (s.ctx->browser.is_open() && ++browser_frames > kBrowserFrames) {
            if (browser_frames > kBrowserFrames + 30) {
                r.failure = "the file browser did not close on Esc";
                break;
            }
            r.events += monkey.press_escape(io);
        } else {
            if (!s.ctx->browser.is_open()) browser_frames = 0;
            r.events += monkey.inject(io, sc.display, ImGui::IsAnyItemHovered());
        }
        // Tabs get clicked and shortcuts switch views: come back to this session's view now and then.
        if (s.frames() % 240 == 239) s.state.view = view.view;
        // ImGui's GL draw costs most of a frame under llvmpipe and checks nothing of ours: now and then.
        const std::string unbalanced = s.frame(s.frames() % 16 == 0);
        if (!unbalanced.empty()) {
            r.failure = "frame " + std::to_string(s.frames()) + " (event " + std::to_string(r.events) +
                        ") left ImGui unbalanced: " + unbalanced;
            break;
        }
    }
    r.frames = s.frames();
    return r;
}

TEST(Monkey, EveryViewEveryConfiguration) {
    install_crash_report();
    const std::uint64_t base = env_u64("ATTNVIZ_MONKEY_SEED", kDefaultSeed);
    const long per_session = static_cast<long>(env_u64("ATTNVIZ_MONKEY_EVENTS", kDefaultEventsPerSession));
    const char* only_env = std::getenv("ATTNVIZ_MONKEY_ONLY");
    const std::string only = only_env ? only_env : "";
    UiWindow window;
    Sandbox sandbox;
    long events = 0, frames = 0, sessions = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const Scenario& sc : scenarios()) {
        for (std::size_t v = 0; v < views().size(); ++v) {
            const ViewInfo& view = views()[v];
            const std::string name = std::string(sc.name) + "/" + std::string(view.id);
            if (!only.empty() && only != name) continue;
            const std::uint64_t seed = stream_seed(base, name);
            std::snprintf(g_replay, sizeof g_replay,
                          "\nmonkey: session %s (seed %llu) crashed; replay it alone with\n"
                          "  ATTNVIZ_MONKEY_SEED=%llu ATTNVIZ_MONKEY_ONLY=%s ATTNVIZ_MONKEY_EVENTS=%ld "
                          "xvfb-run -a ./attnviz_monkey_tests --gtest_filter=Monkey.*\n",
                          name.c_str(), static_cast<unsigned long long>(seed), static_cast<unsigned long long>(base),
                          name.c_str(), per_session);
            const SessionResult r = run_session(window, sandbox, sc, view, seed, per_session);
            events += r.events;
            frames += r.frames;
            ++sessions;
            ASSERT_TRUE(r.failure.empty()) << "session " << name << " (seed " << seed << "): " << r.failure
                                           << "\nreplay: ATTNVIZ_MONKEY_SEED=" << base << " ATTNVIZ_MONKEY_ONLY=" << name
                                           << " ATTNVIZ_MONKEY_EVENTS=" << per_session
                                           << " xvfb-run -a ./attnviz_monkey_tests --gtest_filter=Monkey.*";
        }
    }
    g_replay[0] = '\0';
    std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("attnviz-monkey-hf-" + std::to_string(::getpid())));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("monkey: seed %llu, %ld sessions, %ld events in %ld frames, %.1f s\n",
                static_cast<unsigned long long>(base), sessions, events, frames, s);
    EXPECT_GT(sessions, 0) << "ATTNVIZ_MONKEY_ONLY=" << only << " names no configuration/view";
}

}  // namespace
}  // namespace attnviz::testing
