#include "ui/app_state.hpp"

#include "core/io/session.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>

namespace attnviz {

ViewShortcut view_shortcut(std::size_t index) {
    ViewShortcut s;
    s.alt = index >= 10;
    s.digit = static_cast<int>((index % 10 + 1) % 10);  // 1 … 9, then 0 for the tenth
    return s;
}

std::string to_string(const ViewShortcut& s) { return std::string(s.alt ? "Alt+" : "Ctrl+") + std::to_string(s.digit); }

void AppState::edit(const Config& next) {
    if (next == config) return;
    config = next;
    dirty = true;
}

void AppState::set_preset(Preset p) {
    if (p == preset) return;
    preset = p;
    dirty = true;
}

void AppState::set_arch(const StackArch& a) {
    if (a == arch) return;
    arch = a;
    dirty = true;
}

void AppState::set_model_preset(ModelPreset p) {
    if (p == model_preset) return;
    model_preset = p;
    dirty = true;
}

void AppState::toggle_ablation(int l, int head) {
    const auto it = std::find_if(ablate.begin(), ablate.end(), [&](const Ablation& a) { return a.layer == l && a.head == head; });
    if (it != ablate.end()) ablate.erase(it);
    else ablate.push_back(Ablation{l, head, ablate_mode});
    dirty = true;
}

bool AppState::is_ablated(int l, int head) const {
    return std::any_of(ablate.begin(), ablate.end(), [&](const Ablation& a) { return a.layer == l && a.head == head; });
}

void AppState::set_ablate_mode(AblationMode m) {
    if (m == ablate_mode) return;
    ablate_mode = m;
    for (Ablation& a : ablate) a.mode = m;
    if (!ablate.empty()) dirty = true;
}

void AppState::clear_ablations() {
    if (ablate.empty()) return;
    ablate.clear();
    dirty = true;
}

void AppState::select_layer(int l) {
    l = std::clamp(l, 0, std::max(0, static_cast<int>(stack.layers.size()) - 1));
    if (l == layer) return;
    show_layer(l);
}

void AppState::show_layer(int l) {
    layer = l;
    if (!model || stack.layers.empty()) return;
    const LayerTrace& L = stack.layers[static_cast<std::size_t>(l)];
    trace = L.attn_full ? L.attn : layer_attention(model->inputs, model->weights(), stack, l);
    inputs = layer_inputs(model->inputs, stack.arch, model->weights(), l, L.resid_pre);
    weights = layer_weights(model->weights(), l);
    head_kinds = l == 0 ? layer0_kinds_ : std::vector<HeadKind>{};
    ++generation;
    clamp_selection();
}

void AppState::set_edit(const CellEdit& e) {
    auto same_cell = [&](const CellEdit& x) {
        return x.target == e.target && x.col == e.col &&
               (e.target == EditTarget::Embedding ? x.token == e.token : x.row == e.row);
    };
    const auto it = std::find_if(edits.begin(), edits.end(), same_cell);
    if (it != edits.end()) {
        if (*it == e) return;
        *it = e;
    } else {
        edits.push_back(e);
    }
    dirty = true;
}

void AppState::clear_edits() {
    if (edits.empty()) return;
    edits.clear();
    dirty = true;
}

void AppState::toggle_padding(int token) {
    if (token < 0) return;
    Config next = config;
    auto it = std::find(next.padding.begin(), next.padding.end(), token);
    if (it != next.padding.end()) {
        next.padding.erase(it);
    } else {
        next.padding.push_back(token);
        std::sort(next.padding.begin(), next.padding.end());
    }
    edit(next);
}

void AppState::next_stage() {
    const int i = static_cast<int>(stage);
    if (i + 1 < kStageCount) stage = static_cast<Stage>(i + 1);
}

void AppState::prev_stage() {
    const int i = static_cast<int>(stage);
    if (i > 0) stage = static_cast<Stage>(i - 1);
}

void AppState::set_stage(Stage s) { stage = s; }

Config AppState::effective_config() const {
    if (pretrained) {
        Config c = pretrained->block;
        c.text = config.text;
        return c;
    }
    return model_preset == ModelPreset::Induction ? induction_config(config) : preset_config(config, preset);
}

ModelSpec AppState::spec() const { return ModelSpec{config, preset, edits, arch, model_preset, ablate, pretrained, ids}; }

namespace {

// What a whole model (the induction circuit, a loaded one) decides for itself; a loaded model also
// fixes the seed, temperature, model preset and RoPE settings.
bool model_decides(std::string_view field, bool loaded) {
    for (std::string_view f : {"d_model", "n_heads", "n_kv_heads", "d_k", "d_v", "positional", "scale", "causal", "window",
                               "layers", "mlp", "norm", "ln", "preset"})
        if (f == field) return true;
    if (!loaded) return false;
    for (std::string_view f : {"seed", "temperature", "model-preset", "rope_base", "rope_style"})
        if (f == field) return true;
    return false;
}

}  // namespace

std::string AppState::forced_by(std::string_view field) const {
    if (pretrained) {
        if (!model_decides(field, true)) return {};
        return "set by the loaded model " + pretrained->name() + " (" + pretrained->config.model_type +
               "): its config.json decides.\nClose the model to use the toy one.";
    }
    if (model_preset == ModelPreset::Induction) {
        if (!model_decides(field, false)) return {};
        return "set by the induction model: its two hand-written layers need d_model 162, one head of d_k 49, "
               "learned positions and a causal mask.\nChoose model random to set it yourself.";
    }
    const PresetOverride* o = preset_override(preset, field);
    if (!o) return {};
    return "set by preset " + std::string(to_string(preset)) + ": " + std::string(o->setting) + " (" +
           std::string(o->reason) + ").\nChoose preset random to set it yourself.";
}

ModelShape AppState::model_shape() const {
    if (pretrained) {
        const HfConfig& h = pretrained->config;
        return {"this model: " + pretrained->name(), h.layers, h.heads, h.kv_heads, h.head_dim, h.d_model,
                pretrained->dir.string(), h.sliding_window};
    }
    // What ran, not what the side bar says while it is being edited.
    const Config& c = trace.config;
    const int layers = model ? model->arch.layers : arch.layers;
    return {"this model: the toy stack on screen", layers, c.n_heads, c.n_kv_heads, c.d_k, c.d_model, "the side bar",
            c.window};
}

namespace {

// Whether core's size rules accept `c` as the preset runs it. An error in a field that has
// nothing to do with sizes (a bad temperature, say) does not make a head count invalid.
bool sizes_valid(const Config& c, Preset preset) {
    try {
        resolve_sizes(preset_config(c, preset));
        return true;
    } catch (const ConfigError& e) {
        for (std::string_view f : {"d_model", "n_heads", "n_kv_heads", "d_k", "d_v"})
            if (e.field() == f) return false;
        return true;
    }
}

}  // namespace

bool AppState::step_heads(int direction) {
    if (direction == 0) return false;
    const int dir = direction > 0 ? 1 : -1;
    Config next = config;
    for (int h = config.n_heads + dir; h >= 1 && h <= Limits::max_heads; h += dir) {
        next.n_heads = h;
        if (sizes_valid(next, preset)) {
            edit(next);
            return true;
        }
    }
    return false;
}

bool AppState::step_kv_heads(int direction) {
    if (direction == 0 || preset_override(preset, "n_kv_heads")) return false;
    const int dir = direction > 0 ? 1 : -1;
    // 0 means "as many as the query heads": step from there.
    const int from = config.n_kv_heads == 0 ? config.n_heads : config.n_kv_heads;
    Config next = config;
    for (int kv = from + dir; kv >= 1 && kv <= Limits::max_heads; kv += dir) {
        next.n_kv_heads = kv;
        if (sizes_valid(next, preset)) {
            edit(next);
            return true;
        }
    }
    return false;
}

void AppState::cycle_view(int direction) {
    const auto& all = views();
    const int count = static_cast<int>(all.size());
    int at = 0;
    for (int k = 0; k < count; ++k)
        if (all[static_cast<std::size_t>(k)].view == view) at = k;
    const int step = direction > 0 ? 1 : direction < 0 ? -1 : 0;
    view = all[static_cast<std::size_t>(((at + step) % count + count) % count)].view;
}

void AppState::select_head(int head) {
    detail_head = std::clamp(head, 0, std::max(0, trace.config.n_heads - 1));
}

void AppState::set_query(int token) { query = std::clamp(token, 0, std::max(0, trace.n - 1)); }

void AppState::set_status(std::string message, bool is_error) {
    status = std::move(message);
    status_is_error = is_error;
}

bool AppState::save_session_to(const std::filesystem::path& path) {
    try {
        Session s{config, preset, edits, view, stage, detail_head, query, "", "", arch, model_preset, ablate, layer, {}, {}};
        if (pretrained) {
            // The folder and the ids; the selection is the trace's on screen (the app clamps it on load).
            s.model_dir = pretrained->dir;
            s.ids = ids;
            s.edits.clear();
        } else try {
            // The selection belongs to the trace on screen; when the configuration changed since
            // (not recomputed yet), keep the file loadable: out of the new range, save 0.
            const Inputs in = build_preset(config, preset).inputs;
            if (s.head >= in.config.n_heads) s.head = 0;
            if (s.query >= static_cast<int>(in.tokens.size())) s.query = 0;
            if (s.layer >= (model_preset == ModelPreset::Induction ? 2 : arch.layers)) s.layer = 0;
        } catch (const ConfigError&) {
            // an invalid configuration is saved as typed, as before; loading it names the problem
        }
        save_session(path, s);
        set_status("saved " + path.string(), false);
        return true;
    } catch (const std::exception& e) {
        set_status(std::string("cannot save session: ") + e.what(), true);
        return false;
    }
}

namespace {

bool same_folder(const std::filesystem::path& a, const std::filesystem::path& b) {
    std::error_code ec;
    return a.lexically_normal() == b.lexically_normal() || std::filesystem::equivalent(a, b, ec);
}

}  // namespace

void AppState::apply_session(const Session& s) {
    edit(s.config);
    set_preset(s.preset);
    set_arch(s.arch);
    set_model_preset(s.model_preset);
    if (ablate != s.ablate) {
        ablate = s.ablate;
        if (!ablate.empty()) ablate_mode = ablate.front().mode;
        dirty = true;
    }
    if (edits != s.edits) {
        edits = s.edits;
        dirty = true;
    }
    view = s.view;
    stage = s.stage;
    session_awaiting_model_.reset();
    if (s.model_dir.empty()) {
        close_model();
    } else if (pretrained && same_folder(pretrained->dir, s.model_dir)) {
        if (ids != s.ids) {
            ids = s.ids;
            dirty = true;
        }
    } else {
        // Its ids and selection wait for the folder (a failed load keeps the model on screen).
        start_model_load(s.model_dir);
        if (model_load_active && model_load_path == s.model_dir) session_awaiting_model_ = s;
        return;
    }
    // The head and query index the session's trace: applied when that trace is adopted
    // (now, when it is the one on screen).
    select_on_adopt(PendingSelection{spec(), s.head, s.query, s.layer});
}

void AppState::select_when_computed(int l, int head, int q) { select_on_adopt(PendingSelection{spec(), head, q, l}); }

void AppState::select_on_adopt(PendingSelection p) {
    pending_selection_ = std::move(p);
    if (!dirty && !computing) {
        show_layer(std::clamp(pending_selection_->layer, 0, std::max(0, static_cast<int>(stack.layers.size()) - 1)));
        detail_head = pending_selection_->head;
        query = pending_selection_->query;
        pending_selection_.reset();
        clamp_selection();
    }
}

bool AppState::load_session_from(const std::filesystem::path& path) {
    try {
        apply_session(load_session(path));
        set_status("loaded " + path.string(), false);
        return true;
    } catch (const std::exception& e) {
        set_status(std::string("session not loaded, current one kept: ") + e.what(), true);
        return false;
    }
}

bool AppState::decode_reset(int prefill) {
    DecodeState& d = decode;
    d.generation = generation;
    d.prefill = std::clamp(prefill, 1, std::max(1, trace.n));
    d.macs_cached = d.macs_recompute = 0;
    ++d.version;
    d.decoder.reset();
    const int n = trace.n, h = trace.config.n_heads;
    d.rows.clear();
    d.computed.resize(0, 0);
    // The view keeps every computed row of A per head: bounded so a long text cannot make
    // opening the tab allocate gigabytes.
    if (n > kMaxDecodeTokens) {
        d.error = "the KV cache view steps through at most " + std::to_string(kMaxDecodeTokens) +
                  " tokens; this text has " + std::to_string(n) + " (attnviz export --decode-steps has no limit)";
        return false;
    }
    d.rows.assign(static_cast<std::size_t>(h), MatRM::Zero(n, n));
    d.computed = MatRM::Zero(n, n);
    try {
        d.decoder = std::make_shared<Decoder>(inputs, weights, d.prefill);
        d.error.clear();
    } catch (const ConfigError& e) {
        d.error = e.what();
        return false;
    }
    // The prefill pass computes rows [0, p) of the causal weights in one batch.
    const Trace& pre = d.decoder->prefill_trace();
    for (int a = 0; a < h; ++a) d.rows[static_cast<std::size_t>(a)].topLeftCorner(d.prefill, d.prefill) = pre.weights[static_cast<std::size_t>(a)];
    d.computed.topLeftCorner(d.prefill, d.prefill) = pre.mask;
    return true;
}

bool AppState::decode_step() {
    sync_decode();
    DecodeState& d = decode;
    if (!d.decoder || d.decoder->done()) return false;
    const DecodeStep& s = d.decoder->step();
    for (std::size_t a = 0; a < d.rows.size(); ++a) {
        for (std::size_t e = 0; e < s.cache_positions.size(); ++e) {
            d.rows[a](s.position, s.cache_positions[e]) = s.weights[a](0, static_cast<Eigen::Index>(e));
        }
    }
    const MaskSpec spec{true, inputs.config.window, inputs.config.padding};
    for (int p : s.cache_positions) d.computed(s.position, p) = key_visible(spec, s.position, p) ? 1.0f : 0.0f;
    d.macs_cached += s.macs_cached;
    d.macs_recompute += s.macs_recompute;
    ++d.version;
    return true;
}

void AppState::decode_to_end() {
    while (decode_step()) {
    }
}

void AppState::sync_decode() {
    if (decode.generation != generation) decode_reset(decode.prefill);
}

void AppState::clamp_selection() {
    select_head(detail_head);
    diff_head = std::clamp(diff_head, 0, std::max(0, trace.config.n_heads - 1));
    set_query(query);
    if (hover.query >= trace.n) hover.query = -1;
    if (hover.key >= trace.m) hover.key = -1;
}

// One run of the model: what the trace was computed from travels with it.
struct AppState::Computed {
    ModelRun run;
    ModelSpec spec;  // what it was run from
    std::vector<std::vector<LensCell>> lens;
    std::vector<std::vector<TopToken>> unablated_next;
};

namespace {

// What a background run shares with the UI thread: which part runs, its progress and Cancel.
struct RunWatch {
    RunProgress progress;
    std::atomic<int> part{AppState::ComputeProgress::Layers};
};

// `watch` (may be null): the progress of each part, and a cancel that throws RunCancelled.
AppState::Computed compute(const ModelSpec& spec, int keep_layer, RunWatch* watch = nullptr) {
    RunProgress* progress = watch ? &watch->progress : nullptr;
    StackRunOptions opt;
    opt.keep_layer = keep_layer;
    opt.progress = progress;
    AppState::Computed c{run_model(spec, opt), spec, {}, {}};
    if (watch) watch->part = AppState::ComputeProgress::Lens;
    c.lens = logit_lens(c.run.stack, c.run.model->weights(), c.run.model->vocab(), progress);
    if (spec.ablate.empty()) {
        c.unablated_next = c.run.stack.next;
    } else {
        // The same model without ablations, for the before/after of the prediction (n×n not kept).
        ModelSpec plain = spec;
        plain.ablate.clear();
        StackRunOptions light;
        light.attention_budget = 0;
        light.keep_layer = -1;
        light.progress = progress;
        if (watch) watch->part = AppState::ComputeProgress::Unablated;
        c.unablated_next = run_model(plain, light).stack.next;
    }
    return c;
}

}  // namespace

bool AppState::adopt(Computed&& c, double ms) {
    model = std::move(c.run.model);
    stack = std::move(c.run.stack);
    lens = std::move(c.lens);
    unablated_next = std::move(c.unablated_next);
    layer0_kinds_ = std::move(c.run.head_kinds);
    preset_summary = std::move(c.run.summary);
    compute_ms = ms;
    error.clear();
    error_field.clear();
    int l = layer;
    if (pending_selection_ && pending_selection_->spec == c.spec) l = pending_selection_->layer;
    show_layer(std::clamp(l, 0, static_cast<int>(stack.layers.size()) - 1));
    if (pending_selection_ && pending_selection_->spec == c.spec) {
        detail_head = pending_selection_->head;
        query = pending_selection_->query;
        pending_selection_.reset();
    }
    clamp_selection();
    return true;
}

bool AppState::recompute_now() {
    dirty = false;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        Computed c = compute(spec(), layer);
        return adopt(std::move(c), std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    } catch (const ConfigError& e) {
        error = e.what();
        error_field = e.field();
        return false;
    } catch (const std::bad_alloc&) {
        error = "cannot compute: out of memory (use fewer tokens, a smaller d_model or fewer heads)";
        error_field.clear();
        return false;
    }
}

namespace {
constexpr double kInlineComputeMs = 4.0;
}  // namespace

// The job's result travels through its future: the thread owns nothing of the Job, so there is
// no Job → future → callable → Job cycle to keep each finished job alive.
struct AppState::Job {
    struct Outcome {
        Computed result;
        std::string error, error_field;
        bool ok = false;
        bool cancelled = false;  // abandoned for a newer edit: no error, and the next run starts
        double ms = 0.0;
    };
    std::shared_ptr<RunWatch> watch = std::make_shared<RunWatch>();
    std::future<Outcome> done;
};

// The loader thread owns only the shared progress counters and its own result, so no cycle keeps a
// finished load alive (as for Job).
struct AppState::LoadJob {
    struct Shared {
        std::atomic<bool> cancel{false};
        std::atomic<std::uint64_t> done{0}, total{0};
    };
    struct Outcome {
        std::shared_ptr<const HfModel> model;
        std::string error;
    };
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
    std::future<Outcome> result;
};

void AppState::start_model_load(const std::filesystem::path& dir) {
    if (load_job_) {
        set_status("a model is already loading: wait for it or cancel it first", true);
        return;
    }
    load_job_ = std::make_unique<LoadJob>();
    model_load_active = true;
    model_load_path = dir;
    model_load_done = model_load_total = 0;
    load_job_->result = std::async(std::launch::async, [dir, shared = load_job_->shared] {
        LoadJob::Outcome out;
        LoadProgress p;
        p.cancel = &shared->cancel;
        p.on_progress = [&](std::uint64_t done, std::uint64_t total) {
            shared->done = done;
            shared->total = total;
        };
        try {
            out.model = std::make_shared<HfModel>(load_hf_model(dir, p));
        } catch (const LoadCancelled&) {
            out.error = "loading " + dir.string() + " cancelled";
        } catch (const std::bad_alloc&) {
            out.error = dir.string() + ": out of memory while loading";
        } catch (const std::exception& e) {
            out.error = e.what();
        }
        return out;
    });
    set_status("loading " + dir.string() + " …", false);
}

void AppState::cancel_model_load() {
    if (load_job_) load_job_->shared->cancel = true;
}

bool AppState::poll_model_load() {
    if (!load_job_) return false;
    model_load_done = load_job_->shared->done;
    model_load_total = load_job_->shared->total;
    if (load_job_->result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    LoadJob::Outcome out = load_job_->result.get();
    load_job_.reset();
    model_load_active = false;
    if (!out.model) {
        set_status("model not loaded, the current one kept: " + out.error, true);
        session_awaiting_model_.reset();
        return false;
    }
    pretrained = std::move(out.model);
    ids.clear();
    dirty = true;
    if (session_awaiting_model_) {
        const Session s = std::move(*session_awaiting_model_);
        session_awaiting_model_.reset();
        ids = s.ids;
        select_on_adopt(PendingSelection{spec(), s.head, s.query, s.layer});
    }
    set_status("loaded " + pretrained->name() + " (" + pretrained->config.model_type + ", " +
                   std::to_string(pretrained->config.layers) + " layers, " + pretrained->dtype + ")" +
                   (pretrained->reads_text() ? "" : ": no tokenizer in the folder, type token ids"),
               false);
    return true;
}

void AppState::close_model() {
    if (!pretrained) return;
    pretrained.reset();
    ids.clear();
    dirty = true;
}

AppState::AppState() = default;
AppState::~AppState() {
    if (load_job_) load_job_->shared->cancel = true;  // the loader stops at its next tensor
    if (job_) job_->watch->progress.cancel = true;    // and a recompute at its next layer
}

std::string AppState::ComputeProgress::text() const {
    static constexpr const char* kPart[] = {"layer", "logit lens: layer", "without ablations: layer"};
    if (total <= 0) return "starting";
    return std::string(kPart[part]) + " " + std::to_string(std::min(done + 1, total)) + " of " + std::to_string(total);
}

bool AppState::awaiting_loaded_model() const {
    return pretrained && (!model || &model->weights() != &pretrained->weights);
}

AppState::ComputeProgress AppState::compute_progress() const {
    ComputeProgress p;
    if (!job_) return p;
    p.part = static_cast<ComputeProgress::Part>(job_->watch->part.load());
    p.done = job_->watch->progress.done;
    p.total = job_->watch->progress.total;
    return p;
}
AppState::AppState(AppState&&) noexcept = default;
AppState& AppState::operator=(AppState&&) noexcept = default;

bool AppState::poll_recompute() {
    poll_model_load();
    bool adopted = false;
    if (job_ && job_->done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        Job::Outcome finished = job_->done.get();
        job_.reset();
        computing = false;
        // A result for a config that was edited again since is still shown (never a blank
        // view); the pending edit starts the next run below.
        if (finished.ok) {
            adopted = adopt(std::move(finished.result), finished.ms);
        } else if (finished.cancelled) {
            dirty = true;  // what it was abandoned for runs next
        } else if (!dirty) {
            error = finished.error;
            error_field = finished.error_field;
        }
    }
    // A recompute that took under a few milliseconds last time runs inline: the new trace then
    // shows in this very frame instead of one or two frames later.
    // A loaded model always runs in the background: its first run alone can take seconds.
    if (dirty && !job_ && compute_ms < kInlineComputeMs && !pretrained) {
        const double before = compute_ms;
        adopted = recompute_now() || adopted;
        if (!adopted) compute_ms = before;
        return adopted;
    }
    // A newer edit abandons the run in progress at its next layer, so a long input on a deep model
    // answers the last keystroke, not every one before it.
    if (dirty && job_) job_->watch->progress.cancel = true;
    if (dirty && !job_) {
        dirty = false;
        computing = true;
        job_ = std::make_unique<Job>();
        job_->done = std::async(std::launch::async, [run_spec = spec(), keep = layer, watch = job_->watch] {
            Job::Outcome out;
            const auto t0 = std::chrono::steady_clock::now();
            try {
                out.result = compute(run_spec, keep, watch.get());
                out.ok = true;
            } catch (const RunCancelled&) {
                out.cancelled = true;
            } catch (const ConfigError& e) {
                out.error = e.what();
                out.error_field = e.field();
            } catch (const std::bad_alloc&) {
                out.error = "cannot compute: out of memory (use fewer tokens, a smaller d_model or fewer heads)";
            } catch (const std::exception& e) {
                out.error = std::string("cannot compute: ") + e.what();
            }
            out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            return out;
        });
    }
    return adopted;
}

}  // namespace attnviz
