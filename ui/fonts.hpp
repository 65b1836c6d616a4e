// Fonts with the glyphs attention's equations need (√ ᵀ · ∞ ∈ ℝ − × → and Greek).
#pragma once

struct ImFont;

namespace attnviz {

struct Fonts {
    ImFont* body = nullptr;
    ImFont* mono = nullptr;
    ImFont* title = nullptr;
};

// Loads DejaVu Sans / Sans Mono from the runtime font dir; throws std::runtime_error naming the
// full path it tried when a file is missing. Call before the backend builds its font texture.
Fonts load_fonts(float size_px);

}  // namespace attnviz
