// The CPU heatmap rasteriser used by headless export: geometry, cell colours, masked cells.
#include "core/heatmap_image.hpp"

#include "test_helpers.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace attnviz {
namespace {

using test::mat;
using Px = std::array<std::uint8_t, 3>;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

Px pixel(const Image& img, int x, int y) {
    const std::size_t w = static_cast<std::size_t>(img.width);
    const std::size_t k = (static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)) * 4;
    return {img.rgba[k], img.rgba[k + 1], img.rgba[k + 2]};
}

// Centre of cell (i, j) in image pixels.
Px cell_centre(const Image& img, const HeatmapLayout& l, const HeatmapStyle& s, int i, int j) {
    return pixel(img, l.grid_x + j * s.cell_px + s.cell_px / 2, l.grid_y + i * s.cell_px + s.cell_px / 2);
}

TEST(HeatmapLayout, GoldenGeometry) {
    // 3 × 4 cells of 12 px, margin 8: the grid starts below the bar's top label
    // (y = 8 + 5·2 + 4 = 22) and is 48 × 36; the bar sits 10 px right of it, 14 wide and at
    // least 64 tall.
    const HeatmapLayout l = heatmap_layout(3, 4, HeatmapStyle{});
    EXPECT_EQ(l.grid_x, 8);
    EXPECT_EQ(l.grid_y, 22);
    EXPECT_EQ(l.grid_w, 48);
    EXPECT_EQ(l.grid_h, 36);
    EXPECT_EQ(l.bar_x, 66);
    EXPECT_EQ(l.bar_y, 22);
    EXPECT_EQ(l.bar_w, 14);
    EXPECT_EQ(l.bar_h, 64);
    // A tall grid makes the bar as tall as the grid.
    EXPECT_EQ(heatmap_layout(10, 2, HeatmapStyle{}).bar_h, 120);
}

TEST(RenderHeatmap, ImageSizeFollowsTheLayout) {
    for (auto [rows, cols, cell] :
         {std::array{3, 4, 12}, std::array{10, 2, 12}, std::array{1, 1, 1}, std::array{7, 9, 5}}) {
        HeatmapStyle s;
        s.cell_px = cell;
        const Image img = render_heatmap(MatRM::Zero(rows, cols), nullptr, s);
        const HeatmapLayout l = heatmap_layout(rows, cols, s);
        // Right of the bar: 6 px gap, a label of 8 glyphs × 8 px, the margin.
        EXPECT_EQ(img.width, l.bar_x + l.bar_w + 6 + 64 + s.margin) << rows << "x" << cols;
        // Below the taller of grid and bar: the bottom label (10 px + 4) and the margin.
        EXPECT_EQ(img.height, l.grid_y + std::max(l.grid_h, l.bar_h) + 14 + s.margin) << rows << "x" << cols;
        EXPECT_EQ(img.rgba.size(), static_cast<std::size_t>(img.width) * img.height * 4);
        EXPECT_GE(img.width, l.grid_x + l.grid_w);
    }
    // 3 × 4 default style: 66 + 14 + 6 + 64 + 8 = 158 wide, 22 + 64 + 14 + 8 = 108 tall.
    const Image img = render_heatmap(MatRM::Zero(3, 4), nullptr, HeatmapStyle{});
    EXPECT_EQ(img.width, 158);
    EXPECT_EQ(img.height, 108);
}

TEST(RenderHeatmap, CellCentreHasTheColormapColour) {
    const MatRM v = mat({{0.0f, 0.25f, 0.5f}, {0.75f, 1.0f, 0.1f}});
    for (ColorMap map : {ColorMap::Viridis, ColorMap::Diverging}) {
        HeatmapStyle s;
        s.map = map;
        const Image img = render_heatmap(v, nullptr, s);
        const HeatmapLayout l = heatmap_layout(2, 3, s);
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j)
                EXPECT_EQ(cell_centre(img, l, s, i, j), colormap_u8(map, v(i, j))) << i << "," << j;
        // Every pixel of a cell has the same colour: check the corners of cell (1, 2).
        const Px c = colormap_u8(map, 0.1f);
        EXPECT_EQ(pixel(img, l.grid_x + 2 * s.cell_px, l.grid_y + s.cell_px), c);
        EXPECT_EQ(pixel(img, l.grid_x + 3 * s.cell_px - 1, l.grid_y + 2 * s.cell_px - 1), c);
    }
}

TEST(RenderHeatmap, ValuesMapThroughTheRange) {
    // lo = -2, hi = 2: value 1 sits at t = (1 - (-2)) / 4 = 0.75; values past the range clamp.
    HeatmapStyle s;
    s.map = ColorMap::Diverging;
    s.lo = -2.0f;
    s.hi = 2.0f;
    const MatRM v = mat({{1.0f, -2.0f, 0.0f, 9.0f}});
    const Image img = render_heatmap(v, nullptr, s);
    const HeatmapLayout l = heatmap_layout(1, 4, s);
    EXPECT_EQ(cell_centre(img, l, s, 0, 0), colormap_u8(ColorMap::Diverging, 0.75f));
    EXPECT_EQ(cell_centre(img, l, s, 0, 1), colormap_u8(ColorMap::Diverging, 0.0f));
    EXPECT_EQ(cell_centre(img, l, s, 0, 2), colormap_u8(ColorMap::Diverging, 0.5f));
    EXPECT_EQ(cell_centre(img, l, s, 0, 3), colormap_u8(ColorMap::Diverging, 1.0f));
}

