#include "core/hf_tokenizer.hpp"

#include "core/config.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/json_read.hpp"
#include "core/unicode.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <queue>
#include <system_error>

namespace attnviz {

using nlohmann::json;

namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // ▁ U+2581, SentencePiece's space
constexpr std::string_view kShownSpace = "\xE2\x90\xA3";  // ␣ U+2423

// ---- bytes_to_unicode ------------------------------------------------------------------------
// GPT-2's byte-level alphabet: the printable bytes ! … ~, ¡ … ¬, ® … ÿ stand for themselves; the
// other 68 bytes (controls, space, DEL, NBSP, soft hyphen) become U+0100 … U+0143 in byte order,
// so a space is "Ġ" (U+0120) and a newline "Ċ" (U+010A).
struct ByteAlphabet {
    std::array<char32_t, 256> of_byte{};
    std::array<int, 0x144> byte_of{};  // -1: not a byte-level character

    ByteAlphabet() {
        byte_of.fill(-1);
        char32_t next = 0x100;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            of_byte[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
            byte_of[of_byte[static_cast<std::size_t>(b)]] = b;
        }
    }
};
const ByteAlphabet kBytes;

std::string byte_level_string(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char ch : bytes) append_utf8(out, kBytes.of_byte[static_cast<unsigned char>(ch)]);
    return out;
}

std::string hex_byte_token(unsigned char b) {  // "<0x0A>", SentencePiece's byte-fallback spelling
    static constexpr char digits[] = "0123456789ABCDEF";
    return std::string("<0x") + digits[b >> 4] + digits[b & 15] + ">";
}

// ---- pre-tokenizer patterns, by hand ---------------------------------------------------------
// Each matcher returns how many code points the pattern's first matching alternative takes at
// c[i] (0: none), following the regex engine: alternatives in order, greedy quantifiers with
// backtracking. \p{L}, \p{N} and \s are the Unicode properties of core/unicode.hpp.

bool is_other(char32_t c) { return !is_white_space(c) && !is_letter(c) && !is_number(c); }
bool is_crlf(char32_t c) { return c == '\r' || c == '\n'; }

