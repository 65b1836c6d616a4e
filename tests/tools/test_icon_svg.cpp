// The icon's SVG subset: the real assets/attnviz.svg parses, the PNGs the build made are exactly
// its rasterisation (so they cannot drift), and anything outside the subset is refused by line.
#include "tools/icon_svg.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/png_reader.hpp"
#include "core/io/runtime_files.hpp"

#include <gtest/gtest.h>

#include <string>

namespace attnviz {
namespace {

IconSvg real_icon() { return parse_icon_svg(read_file(runtime_file("assets/attnviz.svg"))); }

std::array<int, 4> pixel(const Image& img, int x, int y) {
    const std::size_t p = (static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)) * 4;
    return {img.rgba[p], img.rgba[p + 1], img.rgba[p + 2], img.rgba[p + 3]};
}

TEST(IconSvg, TheIconIsARoundedSquareAndA4x4Grid) {
    const IconSvg svg = real_icon();
    EXPECT_EQ(svg.size, 256.0);
    ASSERT_EQ(svg.rects.size(), 17u);  // background + 16 cells
    EXPECT_EQ(svg.rects[0].width, 240.0);
    EXPECT_EQ(svg.rects[0].rx, 52.0);
    EXPECT_EQ(svg.rects[1].fill, (std::array<std::uint8_t, 3>{0xfc, 0xe7, 0x21}));  // A[0][0] = 1: viridis' top
}

TEST(IconSvg, RasterisedCellsHaveTheirFillAndTheCornersAreTransparent) {
    const IconSvg svg = real_icon();
    const Image img = rasterise_icon(svg, 256);
    ASSERT_EQ(img.width, 256);
    ASSERT_EQ(img.height, 256);
    EXPECT_EQ(pixel(img, 53, 53), (std::array<int, 4>{0xfc, 0xe7, 0x21, 255}));   // centre of cell (0, 0)
    EXPECT_EQ(pixel(img, 203, 203), (std::array<int, 4>{0x20, 0x9c, 0x88, 255})); // cell (3, 3)
    EXPECT_EQ(pixel(img, 0, 0)[3], 0);       // outside the rounded square
    EXPECT_EQ(pixel(img, 12, 12)[3], 0);     // inside the box but outside the corner's arc (rx = 52)
    EXPECT_EQ(pixel(img, 128, 10)[3], 255);  // background edge, away from the corners
    const int edge = pixel(img, 128, 8)[3];  // the background's top edge at y = 8 covers that row fully
    EXPECT_EQ(edge, 255);
}

TEST(IconSvg, TheBuiltPngsAreExactlyTheSvgRasterised) {
    const IconSvg svg = real_icon();
    for (int px : {16, 32, 48, 64, 128, 256}) {
        SCOPED_TRACE(px);
        const Image built = read_png(runtime_file("assets/icons/attnviz-" + std::to_string(px) + ".png"));
        const Image fresh = rasterise_icon(svg, px);
        EXPECT_EQ(built.width, px);
        EXPECT_EQ(built.height, px);
        EXPECT_EQ(built.rgba, fresh.rgba);
    }
}

TEST(IconSvg, AnythingOutsideTheSubsetIsRefusedByLine) {
    const std::string head = "<svg viewBox=\"0 0 16 16\">\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {head + "<circle cx=\"8\" cy=\"8\" r=\"4\"/>\n</svg>", "line 2: <circle> is outside the icon's SVG subset"},
        {head + "<rect width=\"4\" height=\"4\" fill=\"red\"/>\n</svg>", "line 2: <rect> needs fill=\"#rrggbb\""},
        {head + "<rect width=\"4\" height=\"4\" fill=\"#000000\" opacity=\"0.5\"/>\n</svg>",
         "line 2: attribute opacity of <rect> is outside the icon's SVG subset"},
        {head + "<rect width=\"-4\" height=\"4\" fill=\"#000000\"/>\n</svg>", "line 2: width=\"-4\" must be a non-negative number"},
        {head + "<rect height=\"4\" fill=\"#000000\"/>\n</svg>", "line 2: <rect> needs width"},
        {head + "<rect width=\"4\" height=\"4\" fill=\"#000000\"/>\n", "<svg> is never closed"},
        {"<svg viewBox=\"0 0 16 8\"></svg>", "line 1: viewBox must be \"0 0 S S\""},
        {"<svg viewBox=\"0 0 16 16\">hello</svg>", "line 1: text outside <title>"},
        {"", "line 1: no <svg> element"},
    };
    for (const auto& [text, message] : cases) {
        SCOPED_TRACE(text);
        try {
            parse_icon_svg(text);
            ADD_FAILURE() << "parsed";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
        }
    }
    // The subset itself: comments, a title, a declaration.
    const IconSvg ok = parse_icon_svg("<?xml version=\"1.0\"?>\n<!-- c -->\n<svg viewBox=\"0 0 16 16\"><title>t</title>"
                                      "<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" rx=\"9\" fill=\"#0a0B0c\"/></svg>");
    ASSERT_EQ(ok.rects.size(), 1u);
    EXPECT_EQ(ok.rects[0].rx, 1.5);  // clamped to half the shorter side
    EXPECT_EQ(ok.rects[0].fill, (std::array<std::uint8_t, 3>{10, 11, 12}));
}

}  // namespace
}  // namespace attnviz
