#include "core/model_setup.hpp"

#include "test_helpers.hpp"

#include <limits>

namespace attnviz::test {
namespace {

TEST(ModelSetup, NoPresetNoEditsIsTheSeededRun) {
    const ModelRun r = run_model(ModelSpec{});
    const Trace t = run(Config{});
    EXPECT_TRUE(all_close(r.trace().output, t.output, 0.0f));
    EXPECT_EQ(r.edits_applied, 0);
}

TEST(ModelSetup, AWeightEditChangesEverythingDownstream) {
    ModelSpec spec;
    spec.edits.push_back({EditTarget::W_Q, 3, 5, "", 2.5f});
    const ModelRun r = run_model(spec);
    EXPECT_EQ(r.model->weights().layers[0].attn.W_Q(3, 5), 2.5f);
    EXPECT_EQ(r.trace().W_Q(3, 5), 2.5f);
    // Column 5 belongs to head 0 (d_k = 16): head 0's scores change, head 1's do not.
    const Trace base = run(Config{});
    EXPECT_FALSE(all_close(r.trace().scores[0], base.scores[0], 1e-6f));
    EXPECT_TRUE(all_close(r.trace().scores[1], base.scores[1], 0.0f));
}

TEST(ModelSetup, AnEmbeddingEditChangesEveryOccurrenceOfTheToken) {
    ModelSpec spec;
    spec.edits.push_back({EditTarget::Embedding, 0, 7, "the", -3.0f});
    const ModelRun r = run_model(spec);
    EXPECT_EQ(r.edits_applied, 2);  // "the" appears twice
    EXPECT_EQ(r.trace().X(0, 7), -3.0f);
    EXPECT_EQ(r.trace().X(4, 7), -3.0f);
    EXPECT_NE(r.trace().X(1, 7), -3.0f);
}

TEST(ModelSetup, EditsApplyAfterThePreset) {
    ModelSpec spec;
    spec.preset = Preset::Uniform;
    spec.edits.push_back({EditTarget::W_Q, 0, 0, "", 1.0f});
    const ModelRun r = run_model(spec);
    EXPECT_EQ(r.model->weights().layers[0].attn.W_Q(0, 0), 1.0f);
    EXPECT_EQ(r.head_kinds.size(), 4u);
}

TEST(ModelSetup, BadEditsNameTheCell) {
    ModelSpec spec;
    spec.edits.push_back({EditTarget::W_O, 64, 0, "", 1.0f});  // W_O is [64×64]: row 64 is past it
    EXPECT_TRUE(throws_config_error([&] { run_model(spec); }, "edit", {"W_O[64][0]", "64×64"}));
    spec.edits = {{EditTarget::W_K, 0, 0, "", std::numeric_limits<float>::quiet_NaN()}};
    EXPECT_TRUE(throws_config_error([&] { run_model(spec); }, "edit", {"finite"}));
    spec.edits = {{EditTarget::Embedding, 0, 99, "cat", 1.0f}};
    EXPECT_TRUE(throws_config_error([&] { run_model(spec); }, "edit", {"['cat'][99]"}));
    spec.edits = {{EditTarget::Embedding, 0, 1, "", 1.0f}};
    EXPECT_TRUE(throws_config_error([&] { run_model(spec); }, "edit", {"token"}));
    EXPECT_TRUE(throws_config_error([] { parse_edit_target("W_X"); }, "edit", {"W_X"}));
}

// README promises no NaN or ±∞ except masked logits: an edit that overflows float downstream is
// refused naming where, not shown as null weights.
TEST(ModelSetup, ATraceThatOverflowsFloatIsRefusedNamingTheFirstBadTensor) {
    ModelSpec spec;
    spec.edits.push_back({EditTarget::Embedding, 0, 0, "cat", 3e38f});
    spec.edits.push_back({EditTarget::W_Q, 0, 0, "", 3e38f});  // X_in·W_Q = 9e76: inf
    EXPECT_TRUE(throws_config_error([&] { run_model(spec); }, "trace", {"non-finite value at Q_proj[head 0][1, 0] = inf"}));
}

TEST(ModelSetup, MaskedLogitsAreTheOnlyInfinityAllowed) {
    ModelSpec spec;
    spec.config.causal = true;
    const ModelRun r = run_model(spec);  // −∞ in the logits above the diagonal, and accepted
    EXPECT_EQ(r.trace().logit(0, 0, 1), -std::numeric_limits<float>::infinity());
    EXPECT_NO_THROW(require_finite(r.trace()));
}

TEST(Config, TemperatureBelowItsFloorIsRefusedBefore1OverTOverflows) {
    for (double t : {1e-300, 1e-45, 1e-38, 1e-7}) {
        Config c;
        c.temperature = t;
        EXPECT_TRUE(throws_config_error([&] { resolve_sizes(c); }, "temperature", {"must be a finite number between 1e-06 and 1e+06"}));
    }
}

TEST(Config, SeedIsAnUnsigned64BitIntegerAndNothingElse) {
    EXPECT_EQ(parse_seed("seed", "0"), 0u);
    EXPECT_EQ(parse_seed("seed", "18446744073709551615"), 18446744073709551615ull);
    for (const char* bad : {"-1", "18446744073709551616", "99999999999999999999999", "1e3", "", " 5", "5 ", "+5", "0x10"}) {
        EXPECT_TRUE(throws_config_error([&] { parse_seed("seed", bad); }, "seed", {"must be an unsigned 64-bit integer"}))
            << bad;
    }
}

TEST(Config, MessagesClipAHugeValue) {
    const std::string huge(1 << 20, 'z');
    try {
        parse_positional(huge);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "positional=" + std::string(40, 'z') + "… must be one of none|sinusoidal|learned|rope|alibi");
    }
    EXPECT_EQ(clip("äöü", 3), "ä…");  // never cut inside a code point
    EXPECT_EQ(clip("abc", 3), "abc");
}

}  // namespace
}  // namespace attnviz::test
