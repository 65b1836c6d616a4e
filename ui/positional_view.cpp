#include "ui/views.hpp"

#include <imgui.h>

namespace attnviz {

void draw_positional_view(UiContext&) { ImGui::TextUnformatted("positional"); }

}  // namespace attnviz
