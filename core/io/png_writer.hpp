// PNG encoding through stb_image_write (Debian's libstb).
#pragma once

#include "core/heatmap_image.hpp"

#include <filesystem>
#include <string>

namespace attnviz {

std::string encode_png(const Image& image);                               // throws IoError
void write_png_atomic(const std::filesystem::path& path, const Image& image);  // throws IoError

}  // namespace attnviz
