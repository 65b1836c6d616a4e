// attnviz's own model folder (core/model_folder.hpp) through the model-folder loader: a random
// stack in every supported variant written, loaded by load_hf_model, every weight bit-identical and
// run_stack's logits on the same ids bit-identical; the file layout read back independently of the
// loader; text through tokens.json; each refusal of the writer, of a folder in the way and of a
// malformed config.json or tokens.json naming the field and the rule; a previous folder replaced.
#include "core/hf_model.hpp"
#include "core/model_folder.hpp"

#include "core/io/atomic_file.hpp"
#include "tests/model_folder_fixture.hpp"
#include "tests/temp_dir.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <fstream>
#include <functional>

namespace attnviz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The inputs the stack runs on for `ids`, built from the stack's own config and embedding.
Inputs stack_inputs(const FolderStack& s, const std::vector<int>& ids) {
    Inputs in;
    in.config = s.block;
    in.X.resize(static_cast<Eigen::Index>(ids.size()), s.block.d_model);  // X: [n, d]
    for (std::size_t i = 0; i < ids.size(); ++i) {
        in.tokens.push_back(s.vocab.tokens[static_cast<std::size_t>(ids[i])]);
        in.X.row(static_cast<Eigen::Index>(i)) = s.weights.embedding.row(ids[i]);
    }
    return in;
}

void write(const fs::path& dir, const FolderStack& s, Tokenization t = Tokenization::Word, const json& training = {}) {
    write_model_folder(dir, s.block, s.arch, s.weights, s.vocab, t, training);
}

std::string variant_name(const FolderVariant& v) {
    return std::string(to_string(v.positional)) + "/" + std::string(to_string(v.norm)) + "/" + std::string(to_string(v.mlp)) +
           (v.tied ? "/tied" : "/untied") + (v.bias ? "/bias" : "/no-bias") + "/window " + std::to_string(v.window);
}

// Every value of each choice appears at least once.
const std::vector<FolderVariant>& variants() {
    static const std::vector<FolderVariant> v = {
        {Positional::Learned, NormKind::Layer, MlpKind::GeluTanh, false, true, 0},  // GPT-2's own
        {Positional::Rope, NormKind::Rms, MlpKind::None, true, false, 0},
        {Positional::None, NormKind::None, MlpKind::Gelu, false, true, 0},
        {Positional::Learned, NormKind::Rms, MlpKind::None, true, true, 0},        // attention biases only
        {Positional::Rope, NormKind::Layer, MlpKind::GeluTanh, true, false, 3},    // a sliding window
        {Positional::None, NormKind::Layer, MlpKind::None, false, false, 0},
    };
    return v;
}

// ---- round trip ----------------------------------------------------------------------------------

