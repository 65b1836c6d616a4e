// Defects the monkey found, each replayed by hand: the clicks that triggered it, through the
// real frame loop, and the frame checked for balanced ImGui stacks.
#include "tests/monkey/ui_harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace attnviz::testing {
namespace {

// The last token decoded by a button: the view used to test "done" before and after the button
// that changes it, so EndDisabled ran without its BeginDisabled and ImGui aborted.
void decode_last_token_by(const char* button, int prefill) {
    UiSession s(shared_window(), ImVec2(1600, 1000), std::filesystem::temp_directory_path());
    s.state.view = View::Decode;
    ASSERT_TRUE(s.state.recompute_now());
    ASSERT_TRUE(s.state.decode_reset(prefill));
    for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");  // the tab bar selects the view's tab
    std::string error;
    ASSERT_TRUE(click_item(s, "/view_", button, error)) << button << " not found in the KV cache view";
    EXPECT_EQ(error, "");
    ASSERT_TRUE(s.state.decode.decoder);
    EXPECT_TRUE(s.state.decode.decoder->done());
    EXPECT_EQ(s.frame(), "");
}

TEST(DecodeView, RunToEndButtonFinishesWithBalancedFrames) { decode_last_token_by("Run to end", 1); }

TEST(DecodeView, StepButtonOnTheLastTokenFinishesWithBalancedFrames) {
    decode_last_token_by("Step ▶ (N)", 5);  // "the cat sat on the mat": token 5 is the last
}

// A NUL in the text (here set directly; the monkey got one through the text box): the char
// tokens include "\0", and a chip or query button labelled with it had an empty ImGui ID.
TEST(TokenLabels, NulTokenDrawsInEveryTokenButton) {
    for (const View v : {View::Pipeline, View::Query}) {
        UiSession s(shared_window(), ImVec2(1280, 800), std::filesystem::temp_directory_path());
        s.state.config.tokenize = Tokenization::Char;
        s.state.config.text = std::string("ab\0c", 4);
        s.state.view = v;
        ASSERT_TRUE(s.state.recompute_now());
        for (int k = 0; k < 3; ++k) EXPECT_EQ(s.frame(), "");
    }
}

// The Positional view kept its caches in one global: a second context whose trace had the same
// generation number but another shape drew the first one's comparison with its own mask, and
// Eigen's bounds check aborted (the monkey under ASan, seed 7). Each context now has its own.
TEST(PositionalView, AComparisonBelongsToItsOwnContext) {
    const auto compare_on = [](UiSession& s) {
        std::string error;
        ASSERT_TRUE(click_item(s, "/view_", "effect on this input's scores (with vs without position)", error));
        EXPECT_EQ(error, "");
        for (int k = 0; k < 3; ++k) EXPECT_EQ(s.frame(), "");
    };
    {
        UiSession s(shared_window(), ImVec2(1600, 1000), std::filesystem::temp_directory_path());
        s.state.view = View::Positional;
        ASSERT_TRUE(s.state.recompute_now());
        for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");
        compare_on(s);
    }
    UiSession s(shared_window(), ImVec2(1600, 1000), std::filesystem::temp_directory_path());
    s.state.view = View::Positional;
    s.state.config.text = "a b";
    s.state.config.source = "x y z w";
    ASSERT_TRUE(s.state.recompute_now());
    for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frame(), "");
    compare_on(s);
}

}  // namespace
}  // namespace attnviz::testing
