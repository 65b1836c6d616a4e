// trace.json round trip: what we write is what other tools read back, bit for bit.
#include "app/trace_json.hpp"

#include "core/attention.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

TEST(TraceJson, RoundTripIsBitExactForEveryTensor) {
    Config c;
    c.text = "the cat <pad> sat , on the mat";
    c.causal = true;
    c.padding = {0};
    c.n_heads = 8;
    c.n_kv_heads = 2;
    c.positional = Positional::Rope;
    const Trace t = run(c);
    const std::string text = trace_to_json(t);
    EXPECT_EQ(text.find("inf"), std::string::npos);
    EXPECT_EQ(text.find("nan"), std::string::npos);
    const LoadedTrace lt = trace_from_json(text);
    EXPECT_EQ(lt.tokens, t.tokens);
    EXPECT_EQ(lt.config["padding"], (nlohmann::json{0, 2}));  // --padding 0 plus the <pad> token
    EXPECT_EQ(lt.config["n_kv_heads"], 2);
    EXPECT_EQ(lt.config["positional"], "rope");
    for (const NamedTensor& nt : named_tensors(t)) {
        SCOPED_TRACE(nt.name);
        ASSERT_TRUE(lt.tensors.count(nt.name));
        const NamedTensor& back = lt.tensors.at(nt.name);
        EXPECT_EQ(back.shape, nt.shape);
        ASSERT_EQ(back.data.size(), nt.data.size());
        for (std::size_t k = 0; k < nt.data.size(); ++k) {
            if (std::isfinite(nt.data[k])) EXPECT_EQ(back.data[k], nt.data[k]);
            else EXPECT_EQ(back.data[k], kNegInf);  // masked: written as null
        }
    }
    const int n = t.n, h = 8, kv = 2, d = 64, dk = 8;
    EXPECT_EQ(lt.tensors.at("W_Q").shape, (std::vector<int>{d, h * dk}));
    EXPECT_EQ(lt.tensors.at("W_K").shape, (std::vector<int>{d, kv * dk}));
    EXPECT_EQ(lt.tensors.at("W_O").shape, (std::vector<int>{h * dk, d}));
    EXPECT_EQ(lt.tensors.at("K").shape, (std::vector<int>{kv, n, dk}));
    EXPECT_EQ(lt.tensors.at("scores").shape, (std::vector<int>{h, n, n}));
    EXPECT_EQ(lt.tensors.at("mask").shape, (std::vector<int>{n, n}));
}

TEST(TraceJson, TopLevelKeysAndConfigNamesFollowTheSchema) {
    Config c;
    c.source = "le chat";
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(trace_to_json(run(c)));
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"format", "version", "config", "tokens", "source_tokens", "tensors",
                                              "diagnostics"}));
    std::vector<std::string> config_keys;
    for (const auto& item : j["config"].items()) config_keys.push_back(item.key());
    EXPECT_EQ(config_keys, (std::vector<std::string>{"text", "tokenize", "d_model", "n_heads", "n_kv_heads", "d_k",
                                                     "d_v", "seed", "positional", "rope_base", "rope_style", "scale",
                                                     "temperature", "causal", "window", "padding", "source"}));
    EXPECT_EQ(j["source_tokens"], (nlohmann::ordered_json{"le", "chat"}));
    EXPECT_EQ(j["tensors"]["X_in_source"]["shape"], (nlohmann::ordered_json{2, 64}));
    EXPECT_EQ(j["tensors"]["scores"]["shape"], (nlohmann::ordered_json{4, 6, 2}));
}

TEST(TraceJson, MalformedInputIsRefusedWithTheReason) {
    EXPECT_THROW(trace_from_json("{"), std::runtime_error);
    EXPECT_THROW(trace_from_json(R"({"format":"other"})"), std::runtime_error);
    try {
        trace_from_json(R"({"format":"attnviz-trace","version":1,"config":{},"tokens":[],
                           "tensors":{"X":{"shape":[2,3],"data":[1,2,3]}}})");
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "tensors.X: data has 3 values, shape needs 6");
    }
}

}  // namespace
}  // namespace attnviz