// 's|'t|'re|'ve|'m|'ll|'d at c[i] == '\''; case_blind: ASCII letters either case (the (?i:) group;
// transformers.js spells it [sS]|[tT]|…, and so does this).
std::size_t contraction(const std::vector<char32_t>& c, std::size_t i, bool case_blind) {
    const auto at = [&](std::size_t k) -> char32_t {
        if (i + k >= c.size()) return 0;
        const char32_t v = c[i + k];
        return case_blind && v >= 'A' && v <= 'Z' ? v + 32 : v;
    };
    const char32_t a = at(1), b = at(2);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// `\s+(?!\S)|\s+`: a run of white space, less its last character when a non-space follows (that
// character then leads the next piece, e.g. the space of " world").
std::size_t white_space_run(const std::vector<char32_t>& c, std::size_t i) {
    if (!is_white_space(c[i])) return 0;
    std::size_t k = i;
    while (k < c.size() && is_white_space(c[k])) ++k;
    if (k == c.size() || k - i == 1) return k - i;
    return k - i - 1;
}

template <typename Pred>
std::size_t run_of(const std::vector<char32_t>& c, std::size_t j, Pred pred) {
    while (j < c.size() && pred(c[j])) ++j;
    return j;
}

std::size_t match_gpt2(const std::vector<char32_t>& c, std::size_t i) {
    if (c[i] == '\'') {
        if (const std::size_t k = contraction(c, i, false)) return k;
    }
    const std::size_t j = i + (c[i] == ' ' ? 1 : 0);  // ` ?` before each of the three classes
    for (bool (*pred)(char32_t) : {is_letter, is_number, is_other}) {
        if (j < c.size() && pred(c[j])) return run_of(c, j, pred) - i;
    }
    return white_space_run(c, i);
}

std::size_t match_llama3(const std::vector<char32_t>& c, std::size_t i, std::size_t max_digits) {
    const std::size_t n = c.size();
    if (c[i] == '\'') {
        if (const std::size_t k = contraction(c, i, true)) return k;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!is_crlf(c[i]) && !is_letter(c[i]) && !is_number(c[i]) && i + 1 < n && is_letter(c[i + 1])) {
        return run_of(c, i + 1, is_letter) - i;
    }
    if (is_letter(c[i])) return run_of(c, i, is_letter) - i;
    // \p{N}{1,3} (Llama 3) or \p{N} (Qwen2)
    if (is_number(c[i])) {
        std::size_t j = i;
        while (j < n && j - i < max_digits && is_number(c[j])) ++j;
        return j - i;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    if (const std::size_t j = i + (c[i] == ' ' ? 1 : 0); j < n && is_other(c[j])) {
        return run_of(c, run_of(c, j, is_other), is_crlf) - i;
    }
    // \s*[\r\n]+: the white space up to and including its last CR or LF
    if (is_white_space(c[i])) {
        const std::size_t k = run_of(c, i, is_white_space);
        for (std::size_t p = k; p > i; --p) {
            if (is_crlf(c[p - 1])) return p - i;
        }
    }
    return white_space_run(c, i);
}

// The pattern strings of real tokenizer.json files, as JSON holds them (after unescaping).
constexpr std::string_view kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// ---- reading the files -----------------------------------------------------------------------

// Names the file in every refusal: "DIR/tokenizer.json: model.vocab: ...".
class Fields {
public:
    explicit Fields(std::filesystem::path file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& rule) const {
        throw ConfigError(field, file_.string() + ": " + field + ": " + rule);
    }
    const json* find(const json& obj, const char* key) const {
        const auto it = obj.find(key);
        return it == obj.end() || it->is_null() ? nullptr : &*it;
    }
    const json& need(const json& obj, const char* key, const std::string& field) const {
        const json* v = find(obj, key);
        if (!v) fail(field, "is missing");
        return *v;
    }
    const json& object(const json& v, const std::string& field) const {
        if (!v.is_object()) fail(field, "must be an object, not " + describe(v));
        return v;
    }
    const json& array(const json& v, const std::string& field, std::size_t max_size) const {
        if (!v.is_array()) fail(field, "must be an array, not " + describe(v));
        if (v.size() > max_size) {
            fail(field, "has " + std::to_string(v.size()) + " entries; the limit is " + std::to_string(max_size));
        }
        return v;
    }
    const std::string& string(const json& v, const std::string& field) const {
        if (!v.is_string()) fail(field, "must be a string, not " + describe(v));
        return v.get_ref<const std::string&>();
    }
    const std::string& token(const json& v, const std::string& field) const {
        const std::string& s = string(v, field);
        check_token(s, field);
        return s;
    }
    void check_token(const std::string& s, const std::string& field) const {
        if (s.empty()) fail(field, "a token must not be empty");
        if (s.size() > TokenizerLimits::max_token_bytes) {
            fail(field, "the token " + quote(s) + " is " + std::to_string(s.size()) + " bytes; the limit is " +
                            std::to_string(TokenizerLimits::max_token_bytes));
        }
    }
    bool flag(const json& obj, const char* key, const std::string& field, bool fallback) const {
        const json* v = find(obj, key);
        if (!v) return fallback;
        if (!v->is_boolean()) fail(field, "must be true or false, not " + describe(*v));
        return v->get<bool>();
    }
    int id(const json& v, const std::string& field) const {
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= TokenizerLimits::max_vocab) {
            fail(field, "a token id must be an integer in [0, " + std::to_string(TokenizerLimits::max_vocab) +
                            "), not " + describe(v));
        }
        return v.get<int>();
    }
    json parse(std::string_view text) const {
        try {
            return parse_json_limited(text);
        } catch (const std::runtime_error& e) {
            throw ConfigError("model", file_.string() + ": " + e.what());
        }
    }

private:
    std::filesystem::path file_;
};

std::string read_bounded(const std::filesystem::path& file) {
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec) throw ConfigError("model", file.string() + ": cannot read it: " + ec.message());
    if (size > TokenizerLimits::max_file_bytes) {
        throw ConfigError("model", file.string() + ": is " + std::to_string(size) + " bytes; the limit is " +
                                       std::to_string(TokenizerLimits::max_file_bytes));
    }
    try {
        return read_file(file);
    } catch (const IoError& e) {
        throw ConfigError("model", e.what());
    }
}

std::string merge_field(std::size_t k) { return "model.merges[" + std::to_string(k) + "]"; }

}  // namespace

// ---- split_pretokens ------------------------------------------------------------------------

std::vector<std::string_view> split_pretokens(std::string_view text, SplitPattern pattern) {
    std::vector<std::string_view> out;
    if (text.empty()) return out;
    if (pattern == SplitPattern::None) return {text};
    std::vector<char32_t> c;
    std::vector<std::size_t> offset;  // byte offset of each code point, and the end
    for (std::size_t i = 0; i < text.size();) {
        const CodePoint cp = decode_utf8(text, i, "text");
        c.push_back(cp.value);
        offset.push_back(i);
        i += cp.length;
    }
    offset.push_back(text.size());
    std::size_t gap = 0;  // start of code points no alternative matched (kept as their own piece)
    for (std::size_t i = 0; i < c.size();) {
        std::size_t len = 0;
        switch (pattern) {
            case SplitPattern::Gpt2: len = match_gpt2(c, i); break;
            case SplitPattern::Llama3: len = match_llama3(c, i, 3); break;
            case SplitPattern::Qwen2: len = match_llama3(c, i, 1); break;
            case SplitPattern::None: break;
        }
        if (len == 0) {
            ++i;
            continue;
        }
        if (gap < i) out.push_back(text.substr(offset[gap], offset[i] - offset[gap]));
        out.push_back(text.substr(offset[i], offset[i + len] - offset[i]));
        i += len;
        gap = i;
    }
    if (gap < c.size()) out.push_back(text.substr(offset[gap]));
    return out;
}

// ---- loading ---------------------------------------------------------------------------------

struct TokenizerLoader {
    BpeTokenizer& t;
    const Fields& f;

