#include "core/colormap.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz {
namespace {

// Degree-6 polynomial fit of matplotlib's viridis (Matt Zucker's public-domain fit). It stays
// within about four 8-bit steps of the real table, the worst at the two ends, and keeps viridis'
// monotone lightness, which is what the map is chosen for.
Rgb viridis(float t) {
    static constexpr double c[7][3] = {
        {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
        {0.1050930431085774, 1.404613529898575, 1.384590162594685},
        {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
        {-4.634230498983486, -5.799100973351585, -19.33244095627987},
        {6.228269936347081, 14.17993336680509, 56.69055260068105},
        {4.776384997670288, -13.74514537774601, -65.35303263337234},
        {-5.435455855934631, 4.645852612178535, 26.3124352495832},
    };
    Rgb out{};
    for (int k = 0; k < 3; ++k) {
        double v = c[6][k];
        for (int p = 5; p >= 0; --p) v = c[p][k] + t * v;
        out[static_cast<std::size_t>(k)] = static_cast<float>(std::clamp(v, 0.0, 1.0));
    }
    return out;
}

// Moreland's cool-warm end points around a light neutral centre, so 0 reads as "nothing".
Rgb diverging(float t) {
    static constexpr Rgb lo = {0.230f, 0.299f, 0.754f};
    static constexpr Rgb mid = {0.925f, 0.925f, 0.925f};
    static constexpr Rgb hi = {0.706f, 0.016f, 0.150f};
    const Rgb& a = t < 0.5f ? lo : mid;
    const Rgb& b = t < 0.5f ? mid : hi;
    const float u = t < 0.5f ? t * 2.0f : (t - 0.5f) * 2.0f;
    return {a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u};
}

}  // namespace

Rgb colormap(ColorMap map, float t) {
    t = std::isfinite(t) ? std::clamp(t, 0.0f, 1.0f) : 0.0f;
    return map == ColorMap::Viridis ? viridis(t) : diverging(t);
}

std::array<std::uint8_t, 3> colormap_u8(ColorMap map, float t) {
    const Rgb c = colormap(map, t);
    return {static_cast<std::uint8_t>(std::lround(c[0] * 255.0f)), static_cast<std::uint8_t>(std::lround(c[1] * 255.0f)),
            static_cast<std::uint8_t>(std::lround(c[2] * 255.0f))};
}

}  // namespace attnviz
