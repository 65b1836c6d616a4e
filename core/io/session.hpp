// A saved session: the text, every option, the preset and hand edits, and where the user was
// looking (view, stage, detail head, query), as JSON.
//
// Format "attnviz-session", version 1. Every key after "config" is optional and defaults as
// noted below, so files written before "view" … "query" existed load unchanged; a key this
// version does not know is refused (a later addition that an older reader must not drop bumps
// the version).
#pragma once

#include "core/model_setup.hpp"
#include "core/view_ids.hpp"

#include <filesystem>
#include <string>

namespace attnviz {

inline constexpr std::size_t kMaxSessionTitle = 80;         // bytes
inline constexpr std::size_t kMaxSessionDescription = 1000;  // bytes

struct Session {
    Config config;
    Preset preset = Preset::Random;   // "preset", default random
    std::vector<CellEdit> edits;      // "edits", default none: hand-edited weights and embedding cells
    View view = View::Pipeline;       // "view", default pipeline
    Stage stage = Stage::Embed;       // "stage", default embed
    int head = 0;                     // "head": detail head, in [0, n_heads); default 0
    int query = 0;                    // "query": query token followed, in [0, n); default 0
    std::string title;                // "title" (≤ 80 bytes): an example's name in the Examples menu
    std::string description;          // "description" (≤ 1000 bytes): what an example shows
    // "stack" (written only when not today's single block): {"layers", "mlp", "norm", "ln",
    // "model_preset", "ablate" ("0.1,1.mlp"), "ablate_mode", "layer"}, each optional.
    StackArch arch;
    ModelPreset model_preset = ModelPreset::None;
    std::vector<Ablation> ablate;
    int layer = 0;                    // the selected layer, in [0, layers)
    // "model" (only for a session of a loaded model): {"path": the folder, "ids": [token ids] when
    // the model ran on ids rather than the text}. The folder is not opened while reading: head,
    // query and layer are then only checked against attnviz's limits, and the app clamps them to
    // the model once it has loaded.
    std::filesystem::path model_dir;
    std::vector<int> ids;
    bool operator==(const Session&) const = default;
    ModelSpec model() const { return ModelSpec{config, preset, edits, arch, model_preset, ablate, nullptr, {}}; }
};

std::string session_to_json(const Session& session);
// Strict: anything malformed throws ConfigError (naming the field: a config key, "preset",
// "edit", "view", "stage", "head", "query", "title", "description" or the unknown key) or
// std::runtime_error naming the problem; the caller keeps its current session.
Session session_from_json(const std::string& text);

void save_session(const std::filesystem::path& path, const Session& session);  // atomic; throws IoError
// Throws IoError, ConfigError (field kept, message prefixed with the path) or runtime_error.
Session load_session(const std::filesystem::path& path);

// The example sessions in `dir` (assets/examples): every *.json file, sorted by file name, each
// loaded through load_session. A broken file is listed with its error (and the file name as its
// title) so the menu still shows it; a missing or unreadable directory gives no entries.
struct ExampleSession {
    std::filesystem::path path;
    std::string title;          // the session's "title", or the file name without .json
    std::string description;
    std::string error;          // empty when the file loads
};
std::vector<ExampleSession> list_example_sessions(const std::filesystem::path& dir);

}  // namespace attnviz
