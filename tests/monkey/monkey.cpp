#include "tests/monkey/monkey.hpp"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cfloat>
#include <iterator>

namespace attnviz::testing {
namespace {

// Every key a user can reach that ImGui or the app reads, plus ordinary letters and digits.
constexpr int kKeys[] = {
    GLFW_KEY_LEFT, GLFW_KEY_RIGHT, GLFW_KEY_UP, GLFW_KEY_DOWN, GLFW_KEY_TAB, GLFW_KEY_ENTER, GLFW_KEY_KP_ENTER,
    GLFW_KEY_ESCAPE, GLFW_KEY_BACKSPACE, GLFW_KEY_DELETE, GLFW_KEY_INSERT, GLFW_KEY_HOME, GLFW_KEY_END,
    GLFW_KEY_PAGE_UP, GLFW_KEY_PAGE_DOWN, GLFW_KEY_SPACE, GLFW_KEY_LEFT_BRACKET, GLFW_KEY_RIGHT_BRACKET,
    GLFW_KEY_MINUS, GLFW_KEY_EQUAL, GLFW_KEY_COMMA, GLFW_KEY_PERIOD, GLFW_KEY_SLASH,
    GLFW_KEY_A, GLFW_KEY_C, GLFW_KEY_N, GLFW_KEY_O, GLFW_KEY_S, GLFW_KEY_V, GLFW_KEY_X, GLFW_KEY_Y, GLFW_KEY_Z,
    GLFW_KEY_0, GLFW_KEY_1, GLFW_KEY_2, GLFW_KEY_3, GLFW_KEY_4, GLFW_KEY_5, GLFW_KEY_6, GLFW_KEY_7, GLFW_KEY_8,
    GLFW_KEY_9, GLFW_KEY_F1, GLFW_KEY_F2, GLFW_KEY_F3, GLFW_KEY_F4, GLFW_KEY_F5, GLFW_KEY_F6, GLFW_KEY_F7,
    GLFW_KEY_F8, GLFW_KEY_F9, GLFW_KEY_F10, GLFW_KEY_F11, GLFW_KEY_F12,
};

// Keys that go with Ctrl or Alt: tab shortcuts, tab walking, session files, editing.
constexpr int kChordKeys[] = {
    GLFW_KEY_0, GLFW_KEY_1, GLFW_KEY_2, GLFW_KEY_3, GLFW_KEY_4, GLFW_KEY_5, GLFW_KEY_6, GLFW_KEY_7,
    GLFW_KEY_8, GLFW_KEY_9, GLFW_KEY_PAGE_UP, GLFW_KEY_PAGE_DOWN, GLFW_KEY_TAB, GLFW_KEY_S, GLFW_KEY_O,
    GLFW_KEY_A, GLFW_KEY_C, GLFW_KEY_V, GLFW_KEY_X, GLFW_KEY_Z, GLFW_KEY_Y, GLFW_KEY_LEFT, GLFW_KEY_RIGHT,
    GLFW_KEY_BACKSPACE, GLFW_KEY_DELETE, GLFW_KEY_HOME, GLFW_KEY_END,
};

// Typed text: digits and numbers for the numeric fields (out of range, negative, huge, not a
// number), words and <pad> for the text box, and UTF-8 the fonts do not cover or that is broken.
// No '/' and no "..": typed paths stay relative, inside the sandbox the test runs in.
constexpr const char* kTexts[] = {
    "a", "Z", "7", "0", "-", "-1", "0.5", "1e30", "nan", "inf", "999999999999", "3", "64", "4096", " ",
    "the cat", " <pad> ", "\t", "é", "ß", "Ω", "√", "ℝ", "日本語", "🙂", "👩‍💻", "a\u0301", "\u00a0",
    "ﬁ", "\u200b", "\xff\xfe", "\xe2\x82", "😀😀😀😀😀😀😀😀", "rope", "x y z w v u t s r q p",
};

}  // namespace

int Monkey::below(int n) { return static_cast<int>(rng_.next_u64() % static_cast<std::uint64_t>(n)); }
bool Monkey::chance(double p) { return rng_.uniform() < p; }

ImVec2 Monkey::anywhere(ImVec2 display) {
    if (chance(0.02)) return ImVec2(-FLT_MAX, -FLT_MAX);  // the pointer left the window
    return ImVec2(static_cast<float>(rng_.uniform()) * (display.x + 40.0f) - 20.0f,
                  static_cast<float>(rng_.uniform()) * (display.y + 40.0f) - 20.0f);
}

int Monkey::set_key(ImGuiIO& io, int key, bool down) {
    if (io.KeysDown[key] == down) return 0;
    io.KeysDown[key] = down;
    return 1;
}

int Monkey::set_button(ImGuiIO& io, int button, bool down) {
    if (io.MouseDown[button] == down) return 0;
    io.MouseDown[button] = down;
    return 1;
}

// As the GLFW backend does: the flags follow the left and right modifier keys.
int Monkey::set_modifiers(ImGuiIO& io, bool ctrl, bool shift, bool alt) {
    const int n = set_key(io, GLFW_KEY_LEFT_CONTROL, ctrl) + set_key(io, GLFW_KEY_LEFT_SHIFT, shift) +
                  set_key(io, GLFW_KEY_LEFT_ALT, alt);
    io.KeyCtrl = ctrl;
    io.KeyShift = shift;
    io.KeyAlt = alt;
    return n;
}

int Monkey::release_all(ImGuiIO& io) {
    int n = set_modifiers(io, false, false, false);
    for (int k = 0; k < 512; ++k) n += set_key(io, k, false);
    for (int b = 0; b < 5; ++b) n += set_button(io, b, false);
    release_keys_.clear();
    release_buttons_.clear();
    modifier_frames_ = drag_frames_ = held_frames_ = 0;
    held_key_ = -1;
    return n;
}

int Monkey::press_escape(ImGuiIO& io) {
    io.MouseWheel = io.MouseWheelH = 0.0f;
    const int n = release_all(io) + set_key(io, GLFW_KEY_ESCAPE, true);
    release_keys_.push_back(GLFW_KEY_ESCAPE);
    return n;
}

int Monkey::inject(ImGuiIO& io, ImVec2 display, bool item_hovered) {
    int n = 0;
    io.MouseWheel = io.MouseWheelH = 0.0f;
    // Taps from last frame let go; held modifiers, drags and held keys run their course.
    for (int k : release_keys_) n += set_key(io, k, false);
    for (int b : release_buttons_) n += set_button(io, b, false);
    release_keys_.clear();
    release_buttons_.clear();
    if (modifier_frames_ > 0 && --modifier_frames_ == 0) n += set_modifiers(io, false, false, false);
    if (drag_frames_ > 0) {
        io.MousePos.x += static_cast<float>(below(61) - 30);
        io.MousePos.y += static_cast<float>(below(61) - 30);
        ++n;
        if (--drag_frames_ == 0) n += set_button(io, 0, false);
        return n;
    }
    if (held_frames_ > 0 && --held_frames_ == 0) {
        n += set_key(io, held_key_, false);
        held_key_ = -1;
    }
    // A widget is under the pointer: click it often, so buttons, chips and fields get pressed.
    if (item_hovered && chance(0.35)) {
        n += set_button(io, 0, true);
        release_buttons_.push_back(0);
        return n;
    }
    const int events = 1 + below(3);
    for (int e = 0; e < events; ++e) {
        const int roll = below(100);
        if (roll < 28) {                                  // pointer move, anywhere
            io.MousePos = anywhere(display);
            ++n;
        } else if (roll < 36) {                           // pointer move, nearby
            if (io.MousePos.x < -1e30f) io.MousePos = anywhere(display);
            io.MousePos.x += static_cast<float>(below(41) - 20);
            io.MousePos.y += static_cast<float>(below(41) - 20);
            ++n;
        } else if (roll < 50) {                           // click: down now, up next frame
            const int b = chance(0.85) ? 0 : chance(0.6) ? 1 : 2;
            if (set_button(io, b, true)) {
                ++n;
                release_buttons_.push_back(b);
            }
        } else if (roll < 54) {                           // drag: left button down for a few frames
            if (!io.MouseDown[0] && set_button(io, 0, true)) {
                ++n;
                drag_frames_ = 2 + below(12);
                return n;
            }
        } else if (roll < 60) {                           // wheel
            io.MouseWheel = static_cast<float>(below(7) - 3) * (chance(0.3) ? 0.5f : 1.0f);
            if (chance(0.2)) io.MouseWheelH = static_cast<float>(below(5) - 2);
            ++n;
        } else if (roll < 76) {                           // a key tap
            const int k = kKeys[below(static_cast<int>(std::size(kKeys)))];
            if (set_key(io, k, true)) {
                ++n;
                release_keys_.push_back(k);
            }
        } else if (roll < 80) {                           // modifiers held for a while
            n += set_modifiers(io, chance(0.5), chance(0.4), chance(0.3));
            modifier_frames_ = 1 + below(20);
        } else if (roll < 86) {                           // a chord: Ctrl or Alt (+Shift) and a key
            const bool alt = chance(0.3);
            n += set_modifiers(io, !alt || chance(0.1), chance(0.15), alt);
            modifier_frames_ = 2;
            const int k = kChordKeys[below(static_cast<int>(std::size(kChordKeys)))];
            if (set_key(io, k, true)) {
                ++n;
                release_keys_.push_back(k);
            }
        } else if (roll < 88) {                           // a key held until it repeats
            if (held_key_ < 0) {
                held_key_ = kKeys[below(static_cast<int>(std::size(kKeys)))];
                held_frames_ = 20 + below(40);
                n += set_key(io, held_key_, true);
            }
        } else {                                          // typed text
            io.AddInputCharactersUTF8(kTexts[below(static_cast<int>(std::size(kTexts)))]);
            ++n;
        }
    }
    return n;
}

}  // namespace attnviz::testing
