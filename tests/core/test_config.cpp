// Config validation (resolve_sizes), the score multiplier, ALiBi slopes, the GQA head map and
// the option parsers. Every rejection names the field, the value and the rule.
#include "core/config.hpp"

#include "test_helpers.hpp"

#include <cmath>
#include <limits>

namespace attnviz {
namespace {

using test::throws_config_error;

Config with(void (*edit)(Config&)) {
    Config c;
    edit(c);
    return c;
}

// ---- defaults -------------------------------------------------------------------

TEST(ResolveSizes, FillsDefaultsFromDModelAndHeads) {
    // Default config: d_model = 64, h = 4 -> kv = h = 4, d_k = d_v = 64 / 4 = 16.
    const Config c = resolve_sizes(Config{});
    EXPECT_EQ(c.n_kv_heads, 4);
    EXPECT_EQ(c.d_k, 16);
    EXPECT_EQ(c.d_v, 16);
    EXPECT_EQ(c.d_model, 64);
    EXPECT_EQ(c.n_heads, 4);
}

TEST(ResolveSizes, KeepsExplicitSizesAndIsIdempotent) {
    Config in;
    in.d_model = 10;  // not divisible by 3, but d_k and d_v are given, so no default is needed
    in.n_heads = 3;
    in.d_k = 6;
    in.d_v = 5;
    const Config c = resolve_sizes(in);
    EXPECT_EQ(c.d_k, 6);
    EXPECT_EQ(c.d_v, 5);
    EXPECT_EQ(c.n_kv_heads, 3);
    EXPECT_EQ(resolve_sizes(c), c);
}

TEST(ResolveSizes, AcceptsEveryLimitExactly) {
    Config c;
    c.d_model = Limits::max_d_model;  // 4096 / 4 = 1024 = max_d_head
    c.n_heads = 4;
    EXPECT_EQ(resolve_sizes(c).d_k, 1024);
    c.d_model = 64;
    c.n_heads = Limits::max_heads;  // 64 heads of width 1
    EXPECT_EQ(resolve_sizes(c).d_k, 1);
    c = Config{};
    c.temperature = Limits::max_temperature;
    EXPECT_EQ(resolve_sizes(c).temperature, 1e6);
    c.temperature = 1e-6;
    EXPECT_EQ(resolve_sizes(c).temperature, 1e-6);
    c = Config{};
    c.window = Limits::max_tokens;
    EXPECT_EQ(resolve_sizes(c).window, 4096);
    c = Config{};
    c.rope_base = 2.0;
    EXPECT_EQ(resolve_sizes(c).rope_base, 2.0);
}

// ---- each rule --------------------------------------------------------------------

TEST(ResolveSizes, KvHeadsMustDivideHeadsExactMessage) {
    Config c;
    c.n_heads = 8;
    c.n_kv_heads = 3;
    try {
        resolve_sizes(c);
        FAIL() << "n_kv_heads=3 with n_heads=8 was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "n_kv_heads");
        EXPECT_STREQ(e.what(), "n_kv_heads=3 must divide n_heads=8");
    }
}

TEST(ResolveSizes, DModelRange) {
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.d_model = 4097; })); }, "d_model",
                                    {"d_model=4097", "between 1 and 4096"}));
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.d_model = 0; })); }, "d_model",
                                    {"d_model=0", "between 1 and 4096"}));
}

TEST(ResolveSizes, HeadsRange) {
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.n_heads = 65; })); }, "n_heads",
                                    {"n_heads=65", "between 1 and 64"}));
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.n_heads = 0; })); }, "n_heads",
                                    {"n_heads=0", "between 1 and 64"}));
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.n_kv_heads = -1; })); },
                                    "n_kv_heads", {"n_kv_heads=-1", "between 1 and 64"}));
}

TEST(ResolveSizes, DefaultHeadWidthNeedsDivisibleDModel) {
    // 10 / 3 is not whole: the default d_k cannot be formed, and the message says how to fix it.
    EXPECT_TRUE(throws_config_error(
        [] {
            resolve_sizes(with([](Config& c) {
                c.d_model = 10;
                c.n_heads = 3;
            }));
        },
        "d_k", {"d_model=10", "n_heads=3", "not divisible", "set d_k"}));
    EXPECT_TRUE(throws_config_error(
        [] {
            resolve_sizes(with([](Config& c) {
                c.d_model = 10;
                c.n_heads = 3;
                c.d_k = 4;
            }));
        },
        "d_v", {"d_model=10", "n_heads=3", "set d_v"}));
}

TEST(ResolveSizes, HeadWidthRange) {
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.d_k = 1025; })); }, "d_k",
                                    {"d_k=1025", "between 1 and 1024"}));
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.d_v = -2; })); }, "d_v",
                                    {"d_v=-2", "between 1 and 1024"}));
}

