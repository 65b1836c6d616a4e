// Word wrap for the text box. Dear ImGui 1.86's multiline input does not wrap, so the box edits a
// copy of the text in which some spaces are shown as line breaks ("soft" breaks). A soft break
// replaces a space one for one: byte offsets (the cursor) are the same in the text and in the box.
// No ImGui here: the width of a piece of text comes from the caller.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

struct SoftWrap {
    std::string shown;        // the text with soft breaks, what the box displays and edits
    std::vector<char> soft;   // [shown.size()] 1 where `shown` has a '\n' that is a space in the text
};

using MeasureText = std::function<float(std::string_view)>;  // width of one line of text, px

// Greedy wrap of `text` at spaces so that every line measures at most `width`; a word longer
// than a line stays whole. The user's own line breaks stay as they are.
SoftWrap soft_wrap(std::string_view text, float width, const MeasureText& measure);

// The text behind `w`: every soft break back to a space.
std::string unwrapped(const SoftWrap& w);

// The text after the box turned `before.shown` into `shown_after` (one edit: typing, deleting,
// pasting, undo). Outside the changed span (common prefix and suffix) soft breaks are spaces
// again; inside it every character is the user's own, '\n' included.
std::string unwrap_edit(const SoftWrap& before, std::string_view shown_after);

}  // namespace attnviz
