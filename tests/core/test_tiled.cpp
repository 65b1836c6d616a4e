#include "core/tiled.hpp"

#include "core/attention.hpp"
#include "test_helpers.hpp"

#include <cmath>

namespace attnviz::test {
namespace {

std::string words(int n) {
    static const char* vocab[] = {"the", "cat", "sat", "on", "mat", "dog", "ran", "far", "a", "big", "red", "sun"};
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? " " : "") + std::string(vocab[(i * 7 + 3) % 12]);
    return s;
}

void expect_tiled_equals_exact(const Config& c, std::initializer_list<std::pair<int, int>> blocks) {
    const Trace t = run(c);
    for (auto [bq, bk] : blocks) {
        const Stack tiled = tiled_head_outputs(t, bq, bk);
        for (int a = 0; a < c.n_heads; ++a)
            EXPECT_TRUE(all_close(tiled[static_cast<std::size_t>(a)], t.head_outputs[static_cast<std::size_t>(a)], 2e-6f))
                << "Br=" << bq << " Bc=" << bk << " head " << a << " n=" << t.n;
    }
}

TEST(Tiled, EqualsTheExactPathForBlocksThatDoNotDivideN) {
    for (int n : {1, 5, 13, 31}) {
        Config c;
        c.text = words(n);
        expect_tiled_equals_exact(c, {{1, 1}, {2, 3}, {4, 4}, {5, 7}, {64, 64}, {3, 100}});
    }
}

TEST(Tiled, CausalPaddingWindowAlibiAndGqa) {
    Config c;
    c.text = words(23);
    c.causal = true;
    c.padding = {0, 4, 5};
    c.n_heads = 4;
    c.n_kv_heads = 2;
    expect_tiled_equals_exact(c, {{4, 4}, {3, 5}, {8, 2}});
    c.window = 3;
    c.positional = Positional::Alibi;
    expect_tiled_equals_exact(c, {{4, 4}, {3, 5}, {1, 16}});
    c.positional = Positional::Rope;
    c.causal = false;
    expect_tiled_equals_exact(c, {{5, 3}});
}

TEST(Tiled, CrossAttentionWithNDifferentFromM) {
    Config c;
    c.text = words(9);
    c.source = words(14);
    c.padding = {2};
    expect_tiled_equals_exact(c, {{4, 5}, {2, 3}});
}

TEST(Tiled, FullyMaskedRowsAreZeroLikeTheExactPath) {
    Config c;
    c.text = words(6);
    c.padding = {0, 1, 2, 3, 4, 5};  // nobody sees anything
    const Trace t = run(c);
    const MatRM o = tiled_head_output(t, 0, 2, 2);
    EXPECT_TRUE(o.isZero(0.0f));
    EXPECT_TRUE(all_close(o, t.head_outputs[0], 0.0f));
    // Causal with key 0 padded: query 0 sees nothing, the others see something.
    c.padding = {0};
    c.causal = true;
    const Trace tc = run(c);
    const MatRM oc = tiled_head_output(tc, 1, 2, 2);
    EXPECT_TRUE(oc.row(0).isZero(0.0f));
    EXPECT_TRUE(all_close(oc, tc.head_outputs[1], 2e-6f));
}

TEST(Tiled, HugeLogitsStayFinite) {
    Config c;
    c.text = words(10);
    c.scale = ScaleMode::None;
    c.temperature = 1e-4;  // logits in the thousands: exp() overflows without the running max
    const Trace t = run(c);
    const MatRM o = tiled_head_output(t, 0, 3, 3);
    EXPECT_TRUE(all_finite(o));
    EXPECT_TRUE(all_close(o, t.head_outputs[0], 1e-5f));
}

TEST(TiledReplay, RecordsEveryTileAndEndsAtTheFastResult) {
    Config c;
    c.text = words(7);
    c.causal = true;
    const Trace t = run(c);
    const TiledReplay r = tiled_replay(t, 2, 3, 2);
    // ⌈7/3⌉ = 3 query blocks × ⌈7/2⌉ = 4 key blocks.
    ASSERT_EQ(r.tiles.size(), 12u);
    EXPECT_TRUE(all_close(r.output, tiled_head_output(t, 2, 3, 2), 0.0f));
    // Causal: the tile of rows [0, 3) × keys [4, 6) lies above the diagonal and is skipped.
    const TileRecord& above = r.tiles[2];
    EXPECT_EQ(above.q0, 0);
    EXPECT_EQ(above.k0, 4);
    EXPECT_TRUE(above.skipped);
    for (const TileRecord& tile : r.tiles) {
        ASSERT_EQ(tile.m_after.size(), static_cast<std::size_t>(tile.q1 - tile.q0));
        for (std::size_t i = 0; i < tile.m_after.size(); ++i) {
            EXPECT_GE(tile.m_after[i], tile.m_before[i]);   // the running max never falls
            EXPECT_LE(tile.rescale[i], 1.0f);
            EXPECT_GE(tile.l_after[i], tile.l_before[i] * tile.rescale[i] - 1e-6f);
        }
    }
    // After a query block's last tile, O / ℓ is the output.
    const TileRecord& last = r.tiles[3];
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(all_close(last.O_after.row(i) / last.l_after[static_cast<std::size_t>(i)], r.output.row(i), 1e-6f));
}

TEST(TiledReplay, RescaleIsExpOfTheMaxIncrease) {
    Config c;
    c.text = words(8);
    const Trace t = run(c);
    const TiledReplay r = tiled_replay(t, 0, 8, 1);  // one query block, one key per tile
    for (std::size_t k = 1; k < r.tiles.size(); ++k)
        for (std::size_t i = 0; i < 8; ++i)
            EXPECT_NEAR(r.tiles[k].rescale[i], std::exp(r.tiles[k].m_before[i] - r.tiles[k].m_after[i]), 1e-6f);
    // Running max after the last tile is the row max of the logits.
    const MatRM logits = t.logits(0);
    for (int i = 0; i < 8; ++i)
        EXPECT_NEAR(r.tiles.back().m_after[static_cast<std::size_t>(i)], logits.row(i).maxCoeff(), 1e-6f);
}

TEST(Tiled, BadBlockSizesNameTheirField) {
    const Trace t = run(Config{});
    EXPECT_TRUE(throws_config_error([&] { tiled_head_output(t, 0, 0, 4); }, "block_q", {"block_q=0"}));
    EXPECT_TRUE(throws_config_error([&] { tiled_head_output(t, 0, 4, -1); }, "block_k", {"block_k=-1"}));
}

TEST(Tiled, HugeBlocksCostOnlyTheSequenceAndHugeReplaysAreRefused) {
    const Trace t = run(Config{});
    // Scratch is capped at the sequence: 200 000² floats would be 160 GB.
    EXPECT_TRUE(all_close(tiled_head_output(t, 0, 200000, 200000), t.head_outputs[0], 2e-6f));
    Config c;
    c.text.clear();
    for (int i = 0; i < 2000; ++i) c.text += "w ";  // 1 × 1 tiles: 4 M records × 21 floats > 64 Mi
    const Trace big = run(c);
    EXPECT_TRUE(throws_config_error([&] { tiled_replay(big, 0, 1, 1); }, "block_q", {"too many"}));
}

TEST(Tiled, ExtraMemoryByHand) {
    // n = m = 1024, d_v = 64, Br = Bc = 64: exact 2·1024²·4 = 8 MiB; tiled (64·64 + 64·64 + 128)·4 = 33280 B.
    const ExtraMemory e = attention_extra_memory(1024, 1024, 64, 64, 64);
    EXPECT_EQ(e.exact_bytes, 8u * 1024u * 1024u);
    EXPECT_EQ(e.tiled_bytes, 33280u);
    // Blocks larger than the sequence cost only what the sequence needs.
    EXPECT_EQ(attention_extra_memory(4, 4, 2, 64, 64).tiled_bytes, (16u + 8u + 8u) * 4u);
}

}  // namespace
}  // namespace attnviz::test
