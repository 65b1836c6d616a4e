// UI state logic without GL: padding toggles, the stepper, head / query selection, the
// last-good-trace rule, background recompute and session load errors.
#include "ui/app_state.hpp"

#include "core/io/session.hpp"
#include "core/model_folder.hpp"
#include "core/positional_analysis.hpp"
#include "tests/core/test_helpers.hpp"
#include "tests/hf_fixture.hpp"
#include "tests/model_folder_fixture.hpp"
#include "tests/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace attnviz {
namespace {

AppState ready(Config c = {}) {
    AppState st;
    st.config = std::move(c);
    EXPECT_TRUE(st.recompute_now());
    return st;
}

TEST(AppState, TogglePaddingAddsSortedAndRemoves) {
    AppState st = ready();
    st.toggle_padding(3);
    st.toggle_padding(1);
    EXPECT_EQ(st.config.padding, (std::vector<int>{1, 3}));
    EXPECT_TRUE(st.dirty);
    ASSERT_TRUE(st.recompute_now());
    // Padded keys get exactly zero weight in every row of every head.
    for (int a = 0; a < st.trace.config.n_heads; ++a)
        for (int i = 0; i < st.trace.n; ++i) {
            EXPECT_EQ(st.trace.weights[static_cast<std::size_t>(a)](i, 1), 0.0f);
            EXPECT_EQ(st.trace.weights[static_cast<std::size_t>(a)](i, 3), 0.0f);
        }
    st.toggle_padding(3);
    EXPECT_EQ(st.config.padding, (std::vector<int>{1}));
}

TEST(AppState, CausalToggleThroughEditMarksDirtyOnlyOnChange) {
    AppState st = ready();
    Config c = st.config;
    st.edit(c);
    EXPECT_FALSE(st.dirty);
    c.causal = true;
    st.edit(c);
    EXPECT_TRUE(st.dirty);
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.trace.weights[0](0, 5), 0.0f);
    EXPECT_FLOAT_EQ(st.trace.weights[0](0, 0), 1.0f);  // query 0 sees only itself
}

TEST(AppState, StepperWalksEveryStageAndStopsAtTheEnds) {
    AppState st = ready();
    EXPECT_EQ(st.stage, Stage::Embed);
    st.prev_stage();
    EXPECT_EQ(st.stage, Stage::Embed);
    for (int k = 1; k < kStageCount; ++k) {
        st.next_stage();
        EXPECT_EQ(static_cast<int>(st.stage), k);
    }
    st.next_stage();
    EXPECT_EQ(st.stage, Stage::Logits);
    EXPECT_EQ(parse_stage("softmax"), Stage::Softmax);
    EXPECT_EQ(parse_stage("nope"), std::nullopt);
    for (const StageInfo& s : stages()) EXPECT_EQ(parse_stage(s.id), s.stage);
    EXPECT_EQ(parse_view("heads"), View::Heads);
    EXPECT_EQ(parse_view("x"), std::nullopt);
}

TEST(AppState, InvalidEditKeepsLastGoodTraceAndNamesTheField) {
    AppState st = ready();
    const std::uint64_t gen = st.generation;
    const std::vector<std::string> tokens = st.trace.tokens;
    Config bad = st.config;
    bad.n_kv_heads = 3;
    st.edit(bad);
    EXPECT_FALSE(st.recompute_now());
    EXPECT_EQ(st.error, "n_kv_heads=3 must divide n_heads=4");
    EXPECT_EQ(st.error_field, "n_kv_heads");
    EXPECT_EQ(st.generation, gen);
    EXPECT_EQ(st.trace.tokens, tokens);
    Config good = st.config;
    good.n_kv_heads = 2;
    st.edit(good);
    EXPECT_TRUE(st.recompute_now());
    EXPECT_TRUE(st.error.empty());
    EXPECT_EQ(st.trace.config.n_kv_heads, 2);
}

TEST(AppState, SelectionsClampWhenTheTraceShrinks) {
    AppState st = ready();
    st.select_head(3);
    st.set_query(5);
    EXPECT_EQ(st.detail_head, 3);
    EXPECT_EQ(st.query, 5);
    st.select_head(99);
    EXPECT_EQ(st.detail_head, 3);
    Config c = st.config;
    c.n_heads = 2;
    c.text = "a b";
    st.edit(c);
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.detail_head, 1);
    EXPECT_EQ(st.query, 1);
}

