// Files are written whole or not at all: a temporary file beside the target, then rename.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
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

// Collects a set of files and publishes them as the directory `dir`, whole. Everything is first
// written into a staging directory beside `dir` (`NAME.attnviz-staging-<pid>-<n>`, NAME being
// dir's own name); commit() puts it in place with one rename, or, when `dir` exists, with an
// exchange of the two directories (renameat2 RENAME_EXCHANGE) after which the old one is removed.
// A reader of `dir` sees the old set or the new set, never a mix of the two. If anything fails
// before commit(), `dir` is left as it was; the destructor removes an uncommitted staging directory.
//
// An existing `dir` is replaced only when every entry in it is a regular file whose name
// `replaceable` accepts (the names an export writes); anything else, such as a user's notes or a
// subdirectory, is refused (IoError) both by the constructor, before anything is written, and by
// commit(), so a commit never deletes what the caller did not mean to replace.
//
// The constructor also removes the staging directories that processes no longer running left
// behind for the same `dir` (a killed export), beside it and, from older versions, inside it.
class StagedDir {
public:
    using NameFilter = std::function<bool(std::string_view name)>;
    // Called with the bytes written so far through add()/add_stream(), after each buffer of 1 MiB.
    using Progress = std::function<void(std::uint64_t bytes)>;

    // An empty `replaceable` accepts nothing: only a new or empty `dir` can be written.
    explicit StagedDir(std::filesystem::path dir, NameFilter replaceable = {});  // throws IoError
    ~StagedDir();
    StagedDir(const StagedDir&) = delete;
    StagedDir& operator=(const StagedDir&) = delete;

    void add(const std::string& name, std::string_view bytes);  // throws IoError
    // Creates NAME in the staging directory and lets `write` fill it through a buffered stream,
    // then fsyncs and closes it. A failing write throws IoError naming dir/NAME; an exception from
    // `write` itself propagates. Either way the partial file is removed.
    void add_stream(const std::string& name, const std::function<void(std::ostream&)>& write);
    void on_progress(Progress progress) { progress_ = std::move(progress); }
    std::uint64_t bytes_written() const { return bytes_; }

    void commit();  // throws IoError
    const std::vector<std::string>& names() const { return names_; }

private:
    void check_replaceable() const;

    std::filesystem::path dir_;     // as the caller named it, for messages
    std::filesystem::path target_;  // dir_ with symlinks and "." resolved: what is renamed
    std::filesystem::path staging_;
    NameFilter replaceable_;
    Progress progress_;
    std::uint64_t bytes_ = 0;
    bool dir_existed_ = false, committed_ = false;
    std::vector<std::string> names_;
};

}  // namespace attnviz
