// What every view draws with: the state, the GL heatmap program and per-panel textures, fonts,
// and the hover collected during this frame (applied once at the end so all panels agree).
#pragma once

#include "ui/app_state.hpp"
#include "ui/file_browser.hpp"
#include "ui/soft_wrap.hpp"

#include "core/cost_model.hpp"
#include "core/io/session.hpp"
#include "core/labs.hpp"
#include "core/quiz.hpp"
#include "core/patterns.hpp"
#include "core/recurrence.hpp"
#include "core/tiled.hpp"
#include "ui/fonts.hpp"
#include "ui/heatmap_gl.hpp"

#include <filesystem>
#include <memory>
#include <future>
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
    int preset = 0;                     // index into model_presets(); −1: "this model", the one on screen
    const void* seen_model = nullptr;   // the loaded model last seen: a newly loaded one is selected
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

// The √d_k lab: the experiment runs once in the background; its curves as floats for plotting.
struct SqrtDkViewState {
    std::future<SqrtDkLab> pending;
    bool ready = false;
    SqrtDkLab lab;
    std::vector<float> log2_dk, var_raw, var_scaled, expected;
    std::vector<float> metric[3][3];    // [entropy | max weight | Jacobian][ScaleIndex] against d_k
    std::vector<float> bin_centres, hist_raw, hist_scaled;
    int metric_shown = 0;
    int hist_index = 5;                 // d_k = 32
    int hist_built = -1;
    float slider = 1.0f;                // × the trace's own multiplier
    std::uint64_t key = ~0ULL;
    ScaledWeights scaled;
};

// The length lab: the experiment for the chosen L, length and bases.
struct LengthViewState {
    int trained_length = 16, max_length = 64;
    float long_base = 500000.0f;
    std::uint64_t key = ~0ULL;
    ExtrapolationLab lab;
    std::string error;
    std::vector<float> t, sinusoidal, rope, rope_long, learned, alibi;
    std::vector<float> pairs, wave_short, wave_long;   // log10 wavelength per RoPE pair
    MatRM learned_weights, rope_weights, sinusoidal_weights, alibi_weights;  // [T, T]
    MatRM causal_mask;                                                       // [T, T]
};

// The weight editor: which matrix, the selected cell and the value being typed.
struct EditViewState {
    int target = 0;                     // EditTarget
    int head = 0;                       // column block shown for W_Q / W_K / W_V, row block for W_O
    int row = 0, col = 0;               // selected cell (row = token index for embeddings)
    int hovered_row = -1, hovered_col = -1;
    float value = 0.0f;                 // the value field; reloaded when the selection moves
    std::uint64_t selection = ~0ULL;    // (target, row, col) the value field was loaded for
};

// The quiz: the current question, the typed answer and the score.
struct QuizViewState {
    int index = 0;
    std::uint64_t seed = 1;
    std::uint64_t generation = ~0ULL;   // the trace the question was asked about
    Question question;
    std::string answer;
    bool check_requested = false;       // grade `answer` on the next draw (--quiz-answer)
    bool answered = false;
    Grade grade;
    int asked = 0, correct = 0;
};

// The Model view: which detector colours the frames, and the induction circuit's W_Q·W_Kᵀ.
struct ModelViewState {
    int detector = 0;                   // index into the detectors listed in ui/model_view.cpp
    std::uint64_t generation = ~0ULL;   // the trace `qk` was built for
    std::vector<MatRM> qk;              // [L][d, d] W_Q·W_Kᵀ per layer (induction circuit only)
    MatRM blocks[2];                    // the blocks of qk shown (they must outlive the draw)
};

// The Open model dialog: the models found in the Hugging Face cache, listed when it opens.
struct OpenModelState {
    bool open_requested = false;
    std::filesystem::path cache;
    std::vector<HfEntry> entries;
    std::uint64_t available = 0;        // MemAvailable when listed
};

// The side bar's text box: the wrapped copy it edits, and the text and width it was wrapped for.
struct TextBoxState {
    SoftWrap wrap;
    std::string shown;                  // the box's buffer (== wrap.shown between edits)
    std::string text;                   // the Config::text behind `wrap`
    float width = -1.0f;                // px available for a line when it was wrapped
    bool active = false;                // the box had the keyboard last frame
};

struct UiContext {
    UiContext(AppState& s, const HeatmapProgram& p, Fonts f) : state(s), program(p), fonts(f) {}

    AppState& state;
    const HeatmapProgram& program;
    Fonts fonts;
    std::map<std::string, HeatmapTexture> textures;  // keyed by panel id
    Hover frame_hover;                               // written by panels under the mouse this frame
    View shown_view = static_cast<View>(-1);         // the tab drawn last frame (none before the first)
    bool help_open = false;                          // F1
    bool screenshot_requested = false;               // F12: the frame loop saves the window and clears it
    std::filesystem::path export_dir = ".";          // where "Save PNG" writes
    int export_scale = 1;                            // 1× or 2×
    bool headless = false;                           // --screenshot / --bench-frames: wait for background labs
    std::filesystem::path session_path = "session.json";  // last session saved or loaded
    std::filesystem::path examples_dir;              // <runtime root>/assets/examples, set when listed
    std::vector<ExampleSession> examples;            // listed when the Examples button is pressed
    std::string examples_error;                      // why there is no list

    TextBoxState text_box;
    TilingViewState tiling;
    SparseViewState sparse;
    CostViewState cost;
    SqrtDkViewState sqrt_dk;
    LengthViewState length;
    EditViewState edit;
    QuizViewState quiz;
    ModelViewState model;
    OpenModelState open_model;
    std::uint64_t next_lens_generation = ~0ULL;      // the trace next_lens was filled for
    MatRM next_lens;                                 // [L, n] the logit lens heatmap's values
    std::vector<std::string> next_lens_labels;       // "after L0", …
    RecurrenceViewState recurrence;
    // The Positional view's caches hold types private to ui/positional_view.cpp; it makes its state
    // on first draw. Per context, not a global: a second context (a test's) never sees this one's.
    std::shared_ptr<void> positional;

    // One modal browser serves the export folder and the session files; `browsing` says for what.
    enum class Browse { None, ExportFolder, LoadSession, SaveSession, ModelFolder };
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
