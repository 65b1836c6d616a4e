// `attnviz export` end to end: the real executable, the files it writes, its exit codes and its one
// line of error; plus the in-process pieces it is made of (export_trace, cell size, PNG encoding).
#include "app/export_command.hpp"
#include "core/attention.hpp"
#include "core/heatmap_image.hpp"
#include "core/io/config_json.hpp"
#include "core/io/png_writer.hpp"
#include "core/io/safetensors.hpp"
#include "core/io/trace_csv.hpp"
#include "core/io/trace_json.hpp"
#include "tests/app/app_test_helpers.hpp"
#include "tests/core/test_helpers.hpp"

#include <gtest/gtest.h>
#include <stb_image.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <tuple>

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::entries;
using test::run_cli;
using test::shell_quote;
using test::TempDir;

const std::string kSelfFlags =
    "--text 'the cat <pad> sat on the mat' --tokenize word --d-model 32 --heads 8 --kv-heads 2 --d-k 6 --d-v 10 "
    "--seed 7 --pos rope --rope-base 500 --rope-style half --scale linear --temperature 2 --causal --window 3 "
    "--padding 0";
const std::string kCrossFlags =
    "--text sat --tokenize char --d-model 24 --heads 6 --kv-heads 3 --d-k 4 --d-v 2 --seed 18446744073709551615 "
    "--pos learned --rope-base 12345.5 --rope-style half --scale none --temperature 0.25 --padding 1 --source chat";

std::string out_flag(const fs::path& p) { return " --out " + shell_quote(p.string()); }

// The heatmaps export_trace draws for head a, encoded the same way.
std::string expected_png(const Trace& t, int a, bool weights) {
    HeatmapStyle style;
    style.cell_px = export_cell_px(t.n, t.m);
    const auto ua = static_cast<std::size_t>(a);
    if (weights) {
        style.map = ColorMap::Viridis;
        style.lo = 0.0f;
        style.hi = 1.0f;
        return encode_png(render_heatmap(t.weights[ua], &t.mask, style));
    }
    style.map = ColorMap::Diverging;
    std::tie(style.lo, style.hi) = symmetric_range(t.scores[ua], &t.mask);
    return encode_png(render_heatmap(t.scores[ua], &t.mask, style));
}

std::vector<std::string> png_names(int heads) {
    std::vector<std::string> out;
    for (int a = 0; a < heads; ++a) {
        out.push_back("scores_head" + std::to_string(a) + ".png");
        out.push_back("weights_head" + std::to_string(a) + ".png");
    }
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

bool no_staging_left(const fs::path& dir) {
    for (const std::string& name : entries(dir))
        if (name.find(".attnviz-staging") != std::string::npos) return false;
    return true;
}

const std::string kPngMagic("\x89PNG\r\n\x1a\n", 8);

// Version 2 starts with version 1's document byte for byte, up to and with "diagnostics" (only the
// version number says 2); the stack's sections follow. `v1` is trace_to_json or trace_summary_json
// of layer 0's trace.
void expect_version1_document_first(const std::string& text, std::string v1) {
    ASSERT_EQ(v1.substr(v1.size() - 2), "}\n");
    v1.resize(v1.size() - 2);
    EXPECT_TRUE(text.compare(0, v1.size(), v1) == 0) << "the version-1 part differs";
    EXPECT_EQ(text.substr(v1.size(), 2), ",\"");
    const json j = json::parse(text);
    EXPECT_EQ(j["version"], 2);
    for (const char* key : {"stack", "vocab_size", "next_token", "logits", "logit_lens", "head_scores", "layers"})
        EXPECT_TRUE(j.contains(key)) << key;
}

TEST(ExportCli, DefaultExportWritesTraceJsonAndTwoPngsPerHead) {
    TempDir dir;
    const fs::path out = dir / "out";
    const test::CliRun r = run_cli("export --text 'the cat sat on the mat'" + out_flag(out));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, "attnviz export: wrote 9 files to " + out.string() + "\n");
    std::vector<std::string> expected = png_names(4);  // default: 4 heads
    expected.push_back("trace.json");
    EXPECT_EQ(entries(out), sorted(expected));
    EXPECT_TRUE(no_staging_left(dir.path()));

    // Byte for byte what the library writes for the same options.
    Config c;
    c.text = "the cat sat on the mat";
    const Trace t = run(c);
    expect_version1_document_first(read_file(out / "trace.json"), trace_to_json(t));
    for (int a = 0; a < 4; ++a) {
        SCOPED_TRACE(a);
        const std::string w = read_file(out / ("weights_head" + std::to_string(a) + ".png"));
        const std::string s = read_file(out / ("scores_head" + std::to_string(a) + ".png"));
        EXPECT_EQ(w.substr(0, 8), kPngMagic);
        EXPECT_EQ(s.substr(0, 8), kPngMagic);
        EXPECT_EQ(w, expected_png(t, a, true));
        EXPECT_EQ(s, expected_png(t, a, false));
    }
    // The PNG decodes to the rendered pixels: 6×6 cells of 24 px plus margins and the colour bar.
    HeatmapStyle style;
    style.cell_px = 24;
    const Image img = render_heatmap(t.weights[0], &t.mask, style);
    const std::string w0 = read_file(out / "weights_head0.png");
    int width = 0, height = 0, channels = 0;
    unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(w0.data()),
                                              static_cast<int>(w0.size()), &width, &height, &channels, 4);
    ASSERT_NE(px, nullptr);
    EXPECT_EQ(width, img.width);
    EXPECT_EQ(height, img.height);
    EXPECT_GE(width, 6 * 24);
    EXPECT_TRUE(std::equal(img.rgba.begin(), img.rgba.end(), px));
    stbi_image_free(px);
}