    void add_vocab_entry(const std::string& token, int id, const std::string& field) {
        f.check_token(token, field);
        if (static_cast<std::size_t>(id) >= t.tokens_.size()) {
            t.tokens_.resize(static_cast<std::size_t>(id) + 1);
            t.is_added_.resize(static_cast<std::size_t>(id) + 1, 0);
        }
        std::string& slot = t.tokens_[static_cast<std::size_t>(id)];
        if (!slot.empty()) fail_duplicate(field, id, slot, token);
        slot = token;
        t.vocab_.emplace(token, id);
    }
    [[noreturn]] void fail_duplicate(const std::string& field, int id, const std::string& a, const std::string& b) {
        f.fail(field, "id " + std::to_string(id) + " is given to both " + quote(a) + " and " + quote(b));
    }

    void read_vocab(const json& vocab, const std::string& field) {
        f.object(vocab, field);
        if (vocab.size() > static_cast<std::size_t>(TokenizerLimits::max_vocab)) {
            f.fail(field, "has " + std::to_string(vocab.size()) + " entries; the limit is " +
                              std::to_string(TokenizerLimits::max_vocab));
        }
        t.vocab_.reserve(vocab.size());
        for (const auto& [token, v] : vocab.items()) {
            const std::string entry = field + "[" + quote(token) + "]";
            add_vocab_entry(token, f.id(v, entry), entry);
        }
    }

    int known(const std::string& token, const std::string& field, const char* what) {
        const auto it = t.vocab_.find(token);
        if (it == t.vocab_.end()) f.fail(field, std::string(what) + " " + quote(token) + " is not in the vocabulary");
        return it->second;
    }

    void add_merge(const std::string& a, const std::string& b, std::size_t rank, const std::string& field) {
        const int left = known(a, field, "the token");
        const int right = known(b, field, "the token");
        const int merged = known(a + b, field, "the merged token");
        // As in Hugging Face's tokenizers: a pair listed twice keeps its last rank.
        t.merges_.insert_or_assign((std::uint64_t(left) << 32) | std::uint32_t(right),
                                   BpeTokenizer::Merge{static_cast<int>(rank), merged});
    }

    void read_merges(const json& merges) {
        f.array(merges, "model.merges", TokenizerLimits::max_merges);
        t.merges_.reserve(merges.size());
        for (std::size_t k = 0; k < merges.size(); ++k) {
            const json& m = merges[k];
            if (m.is_string()) {
                const std::string& s = m.get_ref<const std::string&>();
                const auto sp = s.find(' ');
                if (sp == std::string::npos || sp == 0 || sp + 1 == s.size() || s.find(' ', sp + 1) != std::string::npos) {
                    f.fail(merge_field(k), "must be two tokens joined by one space, not " + describe(m));
                }
                add_merge(s.substr(0, sp), s.substr(sp + 1), k, merge_field(k));
            } else if (m.is_array() && m.size() == 2) {
                add_merge(f.token(m[0], merge_field(k) + "[0]"), f.token(m[1], merge_field(k) + "[1]"), k, merge_field(k));
            } else {
                f.fail(merge_field(k), "must be \"a b\" or [\"a\", \"b\"], not " + describe(m));
            }
        }
    }

    void add_token(BpeTokenizer::Added a, const std::string& field) {
        const std::size_t id = static_cast<std::size_t>(a.id);
        if (id < t.tokens_.size() && !t.tokens_[id].empty() && t.tokens_[id] != a.content) {
            fail_duplicate(field, a.id, t.tokens_[id], a.content);
        }
        if (const auto it = t.vocab_.find(a.content); it != t.vocab_.end() && it->second != a.id) {
            f.fail(field, quote(a.content) + " has id " + std::to_string(a.id) + " here but " +
                              std::to_string(it->second) + " in the vocabulary");
        }
        if (id >= t.tokens_.size() || t.tokens_[id].empty()) add_vocab_entry(a.content, a.id, field);
        t.is_added_[id] = 1;
        t.added_.push_back(std::move(a));
    }

    void read_added_tokens(const json& added) {
        f.array(added, "added_tokens", TokenizerLimits::max_added_tokens);
        for (std::size_t k = 0; k < added.size(); ++k) {
            const std::string field = "added_tokens[" + std::to_string(k) + "]";
            const json& a = f.object(added[k], field);
            BpeTokenizer::Added tok;
            tok.id = f.id(f.need(a, "id", field + ".id"), field + ".id");
            tok.content = f.token(f.need(a, "content", field + ".content"), field + ".content");
            tok.special = f.flag(a, "special", field + ".special", false);
            tok.lstrip = f.flag(a, "lstrip", field + ".lstrip", false);
            tok.rstrip = f.flag(a, "rstrip", field + ".rstrip", false);
            if (f.flag(a, "single_word", field + ".single_word", false)) {
                f.fail(field + ".single_word", "true is not supported (only whole-text matching of added tokens)");
            }
            add_token(std::move(tok), field);
        }
    }

