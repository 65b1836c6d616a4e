// A heatmap panel: title, token labels on both axes, the GPU-coloured matrix, a colour bar with
// its range, linked hover highlight, a tooltip and "Save PNG".
#pragma once

#include "ui/ui_context.hpp"

#include <imgui.h>

#include <functional>
#include <string>
#include <vector>

namespace attnviz {

// Rows [r0, r1) × columns [c0, c1) of a heatmap; empty when r1 <= r0.
struct CellRect {
    int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
};

struct HeatmapSpec {
    HeatmapSpec(std::string id_, std::string title_, Eigen::Ref<const MatRM> values_)
        : id(std::move(id_)), title(std::move(title_)), values(std::move(values_)) {}

    std::string id;                                   // unique per panel (texture cache key)
    std::string title;                                // e.g. "A = softmax(Z)  head 2  [6×6]"
    Eigen::Ref<const MatRM> values;                   // [rows, cols]
    const MatRM* mask = nullptr;                      // [rows, cols], 0 = masked (hatched)
    HeatmapLook look;
    const std::vector<std::string>* row_labels = nullptr;  // tokens for rows (queries)
    const std::vector<std::string>* col_labels = nullptr;  // tokens for columns (keys)
    std::string row_axis = "query", col_axis = "key";
    bool rows_are_tokens = true, cols_are_tokens = true;   // link hover by row / column
    // Extra tooltip lines for cell (i, j): how the number was made.
    std::function<std::string(int, int)> explain;
    std::uint64_t data_key = 0;                       // changes whenever values / mask change
    CellRect outline;                                 // drawn as a thick orange frame (e.g. a tile)
    bool tall_rows = false;                           // rows may be taller than wide (up to a text
                                                      // line) so every row is labelled: token × feature

};

// Draws within `size` (the whole panel, labels included). Returns true when hovered.
bool draw_heatmap(UiContext& ctx, const HeatmapSpec& spec, ImVec2 size);

// A bare heatmap filling `size`, no labels or colour bar (the model view's thumbnails). Its texture
// is cached under `id` and uploaded again only when `key` changes. Returns true when hovered.
bool draw_thumbnail(UiContext& ctx, const std::string& id, std::uint64_t key, const Eigen::Ref<const MatRM>& values,
                    const HeatmapLook& look, ImVec2 size);

// Symmetric range for signed data, [0, 1] for weights.
HeatmapLook signed_look(const Eigen::Ref<const MatRM>& values, const MatRM* mask);
HeatmapLook weights_look();

// Writes the panel as a PNG into ctx.export_dir (title, labels, colour bar) and reports the
// outcome in the status bar. Returns the path written, or empty on failure.
std::string save_heatmap_png(UiContext& ctx, const HeatmapSpec& spec);

}  // namespace attnviz