TEST(ExportCli, EveryFlagIsAcceptedAndReflectedInTraceJson) {
    TempDir dir;
    const test::CliRun r = run_cli("export " + kSelfFlags + " --format json" + out_flag(dir / "self"));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = read_file(dir / "self" / "trace.json");
    // Identical to the library's trace for self_config(): every flag landed in its field.
    expect_version1_document_first(text, trace_to_json(run(test::self_config())));
    const json c = json::parse(text)["config"];
    EXPECT_EQ(c, json::parse(R"({"text":"the cat <pad> sat on the mat","tokenize":"word","d_model":32,"n_heads":8,
        "n_kv_heads":2,"d_k":6,"d_v":10,"seed":7,"positional":"rope","rope_base":500.0,"rope_style":"half",
        "scale":"linear","temperature":2.0,"causal":true,"window":3,"padding":[0,2],"source":""})"));
    EXPECT_EQ(entries(dir / "self").size(), 1u + 2 * 8);  // trace.json + 8 heads × 2 PNGs
}

TEST(ExportCli, SourceAndCharFlagsAreReflectedInTraceJson) {
    TempDir dir;
    const test::CliRun r = run_cli("export " + kCrossFlags + out_flag(dir / "cross"));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = read_file(dir / "cross" / "trace.json");
    expect_version1_document_first(text, trace_to_json(run(test::cross_config())));
    const json j = json::parse(text);
    EXPECT_EQ(j["config"], json::parse(R"({"text":"sat","tokenize":"char","d_model":24,"n_heads":6,"n_kv_heads":3,
        "d_k":4,"d_v":2,"seed":18446744073709551615,"positional":"learned","rope_base":12345.5,"rope_style":"half",
        "scale":"none","temperature":0.25,"causal":false,"window":0,"padding":[1],"source":"chat"})"));
    EXPECT_EQ(j["source_tokens"], (json{"c", "h", "a", "t"}));
    EXPECT_EQ(j["tensors"]["X_in_source"]["shape"], (json{4, 24}));
    std::vector<std::string> expected = png_names(6);
    expected.push_back("trace.json");
    EXPECT_EQ(entries(dir / "cross"), sorted(expected));
}

