#include "app/train_command.hpp"

#include "app/export_command.hpp"
#include "core/io/atomic_file.hpp"

#include <chrono>
#include <tuple>

namespace attnviz {

void TrainFlags::add_to(CLI::App& app) {
    TrainSpec& s = spec;
    app.add_option("--task", task, "induction | copy | reverse | sort | text")->capture_default_str();
    app.add_option("--layers", s.layers, "Layers, 1 to 4")->capture_default_str();
    app.add_option("--heads", s.heads, "Attention heads a layer (must divide --d-model)")->capture_default_str();
    app.add_option("--d-model", s.d_model, "Residual stream width, at most 256")->capture_default_str();
    app.add_option("--mlp", mlp, "none (attention-only) | gelu-tanh | gelu")->capture_default_str();
    app.add_option("--d-ff", s.d_ff, "MLP width (0: 4 x d-model)")->capture_default_str();
    app.add_option("--norm", norm, "layer | rms | none (pre-LN)")->capture_default_str();
    app.add_option("--positional", positional, "learned | rope | none")->capture_default_str();
    app.add_option("--window", s.window, "Attention window (0: full causal)")->capture_default_str();
    app.add_flag("--no-bias", no_bias, "No attention or MLP biases");
    app.add_flag("--tied", s.tied, "Unembedding tied to the embedding");
    app.add_option("--symbols", s.symbols, "Vocabulary of the synthetic tasks (common English words)")->capture_default_str();
    app.add_option("--context", s.context, "Tokens a sequence")->capture_default_str();
    app.add_option("--batch", s.batch, "Sequences a step")->capture_default_str();
    app.add_option("--steps", s.steps, "Optimiser steps")->capture_default_str();
    app.add_option("--lr", s.lr, "Peak learning rate (AdamW)")->capture_default_str();
    app.add_option("--warmup", s.warmup, "Linear warm-up steps, then cosine to a tenth")->capture_default_str();
    app.add_option("--weight-decay", s.weight_decay, "Decoupled weight decay on the matrices")->capture_default_str();
    app.add_option("--clip", s.clip, "Global gradient-norm clip (0: none)")->capture_default_str();
    app.add_option("--seed", seed, "Random seed (0 to 2^64 - 1): the data, the initialisation")->capture_default_str();
    app.add_option("--log-every", s.log_every, "Metrics and head detectors every this many steps")->capture_default_str();
    app.add_option("--checkpoint-every", s.checkpoint_every, "Checkpoint every this many steps (kept in memory)")
        ->capture_default_str();
    app.add_option("--checkpoint-memory", checkpoint_memory, "Checkpoints' memory cap (older ones are thinned)")
        ->capture_default_str();
    CLI::Option* text_opt = app.add_option("--text", text, "The text task's text");
    app.add_option("--text-file", text_file, "The text task's text, from a file (at most 8 MiB)")->excludes(text_opt);
    app.add_option("--tokenize", tokenize, "The text task's tokens: word | char")->capture_default_str();
    app.add_option("--out", out, "Model folder to write (new, empty, or an attnviz model folder)")->required();
    app.add_flag("--quiet", quiet, "Print only the last line");
}

TrainSpec TrainFlags::to_spec() const {
    TrainSpec s = spec;
    s.task = parse_task(task);
    s.mlp = parse_mlp(mlp);
    s.norm = parse_norm(norm);
    s.positional = parse_positional(positional);
    s.tokenization = parse_tokenization(tokenize);
    s.seed = parse_seed("seed", seed);
    s.bias = !no_bias;
    s.checkpoint_bytes = static_cast<std::size_t>(parse_byte_size(checkpoint_memory, "checkpoint-memory"));
    if (!text_file.empty()) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(text_file, ec);
        if (ec) throw IoError("cannot read " + text_file + ": " + ec.message());
        if (size > TrainLimits::max_text_bytes) {
            throw ConfigError("text-file", text_file + " has " + std::to_string(size) + " bytes; at most 8 MiB are trained on");
        }
        s.text = read_file(text_file);
    } else {
        s.text = text;
    }
    return resolve_train_spec(s);
}

namespace {

// The (layer, head) with the highest score in `table`, and the score.
std::tuple<int, int, float> best(const std::vector<std::vector<float>>& table) {
    std::tuple<int, int, float> b{0, 0, -1.0f};
    for (std::size_t l = 0; l < table.size(); ++l)
        for (std::size_t h = 0; h < table[l].size(); ++h)
            if (table[l][h] > std::get<2>(b)) b = {static_cast<int>(l), static_cast<int>(h), table[l][h]};
    return b;
}

}  // namespace

std::string progress_line(const TrainSpec& s, const TrainMetrics& m, double steps_per_second) {
    const auto [il, ih, iv] = best(m.scores.induction);
    const auto [pl, ph, pv] = best(m.scores.previous_token);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "step %5d/%d  loss %.3f  second-half %.3f  acc %.2f  induction %.2f (L%dH%d)  prev-token %.2f (L%dH%d)  %.0f steps/s",
                  m.step, s.steps, m.eval.loss, m.eval.second_half_loss, m.eval.accuracy, iv, il, ih, pv, pl, ph, steps_per_second);
    return buf;
}

TrainSummary run_train_command(const TrainSpec& spec, const std::filesystem::path& out, std::FILE* log) {
    const auto t0 = std::chrono::steady_clock::now();
    Trainer trainer(spec);
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    const auto print = [&](const TrainMetrics& m) {
        if (!log) return;
        const double rate = m.seconds > 0 ? m.step / m.seconds : 0.0;
        std::fprintf(log, "%s\n", progress_line(trainer.spec(), m, rate).c_str());
        std::fflush(log);
    };
    print(trainer.history().back());
    while (!trainer.done())
        if (trainer.step_once()) print(trainer.history().back());
    trainer.save(out);
    TrainSummary summary;
    summary.last = trainer.history().back();
    const auto [l, h, v] = best(summary.last.scores.induction);
    summary.best_layer = l;
    summary.best_head = h;
    summary.wall_seconds = elapsed();
    return summary;
}

}  // namespace attnviz
