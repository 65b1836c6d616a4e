#include "core/io/dir_listing.hpp"

#include <algorithm>
#include <system_error>

namespace attnviz {

DirListing list_directory(const std::filesystem::path& dir, const std::string& extension) {
    namespace fs = std::filesystem;
    DirListing out;
    std::error_code ec;
    out.dir = fs::weakly_canonical(fs::absolute(dir.empty() ? fs::path(".") : dir, ec), ec);
    if (ec) out.dir = dir;
    fs::directory_iterator it(out.dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        out.error = "cannot read " + out.dir.string() + ": " + ec.message();
        return out;
    }
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            out.error = "cannot read " + out.dir.string() + ": " + ec.message();
            break;
        }
        const std::string name = it->path().filename().string();
        if (name.empty() || name.front() == '.') continue;
        std::error_code type_ec;
        // is_directory follows symlinks: a link to a folder is browsed like one.
        if (it->is_directory(type_ec)) {
            out.folders.push_back(name);
        } else if (!extension.empty() && name.size() > extension.size() && name.ends_with(extension) &&
                   it->is_regular_file(type_ec)) {
            out.files.push_back(name);
        }
    }
    std::sort(out.folders.begin(), out.folders.end());
    std::sort(out.files.begin(), out.files.end());
    return out;
}

}  // namespace attnviz
