// The attnviz executable on attnviz's own model folder (core/model_folder.hpp): `export --model`
// with ids and with text (through tokens.json), `tokenize --model` both ways, and a word the
// model's vocabulary lacks exits 2 with one line naming it.
#include "core/model_folder.hpp"

#include "tests/app/app_test_helpers.hpp"
#include "tests/model_folder_fixture.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace attnviz::test {
namespace {

using nlohmann::json;

fs::path written_folder(const TempDir& dir) {
    const FolderStack s = folder_stack({});
    write_model_folder(dir / "m", s.block, s.arch, s.weights, s.vocab, Tokenization::Word, {{"steps", 10}});
    return dir / "m";
}

TEST(ModelFolderCli, ExportRunsAWrittenFolderOnIdsAndOnText) {
    TempDir dir;
    const std::string m = shell_quote(written_folder(dir).string());
    CliRun r = run_cli("export --model " + m + " --ids 0,1,2 --out " + shell_quote((dir / "ids").string()) + " --no-heatmaps");
    ASSERT_EQ(r.code, 0) << r.err;
    json j = json::parse(read_file(dir / "ids" / "trace.json"));
    EXPECT_EQ(j["model"]["model_type"], "attnviz");
    EXPECT_EQ(j["model"]["dtype"], "F32");
    EXPECT_EQ(j["vocab_size"], 10);
    EXPECT_EQ(j["token_ids"], json({0, 1, 2}));
    EXPECT_EQ(j["tokens"], json({"the", "cat", "sat"}));
    EXPECT_EQ(j["layers"].size(), 2u);
    EXPECT_EQ(j["stack"]["norm"], "layer");

    r = run_cli("export --model " + m + " --text 'a dog ran.' --out " + shell_quote((dir / "text").string()) + " --no-heatmaps");
    ASSERT_EQ(r.code, 0) << r.err;
    j = json::parse(read_file(dir / "text" / "trace.json"));
    EXPECT_EQ(j["token_ids"], json({6, 7, 8, 5}));

    r = run_cli("export --model " + m + " --text 'the zebra' --out " + shell_quote((dir / "bad").string()));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("\"zebra\" (token 1) is not in the model's vocabulary"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir / "bad"));
}

TEST(ModelFolderCli, TokenizeUsesTheFoldersOwnTokenizer) {
    TempDir dir;
    const std::string m = shell_quote(written_folder(dir).string());
    CliRun r = run_cli("tokenize --model " + m + " --text 'the cat sat.'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, R"({"ids":[0,1,2,5],"tokens":["the","cat","sat","."]})" "\n");
    r = run_cli("tokenize --model " + m + " --ids 7,8");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, R"({"ids":[7,8],"tokens":["dog","ran"],"text":"dog ran"})" "\n");
    r = run_cli("tokenize --model " + m + " --ids 10");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("ids: 10 is no token of this vocabulary (ids are 0 to 9)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace attnviz::test