TEST(ModelFolder, EveryVariantLoadsBitIdenticalAndRunsToTheSameLogits) {
    const std::vector<int> ids = {0, 1, 2, 3, 0, 4, 5, 7, 8, 1};  // the cat sat on the mat . dog ran cat
    for (const FolderVariant& v : variants()) {
        SCOPED_TRACE(variant_name(v));
        TempDir dir;
        const FolderStack s = folder_stack(v);
        write(dir / "m", s);
        const HfModel m = load_hf_model(dir / "m");
        EXPECT_EQ(m.config.model_type, "attnviz");
        EXPECT_EQ(m.dtype, "F32");
        const bool learned = v.positional == Positional::Learned;
        expect_same_weights(s.weights, m.weights, learned);
        StackArch want = s.arch;
        if (v.mlp == MlpKind::None) want.d_ff = 4 * 16;  // intermediate_size 0 without an MLP resolves to 4·d
        EXPECT_EQ(m.arch, want);
        EXPECT_EQ(m.block.positional, s.block.positional);
        EXPECT_EQ(m.block.d_model, s.block.d_model);
        EXPECT_EQ(m.block.n_heads, s.block.n_heads);
        EXPECT_EQ(m.block.n_kv_heads, s.block.n_kv_heads);
        EXPECT_EQ(m.block.d_k, s.block.d_k);
        EXPECT_EQ(m.block.d_v, s.block.d_v);
        EXPECT_EQ(m.block.window, s.block.window);
        EXPECT_TRUE(m.block.causal);
        if (v.positional == Positional::Rope) {
            EXPECT_EQ(m.block.rope_base, s.block.rope_base);
            EXPECT_EQ(m.block.rope_style, RopeStyle::Half);
        }
        EXPECT_EQ(m.config.max_positions, learned ? 64 : kDefaultModelPositions);
        EXPECT_EQ(m.vocab->tokens, s.vocab.tokens);
        EXPECT_FALSE(m.tokenizer);
        EXPECT_TRUE(m.reads_text());

        const std::vector<std::string> texts(ids.size(), "");
        const StackTrace a = run_stack(stack_inputs(s, ids), s.arch, s.weights, s.vocab);
        const StackTrace b = run_stack(model_inputs(m, ids, texts), m.arch, m.weights, *m.vocab);
        EXPECT_TRUE(same_bits(a.logits, b.logits)) << "logits";
        EXPECT_TRUE(same_bits(a.layers[1].attn.weights[1], b.layers[1].attn.weights[1])) << "layer 1 head 1's pattern";

        // parameter_count reads the config alone: it must count exactly what the file holds.
        const SafetensorsFile f = open_safetensors(dir / "m" / "model.safetensors");
        std::uint64_t stored = 0;
        for (const TensorInfo& t : f.tensors()) stored += t.numel;
        EXPECT_EQ(parameter_count(m.config), stored);
        const HfEntry e = describe_hf_folder(dir / "m");
        EXPECT_EQ(e.error, "");
        EXPECT_EQ(e.model_type, "attnviz");
        EXPECT_EQ(e.parameters, stored);
        EXPECT_EQ(e.dtype, "F32");
    }
}

