// The text box's word wrap: soft breaks replace spaces one for one, the user's own line breaks
// survive, and an edit maps back to the text exactly.
#include "ui/soft_wrap.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

// Every byte 1 px wide: lines of at most `width` bytes.
const MeasureText kMono = [](std::string_view s) { return static_cast<float>(s.size()); };

TEST(SoftWrap, BreaksAtTheLastSpaceThatFits) {
    const SoftWrap w = soft_wrap("the cat sat on the mat", 8, kMono);
    EXPECT_EQ(w.shown, "the cat\nsat on\nthe mat");
    ASSERT_EQ(w.soft.size(), w.shown.size());
    EXPECT_EQ(w.soft[7], 1);
    EXPECT_EQ(w.soft[14], 1);
    EXPECT_EQ(unwrapped(w), "the cat sat on the mat");
    // Wide enough: nothing changes.
    EXPECT_EQ(soft_wrap("the cat", 100, kMono).shown, "the cat");
}

TEST(SoftWrap, LongWordsStayWholeAndHardBreaksStay) {
    const SoftWrap w = soft_wrap("a supercalifragilistic b\nc d", 5, kMono);
    EXPECT_EQ(w.shown, "a\nsupercalifragilistic\nb\nc d");
    EXPECT_EQ(w.soft[1], 1);
    EXPECT_EQ(w.soft[22], 1);
    EXPECT_EQ(w.soft[24], 0);  // the user's own line break
    EXPECT_EQ(unwrapped(w), "a supercalifragilistic b\nc d");
}

TEST(SoftWrap, EditsMapBackToTheText) {
    const SoftWrap w = soft_wrap("the cat sat on the mat", 8, kMono);  // "the cat\nsat on\nthe mat"
    // Typing at the start: every later soft break is a space again.
    EXPECT_EQ(unwrap_edit(w, "XXthe cat\nsat on\nthe mat"), "XXthe cat sat on the mat");
    // Deleting a word in the middle.
    EXPECT_EQ(unwrap_edit(w, "the cat\n on\nthe mat"), "the cat  on the mat");
    // A newline the user types is kept.
    EXPECT_EQ(unwrap_edit(w, "the\n cat\nsat on\nthe mat"), "the\n cat sat on the mat");
    // Deleting the soft break itself joins the words, as deleting a space does.
    EXPECT_EQ(unwrap_edit(w, "the catsat on\nthe mat"), "the catsat on the mat");
    EXPECT_EQ(unwrap_edit(w, ""), "");
}

}  // namespace
}  // namespace attnviz
