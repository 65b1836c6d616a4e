#include "core/cost_model.hpp"

#include "test_helpers.hpp"

namespace attnviz::test {
namespace {

const ModelShape& preset(std::string_view prefix) {
    for (const ModelShape& m : model_presets())
        if (m.name.rfind(prefix, 0) == 0) return m;
    throw std::logic_error("no preset " + std::string(prefix));
}

TEST(CostModel, Llama2KvCacheAt4kIsTwoGiB) {
    // 2 · 32 layers · 1 · 4096 · 32 kv heads · 128 · 2 bytes = 2^31 bytes.
    Workload w{preset("Llama 2 7B"), 4096, 1, Precision::Fp16};
    const CostReport r = cost(w);
    EXPECT_EQ(r.kv_cache_bytes, 2.0 * 1024 * 1024 * 1024);
    EXPECT_EQ(r.kv_cache_bytes_per_token, 2.0 * 32 * 32 * 128 * 2);  // 512 KiB per token
}

TEST(CostModel, GqaAndMqaDivideTheCacheByTheGroupSize) {
    Workload w{preset("Llama 3 8B"), 8192, 1, Precision::Bf16};
    const CacheCurve c = cache_curve(w, 8192, 5);
    ASSERT_EQ(c.context.size(), 5u);
    EXPECT_EQ(c.context.back(), 8192.0);
    EXPECT_EQ(c.mha.back(), 4.0 * c.published.back());   // 32 heads / 8 kv heads
    EXPECT_EQ(c.mha.back(), 32.0 * c.mqa.back());
    EXPECT_EQ(c.published.back(), cost(w).kv_cache_bytes);
    EXPECT_EQ(c.mha.front(), 0.0);
}

TEST(CostModel, PrecisionScalesBytesNotFlops) {
    Workload w{preset("Mistral"), 2048, 2, Precision::Fp32};
    const CostReport a = cost(w);
    w.precision = Precision::Int8;
    const CostReport b = cost(w);
    EXPECT_EQ(a.kv_cache_bytes, 4.0 * b.kv_cache_bytes);
    EXPECT_EQ(a.prefill.flops, b.prefill.flops);
}

TEST(CostModel, PrefillIsComputeBoundDecodeIsMemoryBound) {
    const CostReport r = cost(Workload{preset("Llama 2 7B"), 4096, 1, Precision::Fp16});
    // Prefill reuses each weight for 4096 tokens; decode reads every weight and the cache for one.
    EXPECT_GT(r.prefill.intensity(), 100.0 * r.decode_cached.intensity());
    EXPECT_LT(r.decode_cached.intensity(), 4.0);
}

TEST(CostModel, CacheMakesGenerationLinearPerStepRecomputeQuadratic) {
    Workload w{preset("Llama 2 7B"), 1024, 1, Precision::Fp16};
    const CostReport small = cost(w);
    w.context = 4096;
    const CostReport big = cost(w);
    // Per-step cost with a cache grows ~linearly in T (projection constant + T pairs) ...
    EXPECT_LT(big.decode_cached.flops / small.decode_cached.flops, 4.0);
    // ... and the recompute step grows linearly too but with the K/V projections of all T tokens,
    // so over a whole generation the no-cache total is far larger.
    EXPECT_GT(big.generate_flops_recompute / big.generate_flops_cached, 10.0);
    EXPECT_GT(big.decode_recompute.flops, 10.0 * big.decode_cached.flops);
}

TEST(CostModel, CausalPrefillHalvesThePairs) {
    // A tiny model where the pair term dominates: d_model 1, so projections are negligible.
    Workload w{ModelShape{"toy", 1, 1, 1, 1, 1, ""}, 100, 1, Precision::Fp32, true};
    const double causal = cost(w).prefill.flops;
    w.causal = false;
    const double full = cost(w).prefill.flops;
    // projections 2·(1·1·3 + 1) = 8 per token; pairs 4 per pair: causal 100·8 + 5050·4, full 100·8 + 10000·4.
    EXPECT_EQ(causal, 800.0 + 5050.0 * 4.0);
    EXPECT_EQ(full, 800.0 + 10000.0 * 4.0);
}

TEST(CostModel, ValidationNamesTheField) {
    Workload w{preset("Llama 2 7B"), 4096, 1, Precision::Fp16};
    w.model.kv_heads = 5;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "kv_heads", {"kv_heads=5", "divide"}));
    w.model.kv_heads = 8;
    w.context = 0;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "context", {"context=0"}));
    w.context = 4096;
    w.batch = 100000;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "batch"));
    EXPECT_TRUE(throws_config_error([] { parse_precision("fp8"); }, "precision", {"fp8", "bf16"}));
    EXPECT_EQ(parse_precision("bf16"), Precision::Bf16);
}

TEST(CostModel, EveryPresetNamesItsSourceAndIsValid) {
    for (const ModelShape& m : model_presets()) {
        EXPECT_NE(m.source.find("https://"), std::string::npos) << m.name;
        EXPECT_NO_THROW(cost(Workload{m, 4096, 1, Precision::Fp16})) << m.name;
    }
}

TEST(LayerComparison, AttentionIsTable1WithNumbers) {
    const LayerComparison c = compare_layers(6, 64);
    EXPECT_EQ(c.attention_ops, 6.0 * 6 * 64);
    EXPECT_EQ(c.recurrent_ops, 6.0 * 64 * 64);
    EXPECT_EQ(c.attention_sequential, 1.0);
    EXPECT_EQ(c.recurrent_sequential, 6.0);
    EXPECT_EQ(c.recurrent_path, 6.0);
}

}  // namespace
}  // namespace attnviz::test
