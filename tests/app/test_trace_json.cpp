// trace.json: what we write is what other tools read back, bit for bit, under the documented names.
//
// Key: n = query tokens, m = key tokens, d = d_model, h = n_heads, kv = n_kv_heads.
#include "core/io/trace_json.hpp"

#include "core/attention.hpp"
#include "core/io/config_json.hpp"
#include "tests/app/app_test_helpers.hpp"
#include "tests/core/test_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

namespace attnviz {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using test::bits;

// Head a of a stacked [h, rows, cols] tensor as a matrix (row-major, as written).
MatRM slice(const NamedTensor& t, int a) {
    EXPECT_EQ(t.shape.size(), 3u);
    const int rows = t.shape[1], cols = t.shape[2];
    return Eigen::Map<const MatRM>(t.data.data() + static_cast<std::size_t>(a) * rows * cols, rows, cols);
}

MatRM flat(const NamedTensor& t) {
    EXPECT_EQ(t.shape.size(), 2u);
    return Eigen::Map<const MatRM>(t.data.data(), t.shape[0], t.shape[1]);
}

std::vector<std::string> keys_of(const ordered_json& j) {
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    return keys;
}

// what() of the std::runtime_error trace_from_json throws; "<no throw>" or "<other: ...>" otherwise.
std::string load_error(const std::string& text) {
    try {
        trace_from_json(text);
    } catch (const std::runtime_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("<other: ") + e.what() + ">";
    }
    return "<no throw>";
}

TEST(TraceJson, RoundTripKeepsEveryTensorBitExact) {
    const Trace t = run(test::self_config());
    const LoadedTrace lt = trace_from_json(trace_to_json(t));
    const std::vector<NamedTensor> written = named_tensors(t);
    ASSERT_EQ(lt.tensors.size(), written.size());
    std::size_t masked = 0;
    for (const NamedTensor& nt : written) {
        SCOPED_TRACE(nt.name);
        ASSERT_TRUE(lt.tensors.count(nt.name));
        const NamedTensor& back = lt.tensors.at(nt.name);
        EXPECT_EQ(back.shape, nt.shape);
        ASSERT_EQ(back.data.size(), nt.data.size());
        std::size_t differ = 0;
        for (std::size_t k = 0; k < nt.data.size(); ++k) {
            // −∞ (masked) is written as null and must come back as −∞: the same bits.
            differ += bits(back.data[k]) != bits(nt.data[k]);
            masked += nt.data[k] == kNegInf;
        }
        EXPECT_EQ(differ, 0u) << "of " << nt.data.size() << " values";
    }
    // logits (8 heads) and additive_mask carry the masked cells: 49 - 12 visible = 37 per [7, 7].
    EXPECT_EQ(masked, 37u * 8 + 37u);
}

TEST(TraceJson, TokensAndEveryConfigKeyComeBack) {
    const Trace t = run(test::self_config());
    const LoadedTrace lt = trace_from_json(trace_to_json(t));
    EXPECT_EQ(lt.tokens, (std::vector<std::string>{"the", "cat", "<pad>", "sat", "on", "the", "mat"}));
    EXPECT_TRUE(lt.source_tokens.empty());
    const json& c = lt.config;
    EXPECT_EQ(c.size(), 17u);
    EXPECT_EQ(c["text"], "the cat <pad> sat on the mat");
    EXPECT_EQ(c["tokenize"], "word");
    EXPECT_EQ(c["d_model"], 32);
    EXPECT_EQ(c["n_heads"], 8);
    EXPECT_EQ(c["n_kv_heads"], 2);
    EXPECT_EQ(c["d_k"], 6);
    EXPECT_EQ(c["d_v"], 10);
    EXPECT_EQ(c["seed"], 7u);
    EXPECT_EQ(c["positional"], "rope");
    EXPECT_EQ(c["rope_base"], 500.0);
    EXPECT_EQ(c["rope_style"], "half");
    EXPECT_EQ(c["scale"], "linear");
    EXPECT_EQ(c["temperature"], 2.0);
    EXPECT_EQ(c["causal"], true);
    EXPECT_EQ(c["window"], 3);
    EXPECT_EQ(c["padding"], (json{0, 2}));  // --padding 0 plus the <pad> token at index 2
    EXPECT_EQ(c["source"], "");
    // The written config is the trace's resolved one, readable by the session reader.
    EXPECT_EQ(config_from_json(c), t.config);
}

TEST(TraceJson, CrossAttentionConfigAndSourceTokensComeBack) {
    const Trace t = run(test::cross_config());
    const LoadedTrace lt = trace_from_json(trace_to_json(t));
    EXPECT_EQ(lt.tokens, (std::vector<std::string>{"s", "a", "t"}));
    EXPECT_EQ(lt.source_tokens, (std::vector<std::string>{"c", "h", "a", "t"}));
    const json& c = lt.config;
    EXPECT_EQ(c["text"], "sat");
    EXPECT_EQ(c["tokenize"], "char");
    EXPECT_EQ(c["d_model"], 24);
    EXPECT_EQ(c["n_heads"], 6);
    EXPECT_EQ(c["n_kv_heads"], 3);
    EXPECT_EQ(c["d_k"], 4);
    EXPECT_EQ(c["d_v"], 2);
    EXPECT_EQ(c["seed"].get<std::uint64_t>(), 18446744073709551615ull);
    EXPECT_EQ(c["positional"], "learned");
    EXPECT_EQ(c["rope_base"], 12345.5);
    EXPECT_EQ(c["rope_style"], "half");
    EXPECT_EQ(c["scale"], "none");
    EXPECT_EQ(c["temperature"], 0.25);
    EXPECT_EQ(c["causal"], false);
    EXPECT_EQ(c["window"], 0);
    EXPECT_EQ(c["padding"], (json{1}));
    EXPECT_EQ(c["source"], "chat");
    EXPECT_EQ(config_from_json(c), t.config);
    for (const NamedTensor& nt : named_tensors(t)) {
        SCOPED_TRACE(nt.name);
        const NamedTensor& back = lt.tensors.at(nt.name);
        EXPECT_EQ(back.shape, nt.shape);
        ASSERT_EQ(back.data.size(), nt.data.size());
        for (std::size_t k = 0; k < nt.data.size(); ++k) ASSERT_EQ(bits(back.data[k]), bits(nt.data[k])) << k;
    }
}

TEST(TraceJson, TopLevelKeysInSchemaOrder) {
    const ordered_json self = ordered_json::parse(trace_to_json(run(test::self_config())));
    EXPECT_EQ(keys_of(self),
              (std::vector<std::string>{"format", "version", "config", "tokens", "tensors", "diagnostics"}));
    EXPECT_EQ(self["format"], "attnviz-trace");
    EXPECT_EQ(self["version"], 2);
    EXPECT_EQ(keys_of(self["config"]),
              (std::vector<std::string>{"text", "tokenize", "d_model", "n_heads", "n_kv_heads", "d_k", "d_v", "seed",
                                        "positional", "rope_base", "rope_style", "scale", "temperature", "causal",
                                        "window", "padding", "source"}));
    const ordered_json cross = ordered_json::parse(trace_to_json(run(test::cross_config())));
    EXPECT_EQ(keys_of(cross), (std::vector<std::string>{"format", "version", "config", "tokens", "source_tokens",
                                                        "tensors", "diagnostics"}));
}

TEST(TraceJson, GqaTensorShapesInPipelineOrder) {
    // n = 7, d = 32, h = 8, kv = 2, d_k = 6, d_v = 10 (see self_config).
    const ordered_json j = ordered_json::parse(trace_to_json(run(test::self_config())));
    const std::vector<std::pair<std::string, std::vector<int>>> expected = {
        {"X", {7, 32}},          {"PE", {7, 32}},       {"X_in", {7, 32}},         {"W_Q", {32, 8 * 6}},
        {"W_K", {32, 2 * 6}},    {"W_V", {32, 2 * 10}}, {"W_O", {8 * 10, 32}},     {"Q_proj", {8, 7, 6}},
        {"K_proj", {2, 7, 6}},   {"Q", {8, 7, 6}},      {"K", {2, 7, 6}},          {"V", {2, 7, 10}},
        {"scores", {8, 7, 7}},   {"scores_scaled", {8, 7, 7}}, {"mask", {7, 7}},   {"additive_mask", {7, 7}},
        {"logits", {8, 7, 7}},   {"weights", {8, 7, 7}}, {"head_outputs", {8, 7, 10}}, {"concat", {7, 8 * 10}},
        {"output", {7, 32}},
    };
    std::vector<std::string> names;
    for (const auto& [name, shape] : expected) names.push_back(name);
    EXPECT_EQ(keys_of(j["tensors"]), names);
    for (const auto& [name, shape] : expected) {
        SCOPED_TRACE(name);
        EXPECT_EQ(j["tensors"][name]["shape"].get<std::vector<int>>(), shape);
        std::size_t count = 1;
        for (int s : shape) count *= static_cast<std::size_t>(s);
        EXPECT_EQ(j["tensors"][name]["data"].size(), count);
    }
}

TEST(TraceJson, CrossAttentionAddsSourceInputsAndKeyShapesUseM) {
    // n = 3 queries, m = 4 source keys, d = 24, h = 6, kv = 3, d_k = 4, d_v = 2 (see cross_config).
    const LoadedTrace lt = trace_from_json(trace_to_json(run(test::cross_config())));
    const std::vector<std::pair<std::string, std::vector<int>>> expected = {
        {"X", {3, 24}},         {"X_in", {3, 24}},     {"X_source", {4, 24}}, {"X_in_source", {4, 24}},
        {"W_Q", {24, 24}},      {"W_K", {24, 12}},     {"W_V", {24, 6}},      {"W_O", {12, 24}},
        {"Q_proj", {6, 3, 4}},  {"K_proj", {3, 4, 4}}, {"Q", {6, 3, 4}},      {"K", {3, 4, 4}},
        {"V", {3, 4, 2}},       {"scores", {6, 3, 4}}, {"mask", {3, 4}},      {"weights", {6, 3, 4}},
        {"head_outputs", {6, 3, 2}}, {"concat", {3, 12}}, {"output", {3, 24}},
    };
    for (const auto& [name, shape] : expected) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(lt.tensors.count(name));
        EXPECT_EQ(lt.tensors.at(name).shape, shape);
    }
    // Source key 1 is padded: column 1 of the mask is 0 for every query, the rest 1.
    EXPECT_TRUE(test::all_close(flat(lt.tensors.at("mask")), test::mat({{1, 0, 1, 1}, {1, 0, 1, 1}, {1, 0, 1, 1}}), 0.0f));
}

