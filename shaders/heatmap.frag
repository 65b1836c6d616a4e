#version 330 core
// One fragment per output pixel: look up the cell's value, map it to a colour. Cost is per
// pixel on the GPU, independent of how many cells there are.
in vec2 v_uv;
out vec4 frag;

uniform sampler2D u_values;   // R32F [rows x cols], row-major upload
uniform sampler2D u_mask;     // R8: 1 visible, 0 masked
uniform ivec2 u_dims;         // (cols, rows)
uniform vec2 u_range;         // value mapped to 0 and to 1
uniform int u_map;            // 0 viridis, 1 diverging
uniform int u_has_mask;
uniform float u_grid;         // cell size in pixels; grid lines drawn when >= 8

// Same fits as core/colormap.cpp.
vec3 viridis(float t) {
    const vec3 c0 = vec3(0.2777273272234177, 0.005407344544966578, 0.3340998053353061);
    const vec3 c1 = vec3(0.1050930431085774, 1.404613529898575, 1.384590162594685);
    const vec3 c2 = vec3(-0.3308618287255563, 0.214847559468213, 0.09509516302823659);
    const vec3 c3 = vec3(-4.634230498983486, -5.799100973351585, -19.33244095627987);
    const vec3 c4 = vec3(6.228269936347081, 14.17993336680509, 56.69055260068105);
    const vec3 c5 = vec3(4.776384997670288, -13.74514537774601, -65.35303263337234);
    const vec3 c6 = vec3(-5.435455855934631, 4.645852612178535, 26.3124352495832);
    return clamp(c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6))))), 0.0, 1.0);
}

vec3 diverging(float t) {
    const vec3 lo = vec3(0.230, 0.299, 0.754);
    const vec3 mid = vec3(0.925, 0.925, 0.925);
    const vec3 hi = vec3(0.706, 0.016, 0.150);
    return t < 0.5 ? mix(lo, mid, t * 2.0) : mix(mid, hi, (t - 0.5) * 2.0);
}

void main() {
    ivec2 cell = clamp(ivec2(v_uv * vec2(u_dims)), ivec2(0), u_dims - 1);
    float value = texelFetch(u_values, cell, 0).r;
    bool masked = u_has_mask != 0 && texelFetch(u_mask, cell, 0).r < 0.5;
    vec3 colour;
    if (masked) {
        // Hatched: a masked cell must never read as a zero.
        float stripe = mod(gl_FragCoord.x + gl_FragCoord.y, 6.0);
        colour = stripe < 2.0 ? vec3(0.59, 0.59, 0.63) : vec3(0.32, 0.32, 0.36);
    } else {
        float span = max(u_range.y - u_range.x, 1e-30);
        float t = clamp((value - u_range.x) / span, 0.0, 1.0);
        colour = u_map == 0 ? viridis(t) : diverging(t);
    }
    if (u_grid >= 8.0) {
        vec2 f = fract(v_uv * vec2(u_dims)) * u_grid;
        if (min(f.x, f.y) < 1.0) colour *= 0.75;
    }
    frag = vec4(colour, 1.0);
}
