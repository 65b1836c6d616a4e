#include "core/heatmap_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attnviz {
namespace {

constexpr int kBarWidth = 14;
constexpr int kBarGap = 10;
constexpr int kGlyphScale = 2;  // 3×5 glyphs drawn at 6×10 pixels
constexpr int kLabelWidth = 8 * 4 * kGlyphScale;

// 3×5 bitmaps, one row per 3 low bits (bit 2 = left column).
struct Glyph {
    char c;
    std::uint8_t rows[5];
};
constexpr Glyph kGlyphs[] = {
    {'0', {7, 5, 5, 5, 7}}, {'1', {2, 6, 2, 2, 7}}, {'2', {7, 1, 7, 4, 7}}, {'3', {7, 1, 7, 1, 7}},
    {'4', {5, 5, 7, 1, 1}}, {'5', {7, 4, 7, 1, 7}}, {'6', {7, 4, 7, 5, 7}}, {'7', {7, 1, 1, 1, 1}},
    {'8', {7, 5, 7, 5, 7}}, {'9', {7, 5, 7, 1, 7}}, {'.', {0, 0, 0, 0, 2}}, {'-', {0, 0, 7, 0, 0}},
    {'+', {0, 2, 7, 2, 0}}, {'e', {7, 5, 7, 4, 7}},
};

void put(Image& img, int x, int y, std::array<std::uint8_t, 3> c) {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    std::uint8_t* p = &img.rgba[(static_cast<std::size_t>(y) * img.width + x) * 4];
    p[0] = c[0];
    p[1] = c[1];
    p[2] = c[2];
    p[3] = 255;
}

void draw_text(Image& img, int x, int y, const std::string& s, std::array<std::uint8_t, 3> c) {
    for (char ch : s) {
        for (const Glyph& g : kGlyphs) {
            if (g.c != ch) continue;
            for (int r = 0; r < 5; ++r)
                for (int col = 0; col < 3; ++col)
                    if (g.rows[r] & (4 >> col))
                        for (int dy = 0; dy < kGlyphScale; ++dy)
                            for (int dx = 0; dx < kGlyphScale; ++dx)
                                put(img, x + col * kGlyphScale + dx, y + r * kGlyphScale + dy, c);
        }
        x += 4 * kGlyphScale;
    }
}

std::string short_number(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(v));
    return buf;
}

}  // namespace

HeatmapLayout heatmap_layout(int rows, int cols, const HeatmapStyle& s) {
    HeatmapLayout l{};
    l.grid_x = s.margin;
    l.grid_y = s.margin + 5 * kGlyphScale + 4;  // room for the top label of the bar
    l.grid_w = cols * s.cell_px;
    l.grid_h = rows * s.cell_px;
    l.bar_x = l.grid_x + l.grid_w + kBarGap;
    l.bar_y = l.grid_y;
    l.bar_w = kBarWidth;
    l.bar_h = std::max(l.grid_h, 64);
    return l;
}

std::pair<float, float> symmetric_range(const Eigen::Ref<const MatRM>& v, const MatRM* mask) {
    float mx = 0.0f;
    for (Eigen::Index i = 0; i < v.rows(); ++i)
        for (Eigen::Index j = 0; j < v.cols(); ++j)
            if ((!mask || (*mask)(i, j) > 0.5f) && std::isfinite(v(i, j))) mx = std::max(mx, std::abs(v(i, j)));
    if (mx == 0.0f) mx = 1.0f;
    return {-mx, mx};
}

PooledMap pool_for_image(const Eigen::Ref<const MatRM>& values, const MatRM& mask, int max_side) {
    ATTNVIZ_ASSERT(max_side >= 1 && mask.rows() == values.rows() && mask.cols() == values.cols());
    PooledMap p;
    const auto longest = static_cast<int>(std::max(values.rows(), values.cols()));
    p.factor = std::max(1, (longest + max_side - 1) / max_side);
    if (p.factor == 1) {
        p.values = values;
        p.mask = mask;
        return p;
    }
    const int f = p.factor;
    const auto R = (values.rows() + f - 1) / f, C = (values.cols() + f - 1) / f;
    p.values = MatRM::Zero(R, C);  // [R, C]
    p.mask = MatRM::Zero(R, C);
    for (Eigen::Index i = 0; i < values.rows(); ++i)
        for (Eigen::Index j = 0; j < values.cols(); ++j) {
            if (mask(i, j) <= 0.5f) continue;
            float& v = p.values(i / f, j / f);
            float& seen = p.mask(i / f, j / f);
            if (seen == 0.0f || std::abs(values(i, j)) > std::abs(v)) v = values(i, j);
            seen = 1.0f;
        }
    return p;
}

Image render_heatmap(const Eigen::Ref<const MatRM>& values, const MatRM* mask, const HeatmapStyle& s) {
    ATTNVIZ_ASSERT(s.cell_px >= 1);
    ATTNVIZ_ASSERT(!mask || (mask->rows() == values.rows() && mask->cols() == values.cols()));
    const int rows = static_cast<int>(values.rows()), cols = static_cast<int>(values.cols());
    const HeatmapLayout l = heatmap_layout(rows, cols, s);
    Image img;
    img.width = l.bar_x + l.bar_w + 6 + kLabelWidth + s.margin;
    img.height = l.grid_y + std::max(l.grid_h, l.bar_h) + 5 * kGlyphScale + 4 + s.margin;
    img.rgba.assign(static_cast<std::size_t>(img.width) * img.height * 4, 0);
    for (std::size_t p = 0; p < img.rgba.size(); p += 4) {
        img.rgba[p] = img.rgba[p + 1] = img.rgba[p + 2] = 24;
        img.rgba[p + 3] = 255;
    }
    const float span = s.hi > s.lo ? s.hi - s.lo : 1.0f;
    const auto mask_u8 = std::array<std::uint8_t, 3>{static_cast<std::uint8_t>(kMaskColor[0] * 255),
                                                     static_cast<std::uint8_t>(kMaskColor[1] * 255),
                                                     static_cast<std::uint8_t>(kMaskColor[2] * 255)};
    const std::array<std::uint8_t, 3> hatch = {150, 150, 160};
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
            const bool masked = (mask && (*mask)(i, j) < 0.5f) || !std::isfinite(values(i, j));
            const auto c = colormap_u8(s.map, (values(i, j) - s.lo) / span);
            for (int y = 0; y < s.cell_px; ++y) {
                for (int x = 0; x < s.cell_px; ++x) {
                    const int px = l.grid_x + j * s.cell_px + x, py = l.grid_y + i * s.cell_px + y;
                    // Hatch masked cells with diagonal stripes: a masked cell is not a zero.
                    put(img, px, py, masked ? ((px + py) % 6 < 2 ? hatch : mask_u8) : c);
                }
            }
        }
    }
    for (int y = 0; y < l.bar_h; ++y) {
        const auto c = colormap_u8(s.map, 1.0f - static_cast<float>(y) / std::max(1, l.bar_h - 1));
        for (int x = 0; x < l.bar_w; ++x) put(img, l.bar_x + x, l.bar_y + y, c);
    }
    const std::array<std::uint8_t, 3> ink = {230, 230, 230};
    draw_text(img, l.bar_x, l.bar_y - 5 * kGlyphScale - 3, short_number(s.hi), ink);
    draw_text(img, l.bar_x, l.bar_y + l.bar_h + 3, short_number(s.lo), ink);
    return img;
}

}  // namespace attnviz
