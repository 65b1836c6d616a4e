// UTF-8 and the few Unicode properties the tokenizers need: letters (\p{L}), numbers (\p{N}),
// white space (\s) and NFC. The tables (core/unicode_tables.inc) are generated from the Unicode
// Character Database by tools/gen_unicode_tables.py; their Unicode version is named there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attnviz {

struct CodePoint {
    char32_t value;
    std::size_t length;  // bytes of its UTF-8 form
};

// Decodes one UTF-8 sequence at s[i] (i < s.size()); rejects overlong forms, surrogates and
// truncation with ConfigError(field, "<field>: invalid UTF-8 (byte 0x.. at offset i)").
CodePoint decode_utf8(std::string_view s, std::size_t i, std::string_view field);
// The length of the valid UTF-8 sequence at s[i], or 0 where s[i] starts none.
std::size_t valid_utf8_length(std::string_view s, std::size_t i);
void append_utf8(std::string& out, char32_t c);

bool is_letter(char32_t c);       // general category L (Lu, Ll, Lt, Lm, Lo)
bool is_number(char32_t c);       // general category N (Nd, Nl, No)
bool is_white_space(char32_t c);  // the White_Space property (Rust's and Oniguruma's \s)

// Canonical composition (NFC) of valid UTF-8: canonical decomposition, canonical ordering of
// combining marks, then composition of primary composites, Hangul included.
std::string nfc(std::string_view s);

}  // namespace attnviz
