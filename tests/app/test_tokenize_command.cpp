// `attnviz tokenize`: one line of JSON with ids and tokens; exit 2 with one line naming the file,
// field and rule for a bad model folder.
#include "app/tokenize_command.hpp"

#include "app_test_helpers.hpp"

#include <nlohmann/json.hpp>

namespace attnviz::test {
namespace {

using nlohmann::json;

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

// GPT-2's file layout with a four-token vocabulary: "a b" merges into "ab".
void write_tiny_gpt2(const fs::path& dir) {
    write_text(dir / "vocab.json", R"({"a": 0, "b": 1, "ab": 2, "Ġ": 3, "<|endoftext|>": 4})");
    write_text(dir / "merges.txt", "#version: 0.2\na b\n");
}

TEST(TokenizeCli, PrintsIdsAndTokensAsOneLineOfJson) {
    TempDir dir;
    write_tiny_gpt2(dir.path());
    const CliRun r = run_cli("tokenize --model '" + dir.path().string() + "' --text 'ab a<|endoftext|>'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, R"({"ids":[2,3,0,4],"tokens":["ab","␣","a","<|endoftext|>"]})" "\n");
}

TEST(TokenizeCli, DecodesIds) {
    TempDir dir;
    write_tiny_gpt2(dir.path());
    const CliRun r = run_cli("tokenize --model '" + dir.path().string() + "' --ids '2, 3,0'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, R"({"ids":[2,3,0],"tokens":["ab","␣","a"],"text":"ab a"})" "\n");
}

TEST(TokenizeCli, BadInputExitsTwoWithOneLine) {
    TempDir dir;
    write_tiny_gpt2(dir.path());
    fs::create_directories(dir / "broken");
    write_text(dir / "broken" / "tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}})");
    const std::string d = "'" + dir.path().string() + "'";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"tokenize --model " + d + "/nope --text x", "nope: is not a folder"},
        {"tokenize --model " + d + "/broken --text x",
         "broken/tokenizer.json: model.vocab[\"a\"]: a token id must be an integer in [0, 1000000), not -3"},
        {"tokenize --model " + d + " --ids 2,99", "ids: 99 is no token of this tokenizer (ids are 0 to 4)"},
        {"tokenize --model " + d + " --ids x", "ids: 'x' is not a token id"},
        {"tokenize --model " + d + " --text \"$(printf '\\377')\"", "text: invalid UTF-8 (byte 0xff at offset 0)"},
        {"tokenize --model " + d, "give either --text or --ids"},
    };
    for (const auto& [args, want] : cases) {
        SCOPED_TRACE(args);
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.code, 2);
        EXPECT_EQ(r.err.rfind("attnviz tokenize: ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    EXPECT_EQ(run_cli("tokenize --model " + d + " --text a --ids 1").code, 2);  // both
}

// The real files (the fetch_tokenizers fixture); skipped without them.
TEST(RealTokenizerCli, HelloWorldWithAndWithoutBos) {
    const fs::path data = ATTNVIZ_TOKENIZER_DATA;
    if (!fs::exists(data / "golden.json")) GTEST_SKIP() << "no real tokenizers in " << data << " (see fetch_tokenizers)";
    CliRun r = run_cli("tokenize --model '" + (data / "llama2").string() + "' --text 'Hello world'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, R"({"ids":[1,22557,1526],"tokens":["<s>","␣Hello","␣world"]})" "\n");
    r = run_cli("tokenize --model '" + (data / "llama2").string() + "' --text 'Hello world' --no-special");
    EXPECT_EQ(json::parse(r.out)["ids"], json({22557, 1526}));
    r = run_cli("tokenize --model '" + (data / "gpt2").string() + "' --text 'Hello world'");
    EXPECT_EQ(json::parse(r.out)["ids"], json({15496, 995}));
}

}  // namespace
}  // namespace attnviz::test
