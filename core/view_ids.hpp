// Where the user is looking, by id: the pipeline stages and the app's views. The command line
// parses these ids and sessions save them, so they live in core (below the ui/ that draws them).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

// The pipeline stages the stepper walks through, in order.
// Past the attention block's ten: the residual add, the MLP (with its norm and residual add) and
// the next-token logits, so one layer is walked end to end.
enum class Stage { Embed, AddPE, Project, Scores, Scale, Mask, Softmax, WeightedSum, Concat, Output, Residual, Mlp, Logits };
inline constexpr int kStageCount = 13;

struct StageInfo {
    Stage stage;
    std::string_view id;      // CLI name (--stage) and session value
    std::string_view title;   // shown in the stepper
};
const std::array<StageInfo, kStageCount>& stages();
std::optional<Stage> parse_stage(std::string_view id);
std::string_view to_string(Stage s);
std::string stage_ids();      // "embed|pe|...", for help and error messages

// The main window's tabs, in tab order. Adding a view: an entry here, its row in views(), its
// draw function in ui/views.hpp and its case in gui_app.cpp's dispatch.
enum class View { Pipeline, Heads, Model, Block, NextToken, Positional, Query, Decode, Cost, Tiling, Sparse, Recurrence, SqrtDk, Length, Edit, Quiz };

struct ViewInfo {
    View view;
    std::string_view id;      // CLI name (--view) and session value
    std::string_view title;   // tab label
};
const std::vector<ViewInfo>& views();
std::optional<View> parse_view(std::string_view id);
std::string_view to_string(View v);
std::string view_ids();       // "pipeline|heads|...", for help and error messages

}  // namespace attnviz