TEST(TraceJson, DataIsRowMajorHeadByHead) {
    const Trace t = run(test::self_config());
    const LoadedTrace lt = trace_from_json(trace_to_json(t));
    EXPECT_TRUE(test::all_close(flat(lt.tensors.at("X")), t.X, 0.0f));
    EXPECT_TRUE(test::all_close(flat(lt.tensors.at("W_Q")), t.W_Q, 0.0f));
    EXPECT_TRUE(test::all_close(flat(lt.tensors.at("W_O")), t.W_O, 0.0f));
    EXPECT_TRUE(test::all_close(flat(lt.tensors.at("concat")), t.concat, 0.0f));
    EXPECT_TRUE(test::all_close(flat(lt.tensors.at("output")), t.output, 0.0f));
    for (int a = 0; a < 8; ++a) {
        SCOPED_TRACE(a);
        const auto ua = static_cast<std::size_t>(a);
        EXPECT_TRUE(test::all_close(slice(lt.tensors.at("Q"), a), t.Q[ua], 0.0f));
        EXPECT_TRUE(test::all_close(slice(lt.tensors.at("scores"), a), t.scores[ua], 0.0f));
        EXPECT_TRUE(test::all_close(slice(lt.tensors.at("weights"), a), t.weights[ua], 0.0f));
        EXPECT_TRUE(test::all_close(slice(lt.tensors.at("head_outputs"), a), t.head_outputs[ua], 0.0f));
    }
    for (int g = 0; g < 2; ++g) {
        EXPECT_TRUE(test::all_close(slice(lt.tensors.at("K"), g), t.K[static_cast<std::size_t>(g)], 0.0f));
        EXPECT_TRUE(test::all_close(slice(lt.tensors.at("V"), g), t.V[static_cast<std::size_t>(g)], 0.0f));
    }
}

