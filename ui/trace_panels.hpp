// HeatmapSpecs for the trace's tensors, shared by every view so a given matrix looks, hovers and
// explains itself the same way everywhere.
#pragma once

#include "ui/heatmap_widget.hpp"

#include <string>

namespace attnviz {

// How cell (i, j) of head a's scores / weights was made, with this input's numbers.
std::string explain_score(const Trace& t, int a, int i, int j);

std::vector<std::string> dim_labels(int count, const char* prefix);  // "d0", "d1", …

HeatmapSpec scores_spec(const AppState& st, int head, const std::string& id_suffix);
HeatmapSpec scaled_spec(const AppState& st, int head, const MatRM& scaled, const std::string& id_suffix);
HeatmapSpec logits_spec(const AppState& st, int head, const MatRM& logits, const std::string& id_suffix);
HeatmapSpec weights_spec(const AppState& st, int head, const std::string& id_suffix);
// A token × feature matrix (X, PE, Q, K, V, H, …): rows are tokens, columns dimensions.
HeatmapSpec features_spec(const AppState& st, const std::string& id, const std::string& title, const MatRM& m,
                          const std::vector<std::string>* tokens, std::uint64_t salt);

// "6×16" from a matrix.
std::string dims(const MatRM& m);

// Lays `count` panels out in a grid over the remaining region, choosing the number per row that
// gives each matrix the most room. Draw panel 0, then call next() before each further panel.
class PanelGrid {
public:
    PanelGrid(int count, float min_width, float height_share = 1.0f);
    ImVec2 cell;       // size of one panel
    int per_row = 1;
    void next();       // moves to the next slot (same row or a new one)

private:
    float x0_ = 0.0f;
    int index_ = 0;
};

}  // namespace attnviz