TEST(ModelFolder, TheFilesHoldGpt2sNamesAndConv1DLayoutReadBackWithoutTheLoader) {
    TempDir dir;
    const FolderStack s = folder_stack({});  // learned, LayerNorm, gelu-tanh, untied, biases
    write(dir / "m", s, Tokenization::Word, {{"steps", 300}, {"task", "induction"}});
    const SafetensorsFile f = open_safetensors(dir / "m" / "model.safetensors");
    EXPECT_EQ(f.metadata().at("format"), "pt");
    std::vector<std::string> names;
    for (const TensorInfo& t : f.tensors()) {
        names.push_back(t.name);
        EXPECT_EQ(t.dtype, Dtype::F32) << t.name;
    }
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << "header and data in name order";
    const std::vector<std::string> layer0 = {"h.0.attn.c_attn.bias", "h.0.attn.c_attn.weight", "h.0.attn.c_proj.bias",
                                             "h.0.attn.c_proj.weight", "h.0.ln_1.bias", "h.0.ln_1.weight",
                                             "h.0.ln_2.bias", "h.0.ln_2.weight", "h.0.mlp.c_fc.bias",
                                             "h.0.mlp.c_fc.weight", "h.0.mlp.c_proj.bias", "h.0.mlp.c_proj.weight"};
    for (const std::string& n : layer0) EXPECT_TRUE(f.find(n)) << n;
    for (const char* n : {"wte.weight", "wpe.weight", "ln_f.weight", "ln_f.bias", "lm_head.weight"}) EXPECT_TRUE(f.find(n)) << n;
    EXPECT_EQ(names.size(), 2 * layer0.size() + 5);

    // c_attn = [W_Q | W_K | W_V], [d, 3·h·dh] = [16, 36]; c_proj [h·dh, d] as x·W, not transposed.
    const LayerWeights& L = s.weights.layers[1];
    EXPECT_EQ(f.at("h.1.attn.c_attn.weight").shape, (std::vector<std::int64_t>{16, 36}));
    const MatRM qkv = f.to_matrix(f.at("h.1.attn.c_attn.weight"));
    EXPECT_TRUE(same_bits(qkv.middleCols(0, 12), L.attn.W_Q));
    EXPECT_TRUE(same_bits(qkv.middleCols(12, 12), L.attn.W_K));
    EXPECT_TRUE(same_bits(qkv.middleCols(24, 12), L.attn.W_V));
    const MatRM qkv_b = f.to_matrix(f.at("h.1.attn.c_attn.bias"));  // [1, 36]
    EXPECT_TRUE(same_bits(qkv_b.middleCols(12, 12), MatRM(L.attn.b_K)));
    EXPECT_EQ(f.at("h.1.attn.c_proj.weight").shape, (std::vector<std::int64_t>{12, 16}));
    EXPECT_TRUE(same_bits(f.to_matrix(f.at("h.1.attn.c_proj.weight")), L.attn.W_O));
    EXPECT_EQ(f.at("h.1.mlp.c_fc.weight").shape, (std::vector<std::int64_t>{16, 24}));
    EXPECT_TRUE(same_bits(f.to_matrix(f.at("h.1.mlp.c_fc.weight")), L.mlp.W_up));
    EXPECT_TRUE(same_bits(f.to_matrix(f.at("h.1.ln_2.bias")), MatRM(L.norm2.beta)));
    EXPECT_EQ(f.at("wpe.weight").shape, (std::vector<std::int64_t>{64, 16}));
    EXPECT_TRUE(same_bits(f.to_matrix(f.at("lm_head.weight")), s.weights.unembedding));

    const json c = json::parse(read_file(dir / "m" / "config.json"));
    EXPECT_EQ(c["model_type"], "attnviz");
    EXPECT_EQ(c["architectures"], json({"AttnvizForCausalLM"}));
    EXPECT_EQ(c["vocab_size"], 10);
    EXPECT_EQ(c["num_hidden_layers"], 2);
    EXPECT_EQ(c["num_attention_heads"], 2);
    EXPECT_EQ(c["hidden_size"], 16);
    EXPECT_EQ(c["head_dim"], 6);
    EXPECT_EQ(c["intermediate_size"], 24);
    EXPECT_EQ(c["hidden_act"], "gelu_new");
    EXPECT_EQ(c["norm"], "layer_norm");
    EXPECT_EQ(static_cast<float>(c["norm_eps"].get<double>()), 1e-5f);
    EXPECT_EQ(c["position_embedding"], "learned");
    EXPECT_EQ(c["max_position_embeddings"], 64);
    EXPECT_EQ(c["attention_window"], 0);
    EXPECT_EQ(c["use_bias"], true);
    EXPECT_EQ(c["tie_word_embeddings"], false);
    EXPECT_EQ(c["torch_dtype"], "float32");
    EXPECT_EQ(c["tokenizer_class"], "attnviz");
    EXPECT_EQ(c["attnviz_training"], json({{"steps", 300}, {"task", "induction"}}));
    const json t = json::parse(read_file(dir / "m" / "tokens.json"));
    EXPECT_EQ(t, json({{"tokenization", "word"}, {"tokens", folder_words()}}));
}

TEST(ModelFolder, WithoutLearnedPositionsTheLengthTrainedOnComesFromTheTrainingRecord) {
    TempDir dir;
    const FolderStack s = folder_stack({Positional::Rope, NormKind::Rms, MlpKind::None, true, false, 0});
    write(dir / "a", s, Tokenization::Word, {{"context", 96}});
    EXPECT_EQ(load_hf_model(dir / "a").config.max_positions, 96);
    write(dir / "b", s, Tokenization::Word, {{"context", "long"}});  // not a length: the default
    EXPECT_EQ(load_hf_model(dir / "b").config.max_positions, kDefaultModelPositions);
    EXPECT_FALSE(open_safetensors(dir / "a" / "model.safetensors").find("wpe.weight"));
}

// ---- text ----------------------------------------------------------------------------------------

