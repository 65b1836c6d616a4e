// trace.json version 2: the whole stack around layer 0's attention (`attnviz export --layers ...`).
// In-process through export_trace where the numbers are compared, through the real executable for
// the flags and their one-line errors.
//
// Key: n tokens, d = d_model, V vocabulary size, f MLP width, L layers, h heads, K = --top-k.
#include "app/export_command.hpp"
#include "core/attention.hpp"
#include "core/io/trace_json.hpp"
#include "core/io/safetensors.hpp"
#include "tests/app/app_test_helpers.hpp"
#include "tests/core/test_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::run_cli;
using test::shell_quote;
using test::TempDir;

// Three pre-LN layers with LayerNorm and a GELU MLP over a causal sentence: n = 7, d = 32, h = 4,
// f = 4·d = 128.
ExportRequest stack_request(const fs::path& out) {
    ExportRequest req;
    req.config.text = "the cat sat on the mat today";
    req.config.d_model = 32;
    req.config.n_heads = 4;
    req.config.causal = true;
    req.arch.layers = 3;
    req.arch.mlp = MlpKind::Gelu;
    req.arch.norm = NormKind::Layer;
    req.heatmaps = false;
    req.out = out;
    return req;
}

std::string export_json(const ExportRequest& req) {
    export_trace(req);
    return read_file(req.out / "trace.json");
}

// Bit-for-bit equality of two tensors, reporting the first difference.
::testing::AssertionResult same_bits(const NamedTensor& a, const NamedTensor& b) {
    if (a.shape != b.shape) return ::testing::AssertionFailure() << a.name << ": shapes differ";
    for (std::size_t k = 0; k < a.data.size(); ++k) {
        if (test::bits(a.data[k]) != test::bits(b.data[k]))
            return ::testing::AssertionFailure() << a.name << "[" << k << "]: " << a.data[k] << " vs " << b.data[k];
    }
    return ::testing::AssertionSuccess();
}

const LoadedLayer& layer(const LoadedTrace& lt, std::size_t k) { return lt.layers.at(k); }

TEST(ExportStack, Version2HoldsEveryLayerWithVersion1NamesPlusTheResidualStream) {
    TempDir dir;
    const std::string text = export_json(stack_request(dir / "x"));
    const LoadedTrace lt = trace_from_json(text);
    EXPECT_EQ(lt.version, 2);
    const json j = json::parse(text);
    EXPECT_EQ(j["stack"], json::parse(R"({"layers":3,"mlp":"gelu","norm":"layer","ln":"pre","d_ff":128,
        "model_preset":"none","ablate":"","ablate_mode":"zero"})"));
    const int n = 7, d = 32, V = j["vocab_size"].get<int>();
    EXPECT_GT(V, 1000);  // the text's 6 distinct words, then the common words
    EXPECT_FALSE(j.contains("vocab"));  // only with --logits full
    ASSERT_EQ(lt.layers.size(), 3u);
    for (std::size_t l = 0; l < 3; ++l) {
        SCOPED_TRACE(l);
        EXPECT_EQ(layer(lt, l).layer, static_cast<int>(l));
        std::size_t attention = 0;
        for (const auto& [name, top] : lt.tensors) {
            ASSERT_TRUE(layer(lt, l).tensors.count(name)) << name;
            EXPECT_EQ(layer(lt, l).tensors.at(name).shape, top.shape) << name;
            ++attention;
        }
        const auto& ts = layer(lt, l).tensors;
        EXPECT_EQ(ts.size(), attention + 4);
        for (const char* name : {"resid_pre", "resid_mid", "resid_post"}) EXPECT_EQ(ts.at(name).shape, (std::vector<int>{n, d})) << name;
        EXPECT_EQ(ts.at("mlp_hidden").shape, (std::vector<int>{n, 128}));
    }
    // head_scores: five detectors of [L][h]; logit_lens [L][n]; next_token [n][5].
    for (const char* key : {"previous_token", "same_position", "first_token", "duplicate_token", "induction"}) {
        ASSERT_EQ(j["head_scores"][key].size(), 3u) << key;
        for (const json& row : j["head_scores"][key]) EXPECT_EQ(row.size(), 4u) << key;
    }
    ASSERT_EQ(j["logit_lens"].size(), 3u);
    for (const json& row : j["logit_lens"]) {
        ASSERT_EQ(row.size(), 7u);
        for (const char* key : {"top_id", "top_token", "top_prob", "final_rank", "final_prob"}) EXPECT_TRUE(row[0].contains(key)) << key;
    }
    // The last layer's lens is the model's own prediction: rank 0.
    for (const json& cell : j["logit_lens"][2]) EXPECT_EQ(cell["final_rank"], 0);
    ASSERT_EQ(j["next_token"].size(), 7u);
    EXPECT_EQ(j["next_token"][0].size(), 5u);
}

