// "Save PNG" composition: the GPU's cells copied verbatim, text actually drawn, the colour bar's
// ends, scale 2, and labels that are hard to draw (CJK, empty, malformed UTF-8, very long).
#include "core/io/panel_image.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <string>

namespace attnviz {
namespace {

using Px = std::array<std::uint8_t, 4>;

std::size_t offset(const Image& img, int x, int y) {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)) * 4;
}

Px pixel(const Image& img, int x, int y) {
    const std::size_t k = offset(img, x, y);
    return {img.rgba[k], img.rgba[k + 1], img.rgba[k + 2], img.rgba[k + 3]};
}

bool same_rgb(const Px& a, const Px& b) { return a[0] == b[0] && a[1] == b[1] && a[2] == b[2]; }

// Pixels in [x0, x1) × [y0, y1) that differ from the background, read at the (margin) corner.
int ink_pixels(const Image& img, int x0, int y0, int x1, int y1) {
    const Px bg = pixel(img, 0, 0);
    int n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) n += same_rgb(pixel(img, x, y), bg) ? 0 : 1;
    return n;
}

// rows × cols cells of cell_px, cell (i, j) coloured (40 i + 7, 30 j + 11, 200 − 9 (i + j)), so every
// cell is distinct and none is the background.
Image synthetic_heatmap(int rows, int cols, int cell_px) {
    Image img;
    img.width = cols * cell_px;
    img.height = rows * cell_px;
    img.rgba.resize(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 4);
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) {
            const int i = y / cell_px, j = x / cell_px;
            std::uint8_t* p = &img.rgba[offset(img, x, y)];
            p[0] = static_cast<std::uint8_t>(40 * i + 7);
            p[1] = static_cast<std::uint8_t>(30 * j + 11);
            p[2] = static_cast<std::uint8_t>(200 - 9 * (i + j));
            p[3] = 255;
        }
    return img;
}

PanelImage sample_panel(int scale = 1) {
    PanelImage p;
    p.title = "Head 0 · softmax(QKᵀ/√d_k) ∈ ℝ^{n×n}, −∞ masked, α β σ";
    p.heatmap = synthetic_heatmap(3, 4, 16 * scale);
    p.row_labels = {"the", "cat", "sat"};
    p.col_labels = {"the", "cat", "sat", "on"};
    p.scale = scale;
    return p;
}

void expect_dims_match_layout(const PanelImage& p) {
    const Image img = compose_panel(p);
    const PanelLayout l = panel_layout(p);
    EXPECT_EQ(img.width, l.width);
    EXPECT_EQ(img.height, l.height);
    ASSERT_EQ(img.rgba.size(), static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 4);
    // Everything placed lies inside the picture.
    EXPECT_LE(l.heat_x + p.heatmap.width, l.width);
    EXPECT_LE(l.heat_y + p.heatmap.height, l.height);
    EXPECT_LE(l.bar_x + l.bar_w, l.width);
    EXPECT_LE(l.bar_y + l.bar_h, l.height);
}

TEST(PanelImage, HeatmapPixelsAreCopiedExactlyAtTheLayoutOrigin) {
    for (int scale : {1, 2}) {
        const PanelImage p = sample_panel(scale);
        const Image img = compose_panel(p);
        const PanelLayout l = panel_layout(p);
        int mismatches = 0;
        for (int y = 0; y < p.heatmap.height; ++y)
            for (int x = 0; x < p.heatmap.width; ++x)
                mismatches += pixel(img, l.heat_x + x, l.heat_y + y) == pixel(p.heatmap, x, y) ? 0 : 1;
        EXPECT_EQ(mismatches, 0) << "scale " << scale;
        // Just outside the heatmap is background, not a smeared cell.
        EXPECT_TRUE(same_rgb(pixel(img, l.heat_x - 1, l.heat_y + 1), pixel(img, 0, 0)));
        EXPECT_TRUE(same_rgb(pixel(img, l.heat_x + p.heatmap.width, l.heat_y + 1), pixel(img, 0, 0)));
    }
}

TEST(PanelImage, OutputIsOpaqueEvenWhenTheReadbackIsNot) {
    PanelImage p = sample_panel();
    for (std::size_t k = 3; k < p.heatmap.rgba.size(); k += 4) p.heatmap.rgba[k] = 0;
    const Image img = compose_panel(p);
    for (std::size_t k = 3; k < img.rgba.size(); k += 4) ASSERT_EQ(img.rgba[k], 255) << "byte " << k;
}

