// Real tokenizers from a model folder: byte-level BPE (GPT-2, Llama 3, Qwen2/Qwen3, SmolLM) and
// SentencePiece-style BPE with byte fallback (Llama 2, Mistral).
//
// [SECTION] Sources    BpeTokenizer::load reads DIR/tokenizer.json (Hugging Face `tokenizers`), else
//                      DIR/vocab.json + DIR/merges.txt (GPT-2's files, `<|endoftext|>` special).
//                      DIR/tokenizer_config.json, when present, may add BOS/EOS (add_bos_token).
// [SECTION] Encoding   added tokens (leftmost-longest, before anything else) → normalizer (NFC,
//                      Prepend, Replace) → pre-tokenizer (ByteLevel, Split with the GPT-2, Llama 3
//                      or Qwen2 pattern, Metaspace) → BPE (merge ranks, ignore_merges,
//                      byte_fallback, unk) → the post-processor's special tokens (TemplateProcessing).
// [SECTION] Display    token_text: how a token is shown (see there).
//
// Every file is untrusted: sizes are bounded (TokenizerLimits), JSON nesting is limited, and a
// refusal throws ConfigError(field, "FILE: field: rule") quoting at most a short prefix of a value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnviz {

struct TokenizerLimits {
    static constexpr int max_vocab = 1'000'000;                    // entries; every id is below it
    static constexpr std::size_t max_token_bytes = 1024;           // of a vocabulary entry or added token
    static constexpr std::size_t max_merges = 4'000'000;
    static constexpr std::uintmax_t max_file_bytes = 256u << 20;   // tokenizer.json, vocab.json, merges.txt
    static constexpr int max_added_tokens = 100'000;
};

// The split regexes attnviz knows, matched by hand over code points (there is no regex library
// with \p{..} here). Split patterns in tokenizer.json are recognised by their exact text.
enum class SplitPattern {
    None,
    Gpt2,    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    Llama3,  // (?i:'s|…)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    Qwen2,   // as Llama3 with \p{N} (one digit per piece) instead of \p{N}{1,3}
};

// Splits `text` (valid UTF-8) into the pieces the pattern's matches make, in order; their
// concatenation is `text`. Exposed for tests.
std::vector<std::string_view> split_pretokens(std::string_view text, SplitPattern pattern);

class BpeTokenizer {
public:
    // Throws ConfigError naming the file, the field and the rule (a missing folder or file too).
    static BpeTokenizer load(const std::filesystem::path& dir);
    // tokenizer.json's text alone (no tokenizer_config.json is consulted: BOS/EOS come only from
    // its post-processor); `file` names it in messages and becomes source(). Throws ConfigError as
    // load does.
    static BpeTokenizer from_tokenizer_json(std::string_view text, const std::filesystem::path& file);

    // Token ids of `text` (UTF-8). add_special: the post-processor's special tokens (BOS) are
    // added; added tokens written in the text ("<|endoftext|>", "<s>") are matched either way.
    // Throws ConfigError("text", ...) for invalid UTF-8 or more than Limits::max_tokens ids.
    std::vector<int> encode(std::string_view text, bool add_special = true) const;

    // The token as shown, always valid UTF-8: a space (GPT-2's "Ġ", SentencePiece's "▁", a <0x20>
    // byte) is "␣" (U+2423); newline, tab and carriage return are the two characters \n, \t, \r;
    // byte-level and <0xAB> bytes are decoded to UTF-8 where they form whole characters, and
    // each remaining byte (a piece of a character, a control byte) is "<0xAB>". Added tokens are
    // shown as written. Throws ConfigError("ids", ...) for an id that names no token.
    std::string token_text(int id) const;
    // The text of `ids` as the model's decoder writes it (added tokens included; bytes that form
    // no character become U+FFFD). Throws ConfigError("ids", ...) like token_text.
    std::string decode(const std::vector<int>& ids) const;

    int vocab_size() const { return static_cast<int>(tokens_.size()); }  // one more than the largest id
    const std::filesystem::path& source() const { return source_; }     // the file read first

    struct Added {
        std::string content;
        int id = 0;
        bool special = false;
        bool lstrip = false, rstrip = false;  // eat the white space before / after it
    };
    struct NormalizeStep {
        enum class Kind { Nfc, Prepend, Replace } kind;
        std::string from, to;  // Prepend: to; Replace: from → to
    };
    struct PreStep {
        enum class Kind { Split, ByteLevel, Metaspace } kind;
        SplitPattern pattern = SplitPattern::None;  // Split; ByteLevel with use_regex: Gpt2
        bool add_prefix_space = false;              // ByteLevel
        std::string replacement;                    // Metaspace
        enum class Prepend { Always, First, Never } prepend = Prepend::Always;
        bool split = true;                          // Metaspace: a piece starts at each replacement
    };

private:
    friend struct TokenizerLoader;
    struct Merge {
        int rank;
        int id;  // of the merged token
    };

    std::vector<int> encode_word(std::string_view word) const;
    std::string token_bytes(int id) const;
    void check_id(int id) const;

    std::filesystem::path source_;
    std::vector<std::string> tokens_;        // by id; empty where no token has the id
    std::vector<char> is_added_;             // by id
    std::unordered_map<std::string, int> vocab_;
    std::unordered_map<std::uint64_t, Merge> merges_;  // (left id << 32 | right id)
    std::vector<Added> added_;               // longest content first
    std::array<bool, 256> added_first_byte_{};  // some added token starts with this byte
    std::size_t longest_token_ = 1;          // bytes of the longest vocabulary entry as stored
    std::vector<NormalizeStep> normalizer_;
    std::vector<PreStep> pre_;
    bool byte_level_ = false;                // tokens are bytes_to_unicode strings
    bool byte_fallback_ = false;             // unknown characters become <0xAB> tokens
    bool ignore_merges_ = false;             // a word found in the vocabulary is taken whole
    bool fuse_unk_ = false;
    bool strip_decoded_space_ = false;       // decode drops the space a Prepend/Metaspace added
    int unk_id_ = -1;
    std::array<int, 256> byte_id_{};         // byte-level: the id of each byte's character (-1: none)
    std::vector<int> prefix_ids_, suffix_ids_;  // added when add_special
};

// "1, 2,3" -> {1, 2, 3}: token ids for `--ids`; each below TokenizerLimits::max_vocab, at most
// Limits::max_tokens of them. Throws ConfigError("ids", ...).
std::vector<int> parse_ids(std::string_view s);

}  // namespace attnviz
