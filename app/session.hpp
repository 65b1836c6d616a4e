// A saved session: the text and every option, as JSON.
#pragma once

#include "core/config.hpp"

#include <filesystem>
#include <string>

namespace attnviz {

struct Session {
    Config config;
    bool operator==(const Session&) const = default;
};

std::string session_to_json(const Session& session);
// Strict: anything malformed throws ConfigError or std::runtime_error naming the problem; the
// caller keeps its current session.
Session session_from_json(const std::string& text);

void save_session(const std::filesystem::path& path, const Session& session);  // atomic; throws IoError
Session load_session(const std::filesystem::path& path);  // throws IoError / ConfigError / runtime_error

}  // namespace attnviz