TEST(ExportCli, HelpListsEveryFlagAndExitsZero) {
    const test::CliRun r = run_cli("export --help");
    EXPECT_EQ(r.code, 0);
    for (const char* flag : {"--text", "--tokenize", "--d-model", "--heads", "--kv-heads", "--d-k", "--d-v", "--seed",
                             "--pos", "--rope-base", "--rope-style", "--scale", "--temperature", "--causal", "--window",
                             "--padding", "--source", "--format", "--out", "--max-output", "--no-heatmaps"})
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

TEST(ExportCli, CsvWritesOneFilePerTensorWithItsShape) {
    for (const auto& [flags, config] : {std::pair{kSelfFlags, test::self_config()}, std::pair{kCrossFlags, test::cross_config()}}) {
        SCOPED_TRACE(flags);
        TempDir dir;
        const fs::path out = dir / "csv";
        const test::CliRun r = run_cli("export " + flags + " --format csv" + out_flag(out));
        ASSERT_EQ(r.code, 0) << r.err;
        const Trace t = run(config);
        std::vector<std::string> expected = png_names(t.config.n_heads);
        expected.push_back("config.json");
        expected.push_back("tokens.csv");
        if (t.config.cross()) expected.push_back("source_tokens.csv");
        for (const NamedTensor& nt : named_tensors(t)) {
            expected.push_back(nt.name + ".csv");
            EXPECT_EQ(read_file(out / (nt.name + ".csv")), tensor_to_csv(nt)) << nt.name;
        }
        EXPECT_EQ(entries(out), sorted(expected));  // and no trace.json
        EXPECT_EQ(read_file(out / "config.json"), config_to_json(t.config).dump(2) + "\n");
        EXPECT_EQ(read_file(out / "tokens.csv"), tokens_to_csv(t.tokens));
        if (t.config.cross()) EXPECT_EQ(read_file(out / "source_tokens.csv"), "index,token\n0,\"c\"\n1,\"h\"\n2,\"a\"\n3,\"t\"\n");
    }
    // Pinned by hand for the self config: weights is [8, 7, 7]; logits row 0 is fully masked.
    TempDir dir;
    ASSERT_EQ(run_cli("export " + kSelfFlags + " --format csv" + out_flag(dir.path())).code, 0);
    const std::string w = read_file(dir / "weights.csv");
    EXPECT_EQ(w.substr(0, w.find('\n')), "# weights shape=[8,7,7]");
    EXPECT_EQ(std::count(w.begin(), w.end(), '\n'), 1 + 8 * 7);
    const std::string z = read_file(dir / "logits.csv");
    EXPECT_EQ(z.substr(0, z.find('\n') + 8), "# logits shape=[8,7,7]\n,,,,,,\n");
}

struct BadCase {
    std::string args;
    std::string first_line;  // the message, exactly
    bool usage_hint;         // CLI11's parse errors add "Run with --help for more information."
};

const std::vector<BadCase>& bad_cases() {
    static const std::vector<BadCase> cases = {
        {"--bogus", "The following argument was not expected: --bogus", true},
        {"--heads abc", "Could not convert: --heads = abc", true},
        {"--heads 8 --kv-heads 3", "attnviz export: n_kv_heads=3 must divide n_heads=8", false},
        {"--pos foo", "attnviz export: positional=foo must be one of none|sinusoidal|learned|rope|alibi", false},
        {"--tokenize bpe", "attnviz export: tokenize=bpe must be one of word|char", false},
        {"--rope-style spiral", "attnviz export: rope_style=spiral must be one of interleaved|half", false},
        {"--scale log", "attnviz export: scale=log must be one of sqrt|linear|none", false},
        {"--format xml", "attnviz export: format=xml must be one of json|csv|safetensors", false},
        {"--max-output 2X", "attnviz export: max_output=2X must be a size in bytes, e.g. 4G, 512M or 1000000", false},
        {"--temperature 0", "attnviz export: temperature=0 must be a finite number between 1e-06 and 1e+06", false},
        {"--text ''", "attnviz export: text is empty: type at least one token", false},
        // 1/T overflowed float below ~3e-39 and every weight became null.
        {"--temperature 1e-300", "attnviz export: temperature=1e-300 must be a finite number between 1e-06 and 1e+06", false},
        {"--temperature 1e-38", "attnviz export: temperature=1e-38 must be a finite number between 1e-06 and 1e+06", false},
        {"--temperature 1e-45", "attnviz export: temperature=1e-45 must be a finite number between 1e-06 and 1e+06", false},
        // Both used to wrap to 18446744073709551615.
        {"--seed -1", "attnviz export: seed=-1 must be an unsigned 64-bit integer (0 to 18446744073709551615)", false},
        {"--seed 99999999999999999999999",
         "attnviz export: seed=99999999999999999999999 must be an unsigned 64-bit integer (0 to 18446744073709551615)",
         false},
        {"--seed 1e3", "attnviz export: seed=1e3 must be an unsigned 64-bit integer (0 to 18446744073709551615)", false},
        // prefill + steps overflowed int and the bound check passed: std::bad_alloc, exit 1.
        {"--text 'a b c d' --prefill 2 --decode-steps 2147483647",
         "attnviz export: decode_steps=2147483647 with prefill=2 must satisfy 0 <= steps and prefill + steps <= 4 "
         "(the tokens of the text)",
         false},
        {"--padding 9", "attnviz export: padding=9 is past the last token (index 5)", false},
        {"--padding x", "attnviz export: padding: 'x' is not a token index (0..4096)", false},
        {"--d-k 7 --pos rope",
         "attnviz export: d_k=7 must be even with positional=rope (RoPE rotates pairs of dimensions)", false},
        {"--source chat --causal",
         "attnviz export: causal=true cannot be combined with a source text: in cross-attention every query may read "
         "the whole source",
         false},
        {"--source chat --pos alibi",
         "attnviz export: positional=alibi cannot be combined with a source text: ALiBi's distance bias compares "
         "positions within one sequence",
         false},
    };
    return cases;
}

void expect_one_message(const test::CliRun& r, const BadCase& c) {
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, c.first_line + "\n" + (c.usage_hint ? "Run with --help for more information.\n" : ""));
}

