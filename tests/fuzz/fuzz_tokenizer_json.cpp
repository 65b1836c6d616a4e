// tokenizer.json's text → BpeTokenizer::from_tokenizer_json; a tokenizer that loads then encodes
// a few strings (fixed ones covering spaces, newlines, multi-byte characters and special-token
// look-alikes, and the input's own first bytes, which hold its vocabulary's tokens) and decodes
// and shows every id it produced: ids from encode must always decode.

#include "core/hf_tokenizer.hpp"
#include "core/types.hpp"
#include "core/unicode.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <optional>
#include <string_view>

using namespace attnviz;

namespace {

constexpr std::string_view kSamples[] = {
    "the cat sat on the mat",
    " Hello,  world!\n\tbye\r\n",
    "naïve café — 東京 🙂",
    "<s> <|endoftext|> <unk></s>",
};

void encode_decode(const BpeTokenizer& t, std::string_view text) {
    std::vector<int> ids;
    try {
        ids = t.encode(text);
    } catch (const ConfigError& e) {  // invalid UTF-8 or too many ids, as documented
        fuzz::check_refusal(e);
        return;
    }
    for (int id : ids) {
        ATTNVIZ_ASSERT(id >= 0 && id < t.vocab_size());
        t.token_text(id);
    }
    t.decode(ids);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return -1;
    const std::string text = fuzz::as_text(data, size);
    std::optional<BpeTokenizer> t;
    try {
        t.emplace(BpeTokenizer::from_tokenizer_json(text, "tokenizer.json"));
    } catch (const ConfigError& e) {
        fuzz::check_refusal(e);
        return 0;
    }
    for (std::string_view s : kSamples) encode_decode(*t, s);
    const std::string_view head = std::string_view(text).substr(0, 64);
    std::size_t valid = 0;
    while (valid < head.size()) {
        const std::size_t len = valid_utf8_length(head, valid);
        if (len == 0) break;
        valid += len;
    }
    encode_decode(*t, head.substr(0, valid));
    return 0;
}
