// attnviz: see scaled dot-product attention happen.
//
//   attnviz [options] [--screenshot out.png]    the GUI
//   attnviz export --text "..." [options] [--format json|csv|safetensors] --out DIR
//   attnviz lab sqrt-dk|extrapolation [--csv] [--out FILE]
//   attnviz tokenize --model DIR (--text "..." | --ids 1,2,3) [--no-special]
//   attnviz train --task induction --layers 2 --heads 2 --d-model 32 --steps 2000 --out DIR
#include "app/cli_options.hpp"
#include "app/export_command.hpp"
#include "app/gui_app.hpp"
#include "app/lab_command.hpp"
#include "app/tokenize_command.hpp"
#include "app/train_command.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/session.hpp"
#include "core/model_setup.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>
#include <stdexcept>
#include <unistd.h>

namespace {

// Large exports say on stderr what they will write, then how far they are: one line per 10%, or
// one line rewritten in place on a terminal. Exports under 64 MiB stay quiet.
class ExportProgressPrinter {
public:
    explicit ExportProgressPrinter(std::string dir) : dir_(std::move(dir)), tty_(::isatty(STDERR_FILENO) == 1) {}

    void report(std::uint64_t written, std::uint64_t estimate) {
        if (estimate < (64ull << 20)) return;
        if (written == 0) {
            std::fprintf(stderr, "attnviz export: writing about %s to %s\n", attnviz::format_bytes(estimate).c_str(),
                         dir_.c_str());
            return;
        }
        // The text formats' estimate may be a little short: hold at 99% until done.
        const int percent = static_cast<int>(std::min<std::uint64_t>(99, written * 100 / estimate));
        if (percent < next_) return;
        next_ = percent + (tty_ ? 1 : 10);
        std::fprintf(stderr, tty_ ? "\rattnviz export: %d%% (%s of %s)" : "attnviz export: %d%% (%s of %s)\n", percent,
                     attnviz::format_bytes(written).c_str(), attnviz::format_bytes(estimate).c_str());
        std::fflush(stderr);
        open_line_ = tty_;
    }
    void finish() {
        if (open_line_) std::fputc('\n', stderr);
        open_line_ = false;
    }

private:
    std::string dir_;
    bool tty_;
    int next_ = 1;
    bool open_line_ = false;
};

int try_main(int argc, char** argv) {
    using namespace attnviz;
    CLI::App app{"attnviz: see scaled dot-product attention happen, step by step"};
    app.require_subcommand(0, 1);

    ConfigFlags gui_flags;
    gui_flags.add_to(app);
    StackFlags gui_stack;
    gui_stack.add_to(app);
    GuiOptions gui;
    app.add_option("--layer", gui.layer, "Layer the attention views show at start (from 0)")->check(CLI::NonNegativeNumber);
    app.add_option("--screenshot", gui.screenshot, "Render a few frames, write this PNG and exit");
    app.add_option("--width", gui.width, "Window width in pixels")->check(CLI::Range(320, 7680))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.add_option("--height", gui.height, "Window height in pixels")->check(CLI::Range(240, 4320))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    std::string stage = "embed", view = "pipeline";
    app.add_option("--stage", stage, "Pipeline stage: " + stage_ids())
        ->capture_default_str();
    app.add_option("--view", view, view_ids())->capture_default_str();
    app.add_option("--head", gui.head, "Detail head")->check(CLI::NonNegativeNumber);
    app.add_option("--query", gui.query, "Query token followed in the query view")->check(CLI::NonNegativeNumber);
    std::string gui_preset = "random", export_preset = "random";
    app.add_option("--preset", gui_preset, "Head preset: random|mixed|previous|self|first|same-word|uniform")
        ->capture_default_str();
    app.add_option("--prefill", gui.prefill, "KV cache view: tokens in the prefill")->check(CLI::PositiveNumber);
    app.add_option("--decode-steps", gui.decode_steps, "KV cache view: decode steps taken at start")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--block-q", gui.block_q, "Tiling view: query rows per tile")->check(CLI::PositiveNumber);
    app.add_option("--block-k", gui.block_k, "Tiling view: keys per tile")->check(CLI::PositiveNumber);
    app.add_option("--tile", gui.tile, "Tiling view: tiles already run")->check(CLI::NonNegativeNumber);
    app.add_option("--quiz", gui.quiz, "Quiz view: question number (from 0)")->check(CLI::NonNegativeNumber);
    app.add_option("--quiz-answer", gui.quiz_answer, "Quiz view: an answer typed and checked at start");
    std::string session_file;
    app.add_option("--session", session_file, "Open this session file (its settings replace the options above)");
    app.add_option("--bench-frames", gui.bench_frames,
                   "Measure this many frames, then keystroke-to-frame latency; print and exit")
        ->check(CLI::Range(1, 100000));

    CLI::App* exp = app.add_subcommand("export", "Write the trace (JSON, CSV or safetensors) and heatmap PNGs without a display");
    ConfigFlags export_flags;
    export_flags.add_to(*exp);
    StackFlags export_stack;
    export_stack.add_to(*exp);
    std::string format = "json";
    std::string out;
    exp->add_option("--format", format, "json | csv | safetensors (trace.safetensors, F32, plus a small trace.json)")
        ->capture_default_str();
    std::string layers_out = "all", logits = "top-k";
    int top_k = StackLimits::top_k;
    exp->add_option("--layers-out", layers_out, "Layers written to trace.json \"layers\": all, or e.g. 0,5,11")
        ->capture_default_str();
    exp->add_option("--logits", logits, "The model's logits [n, V]: none | top-k | full")->capture_default_str();
    exp->add_option("--top-k", top_k, "Tokens per position in next_token and the top-k logits (1 to 100)")
        ->capture_default_str();
    bool no_heatmaps = false;
    exp->add_flag("--no-heatmaps", no_heatmaps, "Write the trace files only, no weights/scores PNGs (slow for long texts)");
    std::string max_output = "4G";
    exp->add_option("--max-output", max_output,
                    "Refuse an export whose trace files would pass this size (bytes, or K/M/G/T, 1024-based)")
        ->capture_default_str();
    exp->add_option("--out", out, "Output directory (created if missing)")->required();
    exp->add_option("--preset", export_preset, "Head preset: random|mixed|previous|self|first|same-word|uniform")
        ->capture_default_str();
    int decode_steps = 0, prefill = 1, block_q = 2, block_k = 2;
    bool tiled = false;
    CLI::Option* steps_opt =
        exp->add_option("--decode-steps", decode_steps, "Decode K tokens one at a time with a KV cache (trace.json \"decode\")");
    CLI::Option* prefill_opt = exp->add_option("--prefill", prefill, "Tokens in the batched prefill before decoding")
                                   ->capture_default_str();
    exp->add_flag("--tiled", tiled, "Add the FlashAttention-style tile replay (trace.json \"tiles\")");
    CLI::Option* bq_opt = exp->add_option("--block-q", block_q, "Query rows per tile, Br")->capture_default_str();
    CLI::Option* bk_opt = exp->add_option("--block-k", block_k, "Key columns per tile, Bc")->capture_default_str();

    CLI::App* lab = app.add_subcommand("lab", "Run the sqrt(d_k) or length-extrapolation experiment and print its data");
    LabRequest lab_req;
    std::string lab_out;
    lab->add_option("name", lab_req.name, "sqrt-dk | extrapolation")->required();
    lab->add_flag("--csv", lab_req.csv, "CSV with a header row (default: an aligned table)");
    lab->add_option("--out", lab_out, "Write to this file (atomically) instead of standard output");
    lab->add_option("--samples", lab_req.samples, "sqrt-dk: (q, k) pairs per d_k")->capture_default_str();
    lab->add_option("--keys", lab_req.keys, "sqrt-dk: keys per softmax row")->capture_default_str();
    lab->add_option("--trained-length", lab_req.trained_length, "extrapolation: the learned table's length L")
        ->capture_default_str();
    lab->add_option("--max-length", lab_req.max_length, "extrapolation: longest sequence read")->capture_default_str();
    lab->add_option("--rope-base", lab_req.rope_base, "extrapolation: RoPE base")->capture_default_str();
    lab->add_option("--long-base", lab_req.long_base, "extrapolation: the second, longer RoPE base")->capture_default_str();
    std::string lab_seed = std::to_string(lab_req.seed);
    lab->add_option("--seed", lab_seed, "random seed (0 to 2^64 - 1)")->capture_default_str();

    CLI::App* tok = app.add_subcommand("tokenize", "Print a real tokenizer's ids and tokens for a text (or the text of ids) as JSON");
    TokenizeRequest tok_req;
    std::string tok_model, tok_text, tok_ids;
    bool no_special = false;
    tok->add_option("--model", tok_model, "Model folder: tokenizer.json, vocab.json + merges.txt, or an attnviz folder's tokens.json")->required();
    CLI::Option* text_opt = tok->add_option("--text", tok_text, "Text to encode");
    CLI::Option* ids_opt = tok->add_option("--ids", tok_ids, "Token ids to show and decode, e.g. 1,2,3")->excludes(text_opt);
    tok->add_flag("--no-special", no_special, "Add no special tokens (BOS) when encoding");

    CLI::App* train = app.add_subcommand("train", "Train a small Transformer on a task and write it as a model folder");
    TrainFlags train_flags;
    train_flags.add_to(*train);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : kExitBadInput;
    }

