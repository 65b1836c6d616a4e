// What every view draws with: the state, the GL heatmap program and per-panel textures, fonts,
// and the hover collected during this frame (applied once at the end so all panels agree).
#pragma once

#include "ui/app_state.hpp"
#include "ui/file_browser.hpp"
#include "ui/fonts.hpp"
#include "ui/heatmap_gl.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace attnviz {

struct UiContext {
    UiContext(AppState& s, const HeatmapProgram& p, Fonts f) : state(s), program(p), fonts(f) {}

    AppState& state;
    const HeatmapProgram& program;
    Fonts fonts;
    std::map<std::string, HeatmapTexture> textures;  // keyed by panel id
    Hover frame_hover;                               // written by panels under the mouse this frame
    std::filesystem::path export_dir = ".";          // where "Save PNG" writes
    int export_scale = 1;                            // 1× or 2×
    std::filesystem::path session_path = "session.json";  // last session saved or loaded

    // One modal browser serves the export folder and the session files; `browsing` says for what.
    enum class Browse { None, ExportFolder, LoadSession, SaveSession };
    FileBrowser browser;
    Browse browsing = Browse::None;

    // Derived per-head matrices the trace does not store (scaled scores, logits), rebuilt only
    // when the trace changes: never per frame.
    std::uint64_t derived_generation = ~0ULL;
    Stack scaled, logits;
    MatRM query_row, output_row;
    // The heads view's difference matrix, keyed by (generation, mode, pair): rebuilt on change only.
    std::uint64_t heads_diff_key = ~0ULL;
    MatRM heads_diff;  // [1, d_k], [1, d_v]: the Query view's strips must outlive the draw
    void refresh_derived() {
        if (derived_generation == state.generation) return;
        derived_generation = state.generation;
        const int h = state.trace.config.n_heads;
        scaled.assign(static_cast<std::size_t>(h), MatRM());
        logits.assign(static_cast<std::size_t>(h), MatRM());
        for (int a = 0; a < h; ++a) {
            scaled[static_cast<std::size_t>(a)] = state.trace.scaled_scores(a);
            logits[static_cast<std::size_t>(a)] = state.trace.logits(a);
        }
    }
};

}  // namespace attnviz
