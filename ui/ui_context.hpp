// What every view draws with: the state, the GL heatmap program and per-panel textures, fonts,
// and the hover collected during this frame (applied once at the end so all panels agree).
#pragma once

#include "ui/app_state.hpp"
#include "ui/file_browser.hpp"

#include "core/cost_model.hpp"
#include "core/patterns.hpp"
#include "core/recurrence.hpp"
#include "core/tiled.hpp"
#include "ui/fonts.hpp"
#include "ui/heatmap_gl.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace attnviz {

// The Tiling view: the replay of one head with Br × Bc blocks and the tile being shown.
struct TilingViewState {
    int block_q = 2, block_k = 2;
    int tile = 0;                       // index into replay.tiles; == size: finished
    std::uint64_t key = ~0ULL;          // (generation, head, blocks) the replay was made for
    TiledReplay replay;
    MatRM partial;                      // [n, d_v] O / ℓ of every row as of `tile`
    MatRM partial_mask;                 // [n, d_v] 1 for rows that have seen a key
    int partial_tile = -1;              // the tile `partial` was built for
    float max_error = 0.0f;             // max |exact − tiled| of the whole replay
};

// The Sparse view: each pattern's result for the current trace and pattern parameters.
struct SparseViewState {
    int window = 3, stride = 3, globals = 1;
    std::uint64_t key = ~0ULL;
    std::vector<PatternResult> results;  // one per kPatterns entry
    std::string error;
};

// The Prefill vs decode calculator's inputs and the curve it plots.
struct CostViewState {
    int preset = 0;                     // index into model_presets()
    Workload workload;                  // the preset's shape plus context, batch, precision
    std::uint64_t key = ~0ULL;
    CacheCurve curve;
    std::vector<float> x, mha, published, mqa;  // the curve in GiB, as floats for the plot
};

// The RNN vs attention view: the toy recurrence on this trace's embeddings.
struct RecurrenceViewState {
    std::uint64_t generation = ~0ULL;
    RecurrenceTrace rnn;
    std::vector<float> steps, rnn_influence, attention_first;  // plotted against t
};

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

    TilingViewState tiling;
    SparseViewState sparse;
    CostViewState cost;
    RecurrenceViewState recurrence;

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
