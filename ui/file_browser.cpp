#include "ui/file_browser.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace attnviz {

void FileBrowser::open(Purpose purpose, std::string title, const std::filesystem::path& start, std::string extension,
                       std::string file_name) {
    purpose_ = purpose;
    title_ = std::move(title);
    extension_ = purpose == Purpose::PickFolder ? std::string() : std::move(extension);
    file_name_ = std::move(file_name);
    go_to(start);
    open_requested_ = true;
}

void FileBrowser::go_to(const std::filesystem::path& dir) {
    DirListing next = list_directory(dir, extension_);
    // A folder that cannot be read keeps the last good listing and says why.
    if (!next.error.empty() && !listing_.dir.empty()) {
        listing_.error = next.error;
        typed_dir_ = listing_.dir.string();
        return;
    }
    listing_ = std::move(next);
    typed_dir_ = listing_.dir.string();
}

std::optional<std::filesystem::path> FileBrowser::draw() {
    const std::string popup = title_ + "###file_browser";
    if (open_requested_) {
        ImGui::OpenPopup(popup.c_str());
        open_requested_ = false;
    }
    std::optional<std::filesystem::path> chosen;
    ImGui::SetNextWindowSize(ImVec2(560, 440), ImGuiCond_Appearing);
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    visible_ = ImGui::BeginPopupModal(popup.c_str(), nullptr);
    if (!visible_) return chosen;

    ImGui::SetNextItemWidth(-60);
    if (ImGui::InputText("##dir", &typed_dir_, ImGuiInputTextFlags_EnterReturnsTrue)) go_to(typed_dir_);
    ImGui::SameLine();
    if (ImGui::Button("Up") && listing_.dir.has_parent_path()) go_to(listing_.dir.parent_path());
    if (!listing_.error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", listing_.error.c_str());

    const float footer = ImGui::GetFrameHeightWithSpacing() * (purpose_ == Purpose::SaveFile ? 2.2f : 1.2f);
    ImGui::BeginChild("entries", ImVec2(0, -footer), true);
    std::optional<std::filesystem::path> enter;
    for (const std::string& f : listing_.folders) {
        if (ImGui::Selectable(("[dir] " + f).c_str(), false, ImGuiSelectableFlags_DontClosePopups)) {
            enter = listing_.dir / f;
        }
    }
    for (const std::string& f : listing_.files) {
        const bool selected = f == file_name_;
        if (ImGui::Selectable(f.c_str(), selected,
                              ImGuiSelectableFlags_DontClosePopups | ImGuiSelectableFlags_AllowDoubleClick)) {
            file_name_ = f;
            if (ImGui::IsMouseDoubleClicked(0)) chosen = listing_.dir / f;
        }
    }
    if (listing_.folders.empty() && listing_.files.empty())
        ImGui::TextDisabled(extension_.empty() ? "no sub-folders" : "no sub-folders or %s files here", extension_.c_str());
    ImGui::EndChild();
    if (enter) go_to(*enter);

    if (purpose_ == Purpose::SaveFile) {
        ImGui::SetNextItemWidth(-1);
        ImGui::InputText("##name", &file_name_);
    }
    const char* confirm = purpose_ == Purpose::PickFolder ? "Use this folder"
                          : purpose_ == Purpose::OpenFile ? "Open"
                                                          : "Save";
    const bool need_name = purpose_ != Purpose::PickFolder;
    const bool can_confirm = !need_name || (!file_name_.empty() && file_name_.find('/') == std::string::npos);
    if (!can_confirm) ImGui::BeginDisabled();
    if (ImGui::Button(confirm)) chosen = need_name ? listing_.dir / file_name_ : listing_.dir;
    if (!can_confirm) ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    if (chosen) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return chosen;
}

}  // namespace attnviz
