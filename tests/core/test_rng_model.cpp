// The seeded generator and the toy model built from it: golden numbers, distribution checks,
// and the determinism the UI relies on (same seed, same model, on every machine).
//
// Golden values were computed independently in Python from the published algorithms:
// SplitMix64 (state += 0x9e3779b97f4a7c15; z = mix(state)), FNV-1a 64, and Box-Muller.
#include "core/model.hpp"
#include "core/rng.hpp"

#include "test_helpers.hpp"

#include <cmath>

namespace attnviz {
namespace {

TEST(Rng, SplitMix64GoldenSequenceForSeedZero) {
    // The reference SplitMix64 outputs for seed 0 (Vigna's splitmix64.c).
    Rng rng(0);
    EXPECT_EQ(rng.next_u64(), 0xe220a8397b1dcdafULL);
    EXPECT_EQ(rng.next_u64(), 0x6e789e6aa1b965f4ULL);
    EXPECT_EQ(rng.next_u64(), 0x06c45d188009454fULL);
    EXPECT_EQ(Rng(42).next_u64(), 0xbdd732262feb6e95ULL);
}

TEST(Rng, UniformUsesTheTop53Bits) {
    // (0xe220a8397b1dcdaf >> 11) · 2^-53 = 0.8833108082136426; next: 0.43152799704850997.
    Rng rng(0);
    EXPECT_DOUBLE_EQ(rng.uniform(), 0.8833108082136426);
    EXPECT_DOUBLE_EQ(rng.uniform(), 0.43152799704850997);
    Rng many(3);
    for (int k = 0; k < 10000; ++k) {
        const double u = many.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
    }
}

TEST(Rng, NormalGoldenBoxMullerPair) {
    // u1 = 1 - 0.88331..., u2 = 0.43152...; r = √(-2 ln u1);  first r·cos 2πu2, then the cached r·sin 2πu2.
    Rng rng(0);
    EXPECT_NEAR(rng.normal(), -1.8839083333524405, 1e-12);
    EXPECT_NEAR(rng.normal(), 0.8645068595575148, 1e-12);
    EXPECT_NEAR(rng.normal(), 0.22760793546360525, 1e-12);
}

TEST(Rng, NormalHasUnitMeanZeroVariance) {
    // 100000 samples: the standard error of the mean is 1/√1e5 ≈ 0.0032 and of the variance
    // √(2/1e5) ≈ 0.0045, so ±0.015 and ±0.025 are about five standard errors.
    Rng rng(7);
    constexpr int N = 100000;
    double sum = 0.0, sum_sq = 0.0;
    for (int k = 0; k < N; ++k) {
        const double x = rng.normal();
        ASSERT_TRUE(std::isfinite(x));
        sum += x;
        sum_sq += x * x;
    }
    const double mean = sum / N;
    const double var = sum_sq / N - mean * mean;
    EXPECT_NEAR(mean, 0.0, 0.015);
    EXPECT_NEAR(var, 1.0, 0.025);
    // Independently computed for seed 7: mean 0.0039664, variance 1.0012130.
    EXPECT_NEAR(mean, 0.0039664135, 1e-9);
    EXPECT_NEAR(var, 1.0012130414, 1e-9);
}

TEST(Rng, HashAndMixGoldens) {
    EXPECT_EQ(hash_string(""), 0xcbf29ce484222325ULL);   // FNV-1a offset basis
    EXPECT_EQ(hash_string("a"), 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
    EXPECT_EQ(mix64(0), 0u);                              // the finaliser fixes 0
    EXPECT_EQ(mix64(1), 0x5692161d100b05e5ULL);
    EXPECT_EQ(stream_seed(42, "W_Q"), 0x7ec32238923cd890ULL);
}

TEST(Rng, StreamsDifferByPurposeExtraAndSeed) {
    const std::uint64_t base = stream_seed(42, "W_Q");
    EXPECT_NE(base, stream_seed(42, "W_K"));
    EXPECT_NE(base, stream_seed(43, "W_Q"));
    EXPECT_NE(base, stream_seed(42, "W_Q", 1));
    EXPECT_EQ(base, stream_seed(42, "W_Q", 0));
}

// ---- model ---------------------------------------------------------------------

Config sized(int d_model, int heads, int kv, int d_k, int d_v) {
    Config c;
    c.d_model = d_model;
    c.n_heads = heads;
    c.n_kv_heads = kv;
    c.d_k = d_k;
    c.d_v = d_v;
    return resolve_sizes(c);
}

TEST(MakeWeights, Shapes) {
    const Weights w = make_weights(sized(24, 4, 2, 8, 5));
    EXPECT_EQ(w.W_Q.rows(), 24);
    EXPECT_EQ(w.W_Q.cols(), 32);  // h·d_k = 4·8
    EXPECT_EQ(w.W_K.rows(), 24);
    EXPECT_EQ(w.W_K.cols(), 16);  // kv·d_k = 2·8
    EXPECT_EQ(w.W_V.rows(), 24);
    EXPECT_EQ(w.W_V.cols(), 10);  // kv·d_v = 2·5
    EXPECT_EQ(w.W_O.rows(), 20);  // h·d_v = 4·5
    EXPECT_EQ(w.W_O.cols(), 24);
    EXPECT_EQ(w.learned_pe.rows(), Limits::learned_length);
    EXPECT_EQ(w.learned_pe.cols(), 24);
}

TEST(MakeWeights, GoldenFirstEntries) {
    // d_model = 4: W_Q entries are N(0,1)·(1/√4) from stream_seed(42, "W_Q"), drawn row-major.
    const Weights w = make_weights(sized(4, 1, 1, 4, 4));
    EXPECT_FLOAT_EQ(w.W_Q(0, 0), 0.8119680285f);
    EXPECT_FLOAT_EQ(w.W_Q(0, 1), 0.3584173918f);
    EXPECT_FLOAT_EQ(w.W_Q(0, 2), 0.0821960047f);
}

TEST(MakeWeights, DeterministicAndSeedSensitive) {
    Config c = sized(32, 4, 0, 0, 0);
    const Weights a = make_weights(c), b = make_weights(c);
    EXPECT_EQ(a.W_Q, b.W_Q);
    EXPECT_EQ(a.W_K, b.W_K);
    EXPECT_EQ(a.W_V, b.W_V);
    EXPECT_EQ(a.W_O, b.W_O);
    EXPECT_EQ(a.learned_pe, b.learned_pe);
    // Each matrix has its own stream: W_Q and W_K (same shape) differ.
    EXPECT_GT((a.W_Q - a.W_K).cwiseAbs().maxCoeff(), 0.1f);
    c.seed = 43;
    EXPECT_GT((make_weights(c).W_Q - a.W_Q).cwiseAbs().maxCoeff(), 0.1f);
}

TEST(MakeWeights, ScalesByFanIn) {
    // W_Q entries ~ N(0, 1/d_model): with d = 256 the RMS is 1/16 = 0.0625 (65536 samples,
    // relative standard error ≈ 0.3%); W_O ~ N(0, 1/(h·d_v)) = 1/256 too; learned PE RMS 0.5.
    const Weights w = make_weights(sized(256, 8, 0, 0, 0));
    const auto rms = [](const MatRM& m) { return std::sqrt(m.squaredNorm() / static_cast<float>(m.size())); };
    EXPECT_NEAR(rms(w.W_Q), 0.0625f, 0.0625f * 0.02f);
    EXPECT_NEAR(rms(w.W_O), 0.0625f, 0.0625f * 0.02f);
    EXPECT_NEAR(rms(w.learned_pe), 0.5f, 0.5f * 0.02f);
}

TEST(Embed, GoldenRowForCat) {
    // stream_seed(42, "embedding", FNV-1a("cat")), then N(0,1) draws as floats.
    const RowVec e = embed_token("cat", 42, 4);
    EXPECT_FLOAT_EQ(e[0], 0.853154718875885f);
    EXPECT_FLOAT_EQ(e[1], 0.1566188782453537f);
    EXPECT_FLOAT_EQ(e[2], -0.3623226284980774f);
    EXPECT_FLOAT_EQ(e[3], 0.21332809329032898f);
}

TEST(Embed, SameTokenSameRowWherever) {
    const std::vector<std::string> toks = {"the", "cat", "sat", "on", "the", "cat"};
    const MatRM X = embed(toks, 42, 16);
    ASSERT_EQ(X.rows(), 6);
    ASSERT_EQ(X.cols(), 16);
    EXPECT_EQ(RowVec(X.row(1)), RowVec(X.row(5)));  // "cat"
    EXPECT_EQ(RowVec(X.row(0)), RowVec(X.row(4)));  // "the"
    EXPECT_EQ(RowVec(X.row(1)), embed_token("cat", 42, 16));
    EXPECT_GT((X.row(1) - X.row(2)).cwiseAbs().maxCoeff(), 0.1f);                 // "cat" ≠ "sat"
    EXPECT_GT((embed_token("cat", 43, 16) - X.row(1)).cwiseAbs().maxCoeff(), 0.1f);  // seed matters
}

}  // namespace
}  // namespace attnviz
