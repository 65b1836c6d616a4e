// `attnviz export`: the trace as JSON or CSV plus CPU-rendered heatmaps, written atomically.
#pragma once

#include "core/config.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace attnviz {

inline constexpr int kExitBadInput = 2;

enum class ExportFormat { Json, Csv };
ExportFormat parse_export_format(const std::string& s);  // throws ConfigError("format", ...)

struct Trace;

struct ExportRequest {
    Config config;
    ExportFormat format = ExportFormat::Json;
    std::filesystem::path out;
    // Later stages (decode steps, tiles) add top-level sections to trace.json through this hook.
    std::function<nlohmann::json(const Trace&)> extra_sections;
};

// Throws ConfigError (bad option) or IoError (cannot write); on failure `out` is left as it was.
// Returns the names of the files written.
std::vector<std::string> export_trace(const ExportRequest& request);

// Cell side in pixels so a heatmap of rows × cols stays readable and bounded.
int export_cell_px(int rows, int cols);

}  // namespace attnviz