TEST(ModelFolder, TextRunsThroughTokensJsonWithAttnvizsOwnTokenizer) {
    TempDir dir;
    const FolderStack s = folder_stack({});
    write(dir / "m", s);
    const auto m = std::make_shared<const HfModel>(load_hf_model(dir / "m"));
    EXPECT_EQ(m->block.tokenize, Tokenization::Word);
    EXPECT_EQ(encode_text(*m, "the cat sat on the mat."), (std::vector<int>{0, 1, 2, 3, 0, 4, 5}));
    const StackModel sm = pretrained_model(m, "a dog ran", {});
    EXPECT_EQ(sm.token_ids, (std::vector<int>{6, 7, 8}));
    EXPECT_EQ(sm.inputs.tokens, (std::vector<std::string>{"a", "dog", "ran"}));
    EXPECT_TRUE(throws_config_error([&] { encode_text(*m, "the zebra sat"); }, "text",
                                    {"\"zebra\" (token 1)", "not in the model's vocabulary", "10 word tokens in tokens.json"}));
    const std::string long_word(500, 'z');
    try {
        encode_text(*m, "the " + long_word);
        ADD_FAILURE() << "an unknown word is refused";
    } catch (const ConfigError& e) {
        EXPECT_LT(std::string(e.what()).size(), 300u) << "the word is clipped: " << e.what();
        EXPECT_NE(std::string(e.what()).find("…"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(throws_config_error([&] { encode_text(*m, "  "); }, "text", {"empty"}));
    const std::vector<int> past(65, 0);  // 64 learned positions
    EXPECT_TRUE(throws_config_error([&] { model_inputs(*m, past, std::vector<std::string>(65, "the")); }, "ids",
                                    {"65 tokens", "64 learned positions"}));

    // Char tokens: every code point one id.
    const Vocabulary chars = vocabulary_of({"a", "b", "c", " ", "é"});
    const FolderStack c = folder_stack({Positional::Rope, NormKind::Rms, MlpKind::None, true, false, 0}, chars);
    write(dir / "c", c, Tokenization::Char);
    const HfModel mc = load_hf_model(dir / "c");
    EXPECT_EQ(mc.block.tokenize, Tokenization::Char);
    EXPECT_EQ(encode_text(mc, "ab cé"), (std::vector<int>{0, 1, 3, 2, 4}));
    EXPECT_EQ(mc.folder_tokenizer->decode({4, 3, 0}), "é a");
    EXPECT_TRUE(throws_config_error([&] { mc.folder_tokenizer->decode({5}); }, "ids", {"5 is no token", "0 to 4"}));
    EXPECT_EQ(load_hf_model(dir / "m").folder_tokenizer->decode({0, 1, 5}), "the cat .");

    // Without tokens.json the folder runs on ids, as a Hugging Face folder without a tokenizer.
    fs::remove(dir / "m" / "tokens.json");
    const HfModel ids_only = load_hf_model(dir / "m");
    EXPECT_FALSE(ids_only.reads_text());
    EXPECT_EQ(ids_only.vocab->tokens[3], "#3");
    EXPECT_TRUE(throws_config_error([&] { encode_text(ids_only, "the cat"); }, "ids", {"has no tokenizer (tokens.json)"}));
}

TEST(ModelFolder, TheFolderTokenizerIsFoundOnlyInAttnvizFolders) {
    TempDir dir;
    write(dir / "m", folder_stack({}));
    const std::optional<FolderTokenizer> t = attnviz_folder_tokenizer(dir / "m");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->encode("the dog"), (std::vector<int>{0, 7}));
    EXPECT_FALSE(attnviz_folder_tokenizer(dir.path())) << "no config.json";
    std::ofstream(dir / "config.json") << R"({"model_type": "gpt2"})";
    EXPECT_FALSE(attnviz_folder_tokenizer(dir.path())) << "someone else's folder";
    fs::remove(dir / "m" / "tokens.json");
    EXPECT_TRUE(throws_config_error([&] { attnviz_folder_tokenizer(dir / "m"); }, "tokens.json", {"no tokens.json"}));
}

// ---- refusals: the writer ------------------------------------------------------------------------

TEST(ModelFolder, TheWriterRefusesWhatTheFormatCannotHoldNamingTheField) {
    TempDir dir;
    const fs::path out = dir / "m";
    const FolderStack base = folder_stack({});
    const auto refused_block = [&](auto change, const std::string& field, std::initializer_list<std::string> parts) {
        FolderStack s = base;
        change(s.block);
        SCOPED_TRACE(field);
        EXPECT_TRUE(throws_config_error([&] { write(out, s); }, field, parts));
    };
    refused_block([](Config& c) { c.positional = Positional::Sinusoidal; }, "positional", {"positional=sinusoidal", "learned, rope or none"});
    refused_block([](Config& c) { c.positional = Positional::Alibi; }, "positional", {"positional=alibi"});
    refused_block([](Config& c) {
        c.positional = Positional::Rope;
        c.rope_style = RopeStyle::Interleaved;
    }, "rope_style",
                  {"rope_style=interleaved", "rotate-half"});
    refused_block([](Config& c) { c.causal = false; }, "causal", {"causal=false", "causal decoders"});
    refused_block([](Config& c) {
        c.causal = false;
        c.source = "le chat";
    }, "source", {"cross-attention"});
    refused_block([](Config& c) { c.n_kv_heads = 1; }, "n_kv_heads", {"n_kv_heads=1", "n_heads = 2"});
    refused_block([](Config& c) { c.d_v = 4; }, "d_v", {"d_v=4", "d_k = 6"});
    refused_block([](Config& c) { c.scale = ScaleMode::Linear; }, "scale", {"scale=linear", "sqrt"});
    refused_block([](Config& c) { c.temperature = 2.0; }, "temperature", {"temperature must be 1"});

    const auto refused = [&](auto change, const std::string& field, std::initializer_list<std::string> parts) {
        FolderStack s = base;
        change(s);
        SCOPED_TRACE(field);
        EXPECT_TRUE(throws_config_error([&] { write(out, s); }, field, parts));
    };
    refused([](FolderStack& s) { s.arch.placement = NormPlacement::Post; }, "ln", {"ln=post", "pre-LN"});
    refused([](FolderStack& s) { s.arch.mlp = MlpKind::SwiGlu; }, "mlp", {"mlp=swiglu", "none, gelu-tanh or gelu"});
    refused([](FolderStack& s) { s.weights.layers[1].attn.b_K.resize(0); }, "use_bias",
            {"layers[1].attn.b_K is absent", "all present or all absent"});
    refused([](FolderStack& s) { s.weights.layers[0].mlp.b_down.resize(0); }, "use_bias", {"layers[0].mlp.b_down is absent"});
    refused([](FolderStack& s) { s.weights.layers[0].attn.W_O = MatRM::Zero(16, 16); }, "h.0.attn.c_proj.weight",
            {"layers[0].attn.W_O is [16, 16] but the config needs [12, 16]"});
    refused([](FolderStack& s) { s.weights.layers[1].attn.W_K = MatRM::Zero(16, 6); }, "h.1.attn.c_attn.weight",
            {"layers[1].attn.W_K is [16, 6]"});
    refused([](FolderStack& s) { s.weights.layers[0].norm1.beta.resize(0); }, "h.0.ln_1.bias",
            {"layers[0].norm1.beta has 0 entries but the config needs 16"});
    refused([](FolderStack& s) { s.weights.final_norm.gamma.resize(3); }, "ln_f.weight", {"final_norm.gamma has 3 entries"});
    refused([](FolderStack& s) { s.arch.norm = NormKind::Rms; }, "norm", {"RMSNorm has no β"});
    refused([](FolderStack& s) { s.arch.tied_unembedding = true; }, "tied", {"own unembedding"});
    refused([](FolderStack& s) { s.weights.unembedding.resize(0, 0); }, "lm_head.weight", {"unembedding is [0, 0]"});
    refused([](FolderStack& s) { s.weights.learned_pe.resize(0, 16); }, "learned_pe", {"at least one row"});
    refused([](FolderStack& s) { s.weights.layers[0].mlp.W_gate = MatRM::Zero(16, 24); }, "mlp", {"no gate"});
    refused([](FolderStack& s) { s.weights.layers.pop_back(); }, "layers", {"1 layers but the architecture 2"});
    refused([](FolderStack& s) { s.vocab = vocabulary_of({"a", "b"}); }, "vocab", {"2 tokens but the embedding 10 rows"});
    refused([](FolderStack& s) { s.vocab.tokens[3] = "cat"; }, "tokens", {"token 3 \"cat\" repeats token 1", "distinct"});
    refused([](FolderStack& s) { s.vocab.tokens[2] = "\xff"; }, "tokens", {"token 2 is not valid UTF-8"});
    // Past the loader's limits (ε ≥ 1e-12; the stack takes any ε > 0): the loader's own check
    // refuses it here, naming the config field.
    refused([](FolderStack& s) { s.arch.norm_eps = 1e-13f; }, "norm_eps", {"config.json", "\"norm_eps\""});
    EXPECT_TRUE(throws_config_error([&] { write(out, base, Tokenization::Word, {{"note", "\xff"}}); }, "training", {"UTF-8"}));
    EXPECT_TRUE(throws_config_error([&] { write(out, base, Tokenization::Word, {{"log", std::string(5 << 20, 'x')}}); }, "training",
                                    {"above the 4 MiB the loader reads"}));
    EXPECT_FALSE(fs::exists(out)) << "nothing is written when the writer refuses";
    EXPECT_EQ(fs::directory_iterator(dir.path()), fs::directory_iterator()) << "and no staging folder is left";
}

// ---- refusals and replacement: the folder --------------------------------------------------------

std::string io_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const IoError& e) {
        return e.what();
    }
    return "no IoError";
}

