// `attnviz export --decode-steps/--prefill/--tiled`: the inference sections of trace.json agree
// with the full computation that trace.json's own tensors hold.
#include "core/io/trace_json.hpp"

#include "app_test_helpers.hpp"

#include <nlohmann/json.hpp>

namespace attnviz::test {
namespace {

using nlohmann::json;

json export_json(TempDir& dir, const std::string& flags) {
    const fs::path out = dir / "out";
    const CliRun r = run_cli("export --text 'the cat sat on the mat and slept' " + flags + " --out '" + out.string() + "'");
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(read_file(out / "trace.json"));
}

// Row `row` of a [rows, cols] tensor, or head `head`'s row of a [h, rows, cols] one.
std::vector<double> row_of(const json& tensor, int head, int row) {
    const auto& shape = tensor["shape"];
    const int rows = shape[shape.size() - 2], cols = shape[shape.size() - 1];
    std::vector<double> out;
    const std::size_t base = (static_cast<std::size_t>(head) * rows + static_cast<std::size_t>(row)) * cols;
    for (int j = 0; j < cols; ++j) out.push_back(tensor["data"][base + static_cast<std::size_t>(j)].get<double>());
    return out;
}

void expect_near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], tol) << "at " << k;
}

TEST(InferenceExport, DecodeStepsEqualTheCausalTraceRows) {
    TempDir dir;
    const json j = export_json(dir, "--causal --kv-heads 2 --pos rope --decode-steps 5 --prefill 3");
    const json& steps = j["decode"]["steps"];
    ASSERT_EQ(steps.size(), 5u);
    EXPECT_EQ(j["decode"]["prefill"], 3);
    for (const json& s : steps) {
        const int t = s["position"];
        SCOPED_TRACE(t);
        expect_near(s["output"]["data"].get<std::vector<double>>(), row_of(j["tensors"]["output"], 0, t), 2e-5);
        for (int a = 0; a < 4; ++a)
            expect_near(row_of(s["head_outputs"], 0, a), row_of(j["tensors"]["head_outputs"], a, t), 2e-5);
        EXPECT_EQ(s["cache_positions"].size(), static_cast<std::size_t>(t + 1));
        EXPECT_LT(s["macs_cached"].get<long long>(), s["macs_recompute"].get<long long>());
    }
    // The tensors themselves are what a plain export writes.
    TempDir plain;
    const json p = export_json(plain, "--causal --kv-heads 2 --pos rope");
    EXPECT_EQ(p["tensors"], j["tensors"]);
}

TEST(InferenceExport, PrefillAloneDecodesTheRestOfTheText) {
    TempDir dir;
    const json j = export_json(dir, "--prefill 6");
    EXPECT_EQ(j["decode"]["steps"].size(), 2u);  // 8 tokens
}

TEST(InferenceExport, TilesReproduceEveryHeadsOutput) {
    TempDir dir;
    const json j = export_json(dir, "--causal --padding 1 --tiled --block-q 3 --block-k 2");
    const json& tiles = j["tiles"];
    EXPECT_EQ(tiles["block_q"], 3);
    EXPECT_LT(tiles["max_abs_error_vs_exact"].get<double>(), 1e-5);
    ASSERT_EQ(tiles["heads"].size(), 4u);
    for (int a = 0; a < 4; ++a)
        for (int i = 0; i < 8; ++i)
            expect_near(row_of(tiles["heads"][a]["output"], 0, i), row_of(j["tensors"]["head_outputs"], a, i), 1e-5);
    // ⌈8/3⌉ · ⌈8/2⌉ = 12 tiles; the first row's running max starts at −∞, written as null.
    const json& first = tiles["heads"][0]["tiles"][0];
    EXPECT_EQ(tiles["heads"][0]["tiles"].size(), 12u);
    EXPECT_TRUE(first["m_before"][0].is_null());
    EXPECT_TRUE(tiles["heads"][0]["tiles"][3]["skipped"].get<bool>());  // rows 0-2 × keys 6-7: above the diagonal
}

TEST(InferenceExport, BadInferenceFlagsExitTwoAndWriteNothing) {
    TempDir dir;
    const fs::path out = dir / "out";
    for (const std::string flags : {"--prefill 0", "--prefill 9", "--decode-steps 7 --prefill 2", "--block-q 0",
                                    "--tiled --block-k -3", "--decode-steps 2 --format csv", "--source 'le chat' --prefill 1"}) {
        SCOPED_TRACE(flags);
        const CliRun r = run_cli("export " + flags + " --out '" + out.string() + "'");
        EXPECT_EQ(r.code, 2);
        EXPECT_FALSE(r.err.empty());
        EXPECT_FALSE(fs::exists(out));
    }
}

}  // namespace
}  // namespace attnviz::test
