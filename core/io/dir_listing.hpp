// One directory's entries for the GUI's file browser: folders first, then the files a dialog
// may pick, both sorted by name. Filesystem only (no GUI), so it is tested directly.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace attnviz {

struct DirListing {
    std::filesystem::path dir;          // absolute and normalised
    std::vector<std::string> folders;   // names, hidden ones (".x") left out
    std::vector<std::string> files;     // names ending in `extension`; empty when none was asked
    std::string error;                  // why the directory could not be read; empty on success
};

// Never throws: an unreadable or missing directory comes back with `error` set and no entries.
// `extension` such as ".json" (case-sensitive); empty lists no files.
DirListing list_directory(const std::filesystem::path& dir, const std::string& extension);

}  // namespace attnviz
