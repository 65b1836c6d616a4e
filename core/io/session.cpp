#include "core/io/session.hpp"

#include "core/attention.hpp"
#include "core/hf_tokenizer.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/config_json.hpp"
#include "core/io/dir_listing.hpp"
#include "core/io/json_read.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>

namespace attnviz {

using nlohmann::json;

namespace {

std::string optional_string(const json& j, const char* key, std::size_t max_bytes) {
    if (!j.contains(key)) return "";
    if (!j[key].is_string() || j[key].get_ref<const std::string&>().size() > max_bytes) {
        throw ConfigError(key, std::string("session \"") + key + "\" must be a string of at most " +
                                   std::to_string(max_bytes) + " bytes");
    }
    return j[key].get<std::string>();
}

template <typename E>
E optional_id(const json& j, const char* key, E fallback, std::optional<E> (*parse)(std::string_view), const std::string& ids) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_string()) throw ConfigError(key, std::string("session \"") + key + "\" must be a string, one of " + ids);
    const std::string& id = j[key].get_ref<const std::string&>();
    const std::optional<E> e = parse(id);
    if (!e) throw ConfigError(key, std::string(key) + "=" + quote(id) + " must be one of " + ids);
    return *e;
}

// An index below `limit`, named as the command line names it ("head=9 must be below n_heads=4").
int optional_index(const json& j, const char* key, int limit, const std::string& limit_name) {
    if (!j.contains(key)) return 0;
    const json& v = j[key];
    if (!v.is_number_integer()) throw ConfigError(key, std::string("session \"") + key + "\" must be an integer");
    if (!v.is_number_unsigned() && v.get<long long>() < 0)
        throw ConfigError(key, std::string(key) + "=" + std::to_string(v.get<long long>()) + " must not be negative");
    const unsigned long long u = v.get<unsigned long long>();
    if (u >= static_cast<unsigned long long>(limit))
        throw ConfigError(key, std::string(key) + "=" + std::to_string(u) + " must be below " + limit_name + "=" + std::to_string(limit));
    return static_cast<int>(u);
}

// An edit named by its place in the file, not by its (maybe huge, maybe deep) value.
std::string edit_at(std::size_t i) { return "edits[" + std::to_string(i) + "]"; }

void read_stack(const json& st, Session& s) {
    if (!st.is_object()) throw ConfigError("stack", "session \"stack\" must be an object");
    static const char* const kKeys[] = {"layers", "mlp", "norm", "ln", "model_preset", "ablate", "ablate_mode", "layer"};
    for (const auto& item : st.items()) {
        if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return item.key() == k; }) == std::end(kKeys)) {
            throw ConfigError(item.key().substr(0, 40), "unknown key " + quote(item.key()) +
                                                            " in session \"stack\" (known: layers, mlp, norm, ln, "
                                                            "model_preset, ablate, ablate_mode, layer)");
        }
    }
    const auto text = [&](const char* key) -> std::optional<std::string> {
        if (!st.contains(key)) return std::nullopt;
        if (!st[key].is_string() || st[key].get_ref<const std::string&>().size() > 4096)
            throw ConfigError(key, std::string("session stack \"") + key + "\" must be a string of at most 4096 bytes");
        return st[key].get<std::string>();
    };
    if (st.contains("layers")) {
        if (!st["layers"].is_number_integer()) throw ConfigError("layers", "session stack \"layers\" must be an integer");
        const long long L = st["layers"].is_number_unsigned() ? std::min<unsigned long long>(st["layers"].get<unsigned long long>(), 1000000)
                                                               : st["layers"].get<long long>();
        s.arch.layers = static_cast<int>(std::clamp<long long>(L, -1, 1000000));
    }
    if (auto v = text("mlp")) s.arch.mlp = parse_mlp(*v);
    if (auto v = text("norm")) s.arch.norm = parse_norm(*v);
    if (auto v = text("ln")) s.arch.placement = parse_placement(*v);
    if (auto v = text("model_preset")) s.model_preset = parse_model_preset(*v);
    AblationMode mode = AblationMode::Zero;
    if (auto v = text("ablate_mode")) mode = parse_ablation_mode(*v);
    if (auto v = text("ablate")) s.ablate = parse_ablations(*v, mode);
}

