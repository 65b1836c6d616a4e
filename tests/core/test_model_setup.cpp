#include "core/model_setup.hpp"

#include "test_helpers.hpp"

#include <limits>

namespace attnviz::test {
namespace {

TEST(ModelSetup, NoPresetNoEditsIsTheSeededRun) {
    const ModelRun r = run_model(ModelSpec{});
    const Trace t = run(Config{});
    EXPECT_TRUE(all_close(r.trace.output, t.output, 0.0f));
    EXPECT_EQ(r.edits_applied, 0);
}

TEST(ModelSetup, AWeightEditChangesEverythingDownstream) {
    ModelSpec spec;
    spec.edits.push_back({EditTarget::W_Q, 3, 5, "", 2.5f});
    const ModelRun r = run_model(spec);
    EXPECT_EQ(r.weights.W_Q(3, 5), 2.5f);
    EXPECT_EQ(r.trace.W_Q(3, 5), 2.5f);
    // Column 5 belongs to head 0 (d_k = 16): head 0's scores change, head 1's do not.
    const Trace base = run(Config{});
    EXPECT_FALSE(all_close(r.trace.scores[0], base.scores[0], 1e-6f));
    EXPECT_TRUE(all_close(r.trace.scores[1], base.scores[1], 0.0f));
}

TEST(ModelSetup, AnEmbeddingEditChangesEveryOccurrenceOfTheToken) {
    ModelSpec spec;
    spec.edits.push_back({EditTarget::Embedding, 0, 7, "the", -3.0f});
    const ModelRun r = run_model(spec);
    EXPECT_EQ(r.edits_applied, 2);  // "the" appears twice
    EXPECT_EQ(r.trace.X(0, 7), -3.0f);
    EXPECT_EQ(r.trace.X(4, 7), -3.0f);
    EXPECT_NE(r.trace.X(1, 7), -3.0f);
}

TEST(ModelSetup, EditsApplyAfterThePreset) {
    ModelSpec spec;
    spec.preset = Preset::Uniform;
    spec.edits.push_back({EditTarget::W_Q, 0, 0, "", 1.0f});
    const ModelRun r = run_model(spec);
    EXPECT_EQ(r.weights.W_Q(0, 0), 1.0f);
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

}  // namespace
}  // namespace attnviz::test
