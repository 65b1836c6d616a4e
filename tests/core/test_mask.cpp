// Which keys each query may see: causal, sliding window, padding, and their combinations.
#include "core/mask.hpp"

#include "test_helpers.hpp"

namespace attnviz {
namespace {

using test::mat;

TEST(BuildMask, NoRestrictionSeesEverything) {
    EXPECT_EQ(build_mask(MaskSpec{}, 3, 4), MatRM::Ones(3, 4));
}

TEST(BuildMask, CausalIsLowerTriangular) {
    // Key j visible from query i only when j <= i.
    EXPECT_EQ(build_mask(MaskSpec{true, 0, {}}, 4, 4), mat({{1, 0, 0, 0},  //
                                                            {1, 1, 0, 0},
                                                            {1, 1, 1, 0},
                                                            {1, 1, 1, 1}}));
}

TEST(BuildMask, WindowIsABandOfHalfWidthWMinusOne) {
    // w = 2: |i - j| < 2, so the diagonal and its two neighbours.
    EXPECT_EQ(build_mask(MaskSpec{false, 2, {}}, 4, 4), mat({{1, 1, 0, 0},  //
                                                             {1, 1, 1, 0},
                                                             {0, 1, 1, 1},
                                                             {0, 0, 1, 1}}));
    // w = 1: only the diagonal.
    EXPECT_EQ(build_mask(MaskSpec{false, 1, {}}, 3, 3), MatRM::Identity(3, 3));
}

TEST(BuildMask, CausalWindowLooksBackWMinusOneKeys) {
    // causal + w = 2: i - 2 < j <= i.
    EXPECT_EQ(build_mask(MaskSpec{true, 2, {}}, 4, 4), mat({{1, 0, 0, 0},  //
                                                            {1, 1, 0, 0},
                                                            {0, 1, 1, 0},
                                                            {0, 0, 1, 1}}));
}

TEST(BuildMask, PaddedKeysAreZeroColumns) {
    EXPECT_EQ(build_mask(MaskSpec{false, 0, {1, 3}}, 3, 4), mat({{1, 0, 1, 0},  //
                                                                 {1, 0, 1, 0},
                                                                 {1, 0, 1, 0}}));
    // Combined with causal: query 0 sees only key 0, which is padded -> an all-zero row.
    EXPECT_EQ(build_mask(MaskSpec{true, 0, {0}}, 3, 3), mat({{0, 0, 0},  //
                                                             {0, 1, 0},
                                                             {0, 1, 1}}));
}

TEST(BuildMask, RectangularForCrossAttention) {
    // 2 queries, 5 source keys; padding refers to keys.
    EXPECT_EQ(build_mask(MaskSpec{false, 0, {4}}, 2, 5), mat({{1, 1, 1, 1, 0},  //
                                                              {1, 1, 1, 1, 0}}));
}

TEST(BuildMask, PaddedIndicesOutsideTheKeysAreIgnored) {
    EXPECT_EQ(build_mask(MaskSpec{false, 0, {-1, 3, 99}}, 2, 3), MatRM::Ones(2, 3));
}

TEST(KeyVisible, AgreesWithBuildMask) {
    for (bool causal : {false, true})
        for (int w : {0, 1, 3})
            for (const std::vector<int>& pads : {std::vector<int>{}, std::vector<int>{0, 4}}) {
                const MaskSpec spec{causal, w, pads};
                const MatRM m = build_mask(spec, 6, 6);
                for (int i = 0; i < 6; ++i)
                    for (int j = 0; j < 6; ++j)
                        EXPECT_EQ(m(i, j), key_visible(spec, i, j) ? 1.0f : 0.0f)
                            << "causal=" << causal << " w=" << w << " (" << i << "," << j << ")";
            }
    EXPECT_FALSE(key_visible(MaskSpec{true, 0, {}}, 1, 2));
    EXPECT_TRUE(key_visible(MaskSpec{true, 0, {}}, 2, 1));
    EXPECT_FALSE(key_visible(MaskSpec{false, 3, {}}, 0, 3));
    EXPECT_TRUE(key_visible(MaskSpec{false, 3, {}}, 0, 2));
}

}  // namespace
}  // namespace attnviz
