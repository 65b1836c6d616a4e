#include "ui/views.hpp"

#include <imgui.h>

namespace attnviz {

void draw_query_view(UiContext&) { ImGui::TextUnformatted("query"); }

}  // namespace attnviz
