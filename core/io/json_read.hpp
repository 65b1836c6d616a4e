// Reading JSON from files the user opens (sessions, traces, configs, checkpoint headers): every
// such file is untrusted. Nesting is limited while parsing, and a value from the file is only ever
// quoted in a message as a short prefix or by its type and size, never dumped whole (dumping a
// value nested 100,000 levels deep overflows the stack; a 100 MB string makes a 100 MB message).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace attnviz {

inline constexpr int kMaxJsonDepth = 64;          // nothing attnviz reads needs more than a few levels
inline constexpr std::size_t kQuoteBytes = 60;    // of a string quoted in a message

// Parses `text` as one JSON document, refusing nesting deeper than `max_depth` before the parser
// builds it. Throws std::runtime_error("not valid JSON: <reason>") with a short reason.
nlohmann::json parse_json_limited(std::string_view text, int max_depth = kMaxJsonDepth);

// A string from a file, safe to print: quoted, control bytes escaped, at most kQuoteBytes of it
// (cut on a code point boundary), "…" after the closing quote when cut.
std::string quote(std::string_view s);

// What a JSON value is, for messages: numbers and booleans as written, strings quoted (a prefix),
// arrays and objects by their type alone ("an array").
std::string describe(const nlohmann::json& v);

// nlohmann's message minus its "[json.exception...]" prefix and its "; last read: '...'" tail,
// cut short: both the tail and a number-overflow message echo a whole (maybe huge) token.
std::string json_reason(const nlohmann::json::exception& e);

}  // namespace attnviz