TEST(PanelImage, DimensionsMatchTheLayout) {
    expect_dims_match_layout(sample_panel(1));
    expect_dims_match_layout(sample_panel(2));
    PanelImage bare;  // no title, no labels, no heatmap: just the bar and its range
    expect_dims_match_layout(bare);
    PanelImage wide_title = sample_panel();
    wide_title.title = std::string(200, 'W');
    expect_dims_match_layout(wide_title);
    EXPECT_GT(panel_layout(wide_title).width, panel_layout(sample_panel()).width);
}

TEST(PanelImage, ScaleTwoEnlargesTextMarginsAndBar) {
    PanelImage one = sample_panel(1), two = sample_panel(1);
    two.scale = 2;  // same heatmap pixels: only the decorations grow
    const PanelLayout a = panel_layout(one), b = panel_layout(two);
    const Image ia = compose_panel(one), ib = compose_panel(two);
    EXPECT_GT(ib.width, ia.width);
    EXPECT_GT(ib.height, ia.height);
    EXPECT_GT(b.heat_x, a.heat_x);  // wider margin and row labels
    EXPECT_GT(b.heat_y, a.heat_y);  // taller title and label lines
    EXPECT_EQ(b.bar_w, 2 * a.bar_w);
    // Bigger glyphs cover more pixels: the title band above the axis line.
    EXPECT_GT(ink_pixels(ib, 0, 0, ib.width, b.heat_y), ink_pixels(ia, 0, 0, ia.width, a.heat_y) * 3 / 2);
}

TEST(PanelImage, ColourBarRunsFromHiAtTopToLoAtBottom) {
    for (ColorMap map : {ColorMap::Viridis, ColorMap::Diverging}) {
        PanelImage p = sample_panel();
        p.map = map;
        p.lo = -2.5f;
        p.hi = 2.5f;
        const Image img = compose_panel(p);
        const PanelLayout l = panel_layout(p);
        const int x = l.bar_x + l.bar_w / 2;
        for (auto [y, t] : {std::pair{l.bar_y, 1.0f}, std::pair{l.bar_y + l.bar_h - 1, 0.0f}}) {
            const Rgb want = colormap(map, t);
            const Px got = pixel(img, x, y);
            for (std::size_t c = 0; c < 3; ++c) {
                EXPECT_LE(std::abs(static_cast<int>(got[c]) - static_cast<int>(want[c] * 255.0f + 0.5f)), 2)
                    << "map " << static_cast<int>(map) << " t=" << t << " channel " << c;
            }
        }
    }
}

TEST(PanelImage, DivergingBarLabelsItsCentre) {
    // Between the hi label (top) and the lo label (bottom) only the diverging map writes "0".
    auto mid_ink = [](ColorMap map) {
        PanelImage p = sample_panel();
        p.map = map;
        p.lo = -1.0f;
        p.hi = 1.0f;
        const Image img = compose_panel(p);
        const PanelLayout l = panel_layout(p);
        const int mid = l.bar_y + l.bar_h / 2;
        return ink_pixels(img, l.bar_x + l.bar_w + 1, mid - 3, img.width, mid + 4);
    };
    EXPECT_GT(mid_ink(ColorMap::Diverging), 0);
    EXPECT_EQ(mid_ink(ColorMap::Viridis), 0);
}

TEST(PanelImage, TitleDrawsInkInTheTitleBand) {
    PanelImage p;
    p.heatmap = synthetic_heatmap(2, 2, 16);
    p.row_axis = p.col_axis = "";  // nothing else above the heatmap
    const PanelLayout bare = panel_layout(p);
    EXPECT_EQ(ink_pixels(compose_panel(p), 0, 0, bare.width, bare.heat_y), 0);

    p.title = "QKᵀ/√d_k";
    const Image img = compose_panel(p);
    const PanelLayout l = panel_layout(p);
    EXPECT_GT(l.heat_y, bare.heat_y);
    EXPECT_GT(ink_pixels(img, 0, 0, img.width, l.heat_y), 40);
}

