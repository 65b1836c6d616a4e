#include "app/session.hpp"

#include "app/atomic_file.hpp"
#include "app/config_json.hpp"
#include "core/attention.hpp"

#include <nlohmann/json.hpp>

namespace attnviz {

using nlohmann::json;

std::string session_to_json(const Session& s) {
    const nlohmann::ordered_json j = {{"format", "attnviz-session"}, {"version", 1}, {"config", config_to_json(s.config)}};
    return j.dump(2) + "\n";
}

Session session_from_json(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw std::runtime_error(std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("format") || j["format"] != "attnviz-session") {
        throw std::runtime_error("not an attnviz session (\"format\" must be \"attnviz-session\")");
    }
    if (!j.contains("version") || j["version"] != 1) {
        throw std::runtime_error("unsupported session version " + (j.contains("version") ? j["version"].dump() : "(none)"));
    }
    if (!j.contains("config")) throw std::runtime_error("session has no \"config\"");
    Session s;
    s.config = config_from_json(j["config"]);
    prepare(s.config);  // refuse a session whose options cannot run
    return s;
}

void save_session(const std::filesystem::path& path, const Session& s) { write_file_atomic(path, session_to_json(s)); }

Session load_session(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    try {
        return session_from_json(text);
    } catch (const std::exception& e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

}  // namespace attnviz