TEST(ExportCli, BadInputExitsTwoWithOneMessageAndLeavesExistingDirByteIdentical) {
    TempDir dir;
    const fs::path out = dir / "keep";
    fs::create_directories(out / "sub");
    test::write_text(out / "trace.json", "old trace");
    test::write_text(out / "sentinel.txt", "mine");
    test::write_text(out / "sub" / "nested.bin", std::string("\0\1\2", 3));
    const auto before = test::snapshot(out);
    ASSERT_EQ(before.size(), 4u);
    for (const BadCase& c : bad_cases()) {
        SCOPED_TRACE(c.args);
        expect_one_message(run_cli("export " + c.args + out_flag(out)), c);
        EXPECT_EQ(test::snapshot(out), before);
        EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"keep"}));  // no staging beside it either
    }
}

TEST(ExportCli, BadInputIntoAMissingDirDoesNotCreateIt) {
    TempDir dir;
    for (const BadCase& c : bad_cases()) {
        SCOPED_TRACE(c.args);
        expect_one_message(run_cli("export " + c.args + out_flag(dir / "new")), c);
        EXPECT_TRUE(entries(dir.path()).empty());
    }
}

TEST(ExportCli, MissingOutIsAUsageError) {
    const test::CliRun r = run_cli("export --text 'a b'");
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_EQ(r.err, "--out is required\nRun with --help for more information.\n");
}

TEST(ExportCli, UnwritableDirExitsTwoNamingThePathAndCreatesNothing) {
    TempDir dir;
    const fs::path file = dir / "file";
    test::write_text(file, "x");
    const test::CliRun under_file = run_cli("export" + out_flag(file / "sub"));
    EXPECT_EQ(under_file.code, kExitBadInput);
    EXPECT_EQ(under_file.err, "attnviz export: cannot create " + (file / "sub").string() + ": parent " +
                                  file.string() + " is not a directory\n");
    const test::CliRun is_file = run_cli("export" + out_flag(file));
    EXPECT_EQ(is_file.code, kExitBadInput);
    EXPECT_EQ(is_file.err,
              "attnviz export: cannot write into " + file.string() + ": it exists and is not a directory\n");
    const test::CliRun no_parent = run_cli("export" + out_flag(dir / "no" / "such" / "dir"));
    EXPECT_EQ(no_parent.code, kExitBadInput);
    EXPECT_EQ(no_parent.err, "attnviz export: cannot create " + (dir / "no" / "such" / "dir").string() +
                                 ": parent " + (dir / "no" / "such").string() + " does not exist\n");
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"file"}));
    EXPECT_EQ(read_file(file), "x");
}

TEST(ExportCli, ReadOnlyDirExitsTwoWhenPermissionsApply) {
    if (::geteuid() == 0) GTEST_SKIP() << "running as root: chmod 0555 does not block writes";
    TempDir dir;
    const fs::path ro = dir / "ro";
    fs::create_directory(ro);
    test::write_text(ro / "trace.json", "old");
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    const test::CliRun r = run_cli("export" + out_flag(ro));
    fs::permissions(ro, fs::perms::owner_all);
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_EQ(r.err.rfind("attnviz export: cannot write into " + ro.string() + ": ", 0), 0u) << r.err;
    EXPECT_EQ(entries(ro), (std::vector<std::string>{"trace.json"}));
}

TEST(ExportCli, ADirectoryInTheWayFailsBeforeAnyFileIsReplaced) {
    // The last file export writes is scores_head3.png; a directory there makes the commit fail
    // after every file was staged. trace.json and the other PNGs must not have been moved in.
    TempDir dir;
    test::write_text(dir / "trace.json", "old trace");
    fs::create_directory(dir / "scores_head3.png");
    test::write_text(dir / "scores_head3.png" / "inner", "x");
    const auto before = test::snapshot(dir.path());
    const test::CliRun r = run_cli("export" + out_flag(dir.path()));
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_EQ(r.err, "attnviz export: cannot write " + (dir / "scores_head3.png").string() +
                         ": a directory of that name is in the way\n");
    EXPECT_EQ(test::snapshot(dir.path()), before);
}