TEST(ModelFolder, AFolderInTheWayIsRefusedUntouchedAndAPreviousModelIsReplacedWhole) {
    TempDir dir;
    const FolderStack a = folder_stack({});
    const FolderStack b = folder_stack({Positional::Rope, NormKind::Rms, MlpKind::None, true, false, 0},
                                       vocabulary_of({"x", "y", "z"}), 99);

    // Someone's folder: a file of theirs, or another model (a Hugging Face GPT-2).
    fs::create_directories(dir / "notes");
    std::ofstream(dir / "notes" / "todo.txt") << "mine";
    EXPECT_NE(io_error([&] { write(dir / "notes", a); }).find("is not an attnviz model folder"), std::string::npos);
    EXPECT_EQ(read_file(dir / "notes" / "todo.txt"), "mine");
    fs::create_directories(dir / "gpt2");
    std::ofstream(dir / "gpt2" / "config.json") << R"({"model_type": "gpt2"})";
    EXPECT_NE(io_error([&] { write(dir / "gpt2", a); }).find("no config.json with model_type \"attnviz\""), std::string::npos);
    std::ofstream(dir / "file") << "x";
    EXPECT_NE(io_error([&] { write(dir / "file", a); }).find("is not a folder"), std::string::npos);

    // An empty folder is used; a previous model is replaced by the new one, whole.
    fs::create_directories(dir / "m");
    write(dir / "m", a);
    write(dir / "m", b, Tokenization::Char);
    const HfModel m = load_hf_model(dir / "m");
    EXPECT_EQ(m.vocab->tokens, (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(m.block.positional, Positional::Rope);
    expect_same_weights(b.weights, m.weights, false);
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(dir / "m")) entries.push_back(e.path().filename().string());
    std::sort(entries.begin(), entries.end());
    EXPECT_EQ(entries, (std::vector<std::string>{"config.json", "model.safetensors", "tokens.json"}));

    // A previous model with a file of the user's beside it is not replaced (that file would go).
    std::ofstream(dir / "m" / "README.md") << "my model";
    EXPECT_NE(io_error([&] { write(dir / "m", a); }).find("it also holds README.md"), std::string::npos);
    EXPECT_EQ(load_hf_model(dir / "m").vocab->size(), 3) << "the folder is as it was";

    std::vector<std::string> beside;
    for (const auto& e : fs::directory_iterator(dir.path())) beside.push_back(e.path().filename().string());
    std::sort(beside.begin(), beside.end());
    EXPECT_EQ(beside, (std::vector<std::string>{"file", "gpt2", "m", "notes"})) << "no staging folder left beside";
}

// ---- refusals: the loader ------------------------------------------------------------------------

void expect_config_refused(const json& j, const std::string& field, const std::vector<std::string>& parts) {
    SCOPED_TRACE(j.dump());
    try {
        parse_hf_config(j.dump(), "/m/config.json");
        ADD_FAILURE() << "not refused";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), field) << e.what();
        for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\nlacks: " << p;
    }
}