    void read_model(const json& model) {
        f.object(model, "model");
        const std::string& type = f.string(f.need(model, "type", "model.type"), "model.type");
        if (type != "BPE") f.fail("model.type", "must be \"BPE\" (the only model attnviz reads), not " + quote(type));
        if (const json* d = f.find(model, "dropout"); d && !(d->is_number() && d->get<double>() == 0.0)) {
            f.fail("model.dropout", "must be null or 0 (BPE dropout is not supported), not " + describe(*d));
        }
        for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (const json* v = f.find(model, key); v && !(v->is_string() && v->get_ref<const std::string&>().empty())) {
                f.fail(std::string("model.") + key, "must be null or \"\" (not supported), not " + describe(*v));
            }
        }
        read_vocab(f.need(model, "vocab", "model.vocab"), "model.vocab");
        read_merges(f.need(model, "merges", "model.merges"));
        t.byte_fallback_ = f.flag(model, "byte_fallback", "model.byte_fallback", false);
        t.fuse_unk_ = f.flag(model, "fuse_unk", "model.fuse_unk", false);
        t.ignore_merges_ = f.flag(model, "ignore_merges", "model.ignore_merges", false);
        if (const json* unk = f.find(model, "unk_token")) {
            t.unk_id_ = known(f.token(*unk, "model.unk_token"), "model.unk_token", "unk_token");
        }
    }

    void read_normalizer(const json& n, const std::string& field) {
        f.object(n, field);
        const std::string& type = f.string(f.need(n, "type", field + ".type"), field + ".type");
        using K = BpeTokenizer::NormalizeStep::Kind;
        if (type == "Sequence") {
            const json& steps = f.array(f.need(n, "normalizers", field + ".normalizers"), field + ".normalizers", 16);
            for (std::size_t k = 0; k < steps.size(); ++k) {
                read_normalizer(steps[k], field + ".normalizers[" + std::to_string(k) + "]");
            }
        } else if (type == "NFC") {
            t.normalizer_.push_back({K::Nfc, {}, {}});
        } else if (type == "Prepend") {
            t.normalizer_.push_back({K::Prepend, {}, f.token(f.need(n, "prepend", field + ".prepend"), field + ".prepend")});
        } else if (type == "Replace") {
            const json& pattern = f.object(f.need(n, "pattern", field + ".pattern"), field + ".pattern");
            const json* s = f.find(pattern, "String");
            if (!s) f.fail(field + ".pattern", "only {\"String\": ...} patterns are supported");
            const std::string& from = f.token(*s, field + ".pattern.String");
            const json& content = f.need(n, "content", field + ".content");
            t.normalizer_.push_back({K::Replace, from, f.string(content, field + ".content")});
        } else {
            f.fail(field + ".type", quote(type) + " is not supported (NFC, Prepend, Replace or a Sequence of them)");
        }
    }

    void read_pre_tokenizer(const json& p, const std::string& field) {
        f.object(p, field);
        const std::string& type = f.string(f.need(p, "type", field + ".type"), field + ".type");
        using K = BpeTokenizer::PreStep::Kind;
        BpeTokenizer::PreStep step{};
        if (type == "Sequence") {
            const json& steps = f.array(f.need(p, "pretokenizers", field + ".pretokenizers"), field + ".pretokenizers", 16);
            for (std::size_t k = 0; k < steps.size(); ++k) {
                read_pre_tokenizer(steps[k], field + ".pretokenizers[" + std::to_string(k) + "]");
            }
            return;
        }
        if (!t.pre_.empty() && t.pre_.back().kind == K::ByteLevel) {
            f.fail(field, "nothing may follow a ByteLevel pre-tokenizer here (it must be the last step)");
        }
        if (type == "ByteLevel") {
            step.kind = K::ByteLevel;
            step.add_prefix_space = f.flag(p, "add_prefix_space", field + ".add_prefix_space", false);
            if (f.flag(p, "use_regex", field + ".use_regex", true)) step.pattern = SplitPattern::Gpt2;
            t.byte_level_ = true;
        } else if (type == "Split") {
            step.kind = K::Split;
            const json& pattern = f.object(f.need(p, "pattern", field + ".pattern"), field + ".pattern");
            const json* re = f.find(pattern, "Regex");
            if (!re) f.fail(field + ".pattern", "only {\"Regex\": ...} patterns are supported");
            const std::string& s = f.string(*re, field + ".pattern.Regex");
            if (s == kGpt2Pattern) step.pattern = SplitPattern::Gpt2;
            else if (s == kLlama3Pattern) step.pattern = SplitPattern::Llama3;
            else if (s == kQwen2Pattern) step.pattern = SplitPattern::Qwen2;
            else f.fail(field + ".pattern.Regex", "the pattern " + quote(s) + " is not one attnviz knows (GPT-2's, Llama 3's or Qwen2's)");
            const json* behavior = f.find(p, "behavior");
            if (behavior && f.string(*behavior, field + ".behavior") != "Isolated") {
                f.fail(field + ".behavior", "must be \"Isolated\", not " + describe(*behavior));
            }
            if (f.flag(p, "invert", field + ".invert", false)) f.fail(field + ".invert", "true is not supported");
        } else if (type == "Metaspace") {
            step.kind = K::Metaspace;
            step.replacement = kMetaspace;
            if (const json* r = f.find(p, "replacement")) step.replacement = f.token(*r, field + ".replacement");
            step.split = f.flag(p, "split", field + ".split", true);
            const bool add_prefix = f.flag(p, "add_prefix_space", field + ".add_prefix_space", true);
            step.prepend = add_prefix ? BpeTokenizer::PreStep::Prepend::Always : BpeTokenizer::PreStep::Prepend::Never;
            if (const json* scheme = f.find(p, "prepend_scheme")) {
                const std::string& s = f.string(*scheme, field + ".prepend_scheme");
                if (s == "always") step.prepend = BpeTokenizer::PreStep::Prepend::Always;
                else if (s == "first") step.prepend = BpeTokenizer::PreStep::Prepend::First;
                else if (s == "never") step.prepend = BpeTokenizer::PreStep::Prepend::Never;
                else f.fail(field + ".prepend_scheme", "must be always, first or never, not " + quote(s));
            }
            t.strip_decoded_space_ = t.strip_decoded_space_ || step.prepend != BpeTokenizer::PreStep::Prepend::Never;
        } else {
            f.fail(field + ".type", quote(type) + " is not supported (ByteLevel, Split, Metaspace or a Sequence of them)");
        }
        t.pre_.push_back(std::move(step));
    }

    // Returns whether a TemplateProcessing was found (then tokenizer_config.json's add_bos_token
    // is not consulted: the template already says it).
    bool read_post_processor(const json& p, const std::string& field) {
        f.object(p, field);
        const std::string& type = f.string(f.need(p, "type", field + ".type"), field + ".type");
        if (type == "ByteLevel") return false;  // offsets only; no ids change
        if (type == "Sequence") {
            const json& steps = f.array(f.need(p, "processors", field + ".processors"), field + ".processors", 16);
            bool any = false;
            for (std::size_t k = 0; k < steps.size(); ++k) {
                any = read_post_processor(steps[k], field + ".processors[" + std::to_string(k) + "]") || any;
            }
            return any;
        }
        if (type != "TemplateProcessing") {
            f.fail(field + ".type", quote(type) + " is not supported (TemplateProcessing, ByteLevel or a Sequence of them)");
        }
        const json& single = f.array(f.need(p, "single", field + ".single"), field + ".single", 64);
        const json* specials = f.find(p, "special_tokens");
        bool seen_text = false;
        for (std::size_t k = 0; k < single.size(); ++k) {
            const std::string item = field + ".single[" + std::to_string(k) + "]";
            const json& e = f.object(single[k], item);
            if (const json* seq = f.find(e, "Sequence")) {
                if (seen_text) f.fail(item, "the text may appear only once");
                f.object(*seq, item + ".Sequence");
                seen_text = true;
                continue;
            }
            const json& st = f.object(f.need(e, "SpecialToken", item + ".SpecialToken"), item + ".SpecialToken");
            const std::string& name = f.token(f.need(st, "id", item + ".SpecialToken.id"), item + ".SpecialToken.id");
            std::vector<int> ids;
            if (const json* entry = specials ? f.find(f.object(*specials, field + ".special_tokens"), name.c_str()) : nullptr) {
                const std::string ef = field + ".special_tokens[" + quote(name) + "].ids";
                const json& arr = f.array(f.need(f.object(*entry, ef), "ids", ef), ef, 16);
                for (const json& id : arr) {
                    ids.push_back(f.id(id, ef));
                    if (static_cast<std::size_t>(ids.back()) >= t.tokens_.size() || t.tokens_[ids.back()].empty()) {
                        f.fail(ef, "id " + std::to_string(ids.back()) + " names no token");
                    }
                }
            } else {
                ids.push_back(known(name, item + ".SpecialToken.id", "the token"));
            }
            auto& out = seen_text ? t.suffix_ids_ : t.prefix_ids_;
            out.insert(out.end(), ids.begin(), ids.end());
        }
        if (!seen_text) f.fail(field + ".single", "must contain {\"Sequence\": {\"id\": \"A\"}} (the text)");
        return true;
    }

    // tokenizer_config.json: add_bos_token / add_eos_token with bos_token / eos_token.
    void read_config(const json& c) {
        f.object(c, "(document)");
        const auto special = [&](const char* flag, const char* key, std::vector<int>& out) {
            if (!f.flag(c, flag, flag, false)) return;
            const json& tok = f.need(c, key, key);
            const json& content = tok.is_object() ? f.need(tok, "content", std::string(key) + ".content") : tok;
            out.push_back(known(f.token(content, key), key, key));
        };
        special("add_bos_token", "bos_token", t.prefix_ids_);
        special("add_eos_token", "eos_token", t.suffix_ids_);
    }

    // tokenizer.json's text into `t`, finished. Returns whether its post-processor is a
    // TemplateProcessing (read_post_processor).
    static bool read_tokenizer_json(BpeTokenizer& t, std::string_view text, const std::filesystem::path& file) {
        const Fields f(file);
        if (text.size() > TokenizerLimits::max_file_bytes) {
            f.fail("model", "is " + std::to_string(text.size()) + " bytes; the limit is " +
                                std::to_string(TokenizerLimits::max_file_bytes));
        }
        t.source_ = file;
        TokenizerLoader l{t, f};
        const json j = f.object(f.parse(text), "(document)");
        l.read_model(f.need(j, "model", "model"));
        if (const json* a = f.find(j, "added_tokens")) l.read_added_tokens(*a);
        if (const json* n = f.find(j, "normalizer")) l.read_normalizer(*n, "normalizer");
        if (const json* p = f.find(j, "pre_tokenizer")) l.read_pre_tokenizer(*p, "pre_tokenizer");
        bool templated = false;
        if (const json* p = f.find(j, "post_processor")) templated = l.read_post_processor(*p, "post_processor");
        l.finish();
        return templated;
    }

    void finish() {
        std::sort(t.added_.begin(), t.added_.end(),
                  [](const BpeTokenizer::Added& a, const BpeTokenizer::Added& b) { return a.content.size() > b.content.size(); });
        for (const std::string& tok : t.tokens_) t.longest_token_ = std::max(t.longest_token_, tok.size());
        for (const BpeTokenizer::Added& a : t.added_) t.added_first_byte_[static_cast<unsigned char>(a.content[0])] = true;
        t.byte_id_.fill(-1);
        if (t.byte_level_) {
            for (int b = 0; b < 256; ++b) {
                std::string ch;
                append_utf8(ch, kBytes.of_byte[static_cast<std::size_t>(b)]);
                if (const auto it = t.vocab_.find(ch); it != t.vocab_.end()) t.byte_id_[static_cast<std::size_t>(b)] = it->second;
            }
        }
        for (const auto& step : t.normalizer_) {
            if (step.kind == BpeTokenizer::NormalizeStep::Kind::Prepend && step.to == kMetaspace) t.strip_decoded_space_ = true;
        }
    }
};