TEST(ExportCli, ExportOverAnEarlierExportReplacesItWhole) {
    TempDir dir;
    const fs::path out = dir / "out";
    ASSERT_EQ(run_cli("export --text 'a b c' --heads 4 --format csv" + out_flag(out)).code, 0);
    const test::CliRun r = run_cli("export --text 'a b' --heads 1 --d-model 4" + out_flag(out));
    ASSERT_EQ(r.code, 0) << r.err;
    Config c;
    c.text = "a b";
    c.n_heads = 1;
    c.d_model = 4;
    expect_version1_document_first(read_file(out / "trace.json"), trace_to_json(run(c)));
    // The CSV files and heads 1 to 3 of the first export are gone: the folder never mixes two exports.
    EXPECT_EQ(entries(out), (std::vector<std::string>{"scores_head0.png", "trace.json", "weights_head0.png"}));
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"out"}));
}

TEST(ExportCli, ADirHoldingOtherFilesIsRefusedAndLeftAsItWas) {
    TempDir dir;
    test::write_text(dir / "notes.txt", "mine");
    test::write_text(dir / "trace.json", "old trace");
    fs::create_directory(dir / "sub");
    test::write_text(dir / "sub" / "keep", "k");
    const auto before = test::snapshot(dir.path());
    const test::CliRun r = run_cli("export --text 'a b' --heads 1 --d-model 4" + out_flag(dir.path()));
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_EQ(r.err, "attnviz export: cannot replace " + dir.path().string() +
                         ": it holds notes.txt, which is not an export file; move it away or choose another --out\n");
    EXPECT_EQ(test::snapshot(dir.path()), before);
}

TEST(ExportCli, StagingLeftByAKilledExportIsRemovedByTheNext) {
    const pid_t child = ::fork();  // a pid that ran and is gone
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    TempDir dir;
    const fs::path out = dir / "out";
    fs::create_directory(out);
    const fs::path beside = dir / ("out.attnviz-staging-" + std::to_string(child) + "-0");
    const fs::path inside = out / (".attnviz-staging-" + std::to_string(child) + "-1");  // older versions
    for (const fs::path& p : {beside, inside}) {
        fs::create_directory(p);
        test::write_text(p / "weights.csv", "half written");
    }
    const test::CliRun r = run_cli("export --text 'a b' --heads 1 --d-model 4" + out_flag(out));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"out"}));
    EXPECT_EQ(entries(out), (std::vector<std::string>{"scores_head0.png", "trace.json", "weights_head0.png"}));
}

TEST(ExportCli, AnExportKilledMidWriteLeavesStagingThatTheNextExportRemoves) {
    // The reported failure itself: kill -9 while the trace is being written (an 81 MiB export,
    // killed as soon as its staging directory exists), then export again into the same DIR.
    TempDir dir;
    const fs::path out = dir / "out";
    ASSERT_EQ(run_cli("export --text 'a b' --heads 1 --d-model 4" + out_flag(out)).code, 0);
    const pid_t child = ::fork();
    if (child == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execl(ATTNVIZ_EXE, ATTNVIZ_EXE, "export", "--text", "a b", "--d-model", "2304", "--format", "safetensors",
                "--out", out.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ASSERT_GT(child, 0);
    const std::string staging = "out.attnviz-staging-" + std::to_string(child) + "-0";
    for (int k = 0; k < 2000 && !fs::exists(dir / staging); ++k) ::usleep(5000);
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the export finished before it could be killed";
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"out", staging}));  // left behind, as reported
    EXPECT_EQ(entries(out), (std::vector<std::string>{"scores_head0.png", "trace.json", "weights_head0.png"}));
    ASSERT_EQ(run_cli("export --text 'a b c' --heads 1 --d-model 4" + out_flag(out)).code, 0);
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"out"}));
}

TEST(Export, ExportFilesAreRecognisedAndOthersAreNot) {
    for (const Config& c : {test::self_config(), test::cross_config()})
        for (const NamedTensor& nt : named_tensors(run(c))) EXPECT_TRUE(is_export_file(nt.name + ".csv")) << nt.name;
    Config alibi;
    alibi.positional = Positional::Alibi;
    for (const NamedTensor& nt : named_tensors(run(alibi))) EXPECT_TRUE(is_export_file(nt.name + ".csv")) << nt.name;
    for (const char* yes : {"trace.json", "config.json", "tokens.csv", "source_tokens.csv", "weights_head0.png",
                            "scores_head63.png"})
        EXPECT_TRUE(is_export_file(yes)) << yes;
    for (const char* no : {"notes.txt", "data.csv", "weights_head.png", "weights_headx.png", "scores_head1.png.bak",
                           ".attnviz-staging-1-0", "trace.json~"})
        EXPECT_FALSE(is_export_file(no)) << no;
}

