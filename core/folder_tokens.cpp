#include "core/folder_tokens.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/json_read.hpp"
#include "core/tokenizer.hpp"

namespace attnviz {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<int> FolderTokenizer::encode(std::string_view text) const {
    const Tokens t = tokenize(text, tokenization, "text");
    std::vector<int> ids;
    ids.reserve(t.text.size());
    for (std::size_t k = 0; k < t.text.size(); ++k) {
        const int id = vocab->id(t.text[k]);
        if (id < 0) {
            throw ConfigError("text", "text: \"" + clip(t.text[k]) + "\" (token " + std::to_string(k) + ") is not in the model's vocabulary (its " +
                                          std::to_string(vocab->size()) + " " + std::string(to_string(tokenization)) +
                                          " tokens in tokens.json): use tokens it was trained on");
        }
        ids.push_back(id);
    }
    return ids;
}

std::string FolderTokenizer::decode(const std::vector<int>& ids) const {
    std::string out;
    for (int id : ids) {
        if (id < 0 || id >= vocab->size()) {
            throw ConfigError("ids", "ids: " + std::to_string(id) + " is no token of this vocabulary (ids are 0 to " +
                                         std::to_string(vocab->size() - 1) + ")");
        }
        if (tokenization == Tokenization::Word && !out.empty()) out += ' ';
        out += vocab->tokens[static_cast<std::size_t>(id)];
    }
    return out;
}

FolderTokenizer parse_folder_tokens(std::string_view text, const fs::path& file, int vocab_size) {
    const std::string in = file.filename().string() + ": ";
    json j;
    try {
        j = parse_json_limited(text);
    } catch (const std::runtime_error& e) {
        throw ConfigError("tokens.json", in + e.what());
    }
    if (!j.is_object()) throw ConfigError("tokens.json", in + "must be a JSON object {\"tokenization\": …, \"tokens\": […]}");
    FolderTokenizer t;
    if (!j.contains("tokenization")) throw ConfigError("tokenization", in + "\"tokenization\" is missing: it must be \"word\" or \"char\"");
    const json& mode = j["tokenization"];
    if (mode == "word") t.tokenization = Tokenization::Word;
    else if (mode == "char") t.tokenization = Tokenization::Char;
    else throw ConfigError("tokenization", in + "\"tokenization\" = " + describe(mode) + " must be \"word\" or \"char\"");
    const std::string want = std::to_string(vocab_size) + " strings (config.json's vocab_size)";
    if (!j.contains("tokens") || !j["tokens"].is_array()) throw ConfigError("tokens", in + "\"tokens\" must be an array of " + want);
    const json& list = j["tokens"];
    if (list.size() != static_cast<std::size_t>(vocab_size)) {
        throw ConfigError("tokens", in + "\"tokens\" has " + std::to_string(list.size()) + " entries but must have " + want);
    }
    auto vocab = std::make_shared<Vocabulary>();
    vocab->tokens.reserve(list.size());
    for (std::size_t k = 0; k < list.size(); ++k) {
        const std::string at = "tokens[" + std::to_string(k) + "]";
        if (!list[k].is_string()) throw ConfigError("tokens", in + at + " = " + describe(list[k]) + " must be a string");
        const std::string& s = list[k].get_ref<const std::string&>();
        const auto [it, fresh] = vocab->ids.emplace(s, static_cast<int>(k));
        if (!fresh) {
            throw ConfigError("tokens", in + at + " = " + quote(s) + " repeats tokens[" + std::to_string(it->second) +
                                            "]: every token must be distinct");
        }
        vocab->tokens.push_back(s);
    }
    t.vocab = std::move(vocab);
    return t;
}

FolderTokenizer read_folder_tokens(const fs::path& dir, int vocab_size) {
    const fs::path file = dir / kTokensFile;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        throw ConfigError("tokens.json", dir.string() + ": no tokens.json (an attnviz model folder's vocabulary)");
    }
    if (fs::file_size(file, ec) > kMaxTokensFileBytes) throw ConfigError("tokens.json", "tokens.json: is larger than 64 MiB");
    return parse_folder_tokens(read_file(file), file, vocab_size);
}

}  // namespace attnviz
