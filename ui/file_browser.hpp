// A small modal file browser: pick a folder (export), a session to load, or where to save one.
// ImGui 1.86 has no file dialog and a native one would pull in another toolkit.
#pragma once

#include "core/io/dir_listing.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace attnviz {

struct FileBrowser {
    enum class Purpose { PickFolder, OpenFile, SaveFile };

    // Opens the modal at `start` (a folder) on the next draw(). `file_name` prefills SaveFile.
    void open(Purpose purpose, std::string title, const std::filesystem::path& start,
              std::string extension = ".json", std::string file_name = {});
    // Call every frame; returns the chosen path on the frame the user confirms, else nothing.
    std::optional<std::filesystem::path> draw();
    bool is_open() const { return visible_; }

private:
    void go_to(const std::filesystem::path& dir);

    Purpose purpose_ = Purpose::PickFolder;
    std::string title_, extension_, file_name_, typed_dir_;
    DirListing listing_;
    bool open_requested_ = false, visible_ = false;
};

}  // namespace attnviz