TEST(ModelFolder, MalformedConfigFieldsAreRefusedNamingFieldAndRule) {
    TempDir dir;
    write(dir / "m", folder_stack({}));
    const json base = json::parse(read_file(dir / "m" / "config.json"));
    EXPECT_EQ(parse_hf_config(base.dump(), "config.json").family, HfFamily::Attnviz);
    struct Case {
        const char* key;
        json value;  // null: the key removed
        std::string field;
        std::vector<std::string> parts;
    };
    const std::vector<Case> cases = {
        {"hidden_act", "relu", "hidden_act", {"config.json", "\"hidden_act\" = the string \"relu\"", "\"gelu_new\", \"gelu\", \"none\""}},
        {"hidden_act", nullptr, "hidden_act", {"\"hidden_act\" is missing"}},
        {"norm", "batch_norm", "norm", {"\"norm\" = the string \"batch_norm\"", "\"layer_norm\", \"rms_norm\", \"none\""}},
        {"position_embedding", 3, "position_embedding", {"\"position_embedding\" = 3 must be one of", "\"rope\""}},
        {"position_embedding", nullptr, "position_embedding", {"missing"}},
        {"intermediate_size", 0, "intermediate_size", {"between 1 and 16384"}},
        {"hidden_size", "16", "hidden_size", {"must be an integer between 1 and 4096"}},
        {"head_dim", nullptr, "head_dim", {"\"head_dim\" is missing"}},
        {"head_dim", 2000, "head_dim", {"between 1 and 1024"}},
        {"num_hidden_layers", 49, "num_hidden_layers", {"between 1 and 48"}},
        {"vocab_size", 0, "vocab_size", {"between 1 and"}},
        {"max_position_embeddings", -1, "max_position_embeddings", {"between 1 and"}},
        {"attention_window", -1, "attention_window", {"between 0 and 4096"}},
        {"attention_window", 2.5, "attention_window", {"between 0 and 4096"}},
        {"use_bias", "yes", "use_bias", {"\"use_bias\"", "true or false"}},
        {"tie_word_embeddings", 1, "tie_word_embeddings", {"true or false"}},
        {"norm_eps", 0, "norm_eps", {"\"norm_eps\" = 0 must be a number in"}},
        {"rope_theta", 1, "rope_theta", {"\"rope_theta\" = 1"}},
    };
    for (const Case& c : cases) {
        json j = base;
        if (c.value.is_null()) j.erase(c.key);
        else j[c.key] = c.value;
        expect_config_refused(j, c.field, c.parts);
    }
    json j = base;
    j["hidden_act"] = "none";  // no MLP, yet a width
    expect_config_refused(j, "intermediate_size", {"\"intermediate_size\" = 24 must be 0 with \"hidden_act\" = \"none\""});
    j = base;
    j["position_embedding"] = "rope";
    j["head_dim"] = 5;
    j["hidden_size"] = 10;
    expect_config_refused(j, "head_dim", {"head_dim = 5 must be even for RoPE"});
    j = base;
    j["model_type"] = "attnvis";
    expect_config_refused(j, "model_type", {"\"attnvis\" is not supported", "attnviz"});

    // A config that promises what the checkpoint lacks: the tensor is named.
    j = json::parse(read_file(dir / "m" / "config.json"));
    j["use_bias"] = false;
    j["tie_word_embeddings"] = true;
    std::ofstream(dir / "m" / "config.json") << j.dump();
    EXPECT_NO_THROW(load_hf_model(dir / "m")) << "fewer parts than stored: the extra tensors are not read";
    TempDir d2;
    write(d2 / "m", folder_stack({Positional::None, NormKind::None, MlpKind::None, true, false, 0}));
    j = json::parse(read_file(d2 / "m" / "config.json"));
    j["use_bias"] = true;
    std::ofstream(d2 / "m" / "config.json") << j.dump();
    try {
        load_hf_model(d2 / "m");
        ADD_FAILURE() << "biases the file does not have";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("\"h.0.attn.c_attn.bias\" is missing"), std::string::npos) << e.what();
    }
}