TEST(ResolveSizes, RopeNeedsEvenDk) {
    EXPECT_TRUE(throws_config_error(
        [] {
            resolve_sizes(with([](Config& c) {
                c.positional = Positional::Rope;
                c.d_k = 3;
            }));
        },
        "d_k", {"d_k=3", "even", "rope"}));
    // The same odd width is fine without RoPE.
    Config c;
    c.positional = Positional::Sinusoidal;
    c.d_k = 3;
    EXPECT_EQ(resolve_sizes(c).d_k, 3);
}

TEST(ResolveSizes, RopeBaseRange) {
    for (double bad : {1.0, 0.0, -5.0, 2e9, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
        Config c;
        c.rope_base = bad;
        EXPECT_TRUE(throws_config_error([&] { resolve_sizes(c); }, "rope_base",
                                        {"rope_base=", "finite", "between 2 and 1e+09"}))
            << "rope_base " << bad;
    }
    Config c;
    c.rope_base = 1.0;
    EXPECT_TRUE(throws_config_error([&] { resolve_sizes(c); }, "rope_base", {"rope_base=1 "}));
}

TEST(ResolveSizes, TemperatureMustBeFinitePositiveAndBounded) {
    struct Case {
        double t;
        const char* shown;
    };
    for (const Case& k : {Case{0.0, "temperature=0 "}, Case{-1.0, "temperature=-1 "},
                          Case{std::numeric_limits<double>::quiet_NaN(), "temperature=nan "},
                          Case{std::numeric_limits<double>::infinity(), "temperature=inf "},
                          Case{-std::numeric_limits<double>::infinity(), "temperature=-inf "},
                          Case{2e6, "temperature=2e+06 "}}) {
        Config c;
        c.temperature = k.t;
        EXPECT_TRUE(throws_config_error([&] { resolve_sizes(c); }, "temperature",
                                        {k.shown, "must be a finite number between 1e-06 and 1e+06"}));
    }
}

TEST(ResolveSizes, WindowRange) {
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.window = -1; })); }, "window",
                                    {"window=-1", "between 0 and 4096"}));
    EXPECT_TRUE(throws_config_error([] { resolve_sizes(with([](Config& c) { c.window = 4097; })); }, "window",
                                    {"window=4097", "between 0 and 4096"}));
}

TEST(ResolveSizes, CausalCrossAttentionRejected) {
    Config c;
    c.source = "le chat";
    c.causal = true;
    EXPECT_TRUE(throws_config_error([&] { resolve_sizes(c); }, "causal", {"causal=true", "source"}));
    c.causal = false;
    EXPECT_TRUE(resolve_sizes(c).cross());
}

TEST(ResolveSizes, NegativePaddingRejected) {
    Config c;
    c.padding = {0, -2};
    EXPECT_TRUE(throws_config_error([&] { resolve_sizes(c); }, "padding", {"padding=-2", ">= 0"}));
}

// ---- multiplier, slopes, head map -------------------------------------------------

TEST(ScoreMultiplier, EachScaleModeAndTemperature) {
    Config c;
    c.d_k = 16;
    c = resolve_sizes(c);
    c.scale = ScaleMode::Sqrt;
    EXPECT_FLOAT_EQ(score_multiplier(c), 0.25f);  // 1/√16
    c.scale = ScaleMode::Linear;
    EXPECT_FLOAT_EQ(score_multiplier(c), 0.0625f);  // 1/16
    c.scale = ScaleMode::None;
    EXPECT_FLOAT_EQ(score_multiplier(c), 1.0f);
    // T divides: T = 2 halves, T = 0.5 doubles.
    c.scale = ScaleMode::Sqrt;
    c.temperature = 2.0;
    EXPECT_FLOAT_EQ(score_multiplier(c), 0.125f);
    c.temperature = 0.5;
    EXPECT_FLOAT_EQ(score_multiplier(c), 0.5f);
    c.scale = ScaleMode::None;
    c.temperature = 4.0;
    EXPECT_FLOAT_EQ(score_multiplier(c), 0.25f);
}

TEST(AlibiSlope, GeometricSequenceFromThePaper) {
    // m_a = 2^(-8(a+1)/h): h = 8 gives 1/2, 1/4, ..., 1/256 (powers of two, so exact in float).
    for (int a = 0; a < 8; ++a) EXPECT_EQ(alibi_slope(a, 8), std::ldexp(1.0f, -(a + 1))) << "head " << a;
    // h = 4: 1/4, 1/16, 1/64, 1/256.
    for (int a = 0; a < 4; ++a) EXPECT_EQ(alibi_slope(a, 4), std::ldexp(1.0f, -2 * (a + 1))) << "head " << a;
    EXPECT_EQ(alibi_slope(0, 1), 1.0f / 256.0f);
    // h = 16: m_0 = 2^-0.5.
    EXPECT_FLOAT_EQ(alibi_slope(0, 16), 0.70710678f);
}

