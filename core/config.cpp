#include "core/config.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace attnviz {

void invariant_failed(const char* expr, const char* file, int line) {
    throw InvariantError(std::string(file) + ":" + std::to_string(line) + ": invariant failed: " + expr);
}

namespace {

std::string fmt_double(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void require_range(std::string_view field, int value, int lo, int hi) {
    if (value < lo || value > hi) {
        throw ConfigError(std::string(field), std::string(field) + "=" + std::to_string(value) +
                                                  " must be between " + std::to_string(lo) + " and " +
                                                  std::to_string(hi));
    }
}

}  // namespace

std::size_t clip_point(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s.size();
    std::size_t k = max;
    while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xc0u) == 0x80u) --k;  // not inside a code point
    return k;
}

std::string clip(std::string_view s, std::size_t max) {
    const std::size_t k = clip_point(s, max);
    return k == s.size() ? std::string(s) : std::string(s.substr(0, k)) + "…";
}

Config resolve_sizes(const Config& in) {
    Config c = in;
    require_range("d_model", c.d_model, 1, Limits::max_d_model);
    require_range("n_heads", c.n_heads, 1, Limits::max_heads);
    if (c.n_kv_heads == 0) c.n_kv_heads = c.n_heads;
    require_range("n_kv_heads", c.n_kv_heads, 1, Limits::max_heads);
    if (c.n_heads % c.n_kv_heads != 0) {
        throw ConfigError("n_kv_heads", "n_kv_heads=" + std::to_string(c.n_kv_heads) + " must divide n_heads=" +
                                            std::to_string(c.n_heads));
    }
    for (int* d : {&c.d_k, &c.d_v}) {
        const char* name = d == &c.d_k ? "d_k" : "d_v";
        if (*d == 0) {
            if (c.d_model % c.n_heads != 0) {
                throw ConfigError(name, std::string(name) + " defaults to d_model / n_heads, but d_model=" +
                                            std::to_string(c.d_model) + " is not divisible by n_heads=" +
                                            std::to_string(c.n_heads) + "; set " + name + " explicitly");
            }
            *d = c.d_model / c.n_heads;
        }
        require_range(name, *d, 1, Limits::max_d_head);
    }
    if (c.positional == Positional::Rope && c.d_k % 2 != 0) {
        throw ConfigError("d_k", "d_k=" + std::to_string(c.d_k) + " must be even with positional=rope "
                                 "(RoPE rotates pairs of dimensions)");
    }
    if (!std::isfinite(c.rope_base) || c.rope_base < Limits::min_rope_base || c.rope_base > Limits::max_rope_base) {
        throw ConfigError("rope_base", "rope_base=" + fmt_double(c.rope_base) + " must be finite and between " +
                                           fmt_double(Limits::min_rope_base) + " and " +
                                           fmt_double(Limits::max_rope_base));
    }
    if (!std::isfinite(c.temperature) || c.temperature < Limits::min_temperature ||
        c.temperature > Limits::max_temperature) {
        throw ConfigError("temperature", "temperature=" + fmt_double(c.temperature) + " must be a finite number between " +
                                             fmt_double(Limits::min_temperature) + " and " +
                                             fmt_double(Limits::max_temperature));
    }
    require_range("window", c.window, 0, Limits::max_tokens);
    if (c.cross() && c.causal) {
        throw ConfigError("causal", "causal=true cannot be combined with a source text: in cross-attention "
                                    "every query may read the whole source");
    }
    if (c.cross() && c.window > 0) {
        throw ConfigError("window", "window=" + std::to_string(c.window) + " cannot be combined with a source text: "
                                    "a sliding window compares positions within one sequence");
    }
    if (c.cross() && c.positional == Positional::Alibi) {
        throw ConfigError("positional", "positional=alibi cannot be combined with a source text: ALiBi's "
                                        "distance bias compares positions within one sequence");
    }
    for (int p : c.padding) {
        if (p < 0) {
            throw ConfigError("padding", "padding=" + std::to_string(p) + " must be a token index >= 0");
        }
    }
    return c;
}