BpeTokenizer BpeTokenizer::from_tokenizer_json(std::string_view text, const std::filesystem::path& file) {
    BpeTokenizer t;
    TokenizerLoader::read_tokenizer_json(t, text, file);
    return t;
}

BpeTokenizer BpeTokenizer::load(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw ConfigError("model", dir.string() + ": is not a folder (a model folder holds tokenizer.json, or vocab.json and merges.txt)");
    }
    BpeTokenizer t;
    const std::filesystem::path tj = dir / "tokenizer.json";
    if (std::filesystem::exists(tj, ec)) {
        const bool templated = TokenizerLoader::read_tokenizer_json(t, read_bounded(tj), tj);
        const std::filesystem::path tc = dir / "tokenizer_config.json";
        if (!templated && std::filesystem::exists(tc, ec)) {
            const Fields fc(tc);
            TokenizerLoader{t, fc}.read_config(fc.parse(read_bounded(tc)));
        }
        return t;
    }
    const std::filesystem::path vj = dir / "vocab.json", mt = dir / "merges.txt";
    if (!std::filesystem::exists(vj, ec) || !std::filesystem::exists(mt, ec)) {
        throw ConfigError("model", dir.string() + ": has no tokenizer.json, nor vocab.json and merges.txt");
    }
    t.source_ = vj;
    {
        const Fields f(vj);
        TokenizerLoader{t, f}.read_vocab(f.parse(read_bounded(vj)), "(document)");
    }
    const Fields f(mt);
    TokenizerLoader l{t, f};
    const std::string text = read_bounded(mt);
    std::size_t rank = 0, line_no = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = end + 1;
        ++line_no;
        const std::string field = "line " + std::to_string(line_no);
        if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
        const auto sp = line.find(' ');
        if (sp == std::string_view::npos || sp == 0 || sp + 1 == line.size() || line.find(' ', sp + 1) != std::string_view::npos) {
            f.fail(field, "must be two tokens joined by one space, not " + quote(line));
        }
        if (rank >= TokenizerLimits::max_merges) {
            f.fail(field, "more than " + std::to_string(TokenizerLimits::max_merges) + " merges (the limit)");
        }
        l.add_merge(std::string(line.substr(0, sp)), std::string(line.substr(sp + 1)), rank++, field);
    }
    PreStep byte_level{};
    byte_level.kind = PreStep::Kind::ByteLevel;
    byte_level.pattern = SplitPattern::Gpt2;
    t.pre_.push_back(byte_level);
    t.byte_level_ = true;
    if (const auto it = t.vocab_.find("<|endoftext|>"); it != t.vocab_.end()) {
        t.is_added_[static_cast<std::size_t>(it->second)] = 1;
        t.added_.push_back({"<|endoftext|>", it->second, true, false, false});
    }
    l.finish();
    return t;
}