TEST(TraceJson, MaskedCellsAreNullInTheTextAndNegInfWhenRead) {
    const Trace t = run(test::self_config());
    const std::string text = trace_to_json(t);
    const json j = json::parse(text);
    // causal, window 3, padded keys 0 and 2 (padding 0 + the <pad> token): query i sees key j when
    // j <= i, i - j < 3 and j is not padded. Row 0 sees nothing.
    const MatRM expected_mask = test::mat({{0, 0, 0, 0, 0, 0, 0},
                                           {0, 1, 0, 0, 0, 0, 0},
                                           {0, 1, 0, 0, 0, 0, 0},
                                           {0, 1, 0, 1, 0, 0, 0},
                                           {0, 0, 0, 1, 1, 0, 0},
                                           {0, 0, 0, 1, 1, 1, 0},
                                           {0, 0, 0, 0, 1, 1, 1}});
    ASSERT_TRUE(test::all_close(t.mask, expected_mask, 0.0f));
    const json& add = j["tensors"]["additive_mask"]["data"];
    const json& logits = j["tensors"]["logits"]["data"];
    for (int i = 0; i < 7; ++i)
        for (int k = 0; k < 7; ++k) {
            const bool masked = expected_mask(i, k) == 0.0f;
            const auto idx = static_cast<std::size_t>(i * 7 + k);
            EXPECT_EQ(add[idx].is_null(), masked) << i << "," << k;
            if (!masked) EXPECT_EQ(add[idx], 0.0);
            for (int a = 0; a < 8; ++a) EXPECT_EQ(logits[static_cast<std::size_t>(a * 49) + idx].is_null(), masked);
        }
    const LoadedTrace lt = trace_from_json(text);
    const MatRM z0 = slice(lt.tensors.at("logits"), 0);
    EXPECT_EQ(z0(0, 0), kNegInf);
    EXPECT_EQ(z0(6, 3), kNegInf);
    EXPECT_EQ(bits(z0(6, 6)), bits(t.logit(0, 6, 6)));
    EXPECT_EQ(flat(lt.tensors.at("additive_mask"))(3, 2), kNegInf);
    EXPECT_EQ(flat(lt.tensors.at("additive_mask"))(3, 3), 0.0f);
}

