// The cost model: hand-computed cache sizes and intensities for Llama 2 7B, GQA/MQA ratios, the
// sliding window, pair counts against brute force, how cached and uncached decoding grow, the
// 64-bit bounds, validation messages, the presets and Table 1.
//
// Key: L = layers, B = batch, T = context, h = heads, kv = K/V heads, d_h = head width,
// d = d_model, W = window, P = projection FLOPs per token, F = FLOPs per (query, key) pair.
#include "core/cost_model.hpp"

#include "test_helpers.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz::test {
namespace {

const ModelShape& preset(std::string_view prefix) {
    for (const ModelShape& m : model_presets())
        if (m.name.rfind(prefix, 0) == 0) return m;
    throw std::logic_error("no preset " + std::string(prefix));
}

// d = h = kv = d_h = 1: P = 2·(1·1·3 + 1) = 8 and F = 4, so FLOPs = 8·tokens + 4·pairs.
ModelShape unit_shape() { return ModelShape{"unit", 1, 1, 1, 1, 1, "", 0}; }

// Small enough that every count below 2^53 is exact in a double.
ModelShape small_shape() { return ModelShape{"small", 2, 4, 2, 8, 32, "", 0}; }

Workload at(const ModelShape& m, long long T, int batch = 1, Precision p = Precision::Fp16) {
    Workload w;
    w.model = m;
    w.context = T;
    w.batch = batch;
    w.precision = p;
    return w;
}

TEST(CostModel, Llama2KvCacheAt4kIsTwoGiB) {
    // 2 · 32 layers · 1 · 4096 · 32 kv heads · 128 · 2 bytes = 2^1·2^5·2^12·2^5·2^7·2^1 = 2^31 bytes.
    const CostReport r = cost(at(preset("Llama 2 7B"), 4096));
    EXPECT_EQ(r.kv_cache_bytes, 2.0 * 1024 * 1024 * 1024);
    EXPECT_EQ(r.kv_cache_bytes_per_token, 2.0 * 32 * 32 * 128 * 2);  // 512 KiB per token
    EXPECT_EQ(r.cached_tokens, 4096);
}

// GPT-2 small (12 layers, 12 heads of 64) at its full 1024 tokens in fp16: 2·12·1024·12·64·2 = 36 MiB.
TEST(CostModel, KvCacheBytesOfOneSequence) {
    const ModelShape gpt2{"gpt2", 12, 12, 12, 64, 768, "", 0};
    EXPECT_DOUBLE_EQ(kv_cache_bytes(gpt2, 1024, Precision::Fp16), 36.0 * 1024 * 1024);
    EXPECT_DOUBLE_EQ(kv_cache_bytes(gpt2, 1, Precision::Fp32), 2.0 * 12 * 12 * 64 * 4);
    EXPECT_THROW(kv_cache_bytes(gpt2, 0, Precision::Fp32), ConfigError);
}

TEST(CostModel, GqaAndMqaDivideTheCacheByTheGroupSize) {
    const Workload w = at(preset("Llama 3 8B"), 8192, 1, Precision::Bf16);
    const CacheCurve c = cache_curve(w, 8192, 5);
    ASSERT_EQ(c.context.size(), 5u);
    EXPECT_EQ(c.context.front(), 0.0);
    EXPECT_EQ(c.context[1], 2048.0);
    EXPECT_EQ(c.context.back(), 8192.0);
    for (std::size_t k = 0; k < c.context.size(); ++k) {
        EXPECT_EQ(c.mha[k], 4.0 * c.published[k]);  // 32 heads / 8 kv heads
        EXPECT_EQ(c.mha[k], 32.0 * c.mqa[k]);
        EXPECT_EQ(c.mqa[k], 2.0 * 32 * 1 * 128 * 2 * c.context[k]);  // linear in T, 16 KiB per token
    }
    EXPECT_EQ(c.published.back(), cost(w).kv_cache_bytes);
    // Falcon is MQA as published; Llama 2 7B is MHA as published.
    const CacheCurve falcon = cache_curve(at(preset("Falcon"), 4096), 4096, 3);
    EXPECT_EQ(falcon.published, falcon.mqa);
    EXPECT_EQ(falcon.mha.back(), 71.0 * falcon.mqa.back());
    const CacheCurve llama = cache_curve(at(preset("Llama 2 7B"), 4096), 4096, 3);
    EXPECT_EQ(llama.published, llama.mha);
}

TEST(CostModel, SlidingWindowCapsTheCacheAndTheDecodeWork) {
    Workload w = at(preset("Mistral"), 8192);
    ASSERT_EQ(w.model.sliding_window, 4096);
    const CostReport full = cost(w);  // the window is off unless asked for
    w.apply_window = true;
    const CostReport windowed = cost(w);
    EXPECT_EQ(windowed.cached_tokens, 4096);
    EXPECT_EQ(windowed.kv_cache_bytes, full.kv_cache_bytes / 2);
    w.context = 4096;
    EXPECT_EQ(cost(w).decode_cached.flops, windowed.decode_cached.flops);  // past W a step costs the same
    EXPECT_EQ(cost(w).kv_cache_bytes, windowed.kv_cache_bytes);
    const CacheCurve c = cache_curve(w, 16384, 5);  // T = 0, 4096, 8192, 12288, 16384
    EXPECT_GT(c.published[1], 0.0);
    EXPECT_EQ(c.published[1], c.published[4]);
    EXPECT_EQ(c.mha[2], c.mha[3]);
}

TEST(CostModel, PairCountsMatchBruteForce) {
    // With the unit shape, prefill FLOPs = 8·T + 4·pairs, so the pairs can be read back exactly.
    for (long long W : {0LL, 1LL, 3LL, 5LL, 12LL})
        for (long long T = 1; T <= 10; ++T)
            for (bool causal : {true, false}) {
                Workload w = at(ModelShape{"unit", 1, 1, 1, 1, 1, "", W}, T);
                w.apply_window = true;
                w.causal = causal;
                double pairs = 0, generation_pairs = 0;
                for (long long i = 0; i < T; ++i)
                    for (long long j = 0; j < T; ++j) {
                        const long long dist = i - j;
                        const bool in_window = W == 0 || std::abs(dist) < W;
                        if (in_window && (!causal || dist >= 0)) pairs += 1;
                        if (in_window && dist >= 0) generation_pairs += 1.0 * static_cast<double>(T - i);  // in every prefix holding i
                    }
                const CostReport r = cost(w);
                EXPECT_EQ(r.prefill.flops, 8.0 * T + 4.0 * pairs) << "T=" << T << " W=" << W << " causal=" << causal;
                // Σ_{t=1..T} (8·t + 4·causal pairs of a t-token prefix).
                EXPECT_EQ(r.generate_flops_recompute, 8.0 * T * (T + 1) / 2 + 4.0 * generation_pairs) << "T=" << T << " W=" << W;
            }
}

TEST(CostModel, CausalPrefillHalvesThePairs) {
    // Unit shape at T = 100: causal 100·8 + 5050·4 (pairs 100·101/2), full 100·8 + 10000·4.
    Workload w = at(unit_shape(), 100, 1, Precision::Fp32);
    EXPECT_EQ(cost(w).prefill.flops, 800.0 + 5050.0 * 4.0);
    w.causal = false;
    EXPECT_EQ(cost(w).prefill.flops, 800.0 + 10000.0 * 4.0);
    EXPECT_EQ(cost(w).decode_recompute.flops, 800.0 + 5050.0 * 4.0);  // decoding is causal regardless
}

TEST(CostModel, PrecisionScalesBytesNotFlops) {
    Workload w = at(preset("Mistral"), 2048, 2, Precision::Fp32);
    const CostReport a = cost(w);
    w.precision = Precision::Int8;
    const CostReport b = cost(w);
    EXPECT_EQ(a.kv_cache_bytes, 4.0 * b.kv_cache_bytes);
    EXPECT_EQ(a.prefill.bytes, 4.0 * b.prefill.bytes);
    EXPECT_EQ(a.decode_cached.bytes, 4.0 * b.decode_cached.bytes);
    EXPECT_EQ(a.prefill.flops, b.prefill.flops);
}

TEST(CostModel, PrefillIsComputeBoundDecodeIsMemoryBound) {
    // Llama 2 7B, T = 4096, fp16, batch 1. Per layer: weights E = 4·4096² = 2^26 elements,
    // P = 2E = 2^27, F = 4·32·128 = 2^14, causal pairs 4096·4097/2 = 8,390,656.
    // Prefill: FLOPs 32·(4096·2^27 + 8,390,656·2^14); bytes = weights 32·2^26·2 = 2^32
    //   + cache 2^31 + activations 32·2·4096·4096·2 = 2^31 = 2^33;
    //   intensity = 2^44/2^33 + 8,390,656/2^14 = 2048 + 512.125 = 2560.125 FLOP/B.
    // Decode: FLOPs 32·(2^27 + 4096·2^14) = 32·(2^27 + 2^26); bytes 2^32 + 2^31 + 32·2·4096·2:
    //   every 2-byte weight and cache element is used for one MAC (2 FLOPs), so the intensity
    //   is 1 less the activations' share: (2^27 + 2^26) / (2^27 + 2^26 + 2^14).
    const CostReport r = cost(at(preset("Llama 2 7B"), 4096));
    EXPECT_DOUBLE_EQ(r.prefill.flops, 21991306297344.0);
    EXPECT_DOUBLE_EQ(r.prefill.bytes, 8589934592.0);
    EXPECT_DOUBLE_EQ(r.prefill.intensity(), 2560.125);
    EXPECT_DOUBLE_EQ(r.decode_cached.intensity(), 201326592.0 / 201342976.0);
    EXPECT_GT(r.prefill.intensity(), 2000.0 * r.decode_cached.intensity());
}

TEST(CostModel, GroupedHeadsAndBatchingRaiseDecodeIntensity) {
    // Same d, h, d_h and FLOPs per step; GQA reads a quarter of the cache.
    const double mha = cost(at(preset("Llama 2 7B"), 4096)).decode_cached.intensity();
    const double gqa = cost(at(preset("Llama 3 8B"), 4096)).decode_cached.intensity();
    EXPECT_GT(gqa, 1.4 * mha);
    // A batch shares one read of the weights (not of the caches, one per sequence).
    const double batched = cost(at(preset("Llama 2 7B"), 4096, 64)).decode_cached.intensity();
    EXPECT_GT(batched, 1.4 * mha);
    // Still memory-bound: each sequence's cache is its own, so per sequence 2^27 + 2^26 FLOPs
    // against a 2^26-element (2^27-byte) cache caps the intensity below 3 at any batch.
    EXPECT_LT(batched, 3.0);
}

TEST(CostModel, CachedStepsGrowLinearlyUncachedQuadratically) {
    // Per step: with a cache P + T·F (linear in T); without, T·P + T(T+1)/2·F (quadratic), whose
    // second difference over steps of s tokens is F·s². Here L·B·F = 2·3·(4·4·8) = 768.
    const ModelShape m = small_shape();
    auto step = [&](long long T) { return cost(at(m, T, 3)); };
    const double F = 2.0 * 3 * 4 * 4 * 8;
    const long long s = 100;
    const CostReport a = step(s), b = step(2 * s), c = step(3 * s);
    EXPECT_EQ(c.decode_cached.flops - 2 * b.decode_cached.flops + a.decode_cached.flops, 0.0);
    EXPECT_EQ(b.decode_cached.flops - a.decode_cached.flops, F * s);
    EXPECT_EQ(c.decode_recompute.flops - 2 * b.decode_recompute.flops + a.decode_recompute.flops, F * s * s);
    // Over a generation each extra token adds one step: a cached step, or a whole prefill.
    for (long long T : {1LL, 7LL, 150LL}) {
        const CostReport now = step(T), next = step(T + 1);
        EXPECT_EQ(next.generate_flops_cached - now.generate_flops_cached, next.decode_cached.flops) << "T=" << T;
        EXPECT_EQ(next.generate_flops_recompute - now.generate_flops_recompute, next.decode_recompute.flops) << "T=" << T;
        EXPECT_EQ(now.generate_flops_cached, now.prefill.flops);  // token by token with a cache = one causal prefill
    }
}

TEST(CostModel, WithoutACacheAGenerationCostsBetweenTOverThreeAndTOverTwoTimesMore) {
    // Cached: Σ_t (P + t·F) = T·P + T(T+1)/2·F. Uncached: Σ_t (t·P + t(t+1)/2·F)
    // = T(T+1)/2·P + T(T+1)(T+2)/6·F. Their ratio, (T+1)/2 · (P + (T+2)/3·F) / (P + (T+1)/2·F),
    // lies between (T+2)/3 (pairs dominate) and (T+1)/2 (projections dominate).
    for (long long T : {512LL, 4096LL, 8192LL}) {
        const ModelShape& m = preset("Llama 2 7B");
        const CostReport r = cost(at(m, T));
        const double t = static_cast<double>(T), P = 2.0 * 4 * 4096 * 4096, F = 4.0 * 32 * 128;
        const double ratio = r.generate_flops_recompute / r.generate_flops_cached;
        EXPECT_NEAR(ratio, (t + 1) / 2 * (P + (t + 2) / 3 * F) / (P + (t + 1) / 2 * F), 1e-9 * ratio) << "T=" << T;
        EXPECT_GT(ratio, (t + 2) / 3) << "T=" << T;
        EXPECT_LT(ratio, (t + 1) / 2) << "T=" << T;
    }
}

TEST(CostModel, LargestAcceptedWorkloadStaysInside64Bits) {
    // 2 · 256 · 1024 · 2^24 · 256 · 512 · 4 = 2^62 bytes of cache, counted exactly.
    Workload w = at(ModelShape{"max", CostLimits::max_layers, CostLimits::max_heads, CostLimits::max_heads,
                               CostLimits::max_d_head, CostLimits::max_d_model, "", 0},
                    CostLimits::max_context, CostLimits::max_batch, Precision::Fp32);
    const CostReport r = cost(w);
    EXPECT_EQ(r.kv_cache_bytes, std::ldexp(1.0, 62));
    EXPECT_GT(r.prefill.bytes, r.kv_cache_bytes);
    EXPECT_LT(r.prefill.bytes, std::ldexp(1.0, 63));
    EXPECT_TRUE(std::isfinite(r.generate_flops_recompute));
    w.context += 1;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "context", {"context=16777217", "16777216"}));
}

