// `attnviz tokenize --model DIR (--text "..." | --ids 1,2,3) [--no-special]`: a real tokenizer's ids
// and tokens as one line of JSON; for an attnviz model folder (core/model_folder.hpp), attnviz's
// own word or char tokenizer over its tokens.json.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace attnviz {

struct TokenizeRequest {
    std::filesystem::path model;      // a folder with tokenizer.json, vocab.json + merges.txt, or tokens.json
    std::optional<std::string> text;  // encode this ...
    std::optional<std::string> ids;   // ... or decode these ("1,2,3")
    bool special = true;              // the post-processor's special tokens (BOS) when encoding (BPE only)
};

// {"ids": [...], "tokens": [...]} for --text, plus "text" (the decoded ids) for --ids; tokens as
// BpeTokenizer::token_text shows them (an attnviz folder's: its vocabulary entries, the decoded text
// as FolderTokenizer::decode joins them). One line, newline-terminated. Throws ConfigError.
std::string run_tokenize_command(const TokenizeRequest& req);

}  // namespace attnviz