TEST(TraceJson, RawTextHasNoInfOrNan) {
    for (const Config& c : {test::self_config(), test::cross_config()}) {
        std::string text = trace_to_json(run(c));
        std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
        EXPECT_EQ(text.find("inf"), std::string::npos);
        EXPECT_EQ(text.find("nan"), std::string::npos);
    }
    // The self config has masked cells, so the nulls are really there.
    EXPECT_NE(trace_to_json(run(test::self_config())).find("null"), std::string::npos);
}

TEST(TraceJson, NumbersAreShortestRoundTripAndNonFiniteIsNull) {
    const std::pair<float, std::string> cases[] = {
        {0.1f, "0.1"},
        {1.0f / 3.0f, "0.33333334"},
        {1e-5f, "1e-05"},
        {16777216.0f, "16777216"},
        {-2.5f, "-2.5"},
        {3.4028235e38f, "3.4028235e+38"},
        {1e-45f, "1e-45"},  // the smallest denormal
        {0.0f, "0"},
        {-0.0f, "-0.0"},    // "-0" would parse as the integer 0 and lose the sign
        {std::numeric_limits<float>::infinity(), "null"},
        {kNegInf, "null"},
        {std::numeric_limits<float>::quiet_NaN(), "null"},
    };
    for (const auto& [v, text] : cases) {
        std::string out;
        append_number(out, v);
        EXPECT_EQ(out, text) << v;
    }
}

TEST(TraceJson, EdgeValuesSurviveTheRoundTrip) {
    Trace t = run(test::self_config());
    t.X(0, 0) = -0.0f;
    t.X(0, 1) = 1e-45f;
    t.X(0, 2) = 3.4028235e38f;
    t.X(0, 3) = 1.0f / 3.0f;
    const LoadedTrace lt = trace_from_json(trace_to_json(t));
    const NamedTensor& x = lt.tensors.at("X");
    EXPECT_EQ(bits(x.data[0]), bits(-0.0f));
    EXPECT_EQ(bits(x.data[1]), bits(1e-45f));
    EXPECT_EQ(bits(x.data[2]), bits(3.4028235e38f));
    EXPECT_EQ(bits(x.data[3]), bits(1.0f / 3.0f));
}