TEST(ModelFolder, MalformedTokensJsonIsRefusedNamingFieldAndRule) {
    const auto refused = [](const std::string& text, const std::string& field, std::initializer_list<std::string> parts) {
        SCOPED_TRACE(text.substr(0, 80));
        EXPECT_TRUE(throws_config_error([&] { parse_folder_tokens(text, "/m/tokens.json", 3); }, field, parts));
    };
    EXPECT_EQ(parse_folder_tokens(R"({"tokenization": "char", "tokens": ["a", "b", ""]})", "tokens.json", 3).vocab->id("b"), 1);
    refused("{", "tokens.json", {"tokens.json: not valid JSON"});
    refused(std::string(10000, '['), "tokens.json", {"nests deeper"});
    refused(R"(["a", "b", "c"])", "tokens.json", {"must be a JSON object"});
    refused(R"({"tokens": ["a", "b", "c"]})", "tokenization", {"\"tokenization\" is missing", "\"word\" or \"char\""});
    refused(R"({"tokenization": "bpe", "tokens": ["a", "b", "c"]})", "tokenization",
            {"\"tokenization\" = the string \"bpe\" must be \"word\" or \"char\""});
    refused(R"({"tokenization": "word"})", "tokens", {"\"tokens\" must be an array of 3 strings (config.json's vocab_size)"});
    refused(R"({"tokenization": "word", "tokens": "abc"})", "tokens", {"must be an array"});
    refused(R"({"tokenization": "word", "tokens": ["a", "b"]})", "tokens", {"\"tokens\" has 2 entries but must have 3 strings"});
    refused(R"({"tokenization": "word", "tokens": ["a", 5, "c"]})", "tokens", {"tokens[1] = 5 must be a string"});
    refused(R"({"tokenization": "word", "tokens": ["a", "b", "a"]})", "tokens", {"tokens[2] = \"a\" repeats tokens[0]", "distinct"});
    refused("{\"tokenization\": \"word\", \"tokens\": [\"a\", \"b\", \"\xff\"]}", "tokens.json", {"not valid JSON"});

    // Through the loader, and the size bound before the file is read.
    TempDir dir;
    write(dir / "m", folder_stack({}));
    std::ofstream(dir / "m" / "tokens.json") << R"({"tokenization": "word", "tokens": ["a"]})";
    EXPECT_TRUE(throws_config_error([&] { load_hf_model(dir / "m"); }, "tokens", {"has 1 entries but must have 10 strings"}));
    fs::resize_file(dir / "m" / "tokens.json", kMaxTokensFileBytes + 1);  // sparse: nothing is written
    EXPECT_TRUE(throws_config_error([&] { load_hf_model(dir / "m"); }, "tokens.json", {"larger than 64 MiB"}));
}

}  // namespace
}  // namespace attnviz::test
