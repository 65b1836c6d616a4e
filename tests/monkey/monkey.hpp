// A seeded random input generator for the UI: every frame it writes a few events into ImGuiIO
// the way ImGui 1.86's GLFW backend would (io.MousePos, io.MouseDown, io.MouseWheel,
// io.KeysDown by GLFW key code, io.KeyCtrl/Shift/Alt, typed UTF-8 text). Pointer moves land
// anywhere, in and off the window; clicks, double clicks, drags and wheel follow; keys include
// arrows, Tab, Enter, Esc, editing keys, letters, digits, F1…F12 and Ctrl/Alt shortcuts; text
// includes non-ASCII, emoji and broken UTF-8. The same seed gives the same events.
#pragma once

#include "core/rng.hpp"

#include <imgui.h>

#include <cstdint>
#include <vector>

namespace attnviz::testing {

class Monkey {
public:
    explicit Monkey(std::uint64_t seed) : rng_(seed) {}
    // Writes this frame's events into `io` for a display of `display` pixels and returns how
    // many it wrote (each pointer move, button press or release, wheel turn, key press or
    // release and typed string counts once). `item_hovered`: ImGui hovered an item last frame,
    // so a click now lands on a widget (random points mostly hit empty space).
    int inject(ImGuiIO& io, ImVec2 display, bool item_hovered);
    // Presses Esc this frame (and lets go of everything held): the test closes modals with it.
    int press_escape(ImGuiIO& io);

private:
    int below(int n);         // uniform in [0, n)
    bool chance(double p);
    ImVec2 anywhere(ImVec2 display);
    int set_key(ImGuiIO& io, int key, bool down);
    int set_button(ImGuiIO& io, int button, bool down);
    int set_modifiers(ImGuiIO& io, bool ctrl, bool shift, bool alt);
    int release_all(ImGuiIO& io);

    Rng rng_;
    std::vector<int> release_keys_;      // tapped last frame: released now
    std::vector<int> release_buttons_;
    int modifier_frames_ = 0;            // frames the held modifiers stay down
    int drag_frames_ = 0;                // frames left in a drag with the left button down
    int held_key_ = -1, held_frames_ = 0;  // a key held long enough to repeat
};

}  // namespace attnviz::testing
