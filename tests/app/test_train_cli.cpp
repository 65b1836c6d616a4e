// `attnviz train`: a short headless run prints its progress, writes a model folder that `export
// --model` then runs, with metrics.csv and metrics.json beside it; bad flags exit 2 with one line
// naming the flag, and write nothing.
#include "tests/app/app_test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace attnviz::test {
namespace {

using nlohmann::json;

TEST(TrainCli, TrainsWritesTheFolderAndExportOpensIt) {
    TempDir dir;
    const std::string m = shell_quote((dir / "m").string());
    CliRun r = run_cli("train --task copy --layers 1 --heads 2 --d-model 16 --steps 30 --log-every 10 --seed 3 --out " + m);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 5) << "steps 0, 10, 20, 30 and the summary:\n" << r.out;
    EXPECT_NE(r.out.find("step    30/30  loss "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("attnviz train: wrote "), std::string::npos) << r.out;
    const json cfg = json::parse(read_file(dir / "m" / "config.json"));
    EXPECT_EQ(cfg["model_type"], "attnviz");
    EXPECT_EQ(cfg["num_hidden_layers"], 1);
    EXPECT_EQ(cfg["attnviz_training"]["task"], "copy");
    EXPECT_EQ(cfg["attnviz_training"]["steps_done"], 30);
    const json metrics = json::parse(read_file(dir / "m" / "metrics.json"));
    EXPECT_EQ(metrics["rows"].size(), 4u);
    EXPECT_EQ(metrics["columns"][0], "step");

    // The vocabulary: 16 common words and "|"; ids 0 … 16.
    r = run_cli("export --model " + m + " --ids 0,1,2,16,0,1 --out " + shell_quote((dir / "x").string()) + " --no-heatmaps");
    ASSERT_EQ(r.code, 0) << r.err;
    const json t = json::parse(read_file(dir / "x" / "trace.json"));
    EXPECT_EQ(t["tokens"], json({"the", "of", "and", "|", "the", "of"}));
    EXPECT_EQ(t["vocab_size"], 17);

    // Training again into the same folder replaces it.
    r = run_cli("train --task copy --layers 1 --heads 2 --d-model 16 --steps 5 --quiet --out " + m);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    EXPECT_EQ(json::parse(read_file(dir / "m" / "config.json"))["attnviz_training"]["steps_done"], 5);
}

TEST(TrainCli, BadFlagsExitTwoWithOneLineNamingTheFlag) {
    TempDir dir;
    const std::string out = " --out " + shell_quote((dir / "m").string());
    const std::pair<std::string, std::string> cases[] = {
        {"--task bogus", "task=bogus must be one of induction|copy|reverse|sort|text"},
        {"--heads 3", "heads=3 must divide d-model=32"},
        {"--layers 9", "layers=9 must be in [1, 4]"},
        {"--mlp swiglu", "mlp=swiglu cannot be trained"},
        {"--task text", "the text task needs a text"},
        {"--seed -1", "seed"},
        {"--checkpoint-memory lots", "checkpoint-memory=lots must be a size in bytes"},
        {"--task text --text-file " + shell_quote((dir / "missing.txt").string()), "cannot read"},
    };
    for (const auto& [flags, message] : cases) {
        const CliRun r = run_cli("train " + flags + out);
        EXPECT_EQ(r.code, 2) << flags;
        EXPECT_NE(r.err.find(message), std::string::npos) << flags << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << flags << ": " << r.err;
        EXPECT_FALSE(fs::exists(dir / "m")) << flags;
    }
    const CliRun r = run_cli("train --steps 2");
    EXPECT_EQ(r.code, 2) << "--out is required";
}

}  // namespace
}  // namespace attnviz::test
