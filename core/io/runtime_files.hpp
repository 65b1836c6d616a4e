// The one root of the files attnviz reads at run time (shaders/, assets/), found from the
// executable's own location, never from a path compiled in:
//
//   <prefix>/bin/attnviz  ->  <prefix>/share/attnviz/{shaders,assets}   installed (cmake --install, .deb)
//   build/attnviz         ->  build/{shaders,assets}                      build tree (CMake copies them there)
//
// The installed candidate is tried first. Fonts are not runtime files of ours: they come from
// Debian's fonts-dejavu-core (ui/fonts.cpp).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <vector>

namespace attnviz {

// Runtime files missing: the message lists every full path tried.
class RuntimeFileError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Candidate roots for an executable at `exe`, in the order they are tried.
std::vector<std::filesystem::path> runtime_root_candidates(const std::filesystem::path& exe);

// The first candidate holding shaders/ for `exe`. Throws RuntimeFileError naming every
// candidate's shaders/ path.
std::filesystem::path runtime_root_for(const std::filesystem::path& exe);

// runtime_root_for(/proc/self/exe), resolved once per process.
const std::filesystem::path& runtime_root();

// runtime_root() / relative when that file exists; else RuntimeFileError with the full path.
std::filesystem::path runtime_file(const std::filesystem::path& relative);

}  // namespace attnviz
