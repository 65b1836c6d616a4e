// `attnviz export`: the trace as JSON or CSV plus CPU-rendered heatmaps, written atomically.
#pragma once

#include "core/head_presets.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

inline constexpr int kExitBadInput = 2;

enum class ExportFormat { Json, Csv };
ExportFormat parse_export_format(const std::string& s);  // throws ConfigError("format", ...)

struct Trace;

struct ExportRequest {
    Config config;
    Preset preset = Preset::Random;   // designed heads (--preset); trace.json gains "preset"
    ExportFormat format = ExportFormat::Json;
    std::filesystem::path out;
    // Optional inference sections of trace.json (JSON format only): KV-cache decode steps after a
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
};

// Throws ConfigError (bad option) or IoError (cannot write); on failure `out` is left as it was.
// Returns the names of the files written.
std::vector<std::string> export_trace(const ExportRequest& request);

// The files some export writes (trace.json, NAME.csv for every tensor name, weights_headN.png, ...):
// an existing --out directory holding only these is replaced whole; anything else is refused.
bool is_export_file(std::string_view name);

// Cell side in pixels so a heatmap of rows × cols stays readable and bounded.
int export_cell_px(int rows, int cols);

}  // namespace attnviz