// ---- encoding --------------------------------------------------------------------------------

std::vector<int> BpeTokenizer::encode_word(std::string_view word) const {
    std::vector<int> ids;  // the symbols before any merge
    if (byte_level_) {
        if (ignore_merges_) {
            if (const auto it = vocab_.find(byte_level_string(word)); it != vocab_.end()) return {it->second};
        }
        for (char ch : word) {
            const int id = byte_id_[static_cast<unsigned char>(ch)];
            if (id >= 0) ids.push_back(id);
            else if (unk_id_ >= 0 && !(fuse_unk_ && !ids.empty() && ids.back() == unk_id_)) ids.push_back(unk_id_);
        }
    } else {
        if (ignore_merges_) {
            if (const auto it = vocab_.find(std::string(word)); it != vocab_.end()) return {it->second};
        }
        for (std::size_t i = 0; i < word.size();) {
            const std::size_t len = valid_utf8_length(word, i);
            const std::string ch(word.substr(i, len));
            i += len;
            if (const auto it = vocab_.find(ch); it != vocab_.end()) {
                ids.push_back(it->second);
                continue;
            }
            if (byte_fallback_) {
                std::vector<int> bytes;
                for (char b : ch) {
                    const auto bt = vocab_.find(hex_byte_token(static_cast<unsigned char>(b)));
                    if (bt == vocab_.end()) break;
                    bytes.push_back(bt->second);
                }
                if (bytes.size() == ch.size()) {
                    ids.insert(ids.end(), bytes.begin(), bytes.end());
                    continue;
                }
            }
            // No unk token: the character is dropped, as in Hugging Face's tokenizers.
            if (unk_id_ >= 0 && !(fuse_unk_ && !ids.empty() && ids.back() == unk_id_)) ids.push_back(unk_id_);
        }
    }
    if (ids.size() < 2 || merges_.empty()) return ids;

    // Merges, lowest rank first and leftmost among equal ranks, over a linked list of symbols;
    // a queued pair that a neighbouring merge consumed is skipped when it comes up.
    struct Symbol {
        int id, prev, next;
        bool alive;
    };
    std::vector<Symbol> sym(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) {
        sym[k] = {ids[k], static_cast<int>(k) - 1, k + 1 < ids.size() ? static_cast<int>(k) + 1 : -1, true};
    }
    struct Candidate {
        int rank, pos, id;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    const auto consider = [&](int left) {
        if (left < 0 || sym[left].next < 0) return;
        const auto it = merges_.find((std::uint64_t(sym[left].id) << 32) | std::uint32_t(sym[sym[left].next].id));
        if (it != merges_.end()) queue.push({it->second.rank, left, it->second.id});
    };
    for (int k = 0; k + 1 < static_cast<int>(sym.size()); ++k) consider(k);
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& s = sym[top.pos];
        if (!s.alive || s.next < 0) continue;
        const auto it = merges_.find((std::uint64_t(s.id) << 32) | std::uint32_t(sym[s.next].id));
        if (it == merges_.end() || it->second.id != top.id) continue;
        Symbol& right = sym[s.next];
        right.alive = false;
        s.id = top.id;
        s.next = right.next;
        if (s.next >= 0) sym[s.next].prev = top.pos;
        consider(s.prev);
        consider(top.pos);
    }
    ids.clear();
    for (int k = 0; k >= 0; k = sym[k].next) ids.push_back(sym[k].id);
    return ids;
}

