#include "core/io/atomic_file.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <streambuf>
#include <sys/types.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace attnviz {
namespace {

constexpr std::string_view kStagingTag = ".attnviz-staging-";

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

// A 1 MiB output buffer straight over a file descriptor (std::ofstream hides the descriptor that
// fsync needs). Writes of a buffer or more bypass it. `flushed` hears of every MiB handed to write(2).
class FdBuf : public std::streambuf {
public:
    FdBuf(int fd, std::function<void(std::size_t)> flushed) : fd_(fd), flushed_(std::move(flushed)), buf_(1 << 20) {
        setp(buf_.data(), buf_.data() + buf_.size());
    }
    int error() const { return error_; }  // errno of the failed write(2), 0 if none

protected:
    int_type overflow(int_type c) override {
        if (!drain()) return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        if (n < static_cast<std::streamsize>(buf_.size())) return std::streambuf::xsputn(s, n);
        if (!drain() || !write_all(s, static_cast<std::size_t>(n))) return 0;
        return n;
    }
    int sync() override { return drain() ? 0 : -1; }

private:
    bool drain() {
        const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
        setp(buf_.data(), buf_.data() + buf_.size());
        return write_all(buf_.data(), n);
    }
    // In slices of the buffer's size, so a single write of gigabytes is still heard of every MiB.
    bool write_all(const char* p, std::size_t n) {
        while (n > 0) {
            const std::size_t slice = std::min(n, buf_.size());
            for (std::size_t left = slice; left > 0;) {
                const ssize_t w = ::write(fd_, p, left);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    error_ = errno;
                    return false;
                }
                p += w;
                left -= static_cast<std::size_t>(w);
            }
            n -= slice;
            flushed_(slice);
        }
        return true;
    }

    int fd_;
    std::function<void(std::size_t)> flushed_;
    std::vector<char> buf_;
    int error_ = 0;
};

// The pid in a staging name's tail "<pid>-<n>", or nullopt when the tail is not of that form.
std::optional<pid_t> staging_pid(std::string_view tail) {
    const std::size_t dash = tail.find('-');
    if (dash == 0 || dash == std::string_view::npos || dash + 1 == tail.size() || dash > 9) return std::nullopt;
    const auto digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
    if (!digits(tail.substr(0, dash)) || !digits(tail.substr(dash + 1))) return std::nullopt;
    return static_cast<pid_t>(std::stol(std::string(tail.substr(0, dash))));
}

// Removes the directories in `where` named `prefix<pid>-<n>` whose process is gone: kill(pid, 0)
// fails with ESRCH. A live process of another user answers EPERM and keeps its folder; so does a
// process that reused a dead one's pid, which only delays the cleanup.
void remove_stale_staging(const fs::path& where, const std::string& prefix) {
    std::error_code ec;
    std::vector<fs::path> stale;  // collected first: removing while iterating may skip entries
    for (fs::directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::optional<pid_t> pid = staging_pid(std::string_view(name).substr(prefix.size()));
        if (!pid || *pid <= 0 || *pid == ::getpid()) continue;
        if (::kill(*pid, 0) == 0 || errno != ESRCH) continue;
        if (it->symlink_status(ec).type() == fs::file_type::directory) stale.push_back(it->path());
    }
    for (const fs::path& p : stale) fs::remove_all(p, ec);
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

StagedDir::StagedDir(fs::path dir, NameFilter replaceable) : dir_(std::move(dir)), replaceable_(std::move(replaceable)) {
    std::error_code ec;
    if (dir_.empty()) throw IoError("output directory is empty: pass --out DIR");
    // "out/" names the directory "out": without this its parent would be "out" and its filename "".
    while (!dir_.has_filename() && dir_.has_relative_path()) dir_ = dir_.parent_path();
    dir_existed_ = fs::exists(dir_, ec);
    if (dir_existed_ && !fs::is_directory(dir_, ec)) {
        throw IoError("cannot write into " + dir_.string() + ": it exists and is not a directory");
    }
    if (dir_existed_) {
        // The swap renames the directory itself: through a symlink it would replace the link, and
        // "." cannot be renamed at all.
        target_ = fs::canonical(dir_, ec);
        if (ec) throw IoError("cannot write into " + dir_.string() + ": " + ec.message());
        // Its parent allows the swap; a read-only dir still means "do not touch".
        if (::access(target_.c_str(), W_OK) != 0) {
            throw IoError("cannot write into " + dir_.string() + ": " + std::strerror(errno));
        }
    } else {
        target_ = dir_;
        fs::path parent = dir_.parent_path();
        if (parent.empty()) parent = ".";
        if (!fs::is_directory(parent, ec)) {
            throw IoError("cannot create " + dir_.string() + ": parent " + parent.string() +
                          (fs::exists(parent, ec) ? " is not a directory" : " does not exist"));
        }
    }
    fs::path parent = target_.parent_path();
    if (parent.empty()) parent = ".";
    const std::string beside = target_.filename().string() + std::string(kStagingTag);
    remove_stale_staging(parent, beside);
    if (dir_existed_) {
        remove_stale_staging(target_, std::string(kStagingTag));  // where versions before the swap staged
        check_replaceable();
    }
    staging_ = parent / (beside + unique_suffix());
    if (!fs::create_directory(staging_, ec) || ec) {
        throw IoError("cannot write into " + dir_.string() + ": cannot create a staging directory in " +
                      parent.string() + ": " + (ec ? ec.message() : std::string("it already exists")));
    }
}

StagedDir::~StagedDir() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(staging_, ec);
}

