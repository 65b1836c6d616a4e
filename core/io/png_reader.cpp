#include "core/io/png_reader.hpp"

#include "core/io/atomic_file.hpp"

#include <stb_image.h>

#include <climits>
#include <memory>
#include <string>

namespace attnviz {

Image decode_png(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) throw IoError("PNG larger than 2 GiB");
    int w = 0, h = 0, channels = 0;
    const std::unique_ptr<unsigned char, void (*)(void*)> pixels(
        stbi_load_from_memory(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), &w, &h,
                              &channels, 4),
        stbi_image_free);
    if (!pixels) throw IoError(std::string("not a readable PNG: ") + stbi_failure_reason());
    Image img;
    img.width = w;
    img.height = h;
    img.rgba.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
    return img;
}

Image read_png(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    try {
        return decode_png(bytes);
    } catch (const IoError& e) {
        throw IoError(path.string() + ": " + e.what());
    }
}

}  // namespace attnviz
