// The icon's SVG subset, read and rasterised without a graphics library, so that the PNGs the
// build makes from assets/attnviz.svg cannot drift from it.
//
// The subset: one <svg> root with a square viewBox "0 0 S S", a <title>, comments, and
// <rect x y width height [rx] fill="#rrggbb"/> elements painted in document order.
#pragma once

#include "core/heatmap_image.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace attnviz {

struct IconRect {
    double x = 0, y = 0, width = 0, height = 0, rx = 0;  // SVG user units; rx clamped to half a side
    std::array<std::uint8_t, 3> fill{};
};

struct IconSvg {
    double size = 0;               // side of the square viewBox, > 0
    std::vector<IconRect> rects;   // painted in this order
};

// Throws std::runtime_error "line L: <what>" for anything outside the subset (another element,
// an unknown attribute, a fill that is not #rrggbb, a negative size, unbalanced tags).
IconSvg parse_icon_svg(std::string_view text);

// RGBA at px × px (px ≥ 1): 8 × 8 samples per pixel, transparent where no rect covers it.
Image rasterise_icon(const IconSvg& svg, int px);

}  // namespace attnviz
