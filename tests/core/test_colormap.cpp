#include "core/colormap.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

// Reference end points of matplotlib's viridis: #440154 at 0, #fde725 at 1. The polynomial fit
// is up to 4 levels off at the ends.
TEST(Colormap, ViridisEndPointsMatchMatplotlib) {
    const auto lo = colormap_u8(ColorMap::Viridis, 0.0f);
    const auto hi = colormap_u8(ColorMap::Viridis, 1.0f);
    EXPECT_NEAR(lo[0], 0x44, 4);
    EXPECT_NEAR(lo[1], 0x01, 4);
    EXPECT_NEAR(lo[2], 0x54, 4);
    EXPECT_NEAR(hi[0], 0xfd, 4);
    EXPECT_NEAR(hi[1], 0xe7, 4);
    EXPECT_NEAR(hi[2], 0x25, 4);
}

TEST(Colormap, DivergingIsNeutralAtCentreAndClampsOutOfRange) {
    const auto mid = colormap_u8(ColorMap::Diverging, 0.5f);
    EXPECT_EQ(mid[0], mid[1]);
    EXPECT_EQ(mid[1], mid[2]);
    EXPECT_EQ(colormap_u8(ColorMap::Diverging, -3.0f), colormap_u8(ColorMap::Diverging, 0.0f));
    EXPECT_EQ(colormap_u8(ColorMap::Diverging, 7.0f), colormap_u8(ColorMap::Diverging, 1.0f));
    EXPECT_EQ(colormap_u8(ColorMap::Viridis, std::numeric_limits<float>::quiet_NaN()),
              colormap_u8(ColorMap::Viridis, 0.0f));
}

}  // namespace
}  // namespace attnviz