TEST(AppState, FastRecomputeIsAdoptedInTheSameFrame) {
    AppState st = ready();
    st.compute_ms = 0.5;  // as if the last run was fast, whatever this machine's load made it
    Config c = st.config;
    c.causal = true;
    st.edit(c);
    EXPECT_TRUE(st.poll_recompute());
    EXPECT_FALSE(st.computing);
    EXPECT_TRUE(st.trace.config.causal);
}

// An edit made while a slow run is in progress abandons it: the next result adopted is the
// newest edit's, and the progress reports the layers as they are done.
TEST(AppState, ANewEditAbandonsTheRunInProgress) {
    AppState st = ready();
    st.compute_ms = 1000.0;
    StackArch arch = st.arch;
    arch.layers = 6;
    st.set_arch(arch);
    Config c = st.config;
    c.d_model = 256;
    c.text = repeated_random_text(60, 4, 3);  // 240 tokens: a run of a few hundred ms
    st.edit(c);
    st.poll_recompute();
    ASSERT_TRUE(st.computing);
    EXPECT_EQ(st.compute_progress().part, AppState::ComputeProgress::Layers);
    c.text = "the newest edit";
    st.edit(c);
    bool adopted = false;
    for (int k = 0; k < 20000 && !adopted; ++k) {
        const AppState::ComputeProgress p = st.compute_progress();
        EXPECT_LE(p.done, p.total);
        adopted = st.poll_recompute();
        if (!adopted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(adopted);
    EXPECT_EQ(st.trace.n, 3) << "the abandoned 240-token run is never shown";
    EXPECT_TRUE(st.error.empty()) << st.error;
}

TEST(AppState, BackgroundRecomputeAdoptsTheResult) {
    AppState st = ready();
    st.compute_ms = 1000.0;  // as if the last run was slow: the next one goes to the background
    Config c = st.config;
    c.text = "a much longer sentence than before";
    st.edit(c);
    bool adopted = st.poll_recompute();
    EXPECT_TRUE(st.computing || adopted);
    for (int k = 0; k < 2000 && !adopted; ++k) {
        adopted = st.poll_recompute();
        if (!adopted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(adopted);
    EXPECT_FALSE(st.computing);
    EXPECT_EQ(st.trace.n, 6);
    EXPECT_EQ(st.trace.tokens.back(), "before");
}

TEST(AppState, BrokenSessionIsRefusedAndTheCurrentOneStays) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("attnviz_state_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    AppState st = ready();
    Config mine = st.config;
    mine.causal = true;
    st.edit(mine);
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return dir / name;
    };
    EXPECT_FALSE(st.load_session_from(write("broken.json", "{not json")));
    EXPECT_TRUE(st.status_is_error);
    EXPECT_NE(st.status.find("broken.json"), std::string::npos);
    EXPECT_FALSE(st.load_session_from(
        write("bad.json", R"({"format":"attnviz-session","version":1,"config":{"n_heads":8,"n_kv_heads":3}})")));
    EXPECT_NE(st.status.find("n_kv_heads=3 must divide n_heads=8"), std::string::npos);
    EXPECT_FALSE(st.load_session_from(dir / "missing.json"));
    EXPECT_EQ(st.config, mine);

    ASSERT_TRUE(st.save_session_to(dir / "ok.json"));
    Config other = mine;
    other.text = "something else";
    st.edit(other);
    ASSERT_TRUE(st.load_session_from(dir / "ok.json"));
    EXPECT_EQ(st.config, mine);
    fs::remove_all(dir);
}

TEST(AppState, SessionsKeepViewStageHeadAndQuery) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("attnviz_state_view_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    Config eight;
    eight.text = "one two three four five six seven";
    eight.n_heads = 8;
    AppState st = ready(eight);
    st.view = View::Tiling;
    st.set_stage(Stage::Mask);
    st.select_head(6);
    st.set_query(5);
    ASSERT_TRUE(st.save_session_to(dir / "s.json"));

    // Loaded into a state showing 4 heads and 6 tokens: view and stage at once; head 6 and
    // query 5 index the session's own trace, so they arrive with it, not clamped by the old one.
    AppState other = ready();
    ASSERT_TRUE(other.load_session_from(dir / "s.json"));
    EXPECT_EQ(other.view, View::Tiling);
    EXPECT_EQ(other.stage, Stage::Mask);
    EXPECT_TRUE(other.dirty);
    ASSERT_TRUE(other.recompute_now());
    EXPECT_EQ(other.trace.config.n_heads, 8);
    EXPECT_EQ(other.detail_head, 6);
    EXPECT_EQ(other.query, 5);

    // Loading the session already on screen applies the selection at once.
    other.select_head(1);
    other.set_query(0);
    other.view = View::Quiz;
    ASSERT_TRUE(other.load_session_from(dir / "s.json"));
    EXPECT_FALSE(other.dirty);
    EXPECT_EQ(other.detail_head, 6);
    EXPECT_EQ(other.query, 5);
    EXPECT_EQ(other.view, View::Tiling);
    fs::remove_all(dir);
}

TEST(AppState, SavingBeforeTheRecomputeKeepsTheFileLoadable) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("attnviz_state_save_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    Config eight;
    eight.n_heads = 8;
    AppState st = ready(eight);
    st.select_head(7);
    st.set_query(5);
    Config fewer = st.config;
    fewer.n_heads = 2;
    fewer.text = "a b";
    st.edit(fewer);  // not recomputed yet: head 7 and query 5 index the old trace
    ASSERT_TRUE(st.save_session_to(dir / "s.json"));
    const Session s = load_session(dir / "s.json");
    EXPECT_EQ(s.config, fewer);
    EXPECT_EQ(s.head, 0);
    EXPECT_EQ(s.query, 0);
    fs::remove_all(dir);
}

TEST(AppStateStack, EveryAttentionViewFollowsTheSelectedLayer) {
    AppState st = ready();
    StackArch a;
    a.layers = 3;
    a.mlp = MlpKind::Gelu;
    a.norm = NormKind::Layer;
    st.set_arch(a);
    ASSERT_TRUE(st.recompute_now());
    ASSERT_EQ(st.stack.layers.size(), 3u);
    ASSERT_EQ(st.lens.size(), 3u);
    EXPECT_EQ(st.layer, 0);
    const std::uint64_t g = st.generation;
    st.select_layer(2);
    EXPECT_EQ(st.layer, 2);
    EXPECT_GT(st.generation, g) << "texture caches must see the new layer";
    EXPECT_TRUE(test::all_close(st.trace.weights[1], st.stack.layers[2].attn.weights[1], 0.0f));
    // The layer's own inputs: norm₁ of the stream entering it, so decode and the labs rerun it.
    EXPECT_TRUE(test::all_close(st.inputs.X, layer_norm(st.stack.layers[2].resid_pre, st.model->weights().layers[2].norm1, 1e-5f), 0.0f));
    st.select_layer(9);
    EXPECT_EQ(st.layer, 2) << "clamped";
    // A recompute keeps the selected layer; fewer layers clamp it.
    st.edit([&] { Config c = st.config; c.causal = true; return c; }());
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.layer, 2);
    a.layers = 2;
    st.set_arch(a);
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.layer, 1);
}

TEST(AppStateStack, AblationTogglesRecomputeAndKeepThePredictionBefore) {
    AppState st = ready();
    StackArch a;
    a.layers = 2;
    st.set_arch(a);
    ASSERT_TRUE(st.recompute_now());
    const auto before = st.stack.next;
    EXPECT_EQ(st.unablated_next.size(), before.size());
    st.toggle_ablation(0, 1);
    st.toggle_ablation(1, Ablation::kMlp);
    EXPECT_TRUE(st.is_ablated(0, 1));
    EXPECT_TRUE(st.dirty);
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.stack.ablated.size(), 2u);
    ASSERT_EQ(st.unablated_next.size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(st.unablated_next[i].front().id, before[i].front().id);
    st.set_ablate_mode(AblationMode::Mean);
    EXPECT_EQ(st.ablate.front().mode, AblationMode::Mean);
    st.toggle_ablation(0, 1);
    EXPECT_FALSE(st.is_ablated(0, 1));
    st.clear_ablations();
    EXPECT_TRUE(st.ablate.empty());
}

TEST(AppStateStack, InductionModelForcesItsFieldsAndSessionsKeepTheLayer) {
    namespace fs = std::filesystem;
    AppState st = ready();
    st.set_model_preset(ModelPreset::Induction);
    EXPECT_NE(st.forced_by("d_model").find("induction"), std::string::npos);
    EXPECT_NE(st.forced_by("layers").find("induction"), std::string::npos);
    EXPECT_TRUE(st.forced_by("text").empty());
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.stack.layers.size(), 2u);
    st.select_layer(1);
    const fs::path dir = fs::temp_directory_path() / ("attnviz_state_stack_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    ASSERT_TRUE(st.save_session_to(dir / "s.json"));
    AppState other = ready();
    ASSERT_TRUE(other.load_session_from(dir / "s.json"));
    ASSERT_TRUE(other.recompute_now());
    EXPECT_EQ(other.model_preset, ModelPreset::Induction);
    EXPECT_EQ(other.layer, 1);
    fs::remove_all(dir);
}

TEST(AppStateStack, ALoadedModelRunsOnItsIdsAndLocksTheToyControls) {
    test::TempDir dir;
    test::HfSpec spec;
    spec.model_type = "llama";
    spec.kv_heads = 2;
    spec.tied = false;
    test::write_hf_model(dir.path(), spec);
    AppState st = ready();
    st.pretrained = std::make_shared<HfModel>(load_hf_model(dir.path()));
    st.ids = {4, 8, 15, 16, 23, 42};
    st.dirty = true;
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.stack.layers.size(), 2u);
    EXPECT_EQ(st.trace.n, 6);
    EXPECT_EQ(st.trace.config.n_kv_heads, 2);
    EXPECT_EQ(st.trace.tokens[5], "#42");
    EXPECT_EQ(&st.model->weights(), &st.pretrained->weights) << "the loaded weights are shared, not copied";
    EXPECT_NE(st.forced_by("d_model").find("loaded model"), std::string::npos);
    EXPECT_EQ(st.effective_config().positional, Positional::Rope);
    st.select_layer(1);
    EXPECT_EQ(st.layer, 1);
    // "This model" in the cost calculator and the KV-cache view: the loaded config, not the side bar.
    const ModelShape shape = st.model_shape();
    EXPECT_EQ(shape.layers, 2);
    EXPECT_EQ(shape.heads, 4);
    EXPECT_EQ(shape.kv_heads, 2);
    EXPECT_EQ(shape.d_head, 8);
    EXPECT_EQ(shape.d_model, 32);
    EXPECT_NE(shape.name.find(dir.path().filename().string()), std::string::npos) << shape.name;
    EXPECT_DOUBLE_EQ(kv_cache_bytes(shape, 6, Precision::Fp32), 2.0 * 2 * 6 * 2 * 8 * 4);
    // The Positional view's with/without comparison runs this layer's inputs (the 6 ids, not the
    // side bar's text): the monkey found it comparing a 6-token trace with the text's.
    const Trace without = run_without_position(st.inputs, st.weights);
    EXPECT_EQ(without.n, st.trace.n);
    EXPECT_EQ(without.config.positional, Positional::None);
    st.ids = {4, 999};
    st.dirty = true;
    EXPECT_FALSE(st.recompute_now());
    EXPECT_EQ(st.error_field, "ids");
    EXPECT_EQ(st.trace.n, 6) << "the last good run stays";
}

