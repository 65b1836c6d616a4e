#include "ui/imgui_config.hpp"

#include <cstdio>
#include <cstdlib>

namespace attnviz {

void imgui_assert_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: ImGui assertion failed: %s\n", file, line, expr);
    std::abort();
}

}  // namespace attnviz
