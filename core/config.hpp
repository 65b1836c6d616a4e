// The attention block's configuration, its limits and its validation.
//
// Key: n = query tokens, m = key/value tokens (m = n unless a cross-attention source is set),
// h = n_heads, kv = n_kv_heads, d_k / d_v = per-head query-key / value widths.
#pragma once

#include "core/types.hpp"

#include <array>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

enum class Tokenization { Word, Char };
enum class Positional { None, Sinusoidal, Learned, Rope, Alibi };
enum class RopeStyle { Interleaved, Half };
enum class ScaleMode { Sqrt, Linear, None };

struct Limits {
    static constexpr int max_tokens = 4096;      // per sequence
    static constexpr int max_d_model = 4096;
    static constexpr int max_heads = 64;
    static constexpr int max_d_head = 1024;      // d_k and d_v
    static constexpr int learned_length = 64;    // trained length of the learned PE table
    // 1/T is a float multiplier: below ~3e-39 it is infinite. The weights are one-hot long before
    // 1e-6, and scaled scores of any size the toy model makes stay finite at that bound.
    static constexpr double min_temperature = 1e-6;
    static constexpr double max_temperature = 1e6;
    static constexpr double min_rope_base = 2.0;
    static constexpr double max_rope_base = 1e9;
};

struct Config {
    std::string text = "the cat sat on the mat";
    Tokenization tokenize = Tokenization::Word;
    int d_model = 64;
    int n_heads = 4;
    int n_kv_heads = 0;          // 0: same as n_heads (plain multi-head)
    int d_k = 0;                 // 0: d_model / n_heads
    int d_v = 0;                 // 0: d_model / n_heads
    std::uint64_t seed = 42;
    Positional positional = Positional::Sinusoidal;
    double rope_base = 10000.0;
    RopeStyle rope_style = RopeStyle::Interleaved;
    ScaleMode scale = ScaleMode::Sqrt;
    double temperature = 1.0;    // divides the scaled scores; in [min_temperature, max_temperature]
    bool causal = false;
    int window = 0;              // 0: off; w >= 1: key j visible from query i when |i - j| < w
    std::vector<int> padding;    // padded key positions (of the source when cross-attending)
    std::string source;          // empty: self-attention; else K and V come from this text

    bool cross() const { return !source.empty(); }
    bool operator==(const Config&) const = default;
};

// Checks every field and combination that does not depend on the token count; fills the
// defaults (n_kv_heads, d_k, d_v). Throws ConfigError naming field, value and rule.
Config resolve_sizes(const Config& config);

// Multiplier applied to raw QKᵀ: scale(d_k) / T.
float score_multiplier(const Config& resolved);

// ALiBi slope of head a: m_a = 2^(-8(a+1)/h).
float alibi_slope(int head, int n_heads);

// Query head a reads K/V head a / (h / kv): consecutive query heads share a K/V head.
inline int kv_head_of(int head, int n_heads, int n_kv_heads) { return head / (n_heads / n_kv_heads); }

std::string_view to_string(Tokenization v);
std::string_view to_string(Positional v);
std::string_view to_string(RopeStyle v);
std::string_view to_string(ScaleMode v);
// At most `max` bytes of `s`, cut on a UTF-8 code point boundary with "…" appended when cut: how a
// value the user typed or a file held is quoted in a message (never whole: it may be huge).
std::string clip(std::string_view s, std::size_t max = 40);
std::size_t clip_point(std::string_view s, std::size_t max);  // the bytes of `s` that clip() keeps

// One of `values` by its to_string() name; throws ConfigError(field, "field=value must be one of
// a|b|c") with the value clipped.
template <typename E, std::size_t N>
E parse_enum(std::string_view field, std::string_view s, const std::array<E, N>& values) {
    std::string choices;
    for (E v : values) {
        if (to_string(v) == s) return v;
        choices += (choices.empty() ? "" : "|") + std::string(to_string(v));
    }
    throw ConfigError(std::string(field), std::string(field) + "=" + clip(s) + " must be one of " + choices);
}

// Parsers throw ConfigError(field, "field=value must be one of ..."), the value clipped.
Tokenization parse_tokenization(std::string_view s);
Positional parse_positional(std::string_view s);
RopeStyle parse_rope_style(std::string_view s);
ScaleMode parse_scale(std::string_view s);
// "0,1, 3" -> {0, 1, 3}; throws ConfigError("padding", ...) on anything else.
std::vector<int> parse_index_list(std::string_view field, std::string_view s);
// "0,1, 3" -> {0, 1, 3}, each in [0, max_value]; messages name one item `what` ("a token id") and
// the list `items` ("token ids"). Throws ConfigError(field, ...).
std::vector<int> parse_int_list(std::string_view field, std::string_view s, int max_value, std::string_view what,
                                std::string_view items);
// Decimal digits only, 0 to 2^64 - 1: "-1" and "1e3" are refused rather than wrapped or read as 1.
// Throws ConfigError(field, ...).
std::uint64_t parse_seed(std::string_view field, std::string_view s);

}  // namespace attnviz