TEST(PanelImage, LongColumnLabelsStayInsideTheirColumn) {
    PanelImage p;
    p.heatmap = synthetic_heatmap(1, 2, 30);
    p.col_labels = {"an_extraordinarily_long_token", "ok"};
    p.row_axis = p.col_axis = "";  // so the only text above the heatmap is the column labels
    const Image img = compose_panel(p);
    const PanelLayout l = panel_layout(p);
    EXPECT_GT(ink_pixels(img, l.heat_x, 0, l.heat_x + 30, l.heat_y), 0);
    // The first label ends within its own 30 px column, leaving the second column's band to "ok".
    EXPECT_EQ(ink_pixels(img, 0, 0, l.heat_x, l.heat_y), 0);
    EXPECT_EQ(ink_pixels(img, l.heat_x + p.heatmap.width, 0, img.width, l.heat_y), 0);
}

TEST(PanelImage, HardLabelsDoNotCrash) {
    PanelImage p = sample_panel();
    p.heatmap = synthetic_heatmap(5, 5, 12);
    const std::string very_long(500, 'x');
    p.row_labels = {"", "猫", "\xff\xfe\xc3", very_long, "ἀλήθεια"};
    p.col_labels = {"", "日本語", "\xe2\x82", very_long, "🙂"};
    expect_dims_match_layout(p);
    // Row labels are truncated to a bounded width, however long the token.
    EXPECT_LT(panel_layout(p).heat_x, 200);

    p.row_labels = {"a"};  // fewer labels than rows: the rest are indices
    p.rows = 5;
    p.col_labels.clear();
    p.cols = 5;
    expect_dims_match_layout(p);
    p.title = "\xf0\x9f";  // truncated UTF-8 in the title
    expect_dims_match_layout(p);
}

TEST(PanelImage, NarrowCellsAreLabelledEveryKth) {
    PanelImage p;
    p.heatmap = synthetic_heatmap(200, 200, 2);
    for (int i = 0; i < 200; ++i) p.col_labels.push_back("tok" + std::to_string(i));
    p.row_labels = p.col_labels;
    p.row_axis = p.col_axis = "";  // so the only text above the heatmap is the column labels
    expect_dims_match_layout(p);
    const PanelLayout l = panel_layout(p);
    const Image img = compose_panel(p);
    // Labels stay over the heatmap: the width is the heatmap, the bar and its range, not 200 labels.
    EXPECT_LT(l.width, l.bar_x + l.bar_w + 80);
    // 2 px cells still get labels (every k-th), on both axes.
    EXPECT_GT(ink_pixels(img, l.heat_x, 0, l.heat_x + p.heatmap.width, l.heat_y), 0);
    EXPECT_GT(ink_pixels(img, 0, l.heat_y, l.heat_x, l.heat_y + p.heatmap.height), 0);
}

TEST(PanelImage, ShortLabelsInSmallCellsAreAllDrawn) {
    // Character tokens fit whole in 12 px cells, so every column keeps its label.
    PanelImage p;
    p.heatmap = synthetic_heatmap(1, 8, 12);
    p.col_labels = {"t", "h", "e", "c", "a", "t", "!", "1"};
    p.row_axis = p.col_axis = "";
    const Image img = compose_panel(p);
    const PanelLayout l = panel_layout(p);
    for (int j = 0; j < 8; ++j)
        EXPECT_GT(ink_pixels(img, l.heat_x + 12 * j, 0, l.heat_x + 12 * (j + 1), l.heat_y), 0) << "column " << j;
}

TEST(PanelLayout, InfersDimsFromLabelsAndSkipsThemWithout) {
    PanelImage p;
    p.heatmap = synthetic_heatmap(3, 3, 16);
    p.row_axis = p.col_axis = "";
    const PanelLayout none = panel_layout(p);  // rows = cols = 0 and no labels: no per-cell text
    p.row_labels = {"the", "cat", "sat"};
    p.col_labels = {"the", "cat", "sat"};
    const PanelLayout labelled = panel_layout(p);
    EXPECT_GT(labelled.heat_x, none.heat_x);
    EXPECT_GT(labelled.heat_y, none.heat_y);
    // Explicit dims without labels: indices.
    p.row_labels.clear();
    p.col_labels.clear();
    p.rows = p.cols = 3;
    const PanelLayout indexed = panel_layout(p);
    EXPECT_GT(indexed.heat_x, none.heat_x);
    EXPECT_GT(indexed.heat_y, none.heat_y);
}

}  // namespace
}  // namespace attnviz
