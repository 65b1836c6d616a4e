// The one runtime root: found from the executable's location (installed layout first, then the
// build tree), and a miss names every full path tried.
#include "core/io/runtime_files.hpp"

#include "tests/app/app_test_helpers.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

TEST(RuntimeFiles, InstalledLayoutFirstThenBesideTheExecutable) {
    EXPECT_EQ(runtime_root_candidates("/opt/p/bin/attnviz"),
              (std::vector<fs::path>{"/opt/p/share/attnviz", "/opt/p/bin"}));
}

TEST(RuntimeFiles, FindsEitherLayoutAndNamesEveryPathTriedOnAMiss) {
    TempDir dir;
    const fs::path exe = dir / "bin" / "attnviz";
    fs::create_directories(exe.parent_path());
    try {
        runtime_root_for(exe);
        FAIL() << "found a root in an empty prefix";
    } catch (const RuntimeFileError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find((dir.path() / "share" / "attnviz" / "shaders").string()), std::string::npos) << msg;
        EXPECT_NE(msg.find((dir.path() / "bin" / "shaders").string()), std::string::npos) << msg;
    }
    fs::create_directories(dir / "bin" / "shaders");  // a build tree: shaders/ beside the executable
    EXPECT_EQ(runtime_root_for(exe), dir.path() / "bin");
    fs::create_directories(dir.path() / "share" / "attnviz" / "shaders");  // installed wins
    EXPECT_EQ(runtime_root_for(exe), dir.path() / "share" / "attnviz");
}

TEST(RuntimeFiles, TheTestsFindTheBuildTreesCopies) {
    // The test executables sit in the build directory, beside the copies CMake made.
    EXPECT_TRUE(fs::exists(runtime_root() / "shaders" / "heatmap.frag"));
    EXPECT_EQ(runtime_file("shaders/heatmap.vert"), runtime_root() / "shaders" / "heatmap.vert");
    try {
        runtime_file("assets/none.png");
        FAIL() << "found a missing file";
    } catch (const RuntimeFileError& e) {
        EXPECT_EQ(std::string(e.what()), "missing runtime file " + (runtime_root() / "assets" / "none.png").string());
    }
}

}  // namespace
}  // namespace attnviz