TEST(CostModel, ValidationNamesFieldValueAndRule) {
    Workload w = at(preset("Llama 2 7B"), 4096);
    w.model.kv_heads = 5;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "kv_heads", {"kv_heads=5", "divide", "heads=32"}));
    w.model.kv_heads = 64;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "kv_heads", {"kv_heads=64", "between 1 and 32"}));
    w.model.kv_heads = 8;
    w.model.layers = 0;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "layers", {"layers=0", "between 1 and 256"}));
    w.model.layers = 32;
    w.model.d_head = 513;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "d_head", {"d_head=513"}));
    w.model.d_head = 128;
    w.model.sliding_window = -1;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "sliding_window", {"sliding_window=-1"}));
    w.model.sliding_window = 0;
    w.context = 0;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "context", {"context=0"}));
    w.context = 4096;
    w.batch = 100000;
    EXPECT_TRUE(throws_config_error([&] { cost(w); }, "batch", {"batch=100000", "1024"}));
    w.batch = 1;
    EXPECT_TRUE(throws_config_error([&] { cache_curve(w, 4096, 1); }, "points", {"points=1"}));
    EXPECT_TRUE(throws_config_error([&] { cache_curve(w, 0, 8); }, "max_context", {"max_context=0"}));
    EXPECT_TRUE(throws_config_error([] { parse_precision("fp8"); }, "precision", {"fp8", "bf16"}));
    EXPECT_EQ(parse_precision("bf16"), Precision::Bf16);
    EXPECT_EQ(bytes_per_element(parse_precision("int8")), 1);
}

