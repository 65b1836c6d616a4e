#include "app/tokenize_command.hpp"

#include "core/hf_tokenizer.hpp"
#include "core/types.hpp"

#include <nlohmann/json.hpp>

namespace attnviz {

std::string run_tokenize_command(const TokenizeRequest& req) {
    if (req.text.has_value() == req.ids.has_value()) {
        throw ConfigError("text", "give either --text or --ids (one of them)");
    }
    const BpeTokenizer tokenizer = BpeTokenizer::load(req.model);
    const std::vector<int> ids = req.text ? tokenizer.encode(*req.text, req.special) : parse_ids(*req.ids);
    nlohmann::ordered_json out;
    out["ids"] = ids;
    out["tokens"] = nlohmann::json::array();
    for (int id : ids) out["tokens"].push_back(tokenizer.token_text(id));
    if (req.ids) out["text"] = tokenizer.decode(ids);
    return out.dump() + "\n";
}

}  // namespace attnviz
