// GUI tests: the real app under Xvfb (ctest wraps this binary in xvfb-run), driven through its
// --screenshot option; each image is decoded and checked.
#include "tests/hf_fixture.hpp"

#include <gtest/gtest.h>

#include <stb_image.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;

struct Shot {
    int exit_code = -1;
    int width = 0, height = 0;
    std::unique_ptr<unsigned char, void (*)(void*)> pixels{nullptr, stbi_image_free};

    // RGB of pixel (x, y), top-down.
    std::array<int, 3> at(int x, int y) const {
        const unsigned char* p = pixels.get() + (static_cast<std::size_t>(y) * width + x) * 3;
        return {p[0], p[1], p[2]};
    }
};

// Runs attnviz with `args` plus --screenshot into the test output dir and decodes the PNG.
Shot screenshot(const std::string& name, const std::string& args) {
    fs::create_directories(ATTNVIZ_GUI_OUT);
    const fs::path png = fs::path(ATTNVIZ_GUI_OUT) / (name + ".png");
    fs::remove(png);
    const std::string cmd = std::string("'") + ATTNVIZ_EXE + "' --width 1600 --height 1000 " + args + " --screenshot '" + png.string() +
                            "' > /dev/null 2>&1";
    Shot shot;
    const int status = std::system(cmd.c_str());
    shot.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int channels = 0;
    shot.pixels.reset(stbi_load(png.c_str(), &shot.width, &shot.height, &channels, 3));
    return shot;
}

TEST(GuiScreenshot, DefaultWindowRendersAtRequestedSize) {
    const Shot s = screenshot("default", "--width 1280 --height 800");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    EXPECT_EQ(s.width, 1280);
    EXPECT_EQ(s.height, 800);
}

// Number of pixels within `tol` of `rgb`.
int count_near(const Shot& s, std::array<int, 3> rgb, int tol) {
    int n = 0;
    for (int y = 0; y < s.height; ++y)
        for (int x = 0; x < s.width; ++x) {
            const auto p = s.at(x, y);
            if (std::abs(p[0] - rgb[0]) <= tol && std::abs(p[1] - rgb[1]) <= tol && std::abs(p[2] - rgb[2]) <= tol) ++n;
        }
    return n;
}

constexpr std::array<int, 3> kViridisTop = {253, 231, 37};   // weight 1
constexpr std::array<int, 3> kHatchDark = {82, 82, 92};      // masked cell, core/colormap.hpp kMaskColor
constexpr std::array<int, 3> kDivergingRed = {180, 4, 38};   // most positive score
constexpr std::array<int, 3> kDivergingBlue = {59, 76, 192}; // most negative score

TEST(GuiScreenshot, EveryStageRendersItsMatrices) {
    for (const char* stage : {"embed", "pe", "qkv", "scores", "scale", "mask", "softmax", "av", "concat", "output"}) {
        SCOPED_TRACE(stage);
        const Shot s = screenshot(std::string("stage_") + stage, std::string("--causal --stage ") + stage);
        ASSERT_EQ(s.exit_code, 0);
        ASSERT_NE(s.pixels, nullptr);
        EXPECT_EQ(s.width, 1600);
        EXPECT_EQ(s.height, 1000);
        // Every stage shows at least one signed or weight heatmap: its extreme colours appear.
        const int extremes = count_near(s, kDivergingRed, 30) + count_near(s, kDivergingBlue, 30) +
                             count_near(s, kViridisTop, 30);
        EXPECT_GT(extremes, 50);
    }
}

TEST(GuiScreenshot, EveryViewRenders) {
    for (const char* view :
         {"pipeline", "heads", "positional", "query", "decode", "tiling", "sparse", "rnn", "sqrt-dk", "length", "edit"}) {
        SCOPED_TRACE(view);
        const Shot s = screenshot(std::string("view_") + view,
                                  std::string("--view ") + view + " --causal --prefill 2 --decode-steps 2 --tile 3");
        ASSERT_EQ(s.exit_code, 0);
        ASSERT_NE(s.pixels, nullptr);
        EXPECT_EQ(s.width, 1600);
        EXPECT_EQ(s.height, 1000);
        EXPECT_GT(count_near(s, kHatchDark, 6) + count_near(s, kDivergingRed, 30) + count_near(s, kViridisTop, 30), 50);
    }
}

