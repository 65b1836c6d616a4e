#include "app/tokenize_command.hpp"

#include "core/hf_tokenizer.hpp"
#include "core/model_folder.hpp"
#include "core/types.hpp"

#include <nlohmann/json.hpp>

namespace attnviz {

std::string run_tokenize_command(const TokenizeRequest& req) {
    if (req.text.has_value() == req.ids.has_value()) {
        throw ConfigError("text", "give either --text or --ids (one of them)");
    }
    nlohmann::ordered_json out;
    if (const std::optional<FolderTokenizer> toy = attnviz_folder_tokenizer(req.model)) {
        const std::vector<int> ids = req.text ? toy->encode(*req.text) : parse_ids(*req.ids);
        const std::string text = toy->decode(ids);  // checks every id first
        out["ids"] = ids;
        out["tokens"] = nlohmann::json::array();
        for (int id : ids) out["tokens"].push_back(toy->vocab->tokens[static_cast<std::size_t>(id)]);
        if (req.ids) out["text"] = text;
        return out.dump() + "\n";
    }
    const BpeTokenizer tokenizer = BpeTokenizer::load(req.model);
    const std::vector<int> ids = req.text ? tokenizer.encode(*req.text, req.special) : parse_ids(*req.ids);
    out["ids"] = ids;
    out["tokens"] = nlohmann::json::array();
    for (int id : ids) out["tokens"].push_back(tokenizer.token_text(id));
    if (req.ids) out["text"] = tokenizer.decode(ids);
    return out.dump() + "\n";
}

}  // namespace attnviz
