// Build tool: assets/attnviz.svg -> OUTDIR/attnviz-<N>.png for every size N given.
//
//   attnviz_rasterise_icon assets/attnviz.svg build/assets/icons 16 32 48 64 128 256
#include "core/io/atomic_file.hpp"
#include "core/io/png_writer.hpp"
#include "tools/icon_svg.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
    using namespace attnviz;
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s ICON.svg OUTDIR SIZE...\n", argv[0]);
        return EXIT_FAILURE;
    }
    const std::filesystem::path svg_path = argv[1], out = argv[2];
    try {
        IconSvg svg;
        try {
            svg = parse_icon_svg(read_file(svg_path));
        } catch (const IoError&) {
            throw;
        } catch (const std::exception& e) {
            throw std::runtime_error(svg_path.string() + ": " + e.what());
        }
        std::filesystem::create_directories(out);
        for (int a = 3; a < argc; ++a) {
            const std::string arg = argv[a];
            int px = 0;
            const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), px);
            if (ec != std::errc() || end != arg.data() + arg.size() || px < 1 || px > 4096)
                throw std::runtime_error("size " + arg + " must be a whole number of pixels in [1, 4096]");
            write_png_atomic(out / ("attnviz-" + std::to_string(px) + ".png"), rasterise_icon(svg, px));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnviz_rasterise_icon: %s\n", e.what());
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
