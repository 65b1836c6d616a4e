// CPU heatmap rasteriser for headless export: no GL, no fonts beyond a built-in 3×5 digit face.
//
// Layout (pixels): margin, the [rows × cols] grid of cell_px squares, a gap, a colour bar with
// its range written at the top and bottom.
#pragma once

#include "core/colormap.hpp"
#include "core/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

struct Image {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgba;  // row-major, 4 bytes per pixel
};

struct HeatmapStyle {
    ColorMap map = ColorMap::Viridis;
    float lo = 0.0f, hi = 1.0f;  // value range mapped onto the colour bar
    int cell_px = 12;            // side of one cell, >= 1
    int margin = 8;
};

// values: [r, c]; mask (optional, same shape): 0 marks a masked cell, drawn hatched, never as a value.
Image render_heatmap(const Eigen::Ref<const MatRM>& values, const MatRM* mask, const HeatmapStyle& style);

// A long input's heatmap at one pixel per cell is 4096² pixels and takes seconds to draw and
// encode. pool_for_image shrinks [rows, cols] to at most max_side per side in f × f blocks, f the
// smallest that fits: each block shows its visible value of largest magnitude (a weight's peak, a
// score's extreme, so a sharp pattern stays visible) and counts as visible when any cell is.
struct PooledMap {
    MatRM values, mask;   // [ceil(rows / f), ceil(cols / f)]
    int factor = 1;       // f; 1 when nothing was pooled (values and mask are then copies)
};
PooledMap pool_for_image(const Eigen::Ref<const MatRM>& values, const MatRM& mask, int max_side);

// Symmetric range [-M, M] with M = max |v| over visible cells (1 when all are zero).
std::pair<float, float> symmetric_range(const Eigen::Ref<const MatRM>& values, const MatRM* mask);

// Pixel-space geometry of render_heatmap's grid, for tests and overlays.
struct HeatmapLayout {
    int grid_x, grid_y, grid_w, grid_h, bar_x, bar_y, bar_w, bar_h;
};
HeatmapLayout heatmap_layout(int rows, int cols, const HeatmapStyle& style);

}  // namespace attnviz