float score_multiplier(const Config& c) {
    double s = 1.0;
    switch (c.scale) {
        case ScaleMode::Sqrt: s = 1.0 / std::sqrt(static_cast<double>(c.d_k)); break;
        case ScaleMode::Linear: s = 1.0 / static_cast<double>(c.d_k); break;
        case ScaleMode::None: s = 1.0; break;
    }
    return static_cast<float>(s / c.temperature);
}

float alibi_slope(int head, int n_heads) {
    return static_cast<float>(std::exp2(-8.0 * (head + 1) / static_cast<double>(n_heads)));
}

std::string_view to_string(Tokenization v) { return v == Tokenization::Word ? "word" : "char"; }
std::string_view to_string(Positional v) {
    switch (v) {
        case Positional::None: return "none";
        case Positional::Sinusoidal: return "sinusoidal";
        case Positional::Learned: return "learned";
        case Positional::Rope: return "rope";
        case Positional::Alibi: return "alibi";
    }
    return "none";
}
std::string_view to_string(RopeStyle v) { return v == RopeStyle::Interleaved ? "interleaved" : "half"; }
std::string_view to_string(ScaleMode v) {
    switch (v) {
        case ScaleMode::Sqrt: return "sqrt";
        case ScaleMode::Linear: return "linear";
        case ScaleMode::None: return "none";
    }
    return "sqrt";
}

Tokenization parse_tokenization(std::string_view s) {
    return parse_enum("tokenize", s, std::array{Tokenization::Word, Tokenization::Char});
}
Positional parse_positional(std::string_view s) {
    return parse_enum("positional", s,
                      std::array{Positional::None, Positional::Sinusoidal, Positional::Learned, Positional::Rope,
                                 Positional::Alibi});
}
RopeStyle parse_rope_style(std::string_view s) {
    return parse_enum("rope_style", s, std::array{RopeStyle::Interleaved, RopeStyle::Half});
}
ScaleMode parse_scale(std::string_view s) {
    return parse_enum("scale", s, std::array{ScaleMode::Sqrt, ScaleMode::Linear, ScaleMode::None});
}

std::vector<int> parse_int_list(std::string_view field, std::string_view s, int max_value, std::string_view what,
                                std::string_view items) {
    std::vector<int> out;
    std::string item;
    std::stringstream ss{std::string(s)};
    while (std::getline(ss, item, ',')) {
        const auto b = item.find_first_not_of(" \t");
        const auto e = item.find_last_not_of(" \t");
        if (b == std::string::npos) {
            if (ss.eof() && out.empty()) break;
            throw ConfigError(std::string(field), std::string(field) + "=" + clip(s) + " must be a comma-separated list of " +
                                                      std::string(items));
        }
        item = item.substr(b, e - b + 1);
        std::size_t used = 0;
        long v = -1;
        try {
            v = std::stol(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || v < 0 || v > max_value) {
            throw ConfigError(std::string(field), std::string(field) + ": '" + clip(item) + "' is not " + std::string(what) +
                                                      " (0.." + std::to_string(max_value) + ")");
        }
        out.push_back(static_cast<int>(v));
    }
    return out;
}

std::vector<int> parse_index_list(std::string_view field, std::string_view s) {
    return parse_int_list(field, s, Limits::max_tokens, "a token index", "token indices");
}

std::uint64_t parse_seed(std::string_view field, std::string_view s) {
    std::uint64_t v = 0;
    const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!digits || ec != std::errc() || end != s.data() + s.size()) {
        throw ConfigError(std::string(field), std::string(field) + "=" + clip(s) +
                                                  " must be an unsigned 64-bit integer (0 to 18446744073709551615)");
    }
    return v;
}

}  // namespace attnviz