void StagedDir::check_replaceable() const {
    std::error_code ec;
    std::vector<std::pair<std::string, fs::file_type>> found;
    for (fs::directory_iterator it(target_, ec), end; !ec && it != end; it.increment(ec)) {
        found.emplace_back(it->path().filename().string(), it->symlink_status(ec).type());
    }
    if (ec) throw IoError("cannot read " + dir_.string() + ": " + ec.message());
    std::sort(found.begin(), found.end());
    for (const auto& [name, type] : found) {
        const bool ours = replaceable_ && replaceable_(name);
        if (ours && type == fs::file_type::regular) continue;
        if (ours && type == fs::file_type::directory) {
            throw IoError("cannot write " + (dir_ / name).string() + ": a directory of that name is in the way");
        }
        throw IoError("cannot replace " + dir_.string() + ": it holds " + name +
                      ", which is not an export file; move it away or choose another --out");
    }
}

void StagedDir::add(const std::string& name, std::string_view bytes) {
    add_stream(name, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

void StagedDir::add_stream(const std::string& name, const std::function<void(std::ostream&)>& write) {
    const fs::path path = staging_ / name, shown = dir_ / name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) throw IoError("cannot write " + shown.string() + ": " + std::strerror(errno));
    FdBuf buf(fd, [this](std::size_t n) {
        bytes_ += n;
        if (progress_) progress_(bytes_);
    });
    int err = 0;
    try {
        std::ostream out(&buf);
        out.exceptions(std::ios::badbit);  // stop at the first failed write, not after gigabytes more
        write(out);
        out.flush();
    } catch (const std::ios_base::failure&) {
        err = buf.error() ? buf.error() : EIO;
    } catch (...) {
        ::close(fd);
        std::error_code ec;
        fs::remove(path, ec);
        throw;
    }
    if (!err && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (err) {
        std::error_code ec;
        fs::remove(path, ec);
        throw IoError("cannot write " + shown.string() + ": " + std::strerror(err));
    }
    names_.push_back(name);
}

void StagedDir::commit() {
    std::error_code ec;
    if (!dir_existed_) {
        // One rename publishes the whole directory.
        fs::rename(staging_, target_, ec);
        if (ec) throw IoError("cannot create " + dir_.string() + ": " + ec.message());
        committed_ = true;
        return;
    }
    check_replaceable();  // again: the export may have run for minutes since the constructor looked
    fs::permissions(staging_, fs::status(target_, ec).permissions(), ec);  // the mode the user gave dir
    if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS) {
            throw IoError("cannot replace " + dir_.string() + ": " + std::strerror(errno));
        }
        // A file system without RENAME_EXCHANGE: move the old directory aside, then the new one in.
        // `dir` is missing for that instant but never holds a mix; if we die in between, the old
        // set waits under a staging name, which the next export removes.
        const fs::path aside = staging_.parent_path() / (target_.filename().string() + std::string(kStagingTag) + unique_suffix());
        fs::rename(target_, aside, ec);
        if (ec) throw IoError("cannot replace " + dir_.string() + ": " + ec.message());
        fs::rename(staging_, target_, ec);
        if (ec) {
            std::error_code back;
            fs::rename(aside, target_, back);
            throw IoError("cannot replace " + dir_.string() + ": " + ec.message());
        }
        staging_ = aside;
    }
    committed_ = true;
    fs::remove_all(staging_, ec);  // the old set, now under the staging name
}

}  // namespace attnviz