TEST(TraceJson, DiagnosticsMatchTheTrace) {
    const Trace t = run(test::self_config());
    const json d = json::parse(trace_to_json(t))["diagnostics"];
    // scale = linear, T = 2: multiplier = 1 / (d_k · T) = 1/12.
    EXPECT_FLOAT_EQ(t.multiplier, 1.0f / 12.0f);
    EXPECT_EQ(d["score_multiplier"].get<float>(), t.multiplier);
    EXPECT_EQ(d["fully_masked_rows"], (json{0}));
    EXPECT_EQ(d["untrained_positions"], 0);
    ASSERT_EQ(d["heads"].size(), 8u);
    for (std::size_t a = 0; a < 8; ++a) {
        const json& h = d["heads"][a];
        EXPECT_EQ(h["argmax"][0], -1);       // row 0 sees no key
        EXPECT_EQ(h["entropy"][0], 0.0);
        EXPECT_EQ(h["argmax"][1], 1);        // rows 1 and 2 see only key 1: weight 1
        EXPECT_EQ(h["max_weight"][2], 1.0);
        EXPECT_EQ(h["mean_entropy"].get<float>(), t.diagnostics[a].mean_entropy);
        EXPECT_EQ(h["entropy"].get<std::vector<float>>(), t.diagnostics[a].entropy);
        EXPECT_EQ(h["argmax"].get<std::vector<int>>(), t.diagnostics[a].argmax);
    }
}

TEST(TraceJson, ExtraSectionsFollowTheDiagnosticsAndReadBackAsExtra) {
    const Trace t = run(test::self_config());
    const std::string text = trace_to_json(t, json{{"decode_steps", json::array({1, 2})}});
    EXPECT_EQ(keys_of(ordered_json::parse(text)), (std::vector<std::string>{"format", "version", "config", "tokens",
                                                                            "tensors", "diagnostics", "decode_steps"}));
    const LoadedTrace lt = trace_from_json(text);
    EXPECT_EQ(lt.extra["decode_steps"], (json{1, 2}));
    EXPECT_TRUE(lt.extra.contains("diagnostics"));
    EXPECT_EQ(lt.extra.size(), 2u);
}

TEST(TraceJson, MalformedInputIsRefusedWithTheReason) {
    const std::string head = R"({"format":"attnviz-trace","version":1,)";
    EXPECT_EQ(load_error("{").rfind("not valid JSON: ", 0), 0u) << load_error("{");
    EXPECT_EQ(load_error(R"({"format":"other"})"), "not an attnviz trace (\"format\" must be \"attnviz-trace\")");
    EXPECT_EQ(load_error("[1, 2]"), "not an attnviz trace (\"format\" must be \"attnviz-trace\")");
    EXPECT_EQ(load_error(R"({"format":"attnviz-trace","version":3})"), "unsupported trace version 3");
    EXPECT_EQ(load_error(R"({"format":"attnviz-trace","version":0})"), "unsupported trace version 0");
    EXPECT_EQ(load_error(R"({"format":"attnviz-trace"})"), "unsupported trace version null");
    EXPECT_EQ(load_error(head + R"("config":{},"tokens":[],"tensors":{"X":{"shape":[2,3],"data":[1,2,3]}}})"),
              "tensors.X: data has 3 values, shape needs 6");
    // A missing key or a wrong type is a std::runtime_error too, naming what is wrong.
    const std::string no_config = load_error(head + R"("tokens":[],"tensors":{}})");
    EXPECT_EQ(no_config.rfind("malformed trace: ", 0), 0u) << no_config;
    EXPECT_NE(no_config.find("'config'"), std::string::npos) << no_config;
    const std::string bad_tokens = load_error(head + R"("config":{},"tokens":[1],"tensors":{}})");
    EXPECT_EQ(bad_tokens.rfind("malformed trace: ", 0), 0u) << bad_tokens;
    const std::string bad_value =
        load_error(head + R"("config":{},"tokens":[],"tensors":{"X":{"shape":[1,2],"data":[1,"two"]}}})");
    EXPECT_EQ(bad_value.rfind("malformed trace: ", 0), 0u) << bad_value;
    const std::string no_shape = load_error(head + R"("config":{},"tokens":[],"tensors":{"X":{"data":[]}}})");
    EXPECT_NE(no_shape.find("'shape'"), std::string::npos) << no_shape;
}