TEST(CostModel, EveryPresetNamesItsSourceAndIsConsistent) {
    ASSERT_GE(model_presets().size(), 5u);
    for (const ModelShape& m : model_presets()) {
        const std::string& s = m.source;
        EXPECT_EQ(s.rfind("https://huggingface.co/", 0), 0u) << m.name;
        EXPECT_EQ(s.substr(s.size() - std::string("config.json").size()), "config.json") << m.name;
        EXPECT_EQ(m.heads * m.d_head, m.d_model) << m.name;  // d_h = hidden_size / heads in every one
        EXPECT_NO_THROW(cost(at(m, 4096))) << m.name;
    }
    EXPECT_EQ(preset("Falcon").kv_heads, 1);
    EXPECT_EQ(preset("Llama 2 70B").layers, 80);
    EXPECT_EQ(preset("Llama 2 7B").sliding_window, 0);
}

TEST(LayerComparison, Table1WithNumbers) {
    // n = 6 tokens, d = 64, k = 3: attention 6²·64 = 2304, recurrent 6·64² = 24576,
    // convolutional 3·6·64² = 73728; paths 1, 6 and ⌈log_3 6⌉ = 2.
    const LayerComparison c = compare_layers(6, 64);
    EXPECT_EQ(c.attention_ops, 2304.0);
    EXPECT_EQ(c.recurrent_ops, 24576.0);
    EXPECT_EQ(c.convolutional_ops, 73728.0);
    EXPECT_EQ(c.attention_sequential, 1.0);
    EXPECT_EQ(c.recurrent_sequential, 6.0);
    EXPECT_EQ(c.convolutional_sequential, 1.0);
    EXPECT_EQ(c.attention_path, 1.0);
    EXPECT_EQ(c.recurrent_path, 6.0);
    EXPECT_EQ(c.convolutional_path, 2.0);
    const std::vector<Table1Row> rows = c.rows();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].complexity, "O(n²·d)");
    EXPECT_EQ(rows[1].sequential, "O(n)");
    EXPECT_EQ(rows[2].path, "O(log_k(n))");
    EXPECT_EQ(rows[1].ops, c.recurrent_ops);
    EXPECT_EQ(rows[2].path_length, c.convolutional_path);
    // n²·d against n·d²: attention is the cheaper layer exactly while n < d.
    EXPECT_EQ(compare_layers(64, 64).attention_ops, compare_layers(64, 64).recurrent_ops);
    EXPECT_GT(compare_layers(65, 64).attention_ops, compare_layers(65, 64).recurrent_ops);
    // Dilated path: exact powers of k need exactly log_k n layers.
    EXPECT_EQ(compare_layers(9, 8, 3).convolutional_path, 2.0);
    EXPECT_EQ(compare_layers(10, 8, 3).convolutional_path, 3.0);
    EXPECT_EQ(compare_layers(1, 8, 3).convolutional_path, 1.0);
    EXPECT_TRUE(throws_config_error([] { compare_layers(6, 64, 1); }, "k", {"k=1"}));
    EXPECT_TRUE(throws_config_error([] { compare_layers(0, 64); }, "n", {"n=0"}));
}

}  // namespace
}  // namespace attnviz::test