TEST(ExportStack, Layer0InLayersIsTheTopLevelTensorsAndEachLayerFeedsTheNext) {
    TempDir dir;
    const LoadedTrace lt = trace_from_json(export_json(stack_request(dir / "x")));
    ASSERT_EQ(lt.layers.size(), 3u);
    for (const auto& [name, top] : lt.tensors) EXPECT_TRUE(same_bits(layer(lt, 0).tensors.at(name), top));
    for (std::size_t l = 0; l + 1 < 3; ++l) {
        SCOPED_TRACE(l);
        EXPECT_TRUE(same_bits(layer(lt, l).tensors.at("resid_post"), layer(lt, l + 1).tensors.at("resid_pre")));
    }
    // Pre-LN: resid_mid = resid_pre + output, as floats add.
    const auto& L1 = layer(lt, 1).tensors;
    for (std::size_t k = 0; k < L1.at("resid_mid").data.size(); ++k)
        ASSERT_EQ(L1.at("resid_mid").data[k], L1.at("resid_pre").data[k] + L1.at("output").data[k]) << k;
}

TEST(ExportStack, ADroppedLayerExportsTheSameBytesAsAKeptOne) {
    // attention_budget 0 keeps layer 0's n×n stacks only: layers 1 and 2 are recomputed as they
    // are written. With a budget that holds them all, nothing is recomputed.
    for (ExportFormat format : {ExportFormat::Json, ExportFormat::Safetensors}) {
        TempDir dir;
        ExportRequest dropped = stack_request(dir / "dropped"), kept = stack_request(dir / "kept");
        dropped.format = kept.format = format;
        kept.attention_budget = std::size_t{1} << 30;
        std::uint64_t estimate_dropped = 0, estimate_kept = 0;
        dropped.on_progress = [&](std::uint64_t written, std::uint64_t e) { if (!written) estimate_dropped = e; };
        kept.on_progress = [&](std::uint64_t written, std::uint64_t e) { if (!written) estimate_kept = e; };
        export_trace(dropped);
        export_trace(kept);
        for (const char* f : {"trace.json", "trace.safetensors"}) {
            if (format == ExportFormat::Json && std::string(f) == "trace.safetensors") continue;
            EXPECT_EQ(read_file(dir / "dropped" / f), read_file(dir / "kept" / f)) << f;
        }
        // The size estimate: exact when every layer is kept (small tensors), within 1% when the
        // dropped layers stand in with layer 0's values; exact for safetensors either way.
        std::uint64_t written = 0;
        for (const auto& e : fs::directory_iterator(dir / "kept")) written += fs::file_size(e.path());
        EXPECT_EQ(estimate_kept, written);
        if (format == ExportFormat::Safetensors) EXPECT_EQ(estimate_dropped, written);
        EXPECT_NEAR(static_cast<double>(estimate_dropped) / static_cast<double>(written), 1.0, 0.01);
    }
}

TEST(ExportStack, LayersOutPicksLayersInTheOrderGiven) {
    TempDir dir;
    ExportRequest all = stack_request(dir / "all"), some = stack_request(dir / "some");
    some.layers_out = {2, 0};
    const LoadedTrace a = trace_from_json(export_json(all)), s = trace_from_json(export_json(some));
    ASSERT_EQ(s.layers.size(), 2u);
    EXPECT_EQ(s.layers[0].layer, 2);
    EXPECT_EQ(s.layers[1].layer, 0);
    for (const auto& [name, t] : s.layers[0].tensors) EXPECT_TRUE(same_bits(t, a.layers[2].tensors.at(name)));
    for (const auto& [name, t] : s.layers[1].tensors) EXPECT_TRUE(same_bits(t, a.layers[0].tensors.at(name)));
    EXPECT_EQ(parse_layers_out("all"), std::vector<int>{});
    EXPECT_EQ(parse_layers_out("0,5,11,5"), (std::vector<int>{0, 5, 11}));
    EXPECT_TRUE(test::throws_config_error([] { parse_layers_out("1,,2"); }, "layers-out",
                                          {"layers-out item '' must be a layer index: all, or a list such as 0,5,11"}));
}