// A session saved with a loaded model reopens it: the folder loads in the background, then its ids
// run and the saved layer, head and query are selected.
TEST(AppStateStack, ASessionOfALoadedModelReopensIt) {
    test::TempDir dir;
    test::HfSpec spec;
    spec.layers = 3;
    test::write_hf_model(dir / "gpt2", spec);
    const std::filesystem::path session = dir / "s.json";
    {
        AppState st = ready();
        st.pretrained = std::make_shared<HfModel>(load_hf_model(dir / "gpt2"));
        st.ids = {5, 6, 7, 8};
        st.dirty = true;
        ASSERT_TRUE(st.recompute_now());
        st.select_layer(2);
        st.select_head(3);
        st.set_query(1);
        ASSERT_TRUE(st.save_session_to(session));
    }
    AppState st = ready();
    ASSERT_TRUE(st.load_session_from(session));
    EXPECT_TRUE(st.model_load_active);
    for (int k = 0; k < 4000 && (st.model_load_active || st.computing || st.dirty); ++k) {
        st.poll_recompute();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(st.pretrained);
    EXPECT_EQ(st.ids, (std::vector<int>{5, 6, 7, 8}));
    EXPECT_EQ(st.trace.n, 4);
    EXPECT_EQ(st.layer, 2);
    EXPECT_EQ(st.detail_head, 3);
    EXPECT_EQ(st.query, 1);
    // A toy session closes the model.
    const std::filesystem::path toy = dir / "toy.json";
    st.close_model();
    st.dirty = true;
    ASSERT_TRUE(st.recompute_now());
    ASSERT_TRUE(st.save_session_to(toy));
    ASSERT_TRUE(st.load_session_from(session));
    ASSERT_TRUE(st.load_session_from(toy));
    EXPECT_FALSE(st.pretrained) << "the toy session after a model one";
}

TEST(AppStateStack, ModelsLoadInTheBackgroundAndAFailedLoadKeepsTheCurrentOne) {
    test::TempDir dir;
    test::HfSpec spec;
    test::write_hf_model(dir / "gpt2", spec);
    AppState st = ready();
    const auto wait_for_load = [&] {
        for (int k = 0; k < 2000 && st.model_load_active; ++k) {
            st.poll_recompute();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    };
    st.start_model_load(dir / "missing");
    EXPECT_TRUE(st.model_load_active);
    wait_for_load();
    EXPECT_FALSE(st.pretrained);
    EXPECT_TRUE(st.status_is_error);
    EXPECT_NE(st.status.find("no config.json"), std::string::npos) << st.status;

    st.start_model_load(dir / "gpt2");
    wait_for_load();
    ASSERT_TRUE(st.pretrained);
    EXPECT_EQ(st.model_load_done, st.model_load_total);
    EXPECT_NE(st.status.find("no tokenizer"), std::string::npos) << "a folder without one asks for ids: " << st.status;
    st.ids = {1, 2, 3};
    st.dirty = true;
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.trace.tokens[2], "#3");

    // A broken folder leaves the loaded model in place.
    std::ofstream(dir / "gpt2" / "config.json") << R"({"model_type": "bert"})";
    st.start_model_load(dir / "gpt2");
    wait_for_load();
    ASSERT_TRUE(st.pretrained);
    EXPECT_NE(st.status.find("\"bert\" is not supported"), std::string::npos) << st.status;
    st.close_model();
    EXPECT_FALSE(st.pretrained);
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.trace.tokens[1], "cat") << "the toy model again";
}

