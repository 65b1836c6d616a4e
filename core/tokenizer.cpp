#include "core/tokenizer.hpp"

#include "core/unicode.hpp"

#include <cstdint>

namespace attnviz {
namespace {

bool is_space(char32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x00A0 ||
           c == 0x3000 || (c >= 0x2000 && c <= 0x200A);
}

bool is_punct(char32_t c) {
    if (c < 0x80) {
        return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
    }
    return c == 0x00A1 || c == 0x00AB || c == 0x00BB || c == 0x00BF ||  // ¡ « » ¿
           (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) ||  // dashes, quotes, …
           (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) ||  // 、。〃 and brackets
           (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20);    // full-width forms
}

void push(Tokens& out, std::string token, std::string_view field) {
    if (static_cast<int>(out.text.size()) >= Limits::max_tokens) {
        throw ConfigError(std::string(field), std::string(field) + " has more than " +
                                                  std::to_string(Limits::max_tokens) +
                                                  " tokens (the limit); shorten it");
    }
    out.text.push_back(std::move(token));
}

}  // namespace

Tokens tokenize(std::string_view text, Tokenization mode, std::string_view field) {
    Tokens out;
    if (mode == Tokenization::Char) {
        for (std::size_t i = 0; i < text.size();) {
            const CodePoint cp = decode_utf8(text, i, field);
            push(out, std::string(text.substr(i, cp.length)), field);
            i += cp.length;
        }
    } else {
        std::string word;
        auto flush = [&] {
            if (word.empty()) return;
            push(out, std::move(word), field);
            word.clear();
        };
        for (std::size_t i = 0; i < text.size();) {
            // A literal <pad> is one token, not '<', 'pad', '>'.
            if (word.empty() && text.substr(i, kPadToken.size()) == kPadToken) {
                const std::size_t end = i + kPadToken.size();
                if (end == text.size() || is_space(decode_utf8(text, end, field).value) ||
                    is_punct(decode_utf8(text, end, field).value)) {
                    out.pad_positions.push_back(static_cast<int>(out.text.size()));
                    push(out, std::string(kPadToken), field);
                    i = end;
                    continue;
                }
            }
            const CodePoint cp = decode_utf8(text, i, field);
            if (is_space(cp.value)) {
                flush();
            } else if (is_punct(cp.value)) {
                flush();
                push(out, std::string(text.substr(i, cp.length)), field);
            } else {
                word.append(text.substr(i, cp.length));
            }
            i += cp.length;
        }
        flush();
    }
    bool all_space = true;
    for (const std::string& tok : out.text) all_space = all_space && is_space(decode_utf8(tok, 0, field).value);
    if (out.text.empty() || all_space) {
        throw ConfigError(std::string(field), std::string(field) + " is empty: type at least one token");
    }
    return out;
}

}  // namespace attnviz
