// "Save PNG" for a heatmap panel: the GPU-rendered cells composed on the CPU with the panel's
// title, token labels, axis names and colour bar. No GL, no ImGui; text through stb_truetype
// with DejaVu Sans from ATTNVIZ_FONT_DIR.
//
// Layout (pixels, every length × scale):
//
//   margin
//   title
//   [query ↓]          key →
//   [       ]          col labels (one per column, or every k-th when cells are narrow)
//   row labels (right-aligned) | heatmap | gap | bar | gap | hi / mid / lo
//   margin
#pragma once

#include "core/colormap.hpp"
#include "core/heatmap_image.hpp"

#include <string>
#include <vector>

namespace attnviz {

struct PanelImage {
    std::string title;                    // UTF-8, may contain √ ᵀ · ∞ ∈ ℝ − × and Greek
    Image heatmap;                        // the rendered cells, already at final pixel size; top-down
                                          // (flip glReadPixels rows first); alpha ignored: output is opaque
    std::vector<std::string> row_labels;  // one per matrix row (may be empty: then indices)
    std::vector<std::string> col_labels;  // one per matrix column (may be empty)
    std::string row_axis = "query", col_axis = "key";
    ColorMap map = ColorMap::Viridis;
    float lo = 0.0f, hi = 1.0f;  // colour bar range
    int scale = 1;               // 1 or 2: multiplies font sizes, margins, bar width; must be >= 1
    int rows = 0, cols = 0;      // matrix dims (0 = infer from label counts; if both 0, no per-cell labels)
};

// Dark background like the app. Throws std::runtime_error naming the full font path if the font cannot load.
// Labels are UTF-8; a code point the font lacks draws the font's missing-glyph box, malformed bytes draw
// U+FFFD. A label list shorter than the matrix dimension falls back to indices for the rest.
Image compose_panel(const PanelImage& panel);

// Layout rectangle of the heatmap inside the composed image (for tests).
// Measures text, so it loads the font too (same exception as compose_panel).
struct PanelLayout {
    int heat_x, heat_y, bar_x, bar_y, bar_w, bar_h, width, height;
};
PanelLayout panel_layout(const PanelImage& panel);

}  // namespace attnviz
