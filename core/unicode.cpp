#include "core/unicode.hpp"

#include "core/types.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace attnviz {
namespace {

struct CodeRange {
    char32_t first, last;
};
struct CombiningRange {
    char32_t first, last;
    int ccc;
};
struct Decomposition {
    char32_t cp, first, second;  // second = 0: a singleton decomposition
    bool primary;                // a primary composite: NFC composes first + second back into cp
};

#include "core/unicode_tables.inc"

template <std::size_t N>
bool in_ranges(const CodeRange (&table)[N], char32_t c) {
    const auto it = std::upper_bound(std::begin(table), std::end(table), c,
                                     [](char32_t v, const CodeRange& r) { return v < r.first; });
    return it != std::begin(table) && c <= std::prev(it)->last;
}

int combining_class(char32_t c) {
    if (c < 0x300) return 0;
    const auto it = std::upper_bound(std::begin(kCombining), std::end(kCombining), c,
                                     [](char32_t v, const CombiningRange& r) { return v < r.first; });
    return it != std::begin(kCombining) && c <= std::prev(it)->last ? std::prev(it)->ccc : 0;
}

// Hangul syllables are composed and decomposed by arithmetic (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(char32_t c, std::vector<char32_t>& out) {
    if (c >= kSBase && c < kSBase + kSCount) {
        const char32_t s = c - kSBase;
        out.push_back(kLBase + s / kNCount);
        out.push_back(kVBase + (s % kNCount) / kTCount);
        if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
        return;
    }
    const auto it = std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), c,
                                     [](const Decomposition& d, char32_t v) { return d.cp < v; });
    if (it == std::end(kDecompositions) || it->cp != c) {
        out.push_back(c);
        return;
    }
    decompose(it->first, out);  // depth is bounded by the table (at most 4 levels)
    if (it->second != 0) decompose(it->second, out);
}

char32_t compose(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    }
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount) {
        return a + (b - kTBase);
    }
    static const std::unordered_map<std::uint64_t, char32_t> pairs = [] {
        std::unordered_map<std::uint64_t, char32_t> m;
        for (const Decomposition& d : kDecompositions) {
            if (d.primary) m.emplace((std::uint64_t{d.first} << 32) | d.second, d.cp);
        }
        return m;
    }();
    const auto it = pairs.find((std::uint64_t{a} << 32) | b);
    return it == pairs.end() ? 0 : it->second;
}

}  // namespace

CodePoint decode_utf8(std::string_view s, std::size_t i, std::string_view field) {
    const std::size_t len = valid_utf8_length(s, i);
    if (len == 0) {
        static constexpr char digits[] = "0123456789abcdef";
        const auto b0 = static_cast<unsigned char>(s[i]);
        const char hex[] = {'0', 'x', digits[b0 >> 4], digits[b0 & 15], 0};
        throw ConfigError(std::string(field), std::string(field) + ": invalid UTF-8 (byte " + hex + " at offset " +
                                                  std::to_string(i) + ")");
    }
    const auto b0 = static_cast<unsigned char>(s[i]);
    static constexpr unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    char32_t cp = b0 & lead_mask[len];
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return {cp, len};
}

std::size_t valid_utf8_length(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return 1;
    std::size_t len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; }
    else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; }
    else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; }
    if (len == 0 || i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    const bool ok = cp >= min_for_len[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    return ok ? len : 0;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

bool is_letter(char32_t c) {
    if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    return in_ranges(kLetters, c);
}

bool is_number(char32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return in_ranges(kNumbers, c);
}

bool is_white_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string nfc(std::string_view s) {
    // Text below U+0300 other than Hangul jamo is its own NFC: nothing decomposes or combines.
    if (std::all_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0xCC; })) {
        return std::string(s);
    }
    std::vector<char32_t> buf;
    buf.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const CodePoint cp = decode_utf8(s, i, "text");
        decompose(cp.value, buf);
        i += cp.length;
    }
    // Canonical ordering: a stable sort of each run of non-starters by combining class.
    for (std::size_t i = 0; i < buf.size();) {
        if (combining_class(buf[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < buf.size() && combining_class(buf[j]) != 0) ++j;
        std::stable_sort(buf.begin() + static_cast<std::ptrdiff_t>(i), buf.begin() + static_cast<std::ptrdiff_t>(j),
                         [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
        i = j;
    }
    // Composition (UAX #15): a mark joins the last starter unless a mark of the same or a higher
    // class stands between them.
    std::size_t kept = 0, starter = 0;
    bool have_starter = false;
    int last_class = 0;
    for (std::size_t i = 0; i < buf.size(); ++i) {
        const char32_t c = buf[i];
        const int cc = combining_class(c);
        const bool adjacent = have_starter && kept == starter + 1;
        if (have_starter && (adjacent || last_class < cc)) {
            if (const char32_t composite = compose(buf[starter], c); composite != 0) {
                buf[starter] = composite;
                continue;
            }
        }
        if (cc == 0) {
            starter = kept;
            have_starter = true;
        }
        last_class = cc;
        buf[kept++] = c;
    }
    buf.resize(kept);
    std::string out;
    out.reserve(s.size());
    for (char32_t c : buf) append_utf8(out, c);
    return out;
}

}  // namespace attnviz
