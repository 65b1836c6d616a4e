// Files are written whole or not at all: a temporary file beside the target, then rename.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

// A failed read or write; the message names the path and the reason.
class IoError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Writes `bytes` to `path` through `path.tmp-<pid>-<n>` and rename(2); on failure the old file
// (if any) is untouched and the temporary is removed. Throws IoError.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

std::string read_file(const std::filesystem::path& path);  // throws IoError

// Collects a set of files and publishes them into `dir` together. Everything is first written
// into a hidden staging directory (inside `dir`, or beside it when `dir` does not exist yet);
// commit() moves the files into place. If anything fails before commit(), `dir` is left as it
// was. The destructor removes an uncommitted staging directory.
class StagedDir {
public:
    explicit StagedDir(std::filesystem::path dir);  // throws IoError when dir cannot be written
    ~StagedDir();
    StagedDir(const StagedDir&) = delete;
    StagedDir& operator=(const StagedDir&) = delete;

    void add(const std::string& name, std::string_view bytes);  // throws IoError
    void commit();                                              // throws IoError
    const std::vector<std::string>& names() const { return names_; }

private:
    std::filesystem::path dir_, staging_;
    bool dir_existed_ = false, committed_ = false;
    std::vector<std::string> names_;
};

}  // namespace attnviz