TEST(KvHeadOf, ConsecutiveQueryHeadsShareAKvHead) {
    const int expected_8_2[] = {0, 0, 0, 0, 1, 1, 1, 1};
    for (int a = 0; a < 8; ++a) {
        EXPECT_EQ(kv_head_of(a, 8, 2), expected_8_2[a]) << "head " << a;
        EXPECT_EQ(kv_head_of(a, 8, 8), a);  // plain MHA
        EXPECT_EQ(kv_head_of(a, 8, 1), 0);  // MQA
    }
    const int expected_6_3[] = {0, 0, 1, 1, 2, 2};
    for (int a = 0; a < 6; ++a) EXPECT_EQ(kv_head_of(a, 6, 3), expected_6_3[a]);
}

// ---- parsers --------------------------------------------------------------------

TEST(ParseEnums, RoundTripEveryName) {
    for (Tokenization v : {Tokenization::Word, Tokenization::Char}) EXPECT_EQ(parse_tokenization(to_string(v)), v);
    for (Positional v : {Positional::None, Positional::Sinusoidal, Positional::Learned, Positional::Rope,
                         Positional::Alibi})
        EXPECT_EQ(parse_positional(to_string(v)), v);
    for (RopeStyle v : {RopeStyle::Interleaved, RopeStyle::Half}) EXPECT_EQ(parse_rope_style(to_string(v)), v);
    for (ScaleMode v : {ScaleMode::Sqrt, ScaleMode::Linear, ScaleMode::None}) EXPECT_EQ(parse_scale(to_string(v)), v);
    EXPECT_EQ(to_string(Positional::Alibi), "alibi");
    EXPECT_EQ(to_string(RopeStyle::Half), "half");
    EXPECT_EQ(to_string(ScaleMode::Linear), "linear");
    EXPECT_EQ(to_string(Tokenization::Char), "char");
}

TEST(ParseEnums, UnknownNamesListTheChoices) {
    try {
        parse_positional("rotary");
        FAIL() << "positional=rotary accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "positional");
        EXPECT_STREQ(e.what(), "positional=rotary must be one of none|sinusoidal|learned|rope|alibi");
    }
    EXPECT_TRUE(throws_config_error([] { parse_tokenization("bpe"); }, "tokenize",
                                    {"tokenize=bpe must be one of word|char"}));
    EXPECT_TRUE(throws_config_error([] { parse_rope_style("neox"); }, "rope_style",
                                    {"rope_style=neox must be one of interleaved|half"}));
    EXPECT_TRUE(
        throws_config_error([] { parse_scale("log"); }, "scale", {"scale=log must be one of sqrt|linear|none"}));
    EXPECT_TRUE(throws_config_error([] { parse_scale(""); }, "scale", {"scale= must be one of"}));
}

TEST(ParseIndexList, GoodInput) {
    EXPECT_EQ(parse_index_list("padding", "0,1, 3"), (std::vector<int>{0, 1, 3}));
    EXPECT_EQ(parse_index_list("padding", "  7 "), (std::vector<int>{7}));
    EXPECT_EQ(parse_index_list("padding", "5,\t2"), (std::vector<int>{5, 2}));
    EXPECT_EQ(parse_index_list("padding", "0"), (std::vector<int>{0}));
    EXPECT_TRUE(parse_index_list("padding", "").empty());
    EXPECT_TRUE(parse_index_list("padding", "   ").empty());
}

TEST(ParseIndexList, BadInputNamesTheFieldAndTheItem) {
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "a"); }, "padding",
                                    {"padding", "'a'", "not a token index"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "1,-1"); }, "padding",
                                    {"'-1'", "not a token index"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "1.5"); }, "padding", {"'1.5'"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "3x"); }, "padding", {"'3x'"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "1 2"); }, "padding", {"'1 2'"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "4097"); }, "padding", {"'4097'"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "99999999999999999999"); }, "padding",
                                    {"'99999999999999999999'"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", "1,,2"); }, "padding",
                                    {"padding=1,,2", "comma-separated list"}));
    EXPECT_TRUE(throws_config_error([] { parse_index_list("padding", ",1"); }, "padding",
                                    {"padding=,1", "comma-separated list"}));
    // The field passed in is the one reported.
    EXPECT_TRUE(throws_config_error([] { parse_index_list("pad", "x"); }, "pad", {"pad: 'x'"}));
}

}  // namespace
}  // namespace attnviz
