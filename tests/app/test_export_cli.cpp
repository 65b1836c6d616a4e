// The headless CLI end to end: the real executable, its files and its exit codes.
#include <gtest/gtest.h>

#include "app/atomic_file.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace attnviz {
namespace {

namespace fs = std::filesystem;

struct CliRun {
    int code;
    std::string err;
};

CliRun attnviz_cli(const std::string& args) {
    const fs::path err = fs::temp_directory_path() / ("attnviz_err_" + std::to_string(::getpid()));
    const std::string cmd = std::string("'") + ATTNVIZ_EXE + "' " + args + " > /dev/null 2> '" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    CliRun r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(err)};
    fs::remove(err);
    return r;
}

class ExportCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("attnviz_cli_" + std::to_string(::getpid()) + "_" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    // Every file and its bytes, to prove a directory did not change.
    std::map<std::string, std::string> snapshot(const fs::path& p) {
        std::map<std::string, std::string> out;
        if (!fs::exists(p)) return out;
        for (const auto& e : fs::recursive_directory_iterator(p))
            out[e.path().lexically_relative(p).string()] = e.is_regular_file() ? read_file(e.path()) : "<dir>";
        return out;
    }
    fs::path dir;
};

TEST_F(ExportCli, WritesTraceAndHeatmapsForEveryFlag) {
    const fs::path out = dir / "out";
    const CliRun r = attnviz_cli("export --text 'the cat sat on the mat' --tokenize word --d-model 32 --heads 4 "
                              "--kv-heads 2 --d-k 8 --d-v 6 --seed 7 --pos rope --rope-base 500 --rope-style half "
                              "--scale linear --temperature 2 --causal --window 3 --padding 1 --format json --out '" +
                              out.string() + "'");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(read_file(out / "trace.json"));
    const auto& c = j["config"];
    EXPECT_EQ(c["d_model"], 32);
    EXPECT_EQ(c["n_heads"], 4);
    EXPECT_EQ(c["n_kv_heads"], 2);
    EXPECT_EQ(c["d_k"], 8);
    EXPECT_EQ(c["d_v"], 6);
    EXPECT_EQ(c["seed"], 7);
    EXPECT_EQ(c["positional"], "rope");
    EXPECT_EQ(c["rope_base"], 500.0);
    EXPECT_EQ(c["rope_style"], "half");
    EXPECT_EQ(c["scale"], "linear");
    EXPECT_EQ(c["temperature"], 2.0);
    EXPECT_EQ(c["causal"], true);
    EXPECT_EQ(c["window"], 3);
    EXPECT_EQ(c["padding"], (nlohmann::json{1}));
    EXPECT_EQ(j["tensors"]["V"]["shape"], (nlohmann::json{2, 6, 6}));
    for (int a = 0; a < 4; ++a) {
        for (const char* kind : {"weights", "scores"}) {
            const std::string png = read_file(out / (std::string(kind) + "_head" + std::to_string(a) + ".png"));
            ASSERT_GE(png.size(), 8u);
            EXPECT_EQ(png.substr(1, 3), "PNG");
        }
    }
}

TEST_F(ExportCli, CsvWritesOneFilePerTensorWithItsShape) {
    const fs::path out = dir / "csv";
    ASSERT_EQ(attnviz_cli("export --text 'a b c' --heads 2 --d-model 8 --causal --format csv --out '" + out.string() + "'").code, 0);
    const std::string w = read_file(out / "weights.csv");
    EXPECT_EQ(w.substr(0, w.find('\n')), "# weights shape=[2,3,3]");
    EXPECT_EQ(std::count(w.begin(), w.end(), '\n'), 1 + 2 * 3);
    const std::string logits = read_file(out / "logits.csv");
    // Row 0 of a causal mask: key 0 visible, keys 1 and 2 masked (empty cells).
    const std::string row0 = logits.substr(logits.find('\n') + 1, logits.find('\n', logits.find('\n') + 1) - logits.find('\n') - 1);
    EXPECT_EQ(row0.substr(row0.size() - 2), ",,");
}

TEST_F(ExportCli, BadInputExitsTwoWithOneMessageAndLeavesDirUntouched) {
    const fs::path out = dir / "keep";
    fs::create_directories(out);
    std::ofstream(out / "trace.json") << "old";
    std::ofstream(out / "notes.txt") << "mine";
    const auto before = snapshot(out);
    const std::string o = " --out '" + out.string() + "'";
    const std::pair<std::string, std::string> cases[] = {
        {"export --bogus" + o, "--bogus"},
        {"export --heads 8 --kv-heads 3" + o, "n_kv_heads=3 must divide n_heads=8"},
        {"export --pos foo" + o, "positional=foo must be one of"},
        {"export --format xml" + o, "format=xml must be one of json|csv"},
        {"export --temperature 0" + o, "temperature=0 must be finite, > 0"},
        {"export --text ''" + o, "text is empty"},
        {"export --padding 9" + o, "padding=9 is past the last token"},
    };
    for (const auto& [args, message] : cases) {
        SCOPED_TRACE(args);
        const CliRun r = attnviz_cli(args);
        EXPECT_EQ(r.code, 2);
        EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
        EXPECT_EQ(snapshot(out), before);
    }
}

TEST_F(ExportCli, UnwritableDirExitsTwoAndCreatesNothing) {
    std::ofstream(dir / "file") << "x";
    const CliRun under_file = attnviz_cli("export --out '" + (dir / "file" / "sub").string() + "'");
    EXPECT_EQ(under_file.code, 2);
    EXPECT_NE(under_file.err.find((dir / "file").string()), std::string::npos) << under_file.err;
    const CliRun missing_parent = attnviz_cli("export --out '" + (dir / "no" / "such" / "dir").string() + "'");
    EXPECT_EQ(missing_parent.code, 2);
    EXPECT_FALSE(fs::exists(dir / "no"));
    // Nothing left behind: no staging directories.
    for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "file");
}

TEST_F(ExportCli, SuccessfulExportIntoExistingDirKeepsUnrelatedFiles) {
    std::ofstream(dir / "notes.txt") << "mine";
    ASSERT_EQ(attnviz_cli("export --text 'a b' --heads 1 --d-model 4 --out '" + dir.string() + "'").code, 0);
    EXPECT_EQ(read_file(dir / "notes.txt"), "mine");
    EXPECT_TRUE(fs::exists(dir / "trace.json"));
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_EQ(e.path().filename().string().rfind(".attnviz-staging", 0), std::string::npos);
}

}  // namespace
}  // namespace attnviz
