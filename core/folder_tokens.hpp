// tokens.json, the vocabulary of attnviz's own model folder (core/model_folder.hpp):
//   {"tokenization": "word" | "char", "tokens": [V strings]}      id = index
// Text is split by attnviz's toy tokenizer (core/tokenizer.hpp) in that mode, then each token is
// looked up. The file is untrusted: its size is bounded, nesting limited, every entry checked.
#pragma once

#include "core/stack.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

inline constexpr const char* kTokensFile = "tokens.json";
inline constexpr std::uintmax_t kMaxTokensFileBytes = 64u << 20;

// attnviz's toy tokenizer (word or char, core/tokenizer.hpp) over a model folder's vocabulary.
struct FolderTokenizer {
    Tokenization tokenization = Tokenization::Word;
    std::shared_ptr<const Vocabulary> vocab;  // tokens and ids, [V]

    // The ids of `text`'s tokens. Throws ConfigError("text", ...) as tokenize() does, or naming
    // (clipped) the first token the vocabulary does not hold.
    std::vector<int> encode(std::string_view text) const;
    // The tokens of `ids`: word tokens joined by spaces (punctuation the tokenizer split off comes
    // back spaced), char tokens run together. Throws ConfigError("ids", ...) for an id outside [0, V).
    std::string decode(const std::vector<int>& ids) const;
};

// tokens.json's text; `file` names it in messages, `vocab_size` is the count config.json gives.
// Untrusted: nesting is limited, "tokenization" must be "word" or "char", "tokens" an array of
// exactly vocab_size strings with no two alike. Throws ConfigError("tokens.json" | "tokenization" |
// "tokens", "tokens.json: ...").
FolderTokenizer parse_folder_tokens(std::string_view text, const std::filesystem::path& file, int vocab_size);
// DIR/tokens.json, at most kMaxTokensFileBytes. Throws ConfigError as parse_folder_tokens.
FolderTokenizer read_folder_tokens(const std::filesystem::path& dir, int vocab_size);

}  // namespace attnviz
