// The GUI: window, GL context, ImGui, fonts, the frame loop, shortcuts and screenshots.
#pragma once

#include "core/config.hpp"
#include "core/io/session.hpp"
#include "ui/app_state.hpp"

#include <filesystem>
#include <optional>

#include <string>

namespace attnviz {

struct GuiOptions {
    Config config;
    Preset preset = Preset::Random;  // --preset
    StackArch arch;                  // --layers, --mlp, --norm, --ln
    ModelPreset model_preset = ModelPreset::None;  // --model-preset
    std::vector<Ablation> ablate;    // --ablate
    AblationMode ablate_mode = AblationMode::Zero;  // --ablate-mode
    std::shared_ptr<const HfModel> pretrained;      // --model
    std::vector<int> ids;                           // --ids
    int layer = 0;                   // --layer: selected once the first trace is in
    std::string screenshot;          // when set: settle, render, write this PNG, exit
    Stage stage = Stage::Embed;      // --stage
    int head = 0;                    // --head
    View view = View::Pipeline;      // --view
    int query = 0;                   // --query
    int width = 1600;                // window size in pixels
    int height = 1000;
    int prefill = 1;                 // --prefill: KV-cache view's prefill length
    int decode_steps = 0;            // --decode-steps: steps taken before the first frame
    int block_q = 2, block_k = 2;    // --block-q / --block-k: Tiling view's blocks
    int tile = 0;                    // --tile: Tiling view's replay position
    int quiz = 0;                    // --quiz: Quiz view's question number (from 0)
    std::string quiz_answer;         // --quiz-answer: typed and checked at start
    int bench_frames = 0;            // > 0: measure frame times and keystroke latency, print, exit
    // --session: read and checked before the window opens; applied over the options above.
    std::optional<Session> session;
    std::filesystem::path session_path;
};

// Returns the process exit code. Throws std::runtime_error when the window or GL cannot start.
int run_gui(const GuiOptions& options);

}  // namespace attnviz
