// Toy tokenizers: whitespace words with punctuation split off, or UTF-8 code points.
#pragma once

#include "core/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

inline constexpr std::string_view kPadToken = "<pad>";

struct Tokens {
    std::vector<std::string> text;   // one entry per token
    std::vector<int> pad_positions;  // indices of literal "<pad>" tokens (word mode only)
};

// Throws ConfigError(field, ...) for empty input, invalid UTF-8 or more than
// Limits::max_tokens tokens. `field` names the option the text came from ("text" or "source").
Tokens tokenize(std::string_view text, Tokenization mode, std::string_view field = "text");

}  // namespace attnviz