// Model folders in the Hugging Face layout, made here: a GPT-2 and a Llama with GQA open with
// --model and token ids, and every whole-model view and the attention views draw them.
TEST(GuiScreenshot, HuggingFaceModelsOpenInEveryView) {
    for (const char* type : {"gpt2", "llama"}) {
        attnviz::test::HfSpec spec;
        spec.model_type = type;
        spec.d = 64;
        spec.layers = 3;
        spec.kv_heads = std::string(type) == "llama" ? 2 : 4;
        spec.tied = std::string(type) == "gpt2";
        const fs::path dir = fs::path(ATTNVIZ_GUI_OUT) / (std::string("hf-") + type);
        fs::remove_all(dir);
        attnviz::test::write_hf_model(dir, spec);
        for (const char* view : {"model", "next-token", "block", "heads", "pipeline", "decode"}) {
            SCOPED_TRACE(std::string(type) + " " + view);
            const Shot s = screenshot(std::string("hf_") + type + "_" + view,
                                      "--model '" + dir.string() + "' --ids 3,17,5,3,17,42,8 --layer 1 --view " + view);
            ASSERT_EQ(s.exit_code, 0);
            ASSERT_NE(s.pixels, nullptr);
            EXPECT_GT(count_near(s, kDivergingRed, 30) + count_near(s, kViridisTop, 30) + count_near(s, kHatchDark, 6), 50);
        }
        // A broken folder exits 2 before any window opens.
        fs::remove(dir / "model.safetensors");
        const Shot bad = screenshot(std::string("hf_") + type + "_broken", "--model '" + dir.string() + "' --ids 1");
        EXPECT_EQ(bad.exit_code, 2);
    }
}

// The calculator is a table and a plot: the MHA curve (series colour 0) must be drawn.
TEST(GuiScreenshot, CostViewPlotsTheCacheCurves) {
    const Shot s = screenshot("view_cost", "--view cost");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    EXPECT_GT(count_near(s, {255, 179, 71}, 20), 300);
}

// The quiz checks an answer given on the command line and shows the tensors it asks about.
TEST(GuiScreenshot, QuizAndPresetViewsRender) {
    const Shot q = screenshot("view_quiz", "--view quiz --quiz 3 --quiz-answer 0.3");
    ASSERT_EQ(q.exit_code, 0);
    ASSERT_NE(q.pixels, nullptr);
    EXPECT_EQ(q.width, 1600);
    // Beside the question: the live tensors it is about (here its logits, and once answered the
    // weights), not an empty canvas.
    EXPECT_GT(count_near(q, kDivergingRed, 30) + count_near(q, kDivergingBlue, 30) + count_near(q, kViridisTop, 30), 300);
    // The mixed preset's first-token head puts weight 1 on key 0 in every row: a column of viridis top.
    const Shot h = screenshot("heads_mixed", "--view heads --preset mixed --text 'a b c d e f g h'");
    ASSERT_EQ(h.exit_code, 0);
    EXPECT_GT(count_near(h, kViridisTop, 30), 2000);
    EXPECT_EQ(screenshot("bad_preset", "--preset clever").exit_code, 2);
}

TEST(GuiScreenshot, BadDecodeOrTilingFlagsExitTwo) {
    EXPECT_EQ(screenshot("bad_prefill", "--view decode --prefill 0").exit_code, 2);
    EXPECT_EQ(screenshot("bad_block", "--view tiling --block-q 0").exit_code, 2);
}

