// `attnviz export`: the trace as JSON, CSV or safetensors plus CPU-rendered heatmaps, published as
// one directory (see StagedDir), streamed so the trace files need no copy of the trace in memory.
#pragma once

#include "core/head_presets.hpp"
#include "core/model_setup.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

inline constexpr int kExitBadInput = 2;

enum class ExportFormat { Json, Csv, Safetensors };
ExportFormat parse_export_format(const std::string& s);  // throws ConfigError("format", ...)

// --logits: the model's logits [n, V] as none, each position's top k, or the full tensor.
enum class LogitsExport { None, TopK, Full };
LogitsExport parse_logits_export(const std::string& s);  // none|top-k|full; ConfigError("logits", ...)
inline constexpr int kMaxTopK = 100;

// --layers-out: "all" -> empty (every layer); "0,5,11" -> those layers in that order, each once.
// Throws ConfigError("layers-out", ...).
std::vector<int> parse_layers_out(const std::string& s);

// Heatmap PNGs show at most this many cells per side.
inline constexpr int kHeatmapMaxSide = 1024;

inline constexpr std::uint64_t kDefaultMaxOutput = 4ull << 30;  // fits n = 4096, 8 heads as safetensors (2.2 GiB)

// "4G", "512M", "1.5G", "100000": bytes, K/M/G/T 1024-based, an optional "B" or "iB" after the
// letter. Throws ConfigError(field, ...).
std::uint64_t parse_byte_size(const std::string& s, const std::string& field = "max_output");
// "2.21 GiB", "512 MiB", "35.0 KiB", "12 bytes": three significant digits.
std::string format_bytes(std::uint64_t bytes);

struct Trace;
struct StackTensors;

struct ExportRequest {
    Config config;
    Preset preset = Preset::Random;   // designed heads (--preset); trace.json gains "preset"
    StackArch arch;                   // --layers, --mlp, --norm, --ln
    ModelPreset model = ModelPreset::None;  // --model-preset
    std::vector<Ablation> ablate;     // --ablate, --ablate-mode
    std::shared_ptr<const HfModel> pretrained;  // --model: run this instead of the toy model
    std::vector<int> ids;             // --ids
    // trace.json version 2's stack sections: which layers go into "layers" (empty: all), the
    // logits, and k for "next_token" and the top-k logits, 1 … kMaxTopK.
    std::vector<int> layers_out;
    LogitsExport logits = LogitsExport::TopK;
    int top_k = StackLimits::top_k;
    // The forward pass keeps the n×n stacks of layer 0 and of as many more layers as fit in this
    // many bytes; every other layer is recomputed, one at a time, while it is written.
    std::size_t attention_budget = 0;
    ExportFormat format = ExportFormat::Json;
    std::filesystem::path out;
    // Optional inference sections of trace.json (JSON and safetensors): KV-cache decode steps after a
    // prefill of `prefill` tokens, and the tile replay with Br × Bc blocks.
    struct Decode {
        int prefill = 1;
        std::optional<int> steps;  // empty: decode the rest of the text
    };
    struct Tiles {
        int block_q = 2;
        int block_k = 2;
    };
    std::optional<Decode> decode;
    std::optional<Tiles> tiles;
    // weights_headN.png and scores_headN.png (past kHeatmapMaxSide tokens, pooled: see pool_for_image).
    bool heatmaps = true;
    // The trace files' estimated size must not pass this (the heatmap PNGs are not counted).
    std::uint64_t max_output = kDefaultMaxOutput;
    // Told the estimate before anything is written (written = 0), then after each MiB written.
    std::function<void(std::uint64_t written, std::uint64_t estimate)> on_progress;
};

// Bytes of the trace files (trace.json, trace.safetensors or the CSVs) the request would write:
// exact for safetensors, within about 1% for text (see estimate_number_chars).
std::uint64_t estimate_export_bytes(const Trace& trace, ExportFormat format, const nlohmann::json& extra,
                                    const StackTensors* stack = nullptr);

// Throws ConfigError (bad option, or an estimate above max_output) or IoError (cannot write); on
// failure `out` is left as it was. Returns the names of the files written.
std::vector<std::string> export_trace(const ExportRequest& request);

// The files some export writes (trace.json, NAME.csv for every tensor name, weights_headN.png, ...):
// an existing --out directory holding only these is replaced whole; anything else is refused.
bool is_export_file(std::string_view name);

// Cell side in pixels so a heatmap of rows × cols stays readable and bounded.
int export_cell_px(int rows, int cols);

}  // namespace attnviz