void read_model(const json& m, Session& s) {
    if (!m.is_object()) throw ConfigError("model", "session \"model\" must be an object");
    for (const auto& item : m.items()) {
        if (item.key() != "path" && item.key() != "ids")
            throw ConfigError("model", "unknown key " + quote(item.key().substr(0, 40)) + " in session \"model\" (known: path, ids)");
    }
    if (!m.contains("path") || !m["path"].is_string() || m["path"].get_ref<const std::string&>().empty() ||
        m["path"].get_ref<const std::string&>().size() > 4096)
        throw ConfigError("model", "session model \"path\" must be a folder name of 1 to 4096 bytes");
    s.model_dir = m["path"].get<std::string>();
    if (!m.contains("ids")) return;
    const json& ids = m["ids"];
    if (!ids.is_array() || ids.size() > static_cast<std::size_t>(Limits::max_tokens))
        throw ConfigError("ids", "session model \"ids\" must be an array of at most " + std::to_string(Limits::max_tokens) +
                                     " token ids");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!ids[i].is_number_unsigned() || ids[i].get<unsigned long long>() >= static_cast<unsigned long long>(TokenizerLimits::max_vocab))
            throw ConfigError("ids", "session model ids[" + std::to_string(i) + "] must be a token id in [0, " +
                                         std::to_string(TokenizerLimits::max_vocab) + ")");
        s.ids.push_back(ids[i].get<int>());
    }
}

}  // namespace

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
    nlohmann::ordered_json j = {{"format", "attnviz-session"}, {"version", 1}};
    if (!s.title.empty()) j["title"] = s.title;
    if (!s.description.empty()) j["description"] = s.description;
    j["config"] = config_to_json(s.config);
    j["preset"] = std::string(to_string(s.preset));
    j["edits"] = edits;
    j["view"] = std::string(to_string(s.view));
    j["stage"] = std::string(to_string(s.stage));
    j["head"] = s.head;
    j["query"] = s.query;
    if (s.arch != StackArch{} || s.model_preset != ModelPreset::None || !s.ablate.empty() || s.layer != 0) {
        nlohmann::ordered_json st = {{"layers", s.arch.layers},
                                     {"mlp", std::string(to_string(s.arch.mlp))},
                                     {"norm", std::string(to_string(s.arch.norm))},
                                     {"ln", std::string(to_string(s.arch.placement))},
                                     {"model_preset", std::string(to_string(s.model_preset))}};
        if (!s.ablate.empty()) {
            st["ablate"] = ablations_to_string(s.ablate);
            st["ablate_mode"] = std::string(to_string(s.ablate.front().mode));
        }
        st["layer"] = s.layer;
        j["stack"] = st;
    }
    if (!s.model_dir.empty()) {
        nlohmann::ordered_json m = {{"path", s.model_dir.string()}};
        if (!s.ids.empty()) m["ids"] = s.ids;
        j["model"] = m;
    }
    return j.dump(2) + "\n";
}

