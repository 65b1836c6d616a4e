// The whole-model views driven through the real frame loop: the Model view's thumbnails select a
// layer and head on click and ablate on right-click, the layer shortcuts move every attention
// view, and the Block and Next token views draw every layer of a deep model with balanced frames.
#include "tests/monkey/ui_harness.hpp"
#include "tests/hf_fixture.hpp"

#include <imgui_internal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <unistd.h>
#include <utility>

namespace attnviz::testing {
namespace {

StackArch deep() {
    StackArch a;
    a.layers = 3;
    a.mlp = MlpKind::Gelu;
    a.norm = NormKind::Layer;
    return a;
}

ImGuiWindow* window_named(const std::string& part) {
    for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
        if (w->Active && std::string(w->Name).find(part) != std::string::npos) return w;
    return nullptr;
}

TEST(ModelView, ClickingEveryThumbnailSelectsItsLayerAndHeadAndRightClickAblates) {
    UiSession s(shared_window(), ImVec2(1600, 1000), std::filesystem::temp_directory_path());
    s.state.view = View::Model;
    s.state.set_arch(deep());
    ASSERT_TRUE(s.state.recompute_now());
    for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");
    ImGuiWindow* grid = window_named("model_grid");
    ASSERT_NE(grid, nullptr);
    const ImRect r = grid->InnerRect;
    ImGuiIO& io = s.io();
    std::set<std::pair<int, int>> reached;
    ImVec2 on_thumbnail(-1, -1);
    // Sweep the grid with clicks; a click anywhere on a thumbnail selects exactly that one.
    for (float y = r.Min.y + 4; y < r.Max.y && reached.size() < 12; y += 18) {
        for (float x = r.Min.x + 4; x < r.Max.x; x += 18) {
            io.MousePos = ImVec2(x, y);
            io.MouseDown[0] = false;
            ASSERT_EQ(s.frame(false), "");
            io.MouseDown[0] = true;
            ASSERT_EQ(s.frame(false), "");
            io.MouseDown[0] = false;
            ASSERT_EQ(s.frame(false), "");
            if (reached.insert({s.state.layer, s.state.detail_head}).second) on_thumbnail = io.MousePos;
        }
    }
    EXPECT_EQ(reached.size(), 12u) << "3 layers × 4 heads";
    EXPECT_EQ(s.state.trace.config.n_heads, 4);
    // Right-click the thumbnail under the pointer: that head is ablated, and the stack reruns.
    io.MousePos = on_thumbnail;
    ASSERT_EQ(s.frame(false), "");
    const int l = s.state.layer, h = s.state.detail_head;
    io.MouseDown[1] = true;
    ASSERT_EQ(s.frame(false), "");
    io.MouseDown[1] = false;
    ASSERT_EQ(s.frame(false), "");
    EXPECT_TRUE(s.state.is_ablated(l, h));
    for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");
    EXPECT_EQ(s.state.stack.ablated.size(), 1u);
}

TEST(StackViews, CtrlArrowsWalkTheLayersAndEveryNewViewDrawsEachLayer) {
    UiSession s(shared_window(), ImVec2(1280, 800), std::filesystem::temp_directory_path());
    s.state.set_arch(deep());
    ASSERT_TRUE(s.state.recompute_now());
    const KeyCodes keys = glfw_key_codes();
    ImGuiIO& io = s.io();
    const int down = ImGui::GetKeyIndex(ImGuiKey_DownArrow), up = ImGui::GetKeyIndex(ImGuiKey_UpArrow);
    for (View v : {View::Model, View::Block, View::NextToken, View::Pipeline, View::Heads}) {
        s.state.view = v;
        for (int layer = 0; layer < 3; ++layer) {
            ASSERT_EQ(s.state.layer, layer);
            for (int k = 0; k < 2; ++k) ASSERT_EQ(s.frame(), "");
            io.KeyCtrl = true;
            io.KeysDown[down] = true;
            ASSERT_EQ(s.frame(false), "");
            io.KeysDown[down] = false;
            io.KeyCtrl = false;
            ASSERT_EQ(s.frame(false), "");
        }
        EXPECT_EQ(s.state.layer, 2) << "clamped at the last layer";
        for (int k = 0; k < 3; ++k) {
            io.KeyCtrl = true;
            io.KeysDown[up] = true;
            ASSERT_EQ(s.frame(false), "");
            io.KeysDown[up] = false;
            io.KeyCtrl = false;
            ASSERT_EQ(s.frame(false), "");
        }
        EXPECT_EQ(s.state.layer, 0);
    }
    (void)keys;
}

TEST(StackViews, InductionModelShowsItsExplanationAndPredictsTheRepeat) {
    UiSession s(shared_window(), ImVec2(1600, 1000), std::filesystem::temp_directory_path());
    s.state.config.text = "red green blue gold . red green blue gold";
    s.state.set_model_preset(ModelPreset::Induction);
    ASSERT_TRUE(s.state.recompute_now());
    s.state.set_query(6);  // the second "green": "blue" followed it before
    EXPECT_EQ(s.state.stack.next[6].front().token, "blue");
    EXPECT_GT(s.state.stack.next[6].front().prob, 0.5f);
    for (View v : {View::Model, View::NextToken, View::Block}) {
        s.state.view = v;
        for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");
    }
    s.state.view = View::Model;
    for (int k = 0; k < 2; ++k) ASSERT_EQ(s.frame(), "");
    EXPECT_NE(window_named("model_grid"), nullptr);
    EXPECT_EQ(s.ctx->model.qk.size(), 2u) << "the explainer built each layer's W_Q·W_Kᵀ";
}

TEST(OpenModelDialog, ListsTheCacheAndOpensAModelWithBalancedFrames) {
    const std::filesystem::path cache = std::filesystem::temp_directory_path() / ("attnviz-hub-" + std::to_string(::getpid()));
    std::filesystem::remove_all(cache);
    test::HfSpec spec;
    spec.model_type = "llama";
    spec.kv_heads = 2;
    test::write_hf_model(cache / "models--org--tiny" / "snapshots" / "r1", spec);
    setenv("HF_HUB_CACHE", cache.c_str(), 1);
    UiSession s(shared_window(), ImVec2(1600, 1000), std::filesystem::temp_directory_path());
    ASSERT_TRUE(s.state.recompute_now());
    for (int k = 0; k < 2; ++k) ASSERT_EQ(s.frame(), "");
    std::string error;
    ASSERT_TRUE(click_item(s, "controls", "Open model…", error));
    EXPECT_EQ(error, "");
    for (int k = 0; k < 2; ++k) ASSERT_EQ(s.frame(), "");
    ASSERT_EQ(s.ctx->open_model.entries.size(), 1u);
    EXPECT_EQ(s.ctx->open_model.entries[0].name, "org/tiny");
    ImGuiWindow* dialog = window_named("Open model");
    ASSERT_NE(dialog, nullptr);
    // "Open" sits inside the table's row (PushID 0) of the dialog: sweep the dialog for it.
    bool opened = false;
    const ImRect r = dialog->InnerRect;
    ImGuiIO& io = s.io();
    for (float y = r.Min.y + 2; y < r.Max.y && !opened; y += 6) {
        for (float x = r.Min.x + 2; x < r.Max.x && !opened; x += 8) {
            io.MousePos = ImVec2(x, y);
            ASSERT_EQ(s.frame(false), "");
            ImGuiContext& g = *ImGui::GetCurrentContext();
            if (g.HoveredId == 0 || !g.HoveredWindow || std::string(g.HoveredWindow->Name).find("models") == std::string::npos) continue;
            io.MouseDown[0] = true;
            ASSERT_EQ(s.frame(false), "");
            io.MouseDown[0] = false;
            ASSERT_EQ(s.frame(false), "");
            opened = s.state.model_load_active || s.state.pretrained;
        }
    }
    ASSERT_TRUE(opened) << "no Open button found in the dialog";
    for (int k = 0; k < 500 && !s.state.pretrained; ++k) ASSERT_EQ(s.frame(false), "");
    ASSERT_TRUE(s.state.pretrained);
    EXPECT_NE(s.state.error.find("no tokenizer"), std::string::npos) << "this folder has none: " << s.state.error;
    s.state.ids = {1, 5, 9, 1, 5};
    s.state.dirty = true;
    for (View v : {View::Model, View::NextToken, View::Heads}) {
        s.state.view = v;
        for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");
    }
    EXPECT_EQ(s.state.stack.layers.size(), 2u);
    EXPECT_EQ(s.state.trace.config.n_kv_heads, 2);
    unsetenv("HF_HUB_CACHE");
    std::filesystem::remove_all(cache);
}

}  // namespace
}  // namespace attnviz::testing
