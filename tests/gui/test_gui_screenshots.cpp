// GUI tests: the real app under Xvfb (ctest wraps this binary in xvfb-run), driven through its
// --screenshot option; each image is decoded and checked.
#include <gtest/gtest.h>

#include <stb_image.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;

struct Shot {
    int exit_code = -1;
    int width = 0, height = 0;
    std::unique_ptr<unsigned char, void (*)(void*)> pixels{nullptr, stbi_image_free};

    // RGB of pixel (x, y), top-down.
    std::array<int, 3> at(int x, int y) const {
        const unsigned char* p = pixels.get() + (static_cast<std::size_t>(y) * width + x) * 3;
        return {p[0], p[1], p[2]};
    }
};

// Runs attnviz with `args` plus --screenshot into the test output dir and decodes the PNG.
Shot screenshot(const std::string& name, const std::string& args) {
    fs::create_directories(ATTNVIZ_GUI_OUT);
    const fs::path png = fs::path(ATTNVIZ_GUI_OUT) / (name + ".png");
    fs::remove(png);
    const std::string cmd = std::string("'") + ATTNVIZ_EXE + "' " + args + " --screenshot '" + png.string() +
                            "' > /dev/null 2>&1";
    Shot shot;
    const int status = std::system(cmd.c_str());
    shot.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int channels = 0;
    shot.pixels.reset(stbi_load(png.c_str(), &shot.width, &shot.height, &channels, 3));
    return shot;
}

TEST(GuiScreenshot, DefaultWindowRendersAtRequestedSize) {
    const Shot s = screenshot("default", "--width 1280 --height 800");
    ASSERT_EQ(s.exit_code, 0);
    ASSERT_NE(s.pixels, nullptr);
    EXPECT_EQ(s.width, 1280);
    EXPECT_EQ(s.height, 800);
}

TEST(GuiScreenshot, InvalidFlagsExitTwoWithoutAWindow) {
    const Shot s = screenshot("invalid", "--heads 8 --kv-heads 3");
    EXPECT_EQ(s.exit_code, 2);
    EXPECT_EQ(s.pixels, nullptr);
}

}  // namespace
