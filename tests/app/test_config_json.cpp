// Config <-> JSON: every key under its trace-format name, and a strict reader that names the key
// it refuses.
#include "core/io/config_json.hpp"

#include "tests/app/app_test_helpers.hpp"
#include "tests/core/test_helpers.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace attnviz {
namespace {

using nlohmann::json;

Config read(const std::string& text) { return config_from_json(json::parse(text)); }

TEST(ConfigJson, DefaultsAreWrittenInSchemaOrder) {
    EXPECT_EQ(config_to_json(Config{}).dump(),
              R"({"text":"the cat sat on the mat","tokenize":"word","d_model":64,"n_heads":4,"n_kv_heads":0,)"
              R"("d_k":0,"d_v":0,"seed":42,"positional":"sinusoidal","rope_base":10000.0,"rope_style":"interleaved",)"
              R"("scale":"sqrt","temperature":1.0,"causal":false,"window":0,"padding":[],"source":""})");
}

TEST(ConfigJson, EveryKeyIsWrittenWithItsValue) {
    Config c = test::cross_config();
    c.causal = true;  // not runnable with a source, but the mapping does not care
    c.window = 2;
    c.padding = {1, 3};
    EXPECT_EQ(config_to_json(c).dump(),
              R"({"text":"sat","tokenize":"char","d_model":24,"n_heads":6,"n_kv_heads":3,"d_k":4,"d_v":2,)"
              R"("seed":18446744073709551615,"positional":"learned","rope_base":12345.5,"rope_style":"half",)"
              R"("scale":"none","temperature":0.25,"causal":true,"window":2,"padding":[1,3],"source":"chat"})");
    EXPECT_EQ(config_from_json(json::parse(config_to_json(c).dump())), c);
    EXPECT_EQ(config_from_json(json::parse(config_to_json(test::self_config()).dump())), test::self_config());
}

TEST(ConfigJson, EachKeyReadsIntoItsOwnField) {
    // One key at a time over the defaults: only that field may change.
    const std::vector<std::tuple<std::string, json, std::function<void(Config&)>>> cases = {
        {"text", "a b", [](Config& c) { c.text = "a b"; }},
        {"tokenize", "char", [](Config& c) { c.tokenize = Tokenization::Char; }},
        {"d_model", 48, [](Config& c) { c.d_model = 48; }},
        {"n_heads", 6, [](Config& c) { c.n_heads = 6; }},
        {"n_kv_heads", 2, [](Config& c) { c.n_kv_heads = 2; }},
        {"d_k", 5, [](Config& c) { c.d_k = 5; }},
        {"d_v", 3, [](Config& c) { c.d_v = 3; }},
        {"seed", 9001, [](Config& c) { c.seed = 9001; }},
        {"positional", "alibi", [](Config& c) { c.positional = Positional::Alibi; }},
        {"rope_base", 500, [](Config& c) { c.rope_base = 500.0; }},  // an integer is a number
        {"rope_style", "half", [](Config& c) { c.rope_style = RopeStyle::Half; }},
        {"scale", "linear", [](Config& c) { c.scale = ScaleMode::Linear; }},
        {"temperature", 0.5, [](Config& c) { c.temperature = 0.5; }},
        {"causal", true, [](Config& c) { c.causal = true; }},
        {"window", 4, [](Config& c) { c.window = 4; }},
        {"padding", json{2, 0}, [](Config& c) { c.padding = {2, 0}; }},  // order kept as written
        {"source", "le chat", [](Config& c) { c.source = "le chat"; }},
    };
    ASSERT_EQ(cases.size(), 17u);
    for (const auto& [key, value, set] : cases) {
        SCOPED_TRACE(key);
        Config expected;
        set(expected);
        EXPECT_EQ(config_from_json(json{{key, value}}), expected);
    }
    EXPECT_EQ(config_from_json(json::object()), Config{});  // missing keys keep the defaults
}

TEST(ConfigJson, EveryEnumValueRoundTrips) {
    for (Tokenization v : {Tokenization::Word, Tokenization::Char}) {
        Config c;
        c.tokenize = v;
        EXPECT_EQ(read(config_to_json(c).dump()).tokenize, v);
    }
    for (Positional v : {Positional::None, Positional::Sinusoidal, Positional::Learned, Positional::Rope, Positional::Alibi}) {
        Config c;
        c.positional = v;
        EXPECT_EQ(read(config_to_json(c).dump()).positional, v);
    }
    for (RopeStyle v : {RopeStyle::Interleaved, RopeStyle::Half}) {
        Config c;
        c.rope_style = v;
        EXPECT_EQ(read(config_to_json(c).dump()).rope_style, v);
    }
    for (ScaleMode v : {ScaleMode::Sqrt, ScaleMode::Linear, ScaleMode::None}) {
        Config c;
        c.scale = v;
        EXPECT_EQ(read(config_to_json(c).dump()).scale, v);
    }
}

TEST(ConfigJson, UnknownKeyIsRefusedByName) {
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"colour":"red"})"); }, "colour", {"unknown config key \"colour\""}));
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"n_heads":4,"nheads":4})"); }, "nheads",
                                          {"unknown config key \"nheads\""}));
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"d-model":64})"); }, "d-model"));
}