// The tensors section as trace_to_json built it in memory before it streamed.
std::string tensors_the_old_way(const Trace& t) {
    std::string out = "\"tensors\":{";
    bool first = true;
    for (const NamedTensor& nt : named_tensors(t)) {
        if (!first) out += ',';
        first = false;
        out += json(nt.name).dump() + ":{\"shape\":" + json(nt.shape).dump() + ",\"data\":[";
        for (std::size_t k = 0; k < nt.data.size(); ++k) {
            if (k) out += ',';
            append_number(out, nt.data[k]);
        }
        out += "]}";
    }
    return out + "}";
}

Config long_config() {
    Config c;
    std::string text;
    for (int i = 0; i < 300; ++i) text += (i ? " w" : "w") + std::to_string(i % 37);
    c.text = text;
    c.d_model = 16;
    c.n_heads = 2;
    c.causal = true;
    return c;
}

TEST(TraceJson, StreamedBytesEqualTheInMemoryWriter) {
    // Small traces, and one whose text passes the 64 KiB flush many times.
    for (const Config& c : {test::self_config(), test::cross_config(), long_config()}) {
        const Trace t = run(c);
        SCOPED_TRACE(t.n);
        const std::string text = trace_to_json(t, json{{"tiles", {{"block_q", 2}}}});
        std::string head = "{\"format\":\"attnviz-trace\",\"version\":2,\"config\":" + config_to_json(t.config).dump() +
                           ",\"tokens\":" + json(t.tokens).dump();
        if (t.config.cross()) head += ",\"source_tokens\":" + json(t.source_tokens).dump();
        const std::string tensors = tensors_the_old_way(t);
        ASSERT_EQ(text.substr(0, head.size() + 1), head + ",");
        EXPECT_TRUE(text.compare(head.size() + 1, tensors.size(), tensors) == 0) << "tensors differ";
        const std::string tail = text.substr(head.size() + 1 + tensors.size());
        EXPECT_EQ(tail.rfind(",\"diagnostics\":", 0), 0u);
        const std::string end = ",\"tiles\":{\"block_q\":2}}\n";
        EXPECT_EQ(tail.substr(tail.size() - end.size()), end);
        std::ostringstream streamed;
        write_trace_json(streamed, t, json{{"tiles", {{"block_q", 2}}}});
        EXPECT_EQ(streamed.str(), text);
    }
}

TEST(TraceJson, SizeEstimateIsExactForSmallTracesAndCloseForLargeOnes) {
    const Trace small = run(test::self_config());
    const json extra = {{"decode_steps", json::array({1, 2})}};
    EXPECT_EQ(estimate_trace_json_bytes(small, extra), trace_to_json(small, extra).size());
    const Trace cross = run(test::cross_config());
    EXPECT_EQ(estimate_trace_json_bytes(cross), trace_to_json(cross).size());
    // 2 × 300 × 300 = 180 000 values per [h, n, n] tensor: sampled every second value.
    const Trace big = run(long_config());
    const double exact = static_cast<double>(trace_to_json(big).size());
    const double estimate = static_cast<double>(estimate_trace_json_bytes(big));
    EXPECT_NEAR(estimate / exact, 1.0, 0.01) << estimate << " vs " << exact;
}

TEST(TraceJson, SummaryHoldsEverySectionButTheTensorsAndNamesTheirFile) {
    const Trace t = run(test::cross_config());
    const json extra = {{"tiles", {{"block_q", 2}}}};
    const ordered_json full = ordered_json::parse(trace_to_json(t, extra));
    const ordered_json summary = ordered_json::parse(trace_summary_json(t, "trace.safetensors", extra));
    EXPECT_EQ(keys_of(summary), (std::vector<std::string>{"format", "version", "config", "tokens", "source_tokens",
                                                          "tensors_file", "diagnostics", "tiles"}));
    EXPECT_EQ(summary["tensors_file"], "trace.safetensors");
    for (const char* key : {"format", "version", "config", "tokens", "source_tokens", "diagnostics", "tiles"})
        EXPECT_EQ(summary[key], full[key]) << key;
}

}  // namespace
}  // namespace attnviz
