// The Open model dialog: every model folder in the Hugging Face cache with its architecture,
// parameters, dtype, size on disk and the memory loading it needs against what is available; a
// folder anywhere else through the file browser. Opening starts AppState's background load.
#include "ui/views.hpp"

#include <imgui.h>

#include <cstdio>

namespace attnviz {
namespace {

std::string human(double v, const char* unit) {
    const char* prefix[] = {"", "K", "M", "G", "T"};
    int k = 0;
    while (v >= 1000.0 && k < 4) {
        v /= 1000.0;
        ++k;
    }
    char s[32];
    std::snprintf(s, sizeof s, k ? "%.2f %s%s" : "%.0f %s%s", v, prefix[k], unit);
    return s;
}

std::string gib(std::uint64_t b) {
    char s[32];
    std::snprintf(s, sizeof s, "%.2f GiB", static_cast<double>(b) / (1024.0 * 1024.0 * 1024.0));
    return s;
}

}  // namespace

void draw_open_model_dialog(UiContext& ctx) {
    AppState& st = ctx.state;
    OpenModelState& om = ctx.open_model;
    if (om.open_requested) {
        om.open_requested = false;
        om.cache = hf_hub_cache();
        om.entries = list_hf_models(om.cache);
        om.available = available_memory_bytes();
        ImGui::OpenPopup("Open model");
    }
    const ImVec2 size(std::min(980.0f, ImGui::GetIO().DisplaySize.x - 40), std::min(560.0f, ImGui::GetIO().DisplaySize.y - 40));
    ImGui::SetNextWindowSize(size, ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal("Open model", nullptr, ImGuiWindowFlags_NoSavedSettings)) return;
    ImGui::TextDisabled("Hugging Face cache: %s", om.cache.empty() ? "(no HOME)" : om.cache.string().c_str());
    ImGui::TextDisabled("(set HF_HUB_CACHE or HF_HOME to look elsewhere)   memory available: %s",
                        om.available ? gib(om.available).c_str() : "unknown");
    bool close = false;
    if (om.entries.empty()) {
        ImGui::Spacing();
        ImGui::TextWrapped("No models in the cache. Download one once (for example `huggingface-cli download gpt2`), "
                           "or pick any folder with config.json and *.safetensors:");
    }
    const float table_h = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 2;
    if (!om.entries.empty() &&
        ImGui::BeginTable("models", 7, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY,
                          ImVec2(0, table_h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        for (const char* h : {"model", "architecture", "parameters", "dtype", "on disk", "needs", ""}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (std::size_t k = 0; k < om.entries.size(); ++k) {
            const HfEntry& e = om.entries[k];
            ImGui::PushID(static_cast<int>(k));
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(e.name.c_str());
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", e.dir.string().c_str());
            if (!e.error.empty()) {
                ImGui::TableSetColumnIndex(1);
                ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "cannot open");
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", e.error.c_str());
                ImGui::PopID();
                continue;
            }
            const std::uint64_t need = e.parameters * sizeof(float);
            ImGui::TableSetColumnIndex(1);
            ImGui::TextUnformatted(e.model_type.c_str());
            ImGui::TableSetColumnIndex(2);
            ImGui::TextUnformatted(human(static_cast<double>(e.parameters), "").c_str());
            ImGui::TableSetColumnIndex(3);
            ImGui::TextUnformatted(e.dtype.c_str());
            ImGui::TableSetColumnIndex(4);
            ImGui::TextUnformatted(human(static_cast<double>(e.bytes_on_disk), "B").c_str());
            ImGui::TableSetColumnIndex(5);
            const bool fits = om.available == 0 || need <= om.available;
            if (fits) ImGui::TextUnformatted(gib(need).c_str());
            else ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s (too much)", gib(need).c_str());
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("float32 weights in memory (the files are mapped, not copied)");
            ImGui::TableSetColumnIndex(6);
            ImGui::BeginDisabled(!fits || st.model_load_active);
            if (ImGui::SmallButton("Open")) {
                st.start_model_load(e.dir);
                close = true;
            }
            ImGui::EndDisabled();
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    if (ImGui::Button("Browse for a folder…")) {
        ctx.browser.open(FileBrowser::Purpose::PickFolder, "Model folder (config.json + *.safetensors)",
                         om.cache.empty() || !std::filesystem::is_directory(om.cache) ? std::filesystem::current_path() : om.cache);
        ctx.browsing = UiContext::Browse::ModelFolder;
        close = true;
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) close = true;
    if (close) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace attnviz
