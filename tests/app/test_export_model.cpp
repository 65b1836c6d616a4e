// `attnviz export --model DIR --ids …` on folders in the Hugging Face layout made here: the trace
// holds the loaded model's stack (its layers, vocabulary size, next tokens), and a broken folder
// or bad ids exit 2 with one line naming the file, tensor or field.
#include "tests/app/app_test_helpers.hpp"
#include "tests/hf_fixture.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace attnviz::test {
namespace {

TEST(ExportModel, LoadedModelsExportTheirWholeStack) {
    for (const char* type : {"gpt2", "qwen2"}) {
        SCOPED_TRACE(type);
        TempDir dir;
        HfSpec s;
        s.model_type = type;
        s.kv_heads = std::string(type) == "qwen2" ? 2 : 4;
        s.dtype = Dtype::BF16;
        s.shards = 2;
        write_hf_model(dir / "m", s);
        const CliRun r = run_cli("export --model " + shell_quote((dir / "m").string()) + " --ids 3,17,5,3,17 --out " +
                                 shell_quote((dir / "out").string()) + " --no-heatmaps");
        ASSERT_EQ(r.code, 0) << r.err;
        const nlohmann::json j = nlohmann::json::parse(read_file(dir / "out" / "trace.json"));
        EXPECT_EQ(j["version"], 2);
        EXPECT_EQ(j["layers"].size(), 2u);
        EXPECT_EQ(j["vocab_size"], s.vocab);
        EXPECT_EQ(j["stack"]["mlp"], std::string(type) == "gpt2" ? "gelu-tanh" : "swiglu");
        EXPECT_EQ(j["stack"]["norm"], std::string(type) == "gpt2" ? "layer" : "rms");
        EXPECT_EQ(j["config"]["n_kv_heads"], s.kv_heads);
        EXPECT_EQ(j["tokens"][1], "#17");
        EXPECT_EQ(j["next_token"].size(), 5u);
        EXPECT_EQ(j["token_ids"], nlohmann::json({3, 17, 5, 3, 17}));
        EXPECT_EQ(j["model"]["model_type"], type);
        EXPECT_EQ(j["model"]["n_layers"], 2);
        EXPECT_EQ(j["model"]["n_kv_heads"], s.kv_heads);
        EXPECT_EQ(j["model"]["dtype"], "BF16");
        EXPECT_EQ(j["model"]["path"], (dir / "m").string());
    }
}

TEST(ExportModel, BrokenFoldersAndBadIdsExitTwoWithOneLine) {
    TempDir dir;
    HfSpec s;
    write_hf_model(dir / "m", s);
    const std::string m = shell_quote((dir / "m").string()), out = " --out " + shell_quote((dir / "out").string());
    struct Case {
        std::string args, part;
    };
    const std::vector<Case> cases = {
        {"export --model " + m + " --ids 1,99" + out, "token id 99"},
        // Past the toy model's 4096 positions, an id is still checked against the model's vocabulary.
        {"export --model " + m + " --ids 1,50000" + out, "token id 50000 at position 1 is outside the vocabulary"},
        {"export --model " + m + out, "has no tokenizer"},
        {"export --ids 1,2" + out, "--ids needs --model"},
        {"export --model " + shell_quote((dir / "none").string()) + " --ids 1" + out, "no config.json"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.args);
        const CliRun r = run_cli(c.args);
        EXPECT_EQ(r.code, 2);
        EXPECT_NE(r.err.find(c.part), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    // A tensor of the wrong shape: named with both shapes.
    nlohmann::json cfg = hf_config_json(s);
    cfg["n_inner"] = 80;
    std::ofstream(dir / "m" / "config.json") << cfg.dump();
    const CliRun r = run_cli("export --model " + m + " --ids 1" + out);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("\"h.0.mlp.c_fc.weight\" has shape [32, 64] but the config needs [32, 80]"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
}  // namespace attnviz::test