TEST(AppStateStack, AnAttnvizFolderReadsTheTypedTextThroughItsTokensJson) {
    test::TempDir dir;
    const test::FolderStack s = test::folder_stack({});
    write_model_folder(dir / "m", s.block, s.arch, s.weights, s.vocab, Tokenization::Word);
    AppState st = ready();
    st.start_model_load(dir / "m");
    for (int k = 0; k < 2000 && st.model_load_active; ++k) {
        st.poll_recompute();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(st.pretrained);
    EXPECT_TRUE(st.pretrained->reads_text());
    EXPECT_EQ(st.status.find("no tokenizer"), std::string::npos) << "the text box feeds it: " << st.status;
    st.config.text = "the dog sat on the mat";
    st.dirty = true;
    ASSERT_TRUE(st.recompute_now());
    EXPECT_EQ(st.trace.tokens, (std::vector<std::string>{"the", "dog", "sat", "on", "the", "mat"}));
    // A word the model never saw keeps the last good trace and names the word.
    st.config.text = "the zebra";
    st.dirty = true;
    EXPECT_FALSE(st.recompute_now());
    EXPECT_EQ(st.error_field, "text");
    EXPECT_NE(st.error.find("\"zebra\""), std::string::npos) << st.error;
    EXPECT_EQ(st.trace.n, 6);
}

TEST(AppStateDecode, StepsFillOneRowEachAndMatchTheCausalTrace) {
    AppState st;
    st.config.causal = true;
    ASSERT_TRUE(st.recompute_now());
    ASSERT_TRUE(st.decode_reset(2));
    EXPECT_EQ(st.decode.computed.topRows(2).sum(), 3.0f);  // prefill rows 0, 1: causal pairs 1 + 2
    EXPECT_TRUE(st.decode_step());
    EXPECT_EQ(st.decode.computed.row(2).sum(), 3.0f);       // row 2 sees keys 0..2
    EXPECT_EQ(st.decode.computed.bottomRows(3).sum(), 0.0f);
    st.decode_to_end();
    EXPECT_FALSE(st.decode_step());
    for (int a = 0; a < 4; ++a)
        EXPECT_LT((st.decode.rows[static_cast<std::size_t>(a)] - st.trace.weights[static_cast<std::size_t>(a)]).cwiseAbs().maxCoeff(), 1e-5f);
    EXPECT_GT(st.decode.macs_recompute, st.decode.macs_cached);
}

TEST(AppStateDecode, ANewTraceRestartsTheDecoderAndCrossAttentionExplains) {
    AppState st;
    ASSERT_TRUE(st.recompute_now());
    st.decode_reset(3);
    st.decode_step();
    Config next = st.config;
    next.n_kv_heads = 1;
    st.edit(next);
    ASSERT_TRUE(st.recompute_now());
    st.sync_decode();
    EXPECT_EQ(st.decode.prefill, 3);
    EXPECT_EQ(st.decode.decoder->position(), 3);
    next.source = "le chat";
    st.edit(next);
    ASSERT_TRUE(st.recompute_now());
    EXPECT_FALSE(st.decode_step());
    EXPECT_NE(st.decode.error.find("source"), std::string::npos) << st.decode.error;
}

TEST(AppStateDecode, LongTextsAreRefusedWithTheLimitNamed) {
    AppState st;
    st.config.text.clear();
    for (int i = 0; i < kMaxDecodeTokens + 1; ++i) st.config.text += "w ";
    ASSERT_TRUE(st.recompute_now());
    EXPECT_FALSE(st.decode_reset(1));
    EXPECT_NE(st.decode.error.find(std::to_string(kMaxDecodeTokens)), std::string::npos) << st.decode.error;
    EXPECT_FALSE(st.decode_step());
    EXPECT_TRUE(st.decode.rows.empty());
}


// Under a designed preset the controls show what runs: the effective config holds the forced
// values the trace was computed with, and each forced field's tooltip names the preset.
TEST(AppStatePreset, EffectiveConfigAndForcedFieldsMatchTheRun) {
    AppState st = ready();
    EXPECT_TRUE(st.forced_by("causal").empty());
    EXPECT_EQ(st.effective_config(), st.config);
    Config c = st.config;
    c.positional = Positional::Alibi;
    st.edit(c);
    st.set_preset(Preset::Mixed);
    ASSERT_TRUE(st.recompute_now());
    const Config eff = st.effective_config();
    EXPECT_FALSE(st.config.causal);  // the user's own value is kept for when the preset goes
    EXPECT_TRUE(eff.causal);
    EXPECT_EQ(eff.positional, Positional::Sinusoidal);
    EXPECT_EQ(eff.d_k, 64);
    EXPECT_EQ(eff.n_kv_heads, 4);
    EXPECT_EQ(eff.d_k, st.trace.config.d_k);  // what the status bar shows
    EXPECT_EQ(eff.n_kv_heads, st.trace.config.n_kv_heads);
    EXPECT_EQ(eff.causal, st.trace.config.causal);
    EXPECT_EQ(eff.positional, st.trace.config.positional);
    for (const char* f : {"causal", "positional", "d_k", "n_kv_heads"}) {
        SCOPED_TRACE(f);
        EXPECT_NE(st.forced_by(f).find("preset mixed"), std::string::npos) << st.forced_by(f);
    }
    EXPECT_TRUE(st.forced_by("d_v").empty());
    EXPECT_TRUE(st.forced_by("n_heads").empty());
    st.set_preset(Preset::Random);
    EXPECT_EQ(st.effective_config().positional, Positional::Alibi);
    EXPECT_TRUE(st.forced_by("causal").empty());
}

// "+" and "−" on heads step through counts core accepts: with d_model 64 and default widths
// that is the divisors of 64; an explicit kv count must still divide h.
TEST(AppStateSizes, HeadsStepThroughValidCountsOnly) {
    AppState st = ready();
    ASSERT_EQ(st.config.n_heads, 4);
    EXPECT_TRUE(st.step_heads(+1));
    EXPECT_EQ(st.config.n_heads, 8);  // not 5: 64 / 5 is no default d_k
    std::vector<int> seen;
    while (st.step_heads(+1)) seen.push_back(st.config.n_heads);
    EXPECT_EQ(seen, (std::vector<int>{16, 32, 64}));
    while (st.step_heads(-1)) {
    }
    EXPECT_EQ(st.config.n_heads, 1);
    EXPECT_TRUE(st.recompute_now());

    Config c = st.config;
    c.d_model = 96;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    st.edit(c);
    EXPECT_TRUE(st.step_heads(+1));
    EXPECT_EQ(st.config.n_heads, 6);   // 96 / 6 = 16 and 2 divides 6
    EXPECT_TRUE(st.step_heads(-1));
    EXPECT_TRUE(st.step_heads(-1));
    EXPECT_EQ(st.config.n_heads, 2);   // 3 would not share kv = 2
    EXPECT_FALSE(st.step_heads(-1));   // 1 would not either: nothing changes
    EXPECT_EQ(st.config.n_heads, 2);
    ASSERT_TRUE(st.recompute_now());

    // d_k set by hand: the head count no longer needs to divide d_model.
    c = st.config;
    c.n_kv_heads = 0;
    c.d_k = c.d_v = 16;
    c.n_heads = 4;
    st.edit(c);
    EXPECT_TRUE(st.step_heads(+1));
    EXPECT_EQ(st.config.n_heads, 5);
}

TEST(AppStateSizes, KvHeadsStepThroughDivisorsOfTheHeads) {
    Config c;
    c.n_heads = 12;
    c.d_model = 96;
    AppState st = ready(c);
    EXPECT_FALSE(st.step_kv_heads(+1));  // 0 = 12 already, nothing larger divides 12
    std::vector<int> seen;
    while (st.step_kv_heads(-1)) seen.push_back(st.config.n_kv_heads);
    EXPECT_EQ(seen, (std::vector<int>{6, 4, 3, 2, 1}));
    EXPECT_TRUE(st.step_kv_heads(+1));
    EXPECT_EQ(st.config.n_kv_heads, 2);
    EXPECT_TRUE(st.recompute_now());
    st.set_preset(Preset::Mixed);       // the preset forces kv = h: the buttons do nothing
    EXPECT_FALSE(st.step_kv_heads(-1));
    EXPECT_EQ(st.config.n_kv_heads, 2);
}

// Every tab has its own shortcut, and cycling visits every tab and wraps around.
TEST(AppStateViews, EveryViewHasAShortcutAndCyclingReachesAll) {
    std::vector<std::string> names;
    for (std::size_t k = 0; k < views().size(); ++k) names.push_back(to_string(view_shortcut(k)));
    EXPECT_EQ(names.front(), "Ctrl+1");
    EXPECT_EQ(names[9], "Ctrl+0");
    EXPECT_EQ(names[10], "Alt+1");
    EXPECT_EQ(names.back(), "Alt+" + std::to_string(views().size() - 10));
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
    AppState st;
    st.view = View::Pipeline;
    std::vector<View> order;
    for (std::size_t k = 0; k < views().size(); ++k) {
        st.cycle_view(+1);
        order.push_back(st.view);
    }
    EXPECT_EQ(order.back(), View::Pipeline);
    EXPECT_EQ(order.front(), View::Heads);
    st.cycle_view(-1);
    EXPECT_EQ(st.view, View::Quiz);
}

}  // namespace
}  // namespace attnviz
