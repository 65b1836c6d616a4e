// ImGui's compile-time configuration for every translation unit of ours: imgui.h includes this
// through IMGUI_USER_CONFIG, which CMake sets on attnviz_ui and everything linking it.
//
// Debian's libimgui.a is built with its assertions on, so imgui.cpp checks its contract in every
// build. The checks imgui.h inlines into our code (ImVector bounds, ImGuiIO limits) would follow
// our -DNDEBUG instead and vanish from Release; this keeps them, and the tests, the monkey
// included, run with every ImGui assertion that the library has.
#pragma once

namespace attnviz {
// Prints the failed expression with file and line, then aborts, as assert() does.
[[noreturn]] void imgui_assert_failed(const char* expr, const char* file, int line);
}  // namespace attnviz

#define IM_ASSERT(_EXPR) ((_EXPR) ? (void)0 : ::attnviz::imgui_assert_failed(#_EXPR, __FILE__, __LINE__))