TEST(ExportCli, TrailingSlashOnANewDirIsTheSameDir) {
    TempDir dir;
    const test::CliRun r = run_cli("export --text 'a b' --heads 1 --d-model 4 --out " +
                                   shell_quote((dir / "new").string() + "/"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"new"}));
    EXPECT_EQ(entries(dir / "new"), (std::vector<std::string>{"scores_head0.png", "trace.json", "weights_head0.png"}));
}

// ---- in-process pieces ---------------------------------------------------------

TEST(Export, CellSizeKeepsTheGridNear480PixelsWithin2To24) {
    EXPECT_EQ(export_cell_px(0, 0), 24);     // 480 / 1, clamped
    EXPECT_EQ(export_cell_px(6, 6), 24);     // 80, clamped
    EXPECT_EQ(export_cell_px(20, 20), 24);
    EXPECT_EQ(export_cell_px(40, 40), 12);
    EXPECT_EQ(export_cell_px(3, 100), 4);    // the larger side decides
    EXPECT_EQ(export_cell_px(100, 3), 4);
    EXPECT_EQ(export_cell_px(240, 1), 2);
    EXPECT_EQ(export_cell_px(4096, 4096), 2);  // 0, clamped
}

TEST(Export, FormatParsesJsonCsvAndSafetensorsOnly) {
    EXPECT_EQ(parse_export_format("json"), ExportFormat::Json);
    EXPECT_EQ(parse_export_format("csv"), ExportFormat::Csv);
    EXPECT_EQ(parse_export_format("safetensors"), ExportFormat::Safetensors);
    EXPECT_TRUE(test::throws_config_error([] { parse_export_format("JSON"); }, "format",
                                          {"format=JSON must be one of json|csv|safetensors"}));
    EXPECT_TRUE(test::throws_config_error([] { parse_export_format(""); }, "format"));
}

TEST(Export, ExportTraceReturnsFilesInWriteOrderAndAddsInferenceSections) {
    TempDir dir;
    ExportRequest req;
    req.config = test::self_config();
    req.out = dir / "x";
    req.decode = ExportRequest::Decode{3, 4};
    req.tiles = ExportRequest::Tiles{3, 2};
    const std::vector<std::string> names = export_trace(req);
    std::vector<std::string> expected = {"trace.json"};
    for (int a = 0; a < 8; ++a) {
        expected.push_back("weights_head" + std::to_string(a) + ".png");
        expected.push_back("scores_head" + std::to_string(a) + ".png");
    }
    EXPECT_EQ(names, expected);
    const LoadedTrace lt = trace_from_json(read_file(dir / "x" / "trace.json"));
    EXPECT_EQ(lt.extra["decode"]["steps"].size(), 4u);
    EXPECT_EQ(lt.extra["tiles"]["heads"].size(), 8u);
}

