#include "core/io/session.hpp"

#include "core/attention.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/config_json.hpp"

#include <nlohmann/json.hpp>

namespace attnviz {

using nlohmann::json;

std::string session_to_json(const Session& s) {
    nlohmann::ordered_json edits = nlohmann::ordered_json::array();
    for (const CellEdit& e : s.edits) {
        nlohmann::ordered_json o = {{"target", std::string(to_string(e.target))}};
        if (e.target == EditTarget::Embedding) o["token"] = e.token;
        else o["row"] = e.row;
        o["col"] = e.col;
        o["value"] = e.value;
        edits.push_back(o);
    }
    const nlohmann::ordered_json j = {{"format", "attnviz-session"},
                                      {"version", 1},
                                      {"config", config_to_json(s.config)},
                                      {"preset", std::string(to_string(s.preset))},
                                      {"edits", edits}};
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
    if (j.contains("preset")) {
        if (!j["preset"].is_string()) throw ConfigError("preset", "session \"preset\" must be a string");
        s.preset = parse_preset(j["preset"].get<std::string>());
    }
    if (j.contains("edits")) {
        if (!j["edits"].is_array()) throw ConfigError("edit", "session \"edits\" must be an array");
        for (const json& o : j["edits"]) {
            const auto num = [&](const char* key) {
                if (!o.is_object() || !o.contains(key) || !o[key].is_number()) {
                    throw ConfigError("edit", "each edit needs a number \"" + std::string(key) + "\": " + o.dump());
                }
                return o[key];
            };
            if (!o.is_object() || !o.contains("target") || !o["target"].is_string())
                throw ConfigError("edit", "each edit needs a string \"target\": " + o.dump());
            CellEdit e;
            e.target = parse_edit_target(o["target"].get<std::string>());
            if (e.target == EditTarget::Embedding) {
                if (!o.contains("token") || !o["token"].is_string())
                    throw ConfigError("edit", "an embedding edit needs a string \"token\": " + o.dump());
                e.token = o["token"].get<std::string>();
            } else {
                if (!num("row").is_number_integer()) throw ConfigError("edit", "\"row\" must be an integer: " + o.dump());
                e.row = num("row").get<int>();
            }
            if (!num("col").is_number_integer()) throw ConfigError("edit", "\"col\" must be an integer: " + o.dump());
            e.col = num("col").get<int>();
            e.value = num("value").get<float>();
            s.edits.push_back(e);
        }
    }
    run_model(s.model());  // refuse a session whose options or edits cannot run
    return s;
}

void save_session(const std::filesystem::path& path, const Session& s) { write_file_atomic(path, session_to_json(s)); }

Session load_session(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    try {
        return session_from_json(text);
    } catch (const ConfigError& e) {
        throw ConfigError(e.field(), path.string() + ": " + e.what());
    } catch (const std::exception& e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

}  // namespace attnviz
