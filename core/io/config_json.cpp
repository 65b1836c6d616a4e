#include "core/io/config_json.hpp"

#include "core/io/json_read.hpp"

#include <algorithm>
#include <climits>
#include <set>
#include <type_traits>

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

bool is_int(const json& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT_MAX);
    return v.is_number_integer() && v.get<std::int64_t>() >= INT_MIN && v.get<std::int64_t>() <= INT_MAX;
}

// json::get<int> would quietly truncate 64.5 to 64, wrap -1 to 2^64 - 1 for the seed and read
// true as 1; a strict reader checks the JSON type first.
template <typename T>
bool has_type(const json& v) {
    if constexpr (std::is_same_v<T, bool>) return v.is_boolean();
    else if constexpr (std::is_same_v<T, std::string>) return v.is_string();
    else if constexpr (std::is_same_v<T, double>) return v.is_number();
    else if constexpr (std::is_same_v<T, int>) return is_int(v);
    else if constexpr (std::is_same_v<T, std::uint64_t>) {
        return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    } else {
        static_assert(std::is_same_v<T, std::vector<int>>);
        return v.is_array() && std::all_of(v.begin(), v.end(), is_int);
    }
}

// The value as a message quotes it: a short flat list or object as written ("[4]"), else its type
// or a prefix.
std::string shown(const json& v) {
    if (v.is_string()) return quote(v.get_ref<const std::string&>());
    if (v.is_structured() && v.size() <= 8 && std::none_of(v.begin(), v.end(), [](const json& e) { return e.is_structured(); }))
        return clip(v.dump(), 60);
    return describe(v);
}

template <typename T>
T get_as(const json& j, const char* key, const char* type_name) {
    const json& v = j.at(key);
    if (!has_type<T>(v)) {
        throw ConfigError(key, std::string(key) + " must be " + type_name + " (got " + shown(v) + ")");
    }
    return v.get<T>();
}

}  // namespace

Config config_from_json(const json& j) {
    if (!j.is_object()) throw ConfigError("config", "config must be a JSON object");
    static const std::set<std::string> known = {"text", "tokenize", "d_model", "n_heads", "n_kv_heads", "d_k",
                                                "d_v", "seed", "positional", "rope_base", "rope_style", "scale",
                                                "temperature", "causal", "window", "padding", "source"};
    for (const auto& item : j.items()) {
        if (!known.count(item.key())) throw ConfigError(item.key().substr(0, 40), "unknown config key " + quote(item.key()));
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
