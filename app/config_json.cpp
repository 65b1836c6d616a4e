#include "app/config_json.hpp"

#include <set>

namespace attnviz {

using nlohmann::json;

nlohmann::ordered_json config_to_json(const Config& c) {
    return nlohmann::ordered_json{{"text", c.text},
                {"tokenize", to_string(c.tokenize)},
                {"d_model", c.d_model},
                {"n_heads", c.n_heads},
                {"n_kv_heads", c.n_kv_heads},
                {"d_k", c.d_k},
                {"d_v", c.d_v},
                {"seed", c.seed},
                {"positional", to_string(c.positional)},
                {"rope_base", c.rope_base},
                {"rope_style", to_string(c.rope_style)},
                {"scale", to_string(c.scale)},
                {"temperature", c.temperature},
                {"causal", c.causal},
                {"window", c.window},
                {"padding", c.padding},
                {"source", c.source}};
}

namespace {

template <typename T>
T get_as(const json& j, const char* key, const char* type_name) {
    try {
        return j.at(key).get<T>();
    } catch (const json::exception&) {
        throw ConfigError(key, std::string(key) + " must be " + type_name + " (got " + j.at(key).dump() + ")");
    }
}

}  // namespace

Config config_from_json(const json& j) {
    if (!j.is_object()) throw ConfigError("config", "config must be a JSON object");
    static const std::set<std::string> known = {"text", "tokenize", "d_model", "n_heads", "n_kv_heads", "d_k",
                                                "d_v", "seed", "positional", "rope_base", "rope_style", "scale",
                                                "temperature", "causal", "window", "padding", "source"};
    for (const auto& item : j.items()) {
        if (!known.count(item.key())) throw ConfigError(item.key(), "unknown config key '" + item.key() + "'");
    }
    Config c;
    auto has = [&](const char* k) { return j.contains(k); };
    if (has("text")) c.text = get_as<std::string>(j, "text", "a string");
    if (has("tokenize")) c.tokenize = parse_tokenization(get_as<std::string>(j, "tokenize", "a string"));
    if (has("d_model")) c.d_model = get_as<int>(j, "d_model", "an integer");
    if (has("n_heads")) c.n_heads = get_as<int>(j, "n_heads", "an integer");
    if (has("n_kv_heads")) c.n_kv_heads = get_as<int>(j, "n_kv_heads", "an integer");
    if (has("d_k")) c.d_k = get_as<int>(j, "d_k", "an integer");
    if (has("d_v")) c.d_v = get_as<int>(j, "d_v", "an integer");
    if (has("seed")) c.seed = get_as<std::uint64_t>(j, "seed", "an unsigned integer");
    if (has("positional")) c.positional = parse_positional(get_as<std::string>(j, "positional", "a string"));
    if (has("rope_base")) c.rope_base = get_as<double>(j, "rope_base", "a number");
    if (has("rope_style")) c.rope_style = parse_rope_style(get_as<std::string>(j, "rope_style", "a string"));
    if (has("scale")) c.scale = parse_scale(get_as<std::string>(j, "scale", "a string"));
    if (has("temperature")) c.temperature = get_as<double>(j, "temperature", "a number");
    if (has("causal")) c.causal = get_as<bool>(j, "causal", "true or false");
    if (has("window")) c.window = get_as<int>(j, "window", "an integer");
    if (has("padding")) c.padding = get_as<std::vector<int>>(j, "padding", "a list of token indices");
    if (has("source")) c.source = get_as<std::string>(j, "source", "a string");
    return c;
}

}  // namespace attnviz