std::vector<int> BpeTokenizer::encode(std::string_view text, bool add_special) const {
    const std::size_t max_bytes = std::size_t(Limits::max_tokens) * TokenizerLimits::max_token_bytes;
    if (text.size() > max_bytes) {
        throw ConfigError("text", "text is " + std::to_string(text.size()) + " bytes; more than " +
                                      std::to_string(Limits::max_tokens) + " tokens can hold (the limit)");
    }
    for (std::size_t i = 0; i < text.size(); i += decode_utf8(text, i, "text").length) {
    }
    std::vector<int> ids;
    const auto check_room = [&](std::size_t more) {
        if (ids.size() + more > static_cast<std::size_t>(Limits::max_tokens)) {
            throw ConfigError("text", "text has more than " + std::to_string(Limits::max_tokens) +
                                          " tokens (the limit); shorten it");
        }
    };
    const auto push = [&](int id) {
        check_room(1);
        ids.push_back(id);
    };
    if (add_special) {
        for (int id : prefix_ids_) push(id);
    }

    const auto encode_segment = [&](std::string_view segment, bool at_start) {
        if (segment.empty()) return;
        std::string s(segment);
        for (const NormalizeStep& n : normalizer_) {
            switch (n.kind) {
                case NormalizeStep::Kind::Nfc: s = nfc(s); break;
                case NormalizeStep::Kind::Prepend: s = n.to + s; break;
                case NormalizeStep::Kind::Replace: {
                    std::string r;
                    for (std::size_t p = 0;;) {
                        const std::size_t q = s.find(n.from, p);
                        r.append(s, p, q == std::string::npos ? std::string::npos : q - p);
                        if (q == std::string::npos) break;
                        r += n.to;
                        p = q + n.from.size();
                    }
                    s = std::move(r);
                    break;
                }
            }
        }
        std::vector<std::string> pieces{std::move(s)};
        for (const PreStep& step : pre_) {
            std::vector<std::string> next;
            for (std::string& piece : pieces) {
                if (step.kind == PreStep::Kind::Metaspace) {
                    std::string r;
                    for (char ch : piece) {
                        if (ch == ' ') r += step.replacement;
                        else r += ch;
                    }
                    const bool prepend = step.prepend == PreStep::Prepend::Always ||
                                         (step.prepend == PreStep::Prepend::First && at_start && next.empty());
                    if (prepend && r.rfind(step.replacement, 0) != 0) r = step.replacement + r;
                    if (!step.split) {
                        next.push_back(std::move(r));
                        continue;
                    }
                    // Each piece starts at a replacement character (merged with what follows it).
                    std::size_t begin = 0;
                    for (std::size_t p = r.find(step.replacement, 1); p != std::string::npos;
                         p = r.find(step.replacement, p + 1)) {
                        next.push_back(r.substr(begin, p - begin));
                        begin = p;
                    }
                    next.push_back(r.substr(begin));
                    continue;
                }
                if (step.kind == PreStep::Kind::ByteLevel && step.add_prefix_space && piece.rfind(' ', 0) != 0) {
                    piece.insert(piece.begin(), ' ');
                }
                for (std::string_view v : split_pretokens(piece, step.pattern)) next.emplace_back(v);
            }
            pieces = std::move(next);
        }
        for (const std::string& piece : pieces) {
            if (piece.empty()) continue;
            // No token is longer than longest_token_: a piece too long for the ids left is
            // refused before BPE (which would take seconds over megabytes).
            check_room(piece.size() / longest_token_);
            for (int id : encode_word(piece)) push(id);
        }
    };

    // Added tokens first: the leftmost match, the longest at that place (added_ is sorted so).
    std::size_t start = 0;  // of the text not yet encoded
    for (std::size_t i = 0; i < text.size();) {
        const Added* hit = nullptr;
        if (!added_first_byte_[static_cast<unsigned char>(text[i])]) {
            ++i;
            continue;
        }
        for (const Added& a : added_) {
            if (text.compare(i, a.content.size(), a.content) == 0) {
                hit = &a;
                break;
            }
        }
        if (!hit) {
            ++i;
            continue;
        }
        std::size_t before_end = i, after = i + hit->content.size();
        if (hit->lstrip) {
            while (before_end > start && is_white_space(static_cast<unsigned char>(text[before_end - 1]))) --before_end;
        }
        if (hit->rstrip) {
            while (after < text.size() && is_white_space(static_cast<unsigned char>(text[after]))) ++after;
        }
        encode_segment(text.substr(start, before_end - start), start == 0);
        push(hit->id);
        start = i = after;
    }
    encode_segment(text.substr(start), start == 0);
    if (add_special) {
        for (int id : suffix_ids_) push(id);
    }
    return ids;
}

