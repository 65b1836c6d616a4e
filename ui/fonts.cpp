#include "ui/fonts.hpp"

#include <imgui.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace attnviz {
namespace {

// ImGui keeps a pointer to the ranges until the atlas is built, hence static storage.
const ImWchar kRanges[] = {
    0x0020, 0x00FF,  // Basic Latin + Latin-1 (·, ×, ², ³)
    0x0100, 0x024F,  // Latin Extended (accented tokens)
    0x0370, 0x03FF,  // Greek (α, θ, σ, Σ)
    0x0400, 0x052F,  // Cyrillic and its supplement: real vocabularies' Russian, Ukrainian, … tokens
    0x1D00, 0x1DBF,  // Phonetic extensions: the superscript ᵀ
    0x1E00, 0x1EFF,  // Latin Extended Additional: Vietnamese (ạ, ế, ữ) and Welsh tokens
    0x2000, 0x206F,  // General punctuation (…, ‖)
    0x2070, 0x209F,  // Super- and subscripts
    0x2100, 0x214F,  // Letterlike (ℝ)
    0x2190, 0x21FF,  // Arrows
    0x2200, 0x22FF,  // Mathematical operators (√, ∞, ∈, −, ≤, Σ)
    0x2300, 0x23FF,  // Misc technical (⌈ ⌉)
    0x2400, 0x243F,  // Control Pictures: control characters in tokens (␀, ␉)
    0x2500, 0x25FF,  // Box drawing, blocks, shapes (▶ ■ ●)
    0,
};

ImFont* add(const char* file, float size) {
    const std::filesystem::path path = std::filesystem::path(ATTNVIZ_FONT_DIR) / file;
    if (!std::filesystem::exists(path)) {
        throw std::runtime_error("font not found: " + path.string() + " (install fonts-dejavu-core)");
    }
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    ImFont* f = ImGui::GetIO().Fonts->AddFontFromFileTTF(path.c_str(), size, &cfg, kRanges);
    if (!f) throw std::runtime_error("cannot load font " + path.string());
    return f;
}

}  // namespace

Fonts load_fonts(float size_px) {
    Fonts f;
    f.body = add("DejaVuSans.ttf", size_px);  // first font added is ImGui's default
    f.mono = add("DejaVuSansMono.ttf", size_px);
    f.title = add("DejaVuSans-Bold.ttf", size_px * 1.25f);
    return f;
}

}  // namespace attnviz
