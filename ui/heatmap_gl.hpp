// GPU heatmaps: a matrix becomes an R32F texture, shaders/heatmap.{vert,frag} colour it into an
// offscreen framebuffer, and ImGui shows the result as one image. CPU cost per frame does not
// depend on the number of cells; uploads happen only when the data changes.
#pragma once

#include "core/colormap.hpp"
#include "core/heatmap_image.hpp"
#include "core/types.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace attnviz {

class HeatmapProgram {
public:
    // Compiles shaders/heatmap.vert + .frag from `shader_dir`; throws std::runtime_error with
    // the full path and the compiler log on failure.
    void load(const std::filesystem::path& shader_dir);
    ~HeatmapProgram();
    unsigned program() const { return program_; }
    unsigned vao() const { return vao_; }
    int loc_values = -1, loc_mask = -1, loc_dims = -1, loc_range = -1, loc_map = -1, loc_has_mask = -1,
        loc_grid = -1;

private:
    unsigned program_ = 0, vao_ = 0;
};

// Reads `framebuffer` (0 = the window) into a top-down RGBA image; GL's rows run bottom-up.
Image read_framebuffer(unsigned framebuffer, int width, int height);

// "20261122-153045", for default file names.
std::string file_timestamp();

struct HeatmapLook {
    ColorMap map = ColorMap::Viridis;
    float lo = 0.0f, hi = 1.0f;
    bool operator==(const HeatmapLook&) const = default;
};

// One on-screen heatmap: its data textures and its rendered image.
class HeatmapTexture {
public:
    HeatmapTexture() = default;
    HeatmapTexture(const HeatmapTexture&) = delete;
    HeatmapTexture& operator=(const HeatmapTexture&) = delete;
    HeatmapTexture(HeatmapTexture&& o) noexcept;
    HeatmapTexture& operator=(HeatmapTexture&& o) noexcept;
    ~HeatmapTexture();

    // Uploads when `key` differs from the last upload. values: [rows, cols]; mask optional.
    void set_data(std::uint64_t key, const Eigen::Ref<const MatRM>& values, const MatRM* mask);
    // Renders at width × height pixels when anything changed; returns the colour texture.
    unsigned render(const HeatmapProgram& program, const HeatmapLook& look, int width, int height);
    // Reads the last rendered image back (top row first).
    Image read_back() const;
    int rows() const { return rows_; }
    int cols() const { return cols_; }

private:
    void release();
    unsigned values_tex_ = 0, mask_tex_ = 0, fbo_ = 0, color_tex_ = 0;
    int rows_ = 0, cols_ = 0, width_ = 0, height_ = 0;
    bool has_mask_ = false, stale_ = true;
    std::uint64_t key_ = ~0ULL;
    HeatmapLook look_;
};

}  // namespace attnviz
