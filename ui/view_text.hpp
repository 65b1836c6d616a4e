// Small text and layout helpers every view shares: formatted numbers, wrapped notes and
// captions, and the sizes panels are laid out with.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>

namespace attnviz {

inline const ImVec4 kNoteColour(0.6f, 0.85f, 1.0f, 1.0f);
inline const ImVec4 kWarnColour(1.0f, 0.65f, 0.3f, 1.0f);

// One number through a printf format, e.g. num(x, "%.4f").
std::string num(double v, const char* format = "%.3g");

template <typename... Args>
std::string format(const char* f, Args... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, f, args...);
    return buf;
}

// "1.5 GiB", "512 KiB", "96 B": binary units, three significant digits.
std::string bytes_text(double bytes);
// "3.2 G", "12.5 M", "640 k": decimal units for counts such as FLOPs.
std::string count_text(double count);

// A token as a widget label shows it: a lone space as "␣", control characters (a NUL from a
// session file or a broken edit included) as their Control Pictures (U+2400 …), so a label
// never ends early at a NUL, which would give an empty ImGui ID (ImGui aborts on that).
std::string visible_token(const std::string& token);

// The KV cache view's progress: "next token 3 of 6" (positions from 0), and once `position`
// reaches n "all 6 tokens decoded", never a token past the end.
std::string decode_progress(int position, int n);

// Text that wraps inside the view, in a colour; a caption is a note in the disabled colour.
void note(const ImVec4& colour, const std::string& text);
void caption(const std::string& text);

// Width a heatmap panel takes at `height` with square cells: labels and colour bar included
// (the layout of draw_heatmap: a title line, two label lines above, ~2 lines below).
float heatmap_width(int rows, int cols, float height);
// The height left in the current region (at least 60 px).
float remaining_height();

// Toolbars that wrap instead of running off a small window: call flow(width of the next item)
// before each item after the first; it stays on the line when the item fits, else starts a new
// one. The widths below are what ImGui will lay the item out with (the label's "##" part hidden).
void flow(float item_width);
float text_width(const char* text);
float button_width(const char* label);                  // Button or SmallButton
float field_width(float width, const char* label);      // SetNextItemWidth(width) + its label
float radio_width(const char* label);                   // RadioButton, Checkbox

// A texture-cache key from several parts (generation, head, version, …).
std::uint64_t key_of(std::initializer_list<std::uint64_t> parts);
inline std::uint64_t u64(int v) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(v)); }

}  // namespace attnviz