    if (lab->parsed()) {
        try {
            lab_req.out = lab_out;
            lab_req.seed = parse_seed("seed", lab_seed);
            std::fputs(run_lab_command(lab_req).c_str(), stdout);
            if (!lab_out.empty()) std::printf("attnviz lab: wrote %s\n", lab_out.c_str());
            return EXIT_SUCCESS;
        } catch (const ConfigError& e) {
            std::fprintf(stderr, "attnviz lab: %s\n", e.what());
        } catch (const IoError& e) {
            std::fprintf(stderr, "attnviz lab: %s\n", e.what());
        }
        return kExitBadInput;
    }

    if (train->parsed()) {
        try {
            const TrainSpec spec = train_flags.to_spec();
            const TrainSummary r = run_train_command(spec, train_flags.out, train_flags.quiet ? nullptr : stdout);
            std::printf("attnviz train: wrote %s in %.1f s: second-half loss %.3f, induction %.2f on L%dH%d\n",
                        train_flags.out.c_str(), r.wall_seconds, r.last.eval.second_half_loss,
                        r.last.scores.induction[static_cast<std::size_t>(r.best_layer)][static_cast<std::size_t>(r.best_head)],
                        r.best_layer, r.best_head);
            return EXIT_SUCCESS;
        } catch (const ConfigError& e) {
            std::fprintf(stderr, "attnviz train: %s\n", e.what());
        } catch (const IoError& e) {
            std::fprintf(stderr, "attnviz train: %s\n", e.what());
        }
        return kExitBadInput;
    }

