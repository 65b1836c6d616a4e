// Colour maps shared by the CPU heatmaps; shaders/colormap.glsl holds the same formulas for GL.
#pragma once

#include <array>
#include <cstdint>

namespace attnviz {

enum class ColorMap {
    Viridis,    // sequential, perceptually uniform: weights in [0, 1]
    Diverging,  // blue – light grey – red, centred on 0: signed tensors
};

using Rgb = std::array<float, 3>;  // each in [0, 1]

// t in [0, 1] (clamped).
Rgb colormap(ColorMap map, float t);
std::array<std::uint8_t, 3> colormap_u8(ColorMap map, float t);

// The colour masked cells are hatched with.
inline constexpr Rgb kMaskColor = {0.32f, 0.32f, 0.36f};

}  // namespace attnviz