// ---- showing and decoding --------------------------------------------------------------------

void BpeTokenizer::check_id(int id) const {
    if (id < 0 || id >= vocab_size() || tokens_[static_cast<std::size_t>(id)].empty()) {
        throw ConfigError("ids", "ids: " + std::to_string(id) + " is no token of this tokenizer (ids are 0 to " +
                                     std::to_string(vocab_size() - 1) + ")");
    }
}

std::string BpeTokenizer::token_bytes(int id) const {
    const std::string& tok = tokens_[static_cast<std::size_t>(id)];
    if (is_added_[static_cast<std::size_t>(id)]) return tok;
    std::string out;
    if (byte_level_) {
        for (std::size_t i = 0; i < tok.size();) {
            const CodePoint cp = decode_utf8(tok, i, "token");
            if (cp.value < kBytes.byte_of.size() && kBytes.byte_of[cp.value] >= 0) {
                out += static_cast<char>(kBytes.byte_of[cp.value]);
            } else {
                out.append(tok, i, cp.length);
            }
            i += cp.length;
        }
        return out;
    }
    if (tok.size() == 6 && tok.rfind("<0x", 0) == 0 && tok[5] == '>' && std::isxdigit(static_cast<unsigned char>(tok[3])) &&
        std::isxdigit(static_cast<unsigned char>(tok[4]))) {
        return std::string(1, static_cast<char>(std::stoi(tok.substr(3, 2), nullptr, 16)));
    }
    for (std::size_t p = 0;;) {
        const std::size_t q = tok.find(kMetaspace, p);
        out.append(tok, p, q == std::string::npos ? std::string::npos : q - p);
        if (q == std::string::npos) break;
        out += ' ';
        p = q + kMetaspace.size();
    }
    return out;
}

std::string BpeTokenizer::token_text(int id) const {
    check_id(id);
    const std::string bytes = token_bytes(id);
    std::string out;
    for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t len = valid_utf8_length(bytes, i);
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (len == 0 || b < 0x20 || b == 0x7F) {
            if (b == '\n') out += "\\n";
            else if (b == '\t') out += "\\t";
            else if (b == '\r') out += "\\r";
            else out += hex_byte_token(b);
            ++i;
            continue;
        }
        if (b == ' ') out += kShownSpace;
        else out.append(bytes, i, len);
        i += len;
    }
    return out;
}

std::string BpeTokenizer::decode(const std::vector<int>& ids) const {
    std::string bytes;
    for (int id : ids) {
        check_id(id);
        bytes += token_bytes(id);
    }
    if (strip_decoded_space_ && !bytes.empty() && bytes[0] == ' ') bytes.erase(0, 1);
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t len = valid_utf8_length(bytes, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
        } else {
            out.append(bytes, i, len);
            i += len;
        }
    }
    return out;
}

std::vector<int> parse_ids(std::string_view s) {
    std::vector<int> ids = parse_int_list("ids", s, TokenizerLimits::max_vocab - 1, "a token id", "token ids");
    if (ids.size() > static_cast<std::size_t>(Limits::max_tokens)) {
        throw ConfigError("ids", "ids: " + std::to_string(ids.size()) + " ids; the limit is " +
                                     std::to_string(Limits::max_tokens));
    }
    return ids;
}

}  // namespace attnviz