TEST(RenderHeatmap, MaskedCellIsNotTheColourOfZero) {
    // A masked weight is 0 in the data but must not be drawn as 0: it is hatched in the mask colours.
    const MatRM v = mat({{0.0f, 0.0f}, {0.5f, 0.5f}});
    const MatRM mask = mat({{1.0f, 0.0f}, {1.0f, 1.0f}});
    const HeatmapStyle s;
    const Image img = render_heatmap(v, &mask, s);
    const HeatmapLayout l = heatmap_layout(2, 2, s);
    const Px zero = colormap_u8(ColorMap::Viridis, 0.0f);
    EXPECT_EQ(cell_centre(img, l, s, 0, 0), zero);
    const Px masked = cell_centre(img, l, s, 0, 1);
    EXPECT_NE(masked, zero);
    const Px mask_px = {81, 81, 91};   // kMaskColor · 255, truncated
    const Px hatch_px = {150, 150, 160};
    EXPECT_TRUE(masked == mask_px || masked == hatch_px);
    // No pixel of the masked cell has the colour of 0, and both hatch colours occur.
    bool saw_mask = false, saw_hatch = false;
    for (int y = 0; y < s.cell_px; ++y)
        for (int x = 0; x < s.cell_px; ++x) {
            const Px p = pixel(img, l.grid_x + s.cell_px + x, l.grid_y + y);
            EXPECT_NE(p, zero);
            saw_mask |= p == mask_px;
            saw_hatch |= p == hatch_px;
        }
    EXPECT_TRUE(saw_mask);
    EXPECT_TRUE(saw_hatch);
}

TEST(RenderHeatmap, NonFiniteValuesAreDrawnMasked) {
    // −∞ logits of masked cells and stray NaN never read as a value.
    const MatRM v = mat({{kNegInf, std::numeric_limits<float>::quiet_NaN(), 0.0f}});
    const HeatmapStyle s;
    const Image img = render_heatmap(v, nullptr, s);
    const HeatmapLayout l = heatmap_layout(1, 3, s);
    const Px zero = colormap_u8(ColorMap::Viridis, 0.0f);
    EXPECT_NE(cell_centre(img, l, s, 0, 0), zero);
    EXPECT_NE(cell_centre(img, l, s, 0, 1), zero);
    EXPECT_EQ(cell_centre(img, l, s, 0, 2), zero);
}

TEST(RenderHeatmap, ColourBarRunsFromHiAtTopToLoAtBottom) {
    const HeatmapStyle s;
    const Image img = render_heatmap(MatRM::Zero(2, 2), nullptr, s);
    const HeatmapLayout l = heatmap_layout(2, 2, s);
    EXPECT_EQ(pixel(img, l.bar_x + l.bar_w / 2, l.bar_y), colormap_u8(ColorMap::Viridis, 1.0f));
    EXPECT_EQ(pixel(img, l.bar_x + l.bar_w / 2, l.bar_y + l.bar_h - 1), colormap_u8(ColorMap::Viridis, 0.0f));
    // Opaque everywhere.
    for (std::size_t k = 3; k < img.rgba.size(); k += 4) ASSERT_EQ(img.rgba[k], 255);
}

TEST(SymmetricRange, MaxAbsOverVisibleFiniteCells) {
    const MatRM v = mat({{-3.0f, 1.0f}, {2.5f, 100.0f}});
    EXPECT_EQ(symmetric_range(v, nullptr), (std::pair<float, float>{-100.0f, 100.0f}));
    const MatRM mask = mat({{1, 1}, {1, 0}});
    EXPECT_EQ(symmetric_range(v, &mask), (std::pair<float, float>{-3.0f, 3.0f}));
    EXPECT_EQ(symmetric_range(MatRM::Zero(2, 2), nullptr), (std::pair<float, float>{-1.0f, 1.0f}));
    EXPECT_EQ(symmetric_range(mat({{kNegInf, 0.5f}}), nullptr), (std::pair<float, float>{-0.5f, 0.5f}));
}

// A 4096-token heatmap at one pixel per cell took seconds per PNG; pooling keeps each block's
// extreme visible value, so a one-hot pattern survives the shrink.
TEST(HeatmapImage, PoolingKeepsEachBlocksLargestMagnitudeVisibleValue) {
    MatRM v = MatRM::Zero(5, 5);
    MatRM mask = MatRM::Ones(5, 5);
    v(0, 1) = 0.3f;
    v(1, 0) = -0.9f;   // block (0, 0): largest magnitude is −0.9
    v(4, 4) = 0.5f;    // block (2, 2) holds one cell
    mask(2, 2) = mask(2, 3) = mask(3, 2) = mask(3, 3) = 0.0f;  // block (1, 1) fully masked
    const PooledMap p = pool_for_image(v, mask, 3);
    EXPECT_EQ(p.factor, 2);
    ASSERT_EQ(p.values.rows(), 3);
    ASSERT_EQ(p.values.cols(), 3);
    EXPECT_EQ(p.values(0, 0), -0.9f);
    EXPECT_EQ(p.values(2, 2), 0.5f);
    EXPECT_EQ(p.mask(1, 1), 0.0f);
    EXPECT_EQ(p.mask(0, 0), 1.0f);
    const PooledMap same = pool_for_image(v, mask, 5);
    EXPECT_EQ(same.factor, 1);
    EXPECT_TRUE(test::all_close(same.values, v, 0.0f));
}

}  // namespace
}  // namespace attnviz