// Under a causal mask query 0 sees only key 0, so its weight is exactly 1 (viridis top) and the
// rest of row 0 is masked (hatched): the yellow cell must sit left of hatched cells on its row,
// and no hatched cell may appear left of it on that row.
TEST(GuiScreenshot, CausalWeightsPutTheOneLeftOfTheHatchedCells) {
    const Shot s = screenshot("causal_softmax", "--causal --heads 1 --d-model 16 --stage softmax");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    int yx = -1, yy = -1;
    for (int y = 0; y < s.height && yy < 0; ++y)
        for (int x = 0; x < s.width; ++x) {
            const auto p = s.at(x, y);
            if (std::abs(p[0] - kViridisTop[0]) < 12 && std::abs(p[1] - kViridisTop[1]) < 12 && std::abs(p[2] - kViridisTop[2]) < 20) {
                yx = x;
                yy = y;
                break;
            }
        }
    ASSERT_GE(yy, 0) << "no weight-1 cell found";
    const int row_y = yy + 10;
    int hatch_right = 0, hatch_left = 0;
    for (int x = 0; x < s.width; ++x) {
        const auto p = s.at(x, row_y);
        const bool hatch = std::abs(p[0] - kHatchDark[0]) <= 6 && std::abs(p[2] - kHatchDark[2]) <= 6;
        if (hatch && x > yx && x < yx + 600) ++hatch_right;
        if (hatch && x < yx) ++hatch_left;
    }
    EXPECT_GT(hatch_right, 40);
    EXPECT_LT(hatch_left, 4) << "hatched pixels left of the weight-1 cell (a stray anti-aliased label pixel may match)";
}

// The active tab has its own saturated colour (ImGuiCol_TabActive in app/gui_app.cpp, also the
// rule under the tab bar), whether or not the window has focus: visible at a glance.
TEST(GuiScreenshot, ActiveTabStandsOut) {
    const Shot s = screenshot("tab_active", "--view quiz --width 1024 --height 700");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    int active = 0;
    for (int y = 0; y < 120; ++y)
        for (int x = 0; x < s.width; ++x) {
            const auto p = s.at(x, y);
            if (std::abs(p[0] - 51) <= 4 && std::abs(p[1] - 128) <= 4 && std::abs(p[2] - 235) <= 4) ++active;
        }
    EXPECT_GT(active, 600);
}

// Pixels within `tol` of `rgb` inside [x0, x1) × [y0, y1).
int count_in(const Shot& s, std::array<int, 3> rgb, int tol, int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = std::max(0, y0); y < std::min(s.height, y1); ++y)
        for (int x = std::max(0, x0); x < std::min(s.width, x1); ++x) {
            const auto p = s.at(x, y);
            if (std::abs(p[0] - rgb[0]) <= tol && std::abs(p[1] - rgb[1]) <= tol && std::abs(p[2] - rgb[2]) <= tol) ++n;
        }
    return n;
}

// At 1024 × 700 the toolbars wrap instead of running off the window: the last stage button,
// the MQA button and the precision radio buttons are on screen, each found by its colour.
TEST(GuiScreenshot, ToolbarsWrapAtSmallWindows) {
    constexpr std::array<int, 3> kButtonActive = {15, 135, 250};  // ImGui dark style, the current stage
    constexpr std::array<int, 3> kSharingOn = {217, 140, 38};     // ui/decode_view.cpp, the chosen K/V sharing
    constexpr std::array<int, 3> kCheckMark = {66, 150, 250};     // a selected radio button
    const Shot p = screenshot("small_stage_output", "--stage output --width 1024 --height 700");
    ASSERT_EQ(p.exit_code, 0);
    ASSERT_NE(p.pixels, nullptr);
    EXPECT_GT(count_in(p, kButtonActive, 3, 350, 70, 1024, 180), 200);
    const Shot d = screenshot("small_decode_mqa", "--view decode --kv-heads 1 --width 1024 --height 700");
    ASSERT_EQ(d.exit_code, 0);
    ASSERT_NE(d.pixels, nullptr);
    EXPECT_GT(count_in(d, kSharingOn, 3, 350, 70, 1024, 250), 200);
    const Shot c = screenshot("small_cost", "--view cost --width 1024 --height 700");
    ASSERT_EQ(c.exit_code, 0);
    ASSERT_NE(c.pixels, nullptr);
    EXPECT_GT(count_in(c, kCheckMark, 3, 350, 70, 1024, 300), 20);
}

