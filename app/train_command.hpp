// `attnviz train --task induction --layers 2 --heads 2 --d-model 32 --steps 2000 --seed 1 --out DIR`:
// trains a small Transformer headless (core/train.hpp), prints a line per logged step and writes
// DIR as an attnviz model folder with metrics.csv and metrics.json beside the model.
#pragma once

#include "core/train.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace attnviz {

// The flags as typed; to_spec() parses them with core's parsers, so a bad value gets core's message
// naming the flag.
struct TrainFlags {
    TrainSpec spec;
    std::string task = "induction", mlp = "none", norm = "layer", positional = "learned", tokenize = "word";
    std::string seed = "1", text, text_file, checkpoint_memory = "256M";
    bool no_bias = false;
    std::string out;
    bool quiet = false;

    void add_to(CLI::App& app);
    TrainSpec to_spec() const;  // throws ConfigError, IoError (an unreadable --text-file)
};

// What the run printed last and took.
struct TrainSummary {
    TrainMetrics last;
    int best_layer = 0, best_head = 0;  // the head with the highest induction score at the end
    double wall_seconds = 0;
};

// "step  500/2000  loss 2.60  second-half 2.19  acc 0.39  induction 0.13 (L1H0)  prev 0.31 (L0H1)  410 steps/s"
std::string progress_line(const TrainSpec& s, const TrainMetrics& m, double steps_per_second);

// Trains `spec`, printing progress to `log` (null: silent), then writes the folder `out`.
// Throws ConfigError and IoError (the folder cannot be written; nothing is left half-written).
TrainSummary run_train_command(const TrainSpec& spec, const std::filesystem::path& out, std::FILE* log);

}  // namespace attnviz
