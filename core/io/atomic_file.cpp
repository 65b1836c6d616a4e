#include "core/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace attnviz {
namespace {

std::string unique_suffix() {
    static std::atomic<unsigned> counter{0};
    return std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// `shown` is the path named in errors: the user's target, not our temporary.
void write_plain(const fs::path& path, std::string_view bytes, const fs::path& shown) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw IoError("cannot write " + shown.string() + ": " + std::strerror(errno));
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    const int err = errno;
    const bool flushed = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    const bool closed = std::fclose(f) == 0;
    if (!ok || !flushed || !closed) {
        std::error_code ec;
        fs::remove(path, ec);
        throw IoError("cannot write " + shown.string() + ": " + std::strerror(ok ? errno : err));
    }
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view bytes) {
    const fs::path tmp = path.string() + ".tmp-" + unique_suffix();
    write_plain(tmp, bytes, path);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw IoError("cannot write " + path.string() + ": " + ec.message());
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot read " + path.string() + ": " + std::strerror(errno));
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw IoError("cannot read " + path.string() + ": read error");
    return s;
}

StagedDir::StagedDir(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    if (dir_.empty()) throw IoError("output directory is empty: pass --out DIR");
    // "out/" names the directory "out": without this its parent would be "out" and its filename "".
    while (!dir_.has_filename() && dir_.has_relative_path()) dir_ = dir_.parent_path();
    dir_existed_ = fs::exists(dir_, ec);
    if (dir_existed_ && !fs::is_directory(dir_, ec)) {
        throw IoError("cannot write into " + dir_.string() + ": it exists and is not a directory");
    }
    const fs::path name = ".attnviz-staging-" + unique_suffix();
    if (dir_existed_) {
        staging_ = dir_ / name;
    } else {
        fs::path parent = dir_.parent_path();
        if (parent.empty()) parent = ".";
        if (!fs::is_directory(parent, ec)) {
            throw IoError("cannot create " + dir_.string() + ": parent " + parent.string() +
                          (fs::exists(parent, ec) ? " is not a directory" : " does not exist"));
        }
        staging_ = parent / (dir_.filename().string() + name.string());
    }
    if (!fs::create_directory(staging_, ec) || ec) {
        throw IoError("cannot write into " + dir_.string() + ": " +
                      (ec ? ec.message() : std::string("cannot create a staging directory")));
    }
}

StagedDir::~StagedDir() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(staging_, ec);
}

void StagedDir::add(const std::string& name, std::string_view bytes) {
    write_plain(staging_ / name, bytes, dir_ / name);
    names_.push_back(name);
}

void StagedDir::commit() {
    std::error_code ec;
    if (!dir_existed_) {
        // One rename publishes the whole directory.
        fs::rename(staging_, dir_, ec);
        if (ec) throw IoError("cannot create " + dir_.string() + ": " + ec.message());
    } else {
        // rename(2) of a file onto a directory fails; find that before moving anything, so a
        // failed commit does not leave `dir` half replaced.
        for (const std::string& name : names_) {
            if (fs::is_directory(fs::symlink_status(dir_ / name, ec))) {
                throw IoError("cannot write " + (dir_ / name).string() + ": a directory of that name is in the way");
            }
        }
        for (const std::string& name : names_) {
            fs::rename(staging_ / name, dir_ / name, ec);
            if (ec) throw IoError("cannot write " + (dir_ / name).string() + ": " + ec.message());
        }
        fs::remove(staging_, ec);
    }
    committed_ = true;
}

}  // namespace attnviz
