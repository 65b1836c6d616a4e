#include "core/io/png_writer.hpp"

#include "core/io/atomic_file.hpp"

#include <stb_image_write.h>

namespace attnviz {

std::string encode_png(const Image& image) {
    if (image.width <= 0 || image.height <= 0 ||
        image.rgba.size() != static_cast<std::size_t>(image.width) * image.height * 4) {
        throw IoError("cannot encode PNG: image is " + std::to_string(image.width) + "x" +
                      std::to_string(image.height) + " with " + std::to_string(image.rgba.size()) + " bytes");
    }
    std::string out;
    auto sink = [](void* ctx, void* data, int size) {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
    };
    if (!stbi_write_png_to_func(sink, &out, image.width, image.height, 4, image.rgba.data(), image.width * 4)) {
        throw IoError("cannot encode PNG of " + std::to_string(image.width) + "x" + std::to_string(image.height));
    }
    return out;
}

void write_png_atomic(const std::filesystem::path& path, const Image& image) {
    write_file_atomic(path, encode_png(image));
}

}  // namespace attnviz
