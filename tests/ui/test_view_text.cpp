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

}  // namespace
}  // namespace attnviz
