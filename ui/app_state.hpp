// Everything the GUI shows or edits, kept outside the draw functions. Views read it and call
// its intent methods; the frame loop recomputes the trace off the UI thread when the
// configuration changed. No GL and no ImGui here, so all of it is unit-tested.
#pragma once

#include "core/attention.hpp"
#include "core/cost_model.hpp"
#include "core/decode.hpp"
#include "core/io/session.hpp"
#include "core/model_setup.hpp"
#include "core/view_ids.hpp"

#include <array>
#include <filesystem>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

// The keyboard shortcut of the tab at `index` in views(): Ctrl+1 … Ctrl+9, Ctrl+0 for the first
// ten, Alt+1 … Alt+9 for the next nine (every view has one; help lists them).
struct ViewShortcut {
    bool alt = false;         // Alt instead of Ctrl
    int digit = 0;            // the digit key, 0 … 9
};
ViewShortcut view_shortcut(std::size_t index);
std::string to_string(const ViewShortcut& s);  // "Ctrl+3", "Alt+1"

// A (query row, key column) pair under the mouse, linked across every visible heatmap.
struct Hover {
    int query = -1;  // row / query token, -1 none
    int key = -1;    // column / key token, -1 none
    bool operator==(const Hover&) const = default;
};

// The Decode view's session: a KV-cache decoder over the current trace's inputs, stepped one
// token per press, and the rows of A it has computed so far (for the growing heatmap).
inline constexpr int kMaxDecodeTokens = 512;

struct DecodeState {
    int prefill = 1;                    // tokens in the batched prefill
    std::shared_ptr<Decoder> decoder;   // null until the first use, or when the config cannot decode
    std::string error;                  // why decoding is unavailable (e.g. cross-attention)
    std::uint64_t generation = ~0ULL;   // trace generation the decoder was built for
    Stack rows;                         // [h][n, n] weights of every row computed so far
    MatRM computed;                     // [n, n] 1 where rows holds a computed, visible weight
    long long macs_cached = 0;          // summed over the steps taken
    long long macs_recompute = 0;
    std::uint64_t version = 0;          // bumps on every change (texture caches key on it)
};

struct AppState {
    AppState();
    ~AppState();  // cancels a model load; waits for it and for a background recompute still running
    AppState(AppState&&) noexcept;
    AppState& operator=(AppState&&) noexcept;

    Config config;              // what the controls show (may be invalid while typing)
    Preset preset = Preset::Random;   // designed heads, or random weights from the seed
    std::vector<CellEdit> edits;      // cells the user set by hand, applied after the preset
    StackArch arch;             // layers, norm, MLP as the side bar edits them
    ModelPreset model_preset = ModelPreset::None;
    std::vector<Ablation> ablate;     // heads and MLPs knocked out (all of ablate_mode)
    AblationMode ablate_mode = AblationMode::Zero;
    // A loaded Hugging Face model and the token ids it runs on; null: the toy model.
    std::shared_ptr<const HfModel> pretrained;
    std::vector<int> ids;

    // The last valid run: never replaced by a failed one.
    std::shared_ptr<const StackModel> model;
    StackTrace stack;
    std::vector<std::vector<LensCell>> lens;          // [L][n] logit lens of `stack`
    std::vector<std::vector<TopToken>> unablated_next;  // [n][k] the prediction without ablations
    int layer = 0;              // the selected layer: every attention view shows it
    Trace trace;                // the selected layer's attention (recomputed when not kept)
    Inputs inputs;              // what `trace` was computed from (decode and the labs rerun parts of it)
    Weights weights;
    std::vector<HeadKind> head_kinds;  // what each head was built to do (designed presets, layer 0 only)
    std::string preset_summary;       // what the preset changed in the configuration
    std::uint64_t generation = 0;  // bumps whenever `trace` is replaced (texture caches key on it)
    std::string error;          // core's message for the current config, empty when valid
    std::string error_field;    // the field that message names
    bool dirty = true;          // config changed since the last recompute started
    bool computing = false;     // a background recompute is running
    double compute_ms = 0.0;    // duration of the last finished recompute

    Stage stage = Stage::Embed;
    View view = View::Pipeline;
    int detail_head = 0;
    int query = 0;              // the query token followed in the Query view
    Hover hover;                // set by whichever heatmap or token chip is under the mouse
    bool heads_show_scores = false;
    int diff_mode = 0;          // 0 off, 1 head a − head b, 2 with − without mask
    int diff_head = 1;
    DecodeState decode;
    std::string status;         // last export / save message shown in the status bar
    bool status_is_error = false;

    // Opening a model folder runs off the UI thread; these report it (model_load_active while it runs).
    bool model_load_active = false;
    std::filesystem::path model_load_path;
    std::uint64_t model_load_done = 0, model_load_total = 0;  // float32 bytes converted so far, of all