Session session_from_json(const std::string& text) {
    const json j = parse_json_limited(text);
    if (!j.is_object() || !j.contains("format") || j["format"] != "attnviz-session") {
        throw std::runtime_error("not an attnviz session (\"format\" must be \"attnviz-session\")");
    }
    if (!j.contains("version") || j["version"] != 1) {
        throw std::runtime_error("unsupported session version " + (j.contains("version") ? describe(j["version"]) : "(none)") +
                                 " (this attnviz reads version 1)");
    }
    if (!j.contains("config")) throw std::runtime_error("session has no \"config\"");
    static const char* const kKeys[] = {"format", "version", "title", "description", "config", "preset",
                                        "edits",  "view",    "stage", "head",        "query", "stack", "model"};
    for (const auto& item : j.items()) {
        if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return item.key() == k; }) == std::end(kKeys)) {
            throw ConfigError(item.key().substr(0, 40), "unknown session key " + quote(item.key()) +
                                                            " (known: format, version, title, description, config, preset, "
                                                            "edits, view, stage, head, query, stack, model)");
        }
    }
    Session s;
    s.title = optional_string(j, "title", kMaxSessionTitle);
    s.description = optional_string(j, "description", kMaxSessionDescription);
    s.config = config_from_json(j["config"]);
    if (j.contains("preset")) {
        if (!j["preset"].is_string()) throw ConfigError("preset", "session \"preset\" must be a string");
        s.preset = parse_preset(j["preset"].get<std::string>());
    }
    if (j.contains("edits")) {
        if (!j["edits"].is_array()) throw ConfigError("edit", "session \"edits\" must be an array");
        const json& edits = j["edits"];
        for (std::size_t i = 0; i < edits.size(); ++i) {
            const json& o = edits[i];
            const auto num = [&](const char* key) {
                if (!o.is_object() || !o.contains(key) || !o[key].is_number()) {
                    throw ConfigError("edit", edit_at(i) + " needs a number \"" + std::string(key) + "\"");
                }
                return o[key];
            };
            if (!o.is_object() || !o.contains("target") || !o["target"].is_string())
                throw ConfigError("edit", edit_at(i) + " needs a string \"target\"");
            CellEdit e;
            e.target = parse_edit_target(o["target"].get<std::string>());
            // Past int's range a cell index would wrap into another, valid-looking one.
            const auto index = [&](const char* key) {
                const json& v = num(key);
                if (!v.is_number_integer()) throw ConfigError("edit", edit_at(i) + ": \"" + key + "\" must be an integer");
                if (v.is_number_unsigned() ? v.get<std::uint64_t>() > std::uint64_t{INT_MAX} : v.get<std::int64_t>() < INT_MIN)
                    throw ConfigError("edit", edit_at(i) + ": \"" + key + "\" = " + describe(v) + " is outside the int range");
                return v.get<int>();
            };
            if (e.target == EditTarget::Embedding) {
                if (!o.contains("token") || !o["token"].is_string())
                    throw ConfigError("edit", edit_at(i) + ": an embedding edit needs a string \"token\"");
                e.token = o["token"].get<std::string>();
            } else {
                e.row = index("row");
            }
            e.col = index("col");
            // A double past float's range has no float value (the conversion is undefined).
            const double value = num("value").get<double>();
            if (!(std::abs(value) <= std::numeric_limits<float>::max()))
                throw ConfigError("edit", edit_at(i) + ": \"value\" = " + describe(o["value"]) + " is outside the float range");
            e.value = static_cast<float>(value);
            s.edits.push_back(e);
        }
    }
    if (j.contains("stack")) read_stack(j["stack"], s);
    s.view = optional_id<View>(j, "view", View::Pipeline, parse_view, view_ids());
    s.stage = optional_id<Stage>(j, "stage", Stage::Embed, parse_stage, stage_ids());
    if (j.contains("model")) {
        read_model(j["model"], s);
        if (!s.edits.empty())
            throw ConfigError("edit", "a session of a loaded model has no \"edits\": its weights are the checkpoint's");
        const json& st = j.contains("stack") ? j["stack"] : json::object();
        s.layer = optional_index(st, "layer", StackLimits::max_layers, "attnviz's layer limit");
        s.head = optional_index(j, "head", Limits::max_heads, "attnviz's head limit");
        s.query = optional_index(j, "query", Limits::max_tokens, "attnviz's token limit");
        return s;
    }
    // Refuse a session whose options or edits cannot run; a deep model keeps only layer 0's n×n.
    StackRunOptions probe;
    probe.attention_budget = 0;
    const ModelRun run = run_model(s.model(), probe);
    s.layer = optional_index(j.contains("stack") ? j["stack"] : json::object(), "layer",
                             static_cast<int>(run.stack.layers.size()), "layers");
    s.head = optional_index(j, "head", run.trace().config.n_heads, "n_heads");
    s.query = optional_index(j, "query", run.trace().n, "the token count n");
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

std::vector<ExampleSession> list_example_sessions(const std::filesystem::path& dir) {
    std::vector<ExampleSession> out;
    const DirListing listing = list_directory(dir, ".json");
    for (const std::string& name : listing.files) {
        ExampleSession e;
        e.path = listing.dir / name;
        try {
            const Session s = load_session(e.path);
            e.title = s.title;
            e.description = s.description;
        } catch (const std::exception& ex) {
            e.error = ex.what();
        }
        if (e.title.empty()) e.title = e.path.stem().string();
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace attnviz
