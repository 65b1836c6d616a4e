#include "core/io/runtime_files.hpp"

#include <string>

#ifndef ATTNVIZ_DATA_FROM_BIN
#error "ATTNVIZ_DATA_FROM_BIN (the install layout's path from bin/ to share/attnviz) is set by CMakeLists.txt"
#endif

namespace attnviz {

namespace fs = std::filesystem;

std::vector<fs::path> runtime_root_candidates(const fs::path& exe) {
    const fs::path dir = exe.parent_path();
    // Relative paths only: ATTNVIZ_DATA_FROM_BIN is e.g. "../share/attnviz", computed by CMake
    // from the install directories, so the binary carries no path of the machine it was built on.
    return {(dir / ATTNVIZ_DATA_FROM_BIN).lexically_normal(), dir.lexically_normal()};
}

fs::path runtime_root_for(const fs::path& exe) {
    std::string tried;
    for (const fs::path& root : runtime_root_candidates(exe)) {
        std::error_code ec;
        if (fs::is_directory(root / "shaders", ec)) return root;
        tried += (tried.empty() ? "" : ", ") + (root / "shaders").string();
    }
    throw RuntimeFileError("attnviz's runtime files are missing: tried " + tried + " (for the executable " +
                           exe.string() + "; reinstall, or rebuild so that CMake copies them beside it)");
}

const fs::path& runtime_root() {
    // Function-local static: the executable does not move while it runs.
    static const fs::path root = [] {
        std::error_code ec;
        const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
        if (ec) throw RuntimeFileError("cannot locate the executable through /proc/self/exe: " + ec.message());
        return runtime_root_for(exe);
    }();
    return root;
}

fs::path runtime_file(const fs::path& relative) {
    const fs::path path = runtime_root() / relative;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw RuntimeFileError("missing runtime file " + path.string());
    return path;
}

}  // namespace attnviz
