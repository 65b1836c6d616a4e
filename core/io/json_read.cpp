#include "core/io/json_read.hpp"

#include "core/config.hpp"

namespace attnviz {

using nlohmann::json;

json parse_json_limited(std::string_view text, int max_depth) {
    // The parser is iterative, but what is built from a deep document is not: dump(), operator==
    // and a recursive reader would overflow the stack. The callback sees each container open.
    const auto guard = [max_depth](int depth, json::parse_event_t event, json&) {
        if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
            depth + 1 > max_depth) {
            throw std::runtime_error("not valid JSON: it nests deeper than " + std::to_string(max_depth) + " levels");
        }
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), guard);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
        throw std::runtime_error("not valid JSON: " + json_reason(e));
    }
}

std::string quote(std::string_view s) {
    const std::size_t kept = clip_point(s, kQuoteBytes);
    const bool cut = kept < s.size();
    s = s.substr(0, kept);
    std::string out = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
    out += cut ? "\"…" : "\"";
    return out;
}

std::string describe(const json& v) {
    if (v.is_number() || v.is_boolean()) return v.dump();
    if (v.is_string()) return "the string " + quote(v.get_ref<const std::string&>());
    if (v.is_null()) return "null";
    return v.is_array() ? "an array" : "an object";
}

std::string json_reason(const json::exception& e) {
    std::string s = e.what();
    if (const auto p = s.find("] "); p != std::string::npos) s.erase(0, p + 2);
    if (const auto p = s.find("; last read"); p != std::string::npos) s.erase(p);
    return clip(s, 160);
}

}  // namespace attnviz