    // Where a background recompute is (computing only): the model's layers, then the logit lens,
    // then (with ablations) the model once more without them; `done` of `total` in that part.
    struct ComputeProgress {
        enum Part { Layers, Lens, Unablated } part = Layers;
        int done = 0, total = 0;
        float fraction() const { return total > 0 ? static_cast<float>(done) / static_cast<float>(total) : 0.0f; }
        std::string text() const;  // "layer 3 of 12", "logit lens: layer 2 of 11", …
    };
    ComputeProgress compute_progress() const;
    // A model is loaded but the trace on screen is still another model's (its first run is in progress).
    bool awaiting_loaded_model() const;

    // ---- intents -------------------------------------------------------------------
    void edit(const Config& next);        // records an edit; dirty when anything changed
    void toggle_padding(int token);       // clicking a token chip
    void set_preset(Preset p);
    void set_arch(const StackArch& a);
    void set_model_preset(ModelPreset p);
    void select_layer(int l);             // clamps into [0, L); the attention views follow it
    void toggle_ablation(int layer, int head);  // head = Ablation::kMlp for the layer's MLP
    bool is_ablated(int layer, int head) const;
    void set_ablate_mode(AblationMode m);
    void clear_ablations();
    // Loads a Hugging Face folder in the background (refused at once, with the status bar naming
    // why, when one is already loading). On success the model replaces the toy one (or the previous
    // model) and runs on the text; on failure or Cancel the current model stays.
    void start_model_load(const std::filesystem::path& dir);
    void cancel_model_load();
    bool poll_model_load();               // per frame; true when a model was adopted
    void close_model();                   // back to the toy model
    void set_edit(const CellEdit& e);     // replaces an earlier edit of the same cell
    void clear_edits();                   // back to the preset's (or the seed's) values
    void next_stage();
    void prev_stage();
    void set_stage(Stage s);
    // Heads "−" / "+": the next smaller / larger head count (or K/V head count) that core's size
    // rules accept with the other fields as they are (d_model / h for default widths, kv | h).
    // Returns false, changing nothing, when there is none.
    bool step_heads(int direction);
    bool step_kv_heads(int direction);
    void cycle_view(int direction);       // next / previous tab, wrapping around
    void select_head(int head);           // clamps into [0, n_heads)
    void set_query(int token);            // clamps into [0, n)
    void set_status(std::string message, bool is_error);
    // Decode view: restart from a prefill of `prefill` tokens (clamped to [1, n]); one step;
    // every remaining step. Each returns false, with decode.error set, when decoding is unavailable.
    bool decode_reset(int prefill);
    bool decode_step();
    void decode_to_end();
    // Rebuilds the decoder when the trace changed since it was made (keeps the prefill length).
    void sync_decode();
    // Session files: failures land in the status bar and leave the current session as it is.
    // A loaded session sets the view and stage at once, and the detail head and query when its
    // trace arrives (they index that trace, not the one on screen).
    bool save_session_to(const std::filesystem::path& path);
    bool load_session_from(const std::filesystem::path& path);
    void apply_session(const Session& s);  // a session already read and checked
    // Selects this layer, head and query once the run of what is set now is on screen (at once
    // when it already is): a start-up selection that waits for a background run.
    void select_when_computed(int layer, int head, int query);

    // ---- what runs ----------------------------------------------------------------
    // The configuration the model runs with: `config` with the preset's overrides applied.
    Config effective_config() const;
    ModelSpec spec() const;               // everything the next run is computed from
    // For a field the preset forces ("causal", "positional", "n_kv_heads", "d_k"): a tooltip
    // naming the preset, what it sets and why. Empty when the user's value is used.
    std::string forced_by(std::string_view field) const;
    // The model on screen in the cost model's terms ("this model"): a loaded one's config.json,
    // else the toy stack (its d_head is d_k; a toy block with d_v ≠ d_k is costed at d_k).
    ModelShape model_shape() const;

    // ---- recompute -----------------------------------------------------------------
    struct Computed;  // inputs, weights and trace of one run
    // Synchronous: runs core now. On failure keeps the last good trace and sets `error`.
    bool recompute_now();
    // Asynchronous, called once per frame: starts a background run when dirty and none is
    // running, and adopts a finished one. Returns true when a new trace was adopted.
    bool poll_recompute();

private:
    struct Job;
    std::unique_ptr<Job> job_;
    struct LoadJob;
    std::unique_ptr<LoadJob> load_job_;
    struct PendingSelection {
        ModelSpec spec;     // applied when a trace of exactly this spec is adopted
        int head = 0, query = 0, layer = 0;
    };
    std::optional<PendingSelection> pending_selection_;
    // A session's model folder being loaded for it: its ids and selection apply once it is adopted.
    std::optional<Session> session_awaiting_model_;
    std::vector<HeadKind> layer0_kinds_;
    void select_on_adopt(PendingSelection p);
    bool adopt(Computed&& c, double ms);
    void show_layer(int l);
    void clamp_selection();
};

}  // namespace attnviz