TEST(ConfigJson, WrongTypeIsRefusedNamingKeyTypeAndValue) {
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"text", "5", "text must be a string (got 5)"},
        {"tokenize", "true", "tokenize must be a string (got true)"},
        {"d_model", "\"64\"", "d_model must be an integer (got \"64\")"},
        {"d_model", "64.5", "d_model must be an integer (got 64.5)"},         // not truncated to 64
        {"n_heads", "true", "n_heads must be an integer (got true)"},         // not read as 1
        {"n_kv_heads", "null", "n_kv_heads must be an integer (got null)"},
        {"d_k", "[4]", "d_k must be an integer (got [4])"},
        {"d_v", "3000000000", "d_v must be an integer (got 3000000000)"},     // does not fit an int
        {"window", "-3000000000", "window must be an integer (got -3000000000)"},
        {"seed", "-1", "seed must be an unsigned integer (got -1)"},          // not wrapped to 2^64 - 1
        {"seed", "1.5", "seed must be an unsigned integer (got 1.5)"},
        {"positional", "1", "positional must be a string (got 1)"},
        {"rope_base", "\"big\"", "rope_base must be a number (got \"big\")"},
        {"rope_style", "null", "rope_style must be a string (got null)"},
        {"scale", "2", "scale must be a string (got 2)"},
        {"temperature", "false", "temperature must be a number (got false)"},  // not read as 0
        {"causal", "1", "causal must be true or false (got 1)"},
        {"window", "\"3\"", "window must be an integer (got \"3\")"},
        {"padding", "\"0,1\"", "padding must be a list of token indices (got \"0,1\")"},
        {"padding", "[1.5]", "padding must be a list of token indices (got [1.5])"},
        {"source", "{}", "source must be a string (got {})"},
    };
    for (const auto& [key, value, message] : cases) {
        SCOPED_TRACE(key + " = " + value);
        try {
            read("{\"" + key + "\":" + value + "}");
            ADD_FAILURE() << "accepted";
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.field(), key);
            EXPECT_EQ(std::string(e.what()), message);
        }
    }
}

TEST(ConfigJson, BadEnumValueUsesCoresMessage) {
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"tokenize":"bpe"})"); }, "tokenize",
                                          {"tokenize=bpe must be one of word|char"}));
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"positional":"foo"})"); }, "positional",
                                          {"positional=foo must be one of none|sinusoidal|learned|rope|alibi"}));
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"rope_style":"spiral"})"); }, "rope_style",
                                          {"rope_style=spiral must be one of interleaved|half"}));
    EXPECT_TRUE(test::throws_config_error([] { read(R"({"scale":"log"})"); }, "scale",
                                          {"scale=log must be one of sqrt|linear|none"}));
}

TEST(ConfigJson, NonObjectIsRefused) {
    EXPECT_TRUE(test::throws_config_error([] { read("[]"); }, "config", {"config must be a JSON object"}));
    EXPECT_TRUE(test::throws_config_error([] { read("7"); }, "config", {"config must be a JSON object"}));
}

TEST(ConfigJson, LargeAndZeroNumbersAreKeptExactly) {
    const Config c = read(R"({"seed":18446744073709551615,"n_kv_heads":0,"d_k":0,"temperature":1e-3,"rope_base":1e9})");
    EXPECT_EQ(c.seed, 18446744073709551615ull);
    EXPECT_EQ(c.n_kv_heads, 0);
    EXPECT_EQ(c.d_k, 0);
    EXPECT_EQ(c.temperature, 1e-3);
    EXPECT_EQ(c.rope_base, 1e9);
}

}  // namespace
}  // namespace attnviz