    if (tok->parsed()) {
        try {
            tok_req.model = tok_model;
            if (text_opt->count() > 0) tok_req.text = tok_text;
            if (ids_opt->count() > 0) tok_req.ids = tok_ids;
            tok_req.special = !no_special;
            std::fputs(run_tokenize_command(tok_req).c_str(), stdout);
            return EXIT_SUCCESS;
        } catch (const ConfigError& e) {
            std::fprintf(stderr, "attnviz tokenize: %s\n", e.what());
        }
        return kExitBadInput;
    }

    if (exp->parsed()) {
        try {
            ExportRequest req;
            req.config = export_flags.to_config();
            req.format = parse_export_format(format);
            req.preset = parse_preset(export_preset);
            ModelSpec spec;
            export_stack.apply_to(spec);
            req.arch = spec.arch;
            req.model = spec.model;
            req.ablate = spec.ablate;
            req.pretrained = spec.pretrained;
            req.ids = spec.ids;
            req.layers_out = parse_layers_out(layers_out);
            req.logits = parse_logits_export(logits);
            req.top_k = top_k;
            req.out = out;
            if (steps_opt->count() > 0 || prefill_opt->count() > 0) {
                // --prefill alone decodes the rest of the text.
                req.decode = ExportRequest::Decode{prefill, std::nullopt};
                if (steps_opt->count() > 0) req.decode->steps = decode_steps;
            }
            if (tiled || bq_opt->count() > 0 || bk_opt->count() > 0) req.tiles = ExportRequest::Tiles{block_q, block_k};
            req.max_output = parse_byte_size(max_output);
            req.heatmaps = !no_heatmaps;
            ExportProgressPrinter progress(out);
            req.on_progress = [&](std::uint64_t written, std::uint64_t estimate) { progress.report(written, estimate); };
            const auto files = export_trace(req);
            progress.finish();
            std::printf("attnviz export: wrote %zu files to %s\n", files.size(), out.c_str());
            return EXIT_SUCCESS;
        } catch (const ConfigError& e) {
            std::fprintf(stderr, "attnviz export: %s\n", e.what());
        } catch (const IoError& e) {
            std::fprintf(stderr, "attnviz export: %s\n", e.what());
        } catch (const std::runtime_error& e) {  // a malformed --model folder (FormatError) or an unreadable file
            std::fprintf(stderr, "attnviz export: %s\n", e.what());
        }
        return kExitBadInput;
    }

