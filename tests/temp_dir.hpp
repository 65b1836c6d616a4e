// A scratch directory for tests, shared by the core and app suites.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

namespace attnviz::test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, unique per process, test and instance; removed
// with everything in it when the object goes away.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() /
                ("attnviz-apptest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                 (info ? std::string(info->test_suite_name()) + "." + info->name() : std::string("x")));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

}  // namespace attnviz::test
