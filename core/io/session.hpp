// A saved session: the text and every option, as JSON.
#pragma once

#include "core/model_setup.hpp"

#include <filesystem>
#include <string>

namespace attnviz {

struct Session {
    Config config;
    Preset preset = Preset::Random;
    std::vector<CellEdit> edits;   // hand-edited weights and embedding cells
    bool operator==(const Session&) const = default;
    ModelSpec model() const { return ModelSpec{config, preset, edits}; }
};

std::string session_to_json(const Session& session);
// Strict: anything malformed throws ConfigError or std::runtime_error naming the problem; the
// caller keeps its current session. "preset" and "edits" are optional (random, none).
Session session_from_json(const std::string& text);

void save_session(const std::filesystem::path& path, const Session& session);  // atomic; throws IoError
// Throws IoError, ConfigError (field kept, message prefixed with the path) or runtime_error.
Session load_session(const std::filesystem::path& path);

}  // namespace attnviz
