#include "core/tokenizer.hpp"

#include <cstdint>

namespace attnviz {
namespace {

struct CodePoint {
    char32_t value;
    std::size_t length;  // bytes
};

// Decodes one UTF-8 sequence at s[i]; rejects overlong forms, surrogates and truncation.
CodePoint decode(std::string_view s, std::size_t i, std::string_view field) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    if (b0 < 0x80) return {b0, 1};
    if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; }
    else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; }
    else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; }
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        ok = (b & 0xC0) == 0x80;
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= min_for_len[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (!ok) {
        char hex[8];
        static constexpr char digits[] = "0123456789abcdef";
        hex[0] = '0'; hex[1] = 'x'; hex[2] = digits[b0 >> 4]; hex[3] = digits[b0 & 15]; hex[4] = 0;
        throw ConfigError(std::string(field), std::string(field) + ": invalid UTF-8 (byte " + hex +
                                                  " at offset " + std::to_string(i) + ")");
    }
    return {cp, len};
}

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
            const CodePoint cp = decode(text, i, field);
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
                if (end == text.size() || is_space(decode(text, end, field).value) ||
                    is_punct(decode(text, end, field).value)) {
                    out.pad_positions.push_back(static_cast<int>(out.text.size()));
                    push(out, std::string(kPadToken), field);
                    i = end;
                    continue;
                }
            }
            const CodePoint cp = decode(text, i, field);
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
    for (const std::string& tok : out.text) all_space = all_space && is_space(decode(tok, 0, field).value);
    if (out.text.empty() || all_space) {
        throw ConfigError(std::string(field), std::string(field) + " is empty: type at least one token");
    }
    return out;
}

}  // namespace attnviz