    try {
        gui.config = gui_flags.to_config();
        gui.preset = parse_preset(gui_preset);
        ModelSpec spec;
        spec.config = gui.config;
        spec.preset = gui.preset;
        gui_stack.apply_to(spec);
        gui.arch = spec.arch;
        gui.model_preset = spec.model;
        gui.ablate = spec.ablate;
        gui.ablate_mode = parse_ablation_mode(gui_stack.ablate_mode);
        gui.pretrained = spec.pretrained;
        gui.ids = spec.ids;
        // Refuse bad flags before opening a window.
        const StackModel model = build_model(spec);
        const Inputs& in = model.inputs;
        check_ablations(spec.ablate, model.arch.layers, in.config.n_heads);
        if (gui.layer >= model.arch.layers) {
            throw ConfigError("layer", "layer=" + std::to_string(gui.layer) + " must be below layers=" +
                                           std::to_string(model.arch.layers));
        }
        const auto s = parse_stage(stage);
        if (!s) throw ConfigError("stage", "stage=" + stage + " must be one of " + stage_ids());
        gui.stage = *s;
        const auto v = parse_view(view);
        if (!v) throw ConfigError("view", "view=" + view + " must be one of " + view_ids());
        gui.view = *v;
        if (!session_file.empty()) {
            gui.session = load_session(session_file);
            gui.session_path = session_file;
        }
        if (gui.head >= in.config.n_heads) {
            throw ConfigError("head", "head=" + std::to_string(gui.head) + " must be below n_heads=" +
                                          std::to_string(in.config.n_heads));
        }
        if (gui.query >= static_cast<int>(in.tokens.size())) {
            throw ConfigError("query", "query=" + std::to_string(gui.query) + " must be below the token count " +
                                           std::to_string(in.tokens.size()));
        }
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "attnviz: %s\n", e.what());
        return kExitBadInput;
    } catch (const std::runtime_error& e) {  // an unreadable or malformed --session file
        std::fprintf(stderr, "attnviz: %s\n", e.what());
        return kExitBadInput;
    }
    return run_gui(gui);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return try_main(argc, argv);
    } catch (const std::bad_alloc&) {
        // std::length_error too: both mean the input asks for more than this machine has.
        std::fprintf(stderr, "attnviz: out of memory: the input needs more memory than is available; "
                             "use fewer tokens, a smaller --d-model or fewer heads\n");
        return attnviz::kExitBadInput;
    } catch (const std::length_error&) {
        std::fprintf(stderr, "attnviz: out of memory: the input asks for an array larger than this machine can hold; "
                             "use fewer tokens, a smaller --d-model or fewer heads\n");
        return attnviz::kExitBadInput;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnviz: %s\n", e.what());
        return EXIT_FAILURE;
    }
}