TEST(ExportStack, LogitsNoneTopKAndFullAgreeWithTheProbabilities) {
    TempDir dir;
    ExportRequest none = stack_request(dir / "none"), topk = stack_request(dir / "topk"), full = stack_request(dir / "full");
    none.logits = LogitsExport::None;
    topk.top_k = 7;
    full.logits = LogitsExport::Full;
    full.top_k = 7;
    const json jn = json::parse(export_json(none)), jt = json::parse(export_json(topk)), jf = json::parse(export_json(full));
    EXPECT_FALSE(jn.contains("logits"));
    EXPECT_FALSE(jn.contains("vocab"));
    EXPECT_EQ(jn["next_token"][0].size(), 5u);  // the default k

    const int n = 7, V = jf["vocab_size"].get<int>();
    ASSERT_EQ(jf["logits"]["kind"], "full");
    ASSERT_EQ(jf["logits"]["shape"], (json{n, V}));
    ASSERT_EQ(jf["vocab"].size(), static_cast<std::size_t>(V));
    const std::vector<float> logits = jf["logits"]["data"].get<std::vector<float>>();
    ASSERT_EQ(logits.size(), static_cast<std::size_t>(n) * V);

    ASSERT_EQ(jt["logits"]["kind"], "top-k");
    EXPECT_EQ(jt["logits"]["top_k"], 7);
    EXPECT_EQ(jt["logits"]["shape"], (json{n, 7}));
    EXPECT_EQ(jt["next_token"], jf["next_token"]);
    double worst = 0;
    for (int i = 0; i < n; ++i) {
        SCOPED_TRACE(i);
        const float* row = logits.data() + static_cast<std::size_t>(i) * V;
        // softmax of the full logits in double, the max subtracted for stability only.
        double mx = row[0], z = 0;
        for (int v = 0; v < V; ++v) mx = std::max(mx, static_cast<double>(row[v]));
        for (int v = 0; v < V; ++v) z += std::exp(row[v] - mx);
        const json& next = jt["next_token"][static_cast<std::size_t>(i)];
        ASSERT_EQ(next.size(), 7u);
        for (std::size_t r = 0; r < 7; ++r) {
            const int id = next[r]["id"].get<int>();
            EXPECT_EQ(next[r]["token"], jf["vocab"][static_cast<std::size_t>(id)]);
            if (r) EXPECT_LE(next[r]["prob"].get<float>(), next[r - 1]["prob"].get<float>());
            worst = std::max(worst, std::abs(next[r]["prob"].get<double>() - std::exp(row[id] - mx) / z));
            EXPECT_EQ(jt["logits"]["ids"][static_cast<std::size_t>(i)][r], id);
            EXPECT_EQ(jt["logits"]["values"][static_cast<std::size_t>(i)][r].get<float>(), row[id]);
        }
        // Nothing outside the top 7 beats the 7th.
        const float seventh = row[next[6]["id"].get<int>()];
        int above = 0;
        for (int v = 0; v < V; ++v) above += row[v] > seventh;
        EXPECT_LE(above, 6);
    }
    std::printf("next_token prob vs softmax(full logits): max |difference| %.3g\n", worst);
    EXPECT_LT(worst, 1e-6);
}

