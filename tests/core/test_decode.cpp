#include "core/decode.hpp"

#include "test_helpers.hpp"

#include <limits>

namespace attnviz::test {
namespace {

struct Case {
    const char* name;
    int heads, kv;
    Positional pos;
    RopeStyle style = RopeStyle::Interleaved;
    int window = 0;
    std::vector<int> padding = {};
};

Config config_for(const Case& k) {
    Config c;
    c.text = "the cat sat on the mat and looked at the dog by the door";
    c.n_heads = k.heads;
    c.n_kv_heads = k.kv;
    c.positional = k.pos;
    c.rope_style = k.style;
    c.window = k.window;
    c.padding = k.padding;
    return c;
}

// Decoding is causal: every step must reproduce its row of the full causal forward pass.
void expect_matches_full(const Case& k, int prefill) {
    SCOPED_TRACE(std::string(k.name) + " prefill " + std::to_string(prefill));
    Config c = config_for(k);
    const Inputs in = prepare(c);
    const Weights w = make_weights(in.config);
    Inputs causal = in;
    causal.config.causal = true;
    const Trace full = forward(causal, w);
    const int n = full.n;
    const DecodeTrace dt = run_decode(in, w, prefill, n - prefill);
    ASSERT_EQ(static_cast<int>(dt.steps.size()), n - prefill);
    EXPECT_TRUE(all_close(dt.prefill_trace.output, full.output.topRows(prefill), 1e-5f));
    for (const DecodeStep& s : dt.steps) {
        const int t = s.position;
        EXPECT_TRUE(all_close(s.output, full.output.row(t), 2e-5f)) << "step at t = " << t;
        for (int a = 0; a < c.n_heads; ++a) {
            const auto ua = static_cast<std::size_t>(a);
            EXPECT_TRUE(all_close(s.head_outputs[ua], full.head_outputs[ua].row(t), 2e-5f)) << "head " << a;
            EXPECT_TRUE(all_close(s.q[ua], full.Q[ua].row(t), 1e-5f));
            // The cache row for position p holds full.K's row p; its weight is A[t, p].
            for (std::size_t e = 0; e < s.cache_positions.size(); ++e) {
                const int p = s.cache_positions[e];
                EXPECT_NEAR(s.weights[ua](0, static_cast<Eigen::Index>(e)), full.weights[ua](t, p), 1e-6f);
            }
            // Every position the full row gives weight to is in the cache.
            float held = 0.0f;
            for (std::size_t e = 0; e < s.cache_positions.size(); ++e)
                held += full.weights[ua](t, s.cache_positions[e]);
            EXPECT_NEAR(held, full.weights[ua].row(t).sum(), 1e-5f);
        }
        const auto g0 = static_cast<std::size_t>(0);
        EXPECT_TRUE(all_close(s.K_cache[g0].bottomRows(1), full.K[g0].row(t), 1e-5f));
        EXPECT_TRUE(all_close(s.V_cache[g0].bottomRows(1), full.V[g0].row(t), 1e-5f));
    }
}

const Case kCases[] = {
    {"MHA sinusoidal", 4, 4, Positional::Sinusoidal},
    {"GQA sinusoidal", 4, 2, Positional::Sinusoidal},
    {"MQA sinusoidal", 4, 1, Positional::Sinusoidal},
    {"MHA RoPE interleaved", 4, 4, Positional::Rope},
    {"GQA RoPE half", 4, 2, Positional::Rope, RopeStyle::Half},
    {"MQA RoPE", 8, 1, Positional::Rope},
    {"ALiBi GQA", 4, 2, Positional::Alibi},
    {"learned", 2, 2, Positional::Learned},
    {"no positions", 2, 1, Positional::None},
    {"window 3 RoPE GQA", 4, 2, Positional::Rope, RopeStyle::Interleaved, 3},
    {"window 1", 4, 4, Positional::Sinusoidal, RopeStyle::Interleaved, 1},
    {"padding", 4, 2, Positional::Rope, RopeStyle::Interleaved, 0, {1, 4}},
    {"padding + window", 4, 1, Positional::Alibi, RopeStyle::Interleaved, 4, {0, 6}},
};

TEST(Decode, EveryStepEqualsTheFullCausalRow) {
    for (const Case& k : kCases)
        for (int prefill : {1, 3, 7}) expect_matches_full(k, prefill);
}

TEST(Decode, PrefillOfEverythingLeavesNoSteps) {
    const Inputs in = prepare(config_for(kCases[0]));
    const Weights w = make_weights(in.config);
    const int n = static_cast<int>(in.tokens.size());
    const DecodeTrace dt = run_decode(in, w, n, 0);
    EXPECT_TRUE(dt.steps.empty());
    EXPECT_EQ(dt.prefill_trace.n, n);
}

TEST(Decode, SlidingWindowCacheHoldsTheLastWEntries) {
    Case k = kCases[9];  // window 3
    const Inputs in = prepare(config_for(k));
    const Weights w = make_weights(in.config);
    Decoder dec(in, w, 5);
    EXPECT_EQ(dec.cache_positions(), (std::vector<int>{2, 3, 4}));
    while (!dec.done()) {
        const DecodeStep& s = dec.step();
        ASSERT_EQ(s.cache_positions.size(), 3u);
        EXPECT_EQ(s.cache_positions, (std::vector<int>{s.position - 2, s.position - 1, s.position}));
        EXPECT_EQ(s.K_cache[0].rows(), 3);
    }
}

TEST(Decode, IncrementalDecoderMatchesRunDecode) {
    const Inputs in = prepare(config_for(kCases[4]));
    const Weights w = make_weights(in.config);
    const DecodeTrace dt = run_decode(in, w, 2, 5);
    Decoder dec(in, w, 2);
    for (const DecodeStep& expected : dt.steps) {
        const DecodeStep& s = dec.step();
        EXPECT_EQ(s.position, expected.position);
        EXPECT_TRUE(all_close(s.output, expected.output, 0.0f));
    }
    EXPECT_EQ(dec.position(), 7);
}

TEST(Decode, WorkAndBytesByHand) {
    // d = 8, h = 2, kv = 1, d_k = d_v = 4; text of 3 tokens, prefill 2, one step at t = 2, c = 3.
    Config c;
    c.text = "a b c";
    c.d_model = 8;
    c.n_heads = 2;
    c.n_kv_heads = 1;
    const Inputs in = prepare(c);
    const Weights w = make_weights(in.config);
    Decoder dec(in, w, 2);
    EXPECT_EQ(dec.cache_bytes(), 1u * 2u * (4u + 4u) * sizeof(float));
    const DecodeStep& s = dec.step();
    // cached:    8·(2·4 + 4 + 4) = 128 projection + 2·3·(4+4) = 48 scores and sum + 2·4·8 = 64 W_O → 240
    // recompute: 3·128 = 384 + 2·9·8 = 144 + 3·64 = 192 → 720
    EXPECT_EQ(s.macs_cached, 240);
    EXPECT_EQ(s.macs_recompute, 720);
    EXPECT_EQ(s.pairs_scored, 6);
    EXPECT_EQ(s.cache_bytes, 1u * 3u * 8u * sizeof(float));
    EXPECT_TRUE(dec.done());
}

TEST(Decode, GqaAndMqaShrinkTheCache) {
    std::size_t bytes[3];
    int k = 0;
    for (int kv : {4, 2, 1}) {
        Config c;
        c.n_kv_heads = kv;
        const Inputs in = prepare(c);
        Decoder dec(in, make_weights(in.config), 6);
        bytes[k++] = dec.cache_bytes();
    }
    EXPECT_EQ(bytes[0], 2 * bytes[1]);
    EXPECT_EQ(bytes[0], 4 * bytes[2]);
}

TEST(Decode, BadArgumentsNameTheirField) {
    const Inputs in = prepare(Config{});
    const Weights w = make_weights(in.config);
    EXPECT_TRUE(throws_config_error([&] { Decoder(in, w, 0); }, "prefill"));
    EXPECT_TRUE(throws_config_error([&] { Decoder(in, w, 7); }, "prefill"));
    EXPECT_TRUE(throws_config_error([&] { run_decode(in, w, 3, 4); }, "decode_steps"));
    EXPECT_TRUE(throws_config_error([&] { run_decode(in, w, 3, -1); }, "decode_steps"));
    Config cross;
    cross.source = "le chat";
    const Inputs ci = prepare(cross);
    EXPECT_TRUE(throws_config_error([&] { Decoder(ci, make_weights(ci.config), 1); }, "source"));
}

// prefill + steps overflowed int for steps near INT_MAX, the check passed and reserve() threw
// std::bad_alloc.
TEST(Decode, AHugeStepCountIsRefusedWithoutOverflow) {
    const Inputs in = prepare(config_for(kCases[4]));
    const Weights w = make_weights(in.config);
    EXPECT_TRUE(throws_config_error([&] { run_decode(in, w, 2, std::numeric_limits<int>::max()); }, "decode_steps",
                                    {"decode_steps=2147483647 with prefill=2"}));
}

}  // namespace
}  // namespace attnviz::test
