// Text helpers of the views that need no ImGui frame.
#include "ui/view_text.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

TEST(DecodeProgress, NamesTheNextTokenWhileThereIsOne) {
    EXPECT_EQ(decode_progress(0, 6), "next token 0 of 6");
    EXPECT_EQ(decode_progress(5, 6), "next token 5 of 6");
}

// Finished: position == n would name token 6 of "the cat sat on the mat", which does not exist.
TEST(DecodeProgress, FinishedNamesNoTokenPastTheEnd) {
    EXPECT_EQ(decode_progress(6, 6), "all 6 tokens decoded");
    EXPECT_EQ(decode_progress(1, 1), "the only token is decoded");
}

// A NUL token (a session's "\u0000", or an edit ImGui shortened) once made a chip's label ""
// before its "##", an empty ImGui ID: ImGui aborted.
TEST(VisibleToken, ControlCharactersBecomeTheirPictures) {
    EXPECT_EQ(visible_token(std::string(1, '\0')), "␀");
    EXPECT_EQ(visible_token("a\tb"), "a␉b");
    EXPECT_EQ(visible_token("\x7f"), "␡");
    EXPECT_EQ(visible_token(" "), "␣");
    EXPECT_EQ(visible_token("日本 x"), "日本 x");
}

}  // namespace
}  // namespace attnviz