// The Length lab's learned heatmap agrees with its line plot: rows past the trained length hold
// (spread-out) weights, so they are not hatched; only the causal triangle is, as in the
// sinusoidal panel beside it. Panels are the four quarters of the view below the plots.
TEST(GuiScreenshot, LengthLabHatchesOnlyWhatIsMasked) {
    const Shot s = screenshot("length_hatch", "--view length");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    const int x0 = 356, quarter = (s.width - x0 - 8) / 4;
    const int learned = count_in(s, kHatchDark, 6, x0, 560, x0 + quarter, s.height);
    const int sinusoidal = count_in(s, kHatchDark, 6, x0 + quarter, 560, x0 + 2 * quarter, s.height);
    ASSERT_GT(sinusoidal, 1000);
    EXPECT_LT(learned, sinusoidal * 5 / 4) << learned << " hatched pixels vs " << sinusoidal;
}

// Every row of the RNN's hidden states carries its token, also when its 32 columns make the
// cells smaller than a text line (1024 × 700): six label bands left of the matrix, not three.
TEST(GuiScreenshot, RnnHeatmapLabelsEveryRow) {
    const Shot s = screenshot("small_rnn", "--view rnn --width 1024 --height 700");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    int bands = 0;
    bool in_band = false;
    for (int y = 320; y < 480; ++y) {
        bool text = false;
        for (int x = 356; x < 388 && !text; ++x) {
            const auto p = s.at(x, y);
            text = p[0] > 90 && std::abs(p[0] - p[1]) < 8 && std::abs(p[1] - p[2]) < 8;  // grey label ink
        }
        if (text && !in_band) ++bands;
        in_band = text;
    }
    EXPECT_EQ(bands, 6);
}

// The examples the Examples menu lists, opened through --session as that menu opens them.
TEST(GuiScreenshot, EveryExampleSessionOpensAndRendersWhatItIsAbout) {
    const fs::path dir = fs::path(ATTNVIZ_EXE).parent_path() / "assets" / "examples";
    int examples = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        ++examples;
        SCOPED_TRACE(entry.path().string());
        const Shot s = screenshot("example_" + entry.path().stem().string(), "--session '" + entry.path().string() + "'");
        ASSERT_EQ(s.exit_code, 0);
        ASSERT_NE(s.pixels, nullptr);
        if (entry.path().filename() == "1-causal-vs-padding.json") {
            // The softmax stage of a causal, padded text: masked cells are hatched.
            EXPECT_GT(count_near(s, kHatchDark, 6), 2000);
        }
    }
    EXPECT_GE(examples, 4);
}

// A broken --session file exits 2 with its message and opens no window; it used to overflow the
// stack when the file nested 100,000 levels deep.
TEST(GuiScreenshot, BrokenSessionFileExitsTwoNamingFileAndRule) {
    const fs::path out = fs::path(ATTNVIZ_GUI_OUT);
    fs::create_directories(out);
    const fs::path session = out / "deep-session.json";
    {
        std::FILE* f = std::fopen(session.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        const std::string text = R"({"format":"attnviz-session","version":)" + std::string(100000, '[') +
                                 std::string(100000, ']') + R"(,"config":{}})";
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }
    const fs::path err = out / "deep-session.err";
    const fs::path png = out / "deep-session.png";
    fs::remove(png);
    const std::string cmd = std::string("'") + ATTNVIZ_EXE + "' --session '" + session.string() + "' --screenshot '" +
                            png.string() + "' > /dev/null 2> '" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2);
    EXPECT_FALSE(fs::exists(png));
    std::string message;
    if (std::FILE* f = std::fopen(err.c_str(), "rb")) {
        char buf[4096];
        message.assign(buf, std::fread(buf, 1, sizeof buf, f));
        std::fclose(f);
    }
    EXPECT_EQ(message, "attnviz: " + session.string() + ": not valid JSON: it nests deeper than 64 levels\n");
    EXPECT_EQ(screenshot("missing_session", "--session /nonexistent/session.json").exit_code, 2);
}

TEST(GuiScreenshot, InvalidFlagsExitTwoWithoutAWindow) {
    const Shot s = screenshot("invalid", "--heads 8 --kv-heads 3");
    EXPECT_EQ(s.exit_code, 2);
    EXPECT_EQ(s.pixels, nullptr);
}

}  // namespace