TEST(Export, ExportTraceThrowsBeforeTouchingTheDisk) {
    TempDir dir;
    ExportRequest req;
    req.config.n_heads = 8;
    req.config.n_kv_heads = 3;
    req.out = dir / "x";
    EXPECT_TRUE(test::throws_config_error([&] { export_trace(req); }, "n_kv_heads", {"n_kv_heads=3 must divide n_heads=8"}));
    req.config = Config{};
    req.out = "";
    EXPECT_THROW(export_trace(req), IoError);
    EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(ExportCli, SafetensorsHoldsEveryTensorOfTraceJsonBitForBit) {
    for (const auto& [flags, config] : {std::pair{kSelfFlags, test::self_config()}, std::pair{kCrossFlags, test::cross_config()}}) {
        SCOPED_TRACE(flags);
        TempDir dir;
        const fs::path out = dir / "st";
        const test::CliRun r = run_cli("export " + flags + " --format safetensors" + out_flag(out));
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(r.err, "");
        const Trace t = run(config);
        std::vector<std::string> expected = png_names(t.config.n_heads);
        expected.push_back("trace.json");
        expected.push_back("trace.safetensors");
        EXPECT_EQ(entries(out), sorted(expected));
        expect_version1_document_first(read_file(out / "trace.json"), trace_summary_json(t, "trace.safetensors"));
        const SafetensorsFile f = open_safetensors(out / "trace.safetensors");
        EXPECT_EQ(f.metadata(), (std::map<std::string, std::string>{{"format", "attnviz-trace"}, {"version", "2"}}));
        // Layer 0's attention at the top level, then again as layers.0.NAME with the residual stream.
        const std::vector<NamedTensor> all = named_tensors(t);
        ASSERT_EQ(f.tensors().size(), 2 * all.size() + 3);
        for (std::size_t k = 0; k < 2 * all.size(); ++k) {
            const NamedTensor& nt = all[k % all.size()];
            const std::string name = k < all.size() ? nt.name : "layers.0." + nt.name;
            SCOPED_TRACE(name);
            const TensorInfo& info = f.at(name);
            EXPECT_EQ(f.tensors()[k].name, name);  // laid out in pipeline order
            EXPECT_EQ(info.dtype, Dtype::F32);
            EXPECT_EQ(info.shape, std::vector<std::int64_t>(nt.shape.begin(), nt.shape.end()));
            const std::vector<float> back = f.to_float(info);
            ASSERT_EQ(back.size(), nt.data.size());
            EXPECT_EQ(std::memcmp(back.data(), nt.data.data(), back.size() * sizeof(float)), 0);  // −∞ stays −∞
        }
        for (const char* name : {"layers.0.resid_pre", "layers.0.resid_mid", "layers.0.resid_post"})
            EXPECT_EQ(f.at(name).shape, (std::vector<std::int64_t>{t.n, t.config.d_model})) << name;
    }
}

TEST(ExportCli, NoHeatmapsWritesTheTraceFilesOnly) {
    TempDir dir;
    const test::CliRun r = run_cli("export --text 'a b' --format safetensors --no-heatmaps" + out_flag(dir / "st"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "attnviz export: wrote 2 files to " + (dir / "st").string() + "\n");
    EXPECT_EQ(entries(dir / "st"), (std::vector<std::string>{"trace.json", "trace.safetensors"}));
}

TEST(ExportCli, SafetensorsKeepsDecodeAndTilesInTraceJson) {
    TempDir dir;
    const test::CliRun r = run_cli("export " + kSelfFlags + " --format safetensors --decode-steps 2 --prefill 3 --tiled" +
                                   out_flag(dir / "st"));
    ASSERT_EQ(r.code, 0) << r.err;
    const json j = json::parse(read_file(dir / "st" / "trace.json"));
    EXPECT_EQ(j["tensors_file"], "trace.safetensors");
    EXPECT_FALSE(j.contains("tensors"));
    EXPECT_EQ(j["decode"]["steps"].size(), 2u);
    EXPECT_EQ(j["tiles"]["heads"].size(), 8u);
}

TEST(ExportCli, AnExportAboveMaxOutputIsRefusedNamingTheEstimateAndTheLimit) {
    TempDir dir;
    // Small: the estimate is exact, so it is the size of what an export writes.
    ASSERT_EQ(run_cli("export --text 'the cat sat on the mat' --no-heatmaps" + out_flag(dir / "j")).code, 0);
    ASSERT_EQ(run_cli("export --text 'the cat sat on the mat' --no-heatmaps --format safetensors" + out_flag(dir / "s")).code, 0);
    const std::uint64_t json_bytes = fs::file_size(dir / "j" / "trace.json");
    const std::uint64_t st_bytes = fs::file_size(dir / "s" / "trace.json") + fs::file_size(dir / "s" / "trace.safetensors");
    fs::remove_all(dir / "j");
    fs::remove_all(dir / "s");
    const test::CliRun r = run_cli("export --text 'the cat sat on the mat' --max-output 1K" + out_flag(dir / "new"));
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "attnviz export: the export would write about " + format_bytes(json_bytes) +
                         ", above --max-output 1.00 KiB: pass a larger --max-output or use --format safetensors (" +
                         format_bytes(st_bytes) + ")\n");
    EXPECT_TRUE(entries(dir.path()).empty());
    // At the limit exactly it is written.
    EXPECT_EQ(run_cli("export --text 'the cat sat on the mat' --max-output " + std::to_string(json_bytes) +
                      out_flag(dir / "new")).code, 0);
    const test::CliRun st = run_cli("export --text 'the cat sat on the mat' --format safetensors --max-output 100" +
                                    out_flag(dir / "st"));
    EXPECT_EQ(st.err, "attnviz export: the export would write about " + format_bytes(st_bytes) +
                          ", above --max-output 100 bytes: pass a larger --max-output\n");
}

TEST(ExportCli, ALargeExportStatesItsSizeAndReportsProgressOnStderr) {
    // d_model 2304: the four weight matrices alone are 4 × 2304² floats = 81 MiB, over the 64 MiB
    // at which an export starts to report.
    TempDir dir;
    const fs::path out = dir / "big";
    const test::CliRun r = run_cli("export --text 'a b' --d-model 2304 --format safetensors" + out_flag(out));
    ASSERT_EQ(r.code, 0) << r.err;
    // Safetensors' estimate is exact: the size stated is the size written.
    const std::uint64_t bytes = fs::file_size(out / "trace.safetensors") + fs::file_size(out / "trace.json");
    const std::string first = "attnviz export: writing about " + format_bytes(bytes) + " to " + out.string() + "\n";
    ASSERT_EQ(r.err.substr(0, first.size()), first) << r.err;
    // Then one line per 10% (stderr is not a terminal here), the last below 100%.
    const std::string rest = r.err.substr(first.size());
    EXPECT_GE(std::count(rest.begin(), rest.end(), '\n'), 9) << rest;
    EXPECT_EQ(rest.rfind("attnviz export: 1% (", 0), 0u) << rest;
    EXPECT_NE(rest.find("attnviz export: 9"), std::string::npos) << rest;
    EXPECT_NE(rest.find(" of " + format_bytes(bytes) + ")\n"), std::string::npos) << rest;
}

TEST(Export, ByteSizesParseWithBinarySuffixesAndPrintWithThreeDigits) {
    EXPECT_EQ(parse_byte_size("100000"), 100000u);
    EXPECT_EQ(parse_byte_size("4G"), 4ull << 30);
    EXPECT_EQ(parse_byte_size("512M"), 512ull << 20);
    EXPECT_EQ(parse_byte_size("512m"), 512ull << 20);
    EXPECT_EQ(parse_byte_size("1.5G"), 3ull << 29);
    EXPECT_EQ(parse_byte_size("2GiB"), 2ull << 30);
    EXPECT_EQ(parse_byte_size("2GB"), 2ull << 30);
    EXPECT_EQ(parse_byte_size("1T"), 1ull << 40);
    EXPECT_EQ(parse_byte_size("0"), 0u);
    for (const char* bad : {"", "G", "abc", "1.2.3", "-1", "5X", "2 G", "1e9", ".5G", "99999999999T"})
        EXPECT_TRUE(test::throws_config_error([&] { parse_byte_size(bad); }, "max_output")) << bad;
    EXPECT_EQ(format_bytes(12), "12 bytes");
    EXPECT_EQ(format_bytes(1536), "1.50 KiB");
    EXPECT_EQ(format_bytes(100u << 20), "100 MiB");
    EXPECT_EQ(format_bytes(2386796544ull), "2.22 GiB");
    EXPECT_EQ(kDefaultMaxOutput, 4ull << 30);
}

TEST(PngWriter, EncodesPixelsThatDecodeBackExactly) {
    Image img;
    img.width = 3;
    img.height = 2;
    img.rgba = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255,  // red green blue
                0, 0, 0, 0, 128, 128, 128, 128, 255, 255, 255, 255};
    const std::string png = encode_png(img);
    EXPECT_EQ(png.substr(0, 8), kPngMagic);
    // IHDR: width and height big-endian at bytes 16 and 20.
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    EXPECT_EQ(static_cast<unsigned char>(png[19]), 3);
    EXPECT_EQ(static_cast<unsigned char>(png[23]), 2);
    int w = 0, h = 0, ch = 0;
    unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                                              static_cast<int>(png.size()), &w, &h, &ch, 4);
    ASSERT_NE(px, nullptr);
    EXPECT_EQ(w, 3);
    EXPECT_EQ(h, 2);
    EXPECT_TRUE(std::equal(img.rgba.begin(), img.rgba.end(), px));
    stbi_image_free(px);

    TempDir dir;
    write_png_atomic(dir / "a.png", img);
    EXPECT_EQ(read_file(dir / "a.png"), png);
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"a.png"}));
}

TEST(PngWriter, RefusesAnImageWhoseBufferDoesNotMatchItsSize) {
    Image bad;
    bad.width = 2;
    bad.height = 2;
    bad.rgba = {1, 2, 3};
    try {
        encode_png(bad);
        FAIL() << "encoded";
    } catch (const IoError& e) {
        EXPECT_STREQ(e.what(), "cannot encode PNG: image is 2x2 with 3 bytes");
    }
    EXPECT_THROW(encode_png(Image{}), IoError);
}

}  // namespace
}  // namespace attnviz
