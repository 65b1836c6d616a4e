// PNG decoding through stb_image (Debian's libstb), for the window icon and tests.
#pragma once

#include "core/heatmap_image.hpp"

#include <filesystem>
#include <string_view>

namespace attnviz {

// RGBA, 4 bytes per pixel whatever the file's channels. Throws IoError naming the reason.
Image decode_png(std::string_view bytes);
// Throws IoError naming the full path and the reason.
Image read_png(const std::filesystem::path& path);

}  // namespace attnviz