TEST(ExportStack, TheInductionModelPredictsTheRepeatedToken) {
    TempDir dir;
    const fs::path out = dir / "ind";
    const test::CliRun r = run_cli("export --model-preset induction --text 'one two three four five one two three four five'"
                                   " --no-heatmaps --out " + shell_quote(out.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    const json j = json::parse(read_file(out / "trace.json"));
    EXPECT_EQ(j["stack"]["model_preset"], "induction");
    EXPECT_EQ(j["stack"]["layers"], 2);
    EXPECT_EQ(j["layers"].size(), 2u);
    // Positions 5..8 are the second copy's one..four: the next token is what followed last time.
    const std::vector<std::string> words = {"one", "two", "three", "four", "five"};
    for (int i = 5; i < 9; ++i) {
        SCOPED_TRACE(i);
        const json& top = j["next_token"][static_cast<std::size_t>(i)][0];
        EXPECT_EQ(top["token"], words[static_cast<std::size_t>(i - 4)]);
        EXPECT_GT(top["prob"].get<double>(), 0.5);
    }
    // Layer 1 holds the induction head, layer 0 the previous-token head.
    EXPECT_GT(j["head_scores"]["induction"][1][0].get<double>(), 0.9);
    EXPECT_GT(j["head_scores"]["previous_token"][0][0].get<double>(), 0.9);
}

TEST(ExportStack, AblationsAreRecordedAndChangeTheLaterLayers) {
    TempDir dir;
    ExportRequest base = stack_request(dir / "base"), abl = stack_request(dir / "abl");
    abl.ablate = parse_ablations("0.1,1.mlp", AblationMode::Mean);
    const LoadedTrace b = trace_from_json(export_json(base)), a = trace_from_json(export_json(abl));
    EXPECT_EQ(a.extra["stack"]["ablate"], "0.1,1.mlp");
    EXPECT_EQ(a.extra["stack"]["ablate_mode"], "mean");
    EXPECT_TRUE(same_bits(a.layers[0].tensors.at("resid_pre"), b.layers[0].tensors.at("resid_pre")));
    EXPECT_FALSE(same_bits(a.layers[1].tensors.at("resid_pre"), b.layers[1].tensors.at("resid_pre")));
}

TEST(ExportStack, CsvRefusesMoreThanOneLayerNamingTheFormat) {
    TempDir dir;
    ExportRequest req = stack_request(dir / "csv");
    req.format = ExportFormat::Csv;
    EXPECT_TRUE(test::throws_config_error([&] { export_trace(req); }, "format",
                                          {"format=csv holds one attention layer, not a stack of 3: use --format json or "
                                           "safetensors (or --layers 1)"}));
    EXPECT_FALSE(fs::exists(dir / "csv"));
    req.arch.layers = 1;  // one block with its MLP: the attention tensors as before
    EXPECT_NO_THROW(export_trace(req));
}

TEST(ExportStack, SummaryBesideSafetensorsNamesEveryLayersPrefix) {
    TempDir dir;
    ExportRequest req = stack_request(dir / "st");
    req.format = ExportFormat::Safetensors;
    req.logits = LogitsExport::Full;
    export_trace(req);
    const json j = json::parse(read_file(dir / "st" / "trace.json"));
    EXPECT_EQ(j["layers"], json::parse(R"([{"layer":0,"tensors_prefix":"layers.0."},{"layer":1,"tensors_prefix":"layers.1."},
        {"layer":2,"tensors_prefix":"layers.2."}])"));
    EXPECT_EQ(j["logits"]["tensor"], "stack.logits");
    const SafetensorsFile f = open_safetensors(dir / "st" / "trace.safetensors");
    EXPECT_EQ(f.at("stack.logits").shape, (std::vector<std::int64_t>{7, j["vocab_size"].get<int>()}));
    EXPECT_EQ(f.at("layers.2.mlp_hidden").shape, (std::vector<std::int64_t>{7, 128}));
    // The top level and layers.0 hold the same bytes.
    for (const char* name : {"X_in", "weights", "logits", "output"}) {
        const std::vector<float> top = f.to_float(f.at(name)), l0 = f.to_float(f.at(std::string("layers.0.") + name));
        ASSERT_EQ(top.size(), l0.size()) << name;
        EXPECT_EQ(std::memcmp(top.data(), l0.data(), top.size() * sizeof(float)), 0) << name;
    }
}

TEST(ExportStack, Version1TracesStillRead) {
    Config c;
    c.text = "a b c";
    std::string text = trace_to_json(run(c));
    const std::string v2 = "\"version\":2", v1 = "\"version\":1";
    text.replace(text.find(v2), v2.size(), v1);
    const LoadedTrace lt = trace_from_json(text);
    EXPECT_EQ(lt.version, 1);
    EXPECT_EQ(lt.tensors.at("weights").shape, (std::vector<int>{4, 3, 3}));
    EXPECT_TRUE(lt.layers.empty());
}

// ---- flags -------------------------------------------------------------------------------------

struct BadFlag {
    std::string args, message;
};

TEST(ExportStackCli, BadStackFlagsExitTwoWithOneLineNamingTheFlag) {
    const std::vector<BadFlag> cases = {
        {"--layers 0", "layers=0 must be between 1 and 48"},
        {"--layers 49", "layers=49 must be between 1 and 48"},
        {"--mlp relu", "mlp=relu must be one of gelu|gelu-tanh|swiglu|none"},
        {"--norm batch", "norm=batch must be one of layer|rms|none"},
        {"--ln middle", "ln=middle must be one of pre|post"},
        {"--model-preset gpt2", "model-preset=gpt2 must be one of none|induction"},
        {"--ablate 1.x", "ablate item '1.x' must be LAYER.HEAD or LAYER.mlp (e.g. 0.1,1.mlp)"},
        {"--ablate-mode max", "ablate-mode=max must be one of zero|mean"},
        {"--layers 2 --ablate 2.0", "ablate 2.0: layer must be in [0, 2)"},
        {"--ablate 0.9", "ablate 0.9: head must be in [0, 4)"},
    };
    TempDir dir;
    for (const BadFlag& c : cases) {
        SCOPED_TRACE(c.args);
        const test::CliRun e = run_cli("export --text 'a b c' " + c.args + " --out " + shell_quote((dir / "x").string()));
        EXPECT_EQ(e.code, kExitBadInput);
        EXPECT_EQ(e.err, "attnviz export: " + c.message + "\n");
        // The GUI refuses the same flags with the same message before it opens a window.
        const test::CliRun g = run_cli("--text 'a b c' " + c.args);
        EXPECT_EQ(g.code, kExitBadInput);
        EXPECT_EQ(g.err, "attnviz: " + c.message + "\n");
    }
    const std::vector<BadFlag> export_only = {
        {"--layers-out x", "layers-out item 'x' must be a layer index: all, or a list such as 0,5,11"},
        {"--layers 2 --layers-out 0,2", "layers-out 2 must be below layers=2"},
        {"--logits some", "logits=some must be one of none|top-k|full"},
        {"--top-k 0", "top-k=0 must be between 1 and 100"},
        {"--top-k 101", "top-k=101 must be between 1 and 100"},
        {"--layers 2 --format csv", "format=csv holds one attention layer, not a stack of 2: use --format json or "
                                    "safetensors (or --layers 1)"},
    };
    for (const BadFlag& c : export_only) {
        SCOPED_TRACE(c.args);
        const test::CliRun e = run_cli("export --text 'a b c' " + c.args + " --out " + shell_quote((dir / "x").string()));
        EXPECT_EQ(e.code, kExitBadInput);
        EXPECT_EQ(e.err, "attnviz export: " + c.message + "\n");
    }
    const test::CliRun g = run_cli("--text 'a b c' --layers 2 --layer 2");
    EXPECT_EQ(g.code, kExitBadInput);
    EXPECT_EQ(g.err, "attnviz: layer=2 must be below layers=2\n");
    EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(ExportStackCli, HelpListsTheStackFlags) {
    const test::CliRun e = run_cli("export --help"), g = run_cli("--help");
    for (const char* flag : {"--layers", "--mlp", "--norm", "--ln", "--model-preset", "--ablate", "--ablate-mode"}) {
        EXPECT_NE(e.out.find(flag), std::string::npos) << flag;
        EXPECT_NE(g.out.find(flag), std::string::npos) << flag;
    }
    for (const char* flag : {"--layers-out", "--logits", "--top-k"}) EXPECT_NE(e.out.find(flag), std::string::npos) << flag;
    EXPECT_NE(g.out.find("--layer "), std::string::npos);
}

}  // namespace
}  // namespace attnviz
