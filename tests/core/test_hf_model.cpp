// Hugging Face folders made here in the exact on-disk layout, loaded and run through the stack,
// against a float64 forward pass written from the Hugging Face formulas on the tensors as stored
// (Conv1D [in, out], nn.Linear [out, in], fused c_attn, rotate-half RoPE, GQA, biases): attention
// weights of every layer and head, the residual stream after every layer, and the logits.
// Then every refusal: missing or misshapen tensors, unsupported configs, broken indexes.
#include "core/hf_model.hpp"

#include "tests/hf_fixture.hpp"
#include "tests/temp_dir.hpp"
#include "test_helpers.hpp"

#include <cmath>
#include <fstream>

namespace attnviz::test {
namespace {

namespace fs = std::filesystem;
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The tensors as the files hold them (after F16 / BF16 rounding), in float64.
std::map<std::string, MatD> read_back(const fs::path& dir) {
    std::map<std::string, MatD> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".safetensors") continue;
        const SafetensorsFile f = open_safetensors(e.path());
        for (const TensorInfo& t : f.tensors()) {
            const std::vector<float> v = f.to_float(t);
            const Eigen::Index rows = t.shape.size() == 2 ? t.shape[0] : 1;
            out[t.name] = Eigen::Map<const MatRM>(v.data(), rows, static_cast<Eigen::Index>(v.size()) / rows).cast<double>();
        }
    }
    return out;
}

struct Reference {
    std::vector<std::vector<MatD>> weights;  // [L][h] attention weights [n, n]
    std::vector<MatD> resid_post;            // [L] [n, d]
    MatD logits;                             // [n, V]
};

MatD row(const MatD& v) { return v.row(0); }

MatD layer_norm(const MatD& x, const MatD& g, const MatD& b, double eps) {
    MatD y(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double mu = x.row(i).mean(), var = (x.row(i).array() - mu).square().mean();
        y.row(i) = ((x.row(i).array() - mu) / std::sqrt(var + eps)) * g.row(0).array() + b.row(0).array();
    }
    return y;
}

MatD rms_norm(const MatD& x, const MatD& g, double eps) {
    MatD y(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        y.row(i) = x.row(i).array() / std::sqrt(x.row(i).squaredNorm() / static_cast<double>(x.cols()) + eps) * g.row(0).array();
    return y;
}

MatD add_bias(MatD x, const MatD& b) {
    x.rowwise() += b.row(0);
    return x;
}

// Attention over q [n, h·dh], k, v [n, kv·dh]: causal (and a window), softmax, concat [n, h·dh].
MatD attend(const MatD& q, const MatD& k, const MatD& v, int h, int kv, int dh, int window, std::vector<MatD>& weights) {
    const Eigen::Index n = q.rows();
    MatD concat(n, h * dh);
    weights.clear();
    for (int a = 0; a < h; ++a) {
        const int g = a / (h / kv);
        MatD A = q.middleCols(a * dh, dh) * k.middleCols(g * dh, dh).transpose() / std::sqrt(static_cast<double>(dh));
        for (Eigen::Index i = 0; i < n; ++i) {
            double mx = -1e300;
            for (Eigen::Index j = 0; j <= i; ++j)
                if (window == 0 || i - j < window) mx = std::max(mx, A(i, j));
            double sum = 0;
            for (Eigen::Index j = 0; j < n; ++j) {
                const bool vis = j <= i && (window == 0 || i - j < window);
                A(i, j) = vis ? std::exp(A(i, j) - mx) : 0.0;
                sum += A(i, j);
            }
            A.row(i) /= sum;
        }
        concat.middleCols(a * dh, dh) = A * v.middleCols(g * dh, dh);
        weights.push_back(A);
    }
    return concat;
}

Reference gpt2_reference(const std::map<std::string, MatD>& T, const HfSpec& s, const std::vector<int>& ids) {
    const int n = static_cast<int>(ids.size()), d = s.d, dh = d / s.heads;
    MatD x(n, d);
    for (int i = 0; i < n; ++i) x.row(i) = T.at("wte.weight").row(ids[static_cast<std::size_t>(i)]) + T.at("wpe.weight").row(i);
    Reference r;
    for (int l = 0; l < s.layers; ++l) {
        const std::string h = "h." + std::to_string(l) + ".";
        const MatD a = layer_norm(x, T.at(h + "ln_1.weight"), T.at(h + "ln_1.bias"), 1e-5);
        const MatD qkv = add_bias(a * T.at(h + "attn.c_attn.weight"), T.at(h + "attn.c_attn.bias"));  // Conv1D: x·W
        std::vector<MatD> w;
        const MatD concat = attend(qkv.middleCols(0, d), qkv.middleCols(d, d), qkv.middleCols(2 * d, d), s.heads, s.heads, dh, 0, w);
        r.weights.push_back(w);
        x += add_bias(concat * T.at(h + "attn.c_proj.weight"), T.at(h + "attn.c_proj.bias"));
        MatD m = add_bias(layer_norm(x, T.at(h + "ln_2.weight"), T.at(h + "ln_2.bias"), 1e-5) * T.at(h + "mlp.c_fc.weight"),
                          T.at(h + "mlp.c_fc.bias"));
        m = m.unaryExpr([](double z) { return 0.5 * z * (1 + std::tanh(std::sqrt(2 / M_PI) * (z + 0.044715 * z * z * z))); });
        x += add_bias(m * T.at(h + "mlp.c_proj.weight"), T.at(h + "mlp.c_proj.bias"));
        r.resid_post.push_back(x);
    }
    r.logits = layer_norm(x, T.at("ln_f.weight"), T.at("ln_f.bias"), 1e-5) * T.at("wte.weight").transpose();
    return r;
}

// rotate-half RoPE of every head of x [n, heads·dh] at positions 0 … n−1.
MatD rope(const MatD& x, int heads, int dh, double theta) {
    MatD y = x;
    for (Eigen::Index p = 0; p < x.rows(); ++p)
        for (int a = 0; a < heads; ++a)
            for (int i = 0; i < dh / 2; ++i) {
                const double ang = static_cast<double>(p) * std::pow(theta, -2.0 * i / dh);
                const double x1 = x(p, a * dh + i), x2 = x(p, a * dh + i + dh / 2);
                y(p, a * dh + i) = x1 * std::cos(ang) - x2 * std::sin(ang);
                y(p, a * dh + i + dh / 2) = x2 * std::cos(ang) + x1 * std::sin(ang);
            }
    return y;
}

Reference llama_reference(const std::map<std::string, MatD>& T, const HfSpec& s, const std::vector<int>& ids) {
    const int n = static_cast<int>(ids.size()), dh = s.head_dim ? s.head_dim : s.d / s.heads;
    MatD x(n, s.d);
    for (int i = 0; i < n; ++i) x.row(i) = T.at("model.embed_tokens.weight").row(ids[static_cast<std::size_t>(i)]);
    Reference r;
    const bool bias = s.model_type == "qwen2";
    for (int l = 0; l < s.layers; ++l) {
        const std::string h = "model.layers." + std::to_string(l) + ".";
        const MatD a = rms_norm(x, T.at(h + "input_layernorm.weight"), 1e-6);
        // nn.Linear: y = x·Wᵀ (+ b)
        MatD q = a * T.at(h + "self_attn.q_proj.weight").transpose(), k = a * T.at(h + "self_attn.k_proj.weight").transpose();
        MatD v = a * T.at(h + "self_attn.v_proj.weight").transpose();
        if (bias) {
            q = add_bias(q, T.at(h + "self_attn.q_proj.bias"));
            k = add_bias(k, T.at(h + "self_attn.k_proj.bias"));
            v = add_bias(v, T.at(h + "self_attn.v_proj.bias"));
        }
        std::vector<MatD> w;
        const MatD concat = attend(rope(q, s.heads, dh, s.rope_theta), rope(k, s.kv_heads, dh, s.rope_theta), v, s.heads,
                                   s.kv_heads, dh, s.model_type == "mistral" ? s.sliding_window : 0, w);
        r.weights.push_back(w);
        x += concat * T.at(h + "self_attn.o_proj.weight").transpose();
        const MatD m = rms_norm(x, T.at(h + "post_attention_layernorm.weight"), 1e-6);
        MatD g = m * T.at(h + "mlp.gate_proj.weight").transpose();
        const MatD u = m * T.at(h + "mlp.up_proj.weight").transpose();
        g = g.unaryExpr([](double z) { return z / (1 + std::exp(-z)); });
        x += (g.array() * u.array()).matrix() * T.at(h + "mlp.down_proj.weight").transpose();
        r.resid_post.push_back(x);
    }
    const MatD& U = s.tied ? T.at("model.embed_tokens.weight") : T.at("lm_head.weight");
    r.logits = rms_norm(x, T.at("model.norm.weight"), 1e-6) * U.transpose();
    return r;
}

double max_rel(const MatRM& a, const MatD& b) {
    EXPECT_EQ(a.rows(), b.rows());
    EXPECT_EQ(a.cols(), b.cols());
    if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e9;
    return ((a.cast<double>() - b).array().abs() / (1.0 + b.array().abs())).maxCoeff();
}

void check_against_reference(const HfSpec& s, double tol) {
    TempDir dir;
    write_hf_model(dir.path(), s);
    const HfModel m = load_hf_model(dir.path());
    EXPECT_EQ(m.config.layers, s.layers);
    EXPECT_EQ(m.dtype, std::string(to_string(s.dtype)));
    const std::vector<int> ids = {3, 17, 5, 3, 17, 42, 8, 1, 3, 17, 11, 29};
    std::vector<std::string> texts;
    for (int id : ids) texts.push_back("t" + std::to_string(id));
    const Inputs in = model_inputs(m, ids, texts);
    Vocabulary vocab;
    for (int v = 0; v < s.vocab; ++v) vocab.tokens.push_back("t" + std::to_string(v));
    const StackTrace t = run_stack(in, m.arch, m.weights, vocab);
    const auto T = read_back(dir.path());
    const Reference r = s.model_type == "gpt2" ? gpt2_reference(T, s, ids) : llama_reference(T, s, ids);
    ASSERT_EQ(t.layers.size(), r.weights.size());
    for (std::size_t l = 0; l < t.layers.size(); ++l) {
        for (int a = 0; a < s.heads; ++a)
            EXPECT_LT(max_rel(t.layers[l].attn.weights[static_cast<std::size_t>(a)], r.weights[l][static_cast<std::size_t>(a)]), tol)
                << "layer " << l << " head " << a;
        EXPECT_LT(max_rel(t.layers[l].resid_post, r.resid_post[l]), tol) << "layer " << l;
    }
    EXPECT_LT(max_rel(t.logits, r.logits), tol);
}

TEST(HfModel, Gpt2LayoutMatchesAFloat64ReferenceOnTheStoredTensors) {
    HfSpec s;
    check_against_reference(s, 2e-4);
}

TEST(HfModel, Gpt2InBf16AndShardsMatchesTheReferenceOnTheRoundedTensors) {
    HfSpec s;
    s.dtype = Dtype::BF16;
    s.shards = 3;
    check_against_reference(s, 2e-4);
}

TEST(HfModel, LlamaWithGqaAndUntiedHeadMatchesTheReference) {
    HfSpec s;
    s.model_type = "llama";
    s.heads = 4;
    s.kv_heads = 2;
    s.tied = false;
    s.rope_theta = 500000.0;
    check_against_reference(s, 2e-4);
}

TEST(HfModel, Qwen2BiasesTiedF16AndAnExplicitHeadDimMatchTheReference) {
    HfSpec s;
    s.model_type = "qwen2";
    s.heads = 4;
    s.kv_heads = 1;
    s.head_dim = 16;  // h·dh = 64 ≠ d = 32
    s.dtype = Dtype::F16;
    check_against_reference(s, 2e-4);
}

TEST(HfModel, MistralSlidingWindowMasksOldKeys) {
    HfSpec s;
    s.model_type = "mistral";
    s.kv_heads = 2;
    s.sliding_window = 4;
    s.tied = false;
    check_against_reference(s, 2e-4);
    TempDir dir;
    write_hf_model(dir.path(), s);
    EXPECT_EQ(load_hf_model(dir.path()).block.window, 4);
}

TEST(HfModel, ConfigAndParameterCountFollowTheConfig) {
    HfSpec s;
    s.model_type = "gpt2";
    const HfConfig c = parse_hf_config(hf_config_json(s).dump(), "config.json");
    EXPECT_EQ(c.family, HfFamily::Gpt2);
    EXPECT_EQ(c.head_dim, 8);
    // The real GPT-2 small: 124,439,808 parameters (wte and wpe included, tied head not).
    HfConfig g = c;
    g.d_model = 768;
    g.layers = 12;
    g.heads = g.kv_heads = 12;
    g.head_dim = 64;
    g.d_ff = 3072;
    g.vocab = 50257;
    g.max_positions = 1024;
    EXPECT_EQ(parameter_count(g), 124439808u);
    // Llama-3.2-1B: 1,235,814,400 (tied).
    HfConfig l;
    l.family = HfFamily::Llama;
    l.d_model = 2048;
    l.layers = 16;
    l.heads = 32;
    l.kv_heads = 8;
    l.head_dim = 64;
    l.d_ff = 8192;
    l.vocab = 128256;
    l.tied = true;
    EXPECT_EQ(parameter_count(l), 1235814400u);
}

// ---- refusals ------------------------------------------------------------------------------------

void expect_config_refused(nlohmann::json j, const std::string& field, const std::string& part) {
    SCOPED_TRACE(j.dump());
    EXPECT_TRUE(throws_config_error([&] { parse_hf_config(j.dump(), "/m/config.json"); }, field, {"config.json", part}));
}

TEST(HfModel, UnsupportedOrBrokenConfigsAreRefusedNamingTheField) {
    HfSpec llama;
    llama.model_type = "llama";
    const nlohmann::json base = hf_config_json(llama);
    nlohmann::json j = base;
    j["model_type"] = "t5";
    expect_config_refused(j, "model_type", "gpt2, llama, mistral, qwen2");
    j = base;
    j.erase("model_type");
    expect_config_refused(j, "model_type", "missing");
    j = base;
    j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
    expect_config_refused(j, "rope_scaling", "\"llama3\"");
    j = base;
    j["num_key_value_heads"] = 3;
    expect_config_refused(j, "num_key_value_heads", "multiple");
    // 0 parses as an unsigned number; it once passed the lower bound and divided by zero (found by
    // fuzzing: tests/fuzz/corpus/hf_config/regress_zero_kv_heads.json).
    for (const char* key : {"num_key_value_heads", "num_attention_heads", "hidden_size"}) {
        j = base;
        j[key] = 0;
        expect_config_refused(j, key, "between 1 and");
    }
    j = base;
    j["hidden_size"] = -4;
    expect_config_refused(j, "hidden_size", "between 1 and");
    j = base;
    j["hidden_size"] = "32";
    expect_config_refused(j, "hidden_size", "integer");
    j = base;
    j["num_hidden_layers"] = 99999999999999999ull;
    expect_config_refused(j, "num_hidden_layers", "between 1 and 48");
    j = base;
    j["rope_theta"] = -1;
    expect_config_refused(j, "rope_theta", "rope_theta");
    j = base;
    j["hidden_act"] = "relu";
    expect_config_refused(j, "hidden_act", "silu");
    std::string deep(100000, '[');
    EXPECT_TRUE(throws_config_error([&] { parse_hf_config(deep, "config.json"); }, "config.json", {"config.json"}));
    EXPECT_TRUE(throws_config_error([&] { parse_hf_config("[1]", "config.json"); }, "config.json", {"object"}));
}

std::string load_error(const fs::path& dir) {
    try {
        load_hf_model(dir);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

TEST(HfModel, MissingOrMisshapenTensorsAndBrokenIndexesAreRefusedNamingThem) {
    HfSpec s;
    {
        TempDir dir;
        write_hf_model(dir.path(), s);
        nlohmann::json j = hf_config_json(s);
        j["n_embd"] = 48;  // the tensors are 32 wide
        j["n_head"] = 4;
        std::ofstream(dir / "config.json") << j.dump();
        const std::string e = load_error(dir.path());
        EXPECT_NE(e.find("\"wte.weight\" has shape [50, 32] but the config needs [50, 48]"), std::string::npos) << e;
    }
    {
        HfSpec ll;
        ll.model_type = "llama";
        ll.tied = true;
        TempDir dir;
        write_hf_model(dir.path(), ll);
        nlohmann::json j = hf_config_json(ll);
        j["tie_word_embeddings"] = false;  // asks for an lm_head the files do not have
        std::ofstream(dir / "config.json") << j.dump();
        const std::string e = load_error(dir.path());
        EXPECT_NE(e.find("\"lm_head.weight\" is missing"), std::string::npos) << e;
    }
    {
        TempDir dir;
        s.shards = 2;
        write_hf_model(dir.path(), s);
        std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {"wte.weight": "../../etc/passwd.safetensors"}})";
        EXPECT_NE(load_error(dir.path()).find("must be a .safetensors file name in the same folder"), std::string::npos);
        std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {"wte.weight": "model-00009-of-00009.safetensors"}})";
        EXPECT_NE(load_error(dir.path()).find("model-00009-of-00009.safetensors"), std::string::npos);
        std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {"nope": "model-00001-of-00002.safetensors"}})";
        EXPECT_NE(load_error(dir.path()).find("\"nope\" is in the index's weight_map but not in the shard"), std::string::npos);
        std::ofstream(dir / "model.safetensors.index.json") << std::string(5000, '[');
        EXPECT_NE(load_error(dir.path()).find("model.safetensors.index.json"), std::string::npos);
        fs::remove(dir / "model.safetensors.index.json");
        EXPECT_NE(load_error(dir.path()).find("no model.safetensors"), std::string::npos);
    }
    {
        TempDir dir;
        EXPECT_NE(load_error(dir.path()).find("no config.json"), std::string::npos);
    }
}

TEST(HfModel, InputsCheckIdsAgainstTheVocabularyAndPositions) {
    TempDir dir;
    HfSpec s;
    write_hf_model(dir.path(), s);
    const HfModel m = load_hf_model(dir.path());
    EXPECT_TRUE(throws_config_error([&] { model_inputs(m, {1, 50}, {"a", "b"}); }, "ids", {"id 50", "[0, 50)"}));
    EXPECT_TRUE(throws_config_error([&] { model_inputs(m, {}, {}); }, "ids"));
    const std::vector<int> many(41, 1);
    EXPECT_TRUE(throws_config_error([&] { model_inputs(m, many, std::vector<std::string>(41, "a")); }, "ids", {"40 learned positions"}));
    std::atomic<bool> cancel{true};
    LoadProgress p;
    p.cancel = &cancel;
    EXPECT_THROW(load_hf_model(dir.path(), p), LoadCancelled);
    std::uint64_t last = 0, total = 0;
    LoadProgress q;
    q.on_progress = [&](std::uint64_t done, std::uint64_t all) {
        EXPECT_GE(done, last);
        last = done;
        total = all;
    };
    load_hf_model(dir.path(), q);
    EXPECT_EQ(last, total) << "progress reaches the total the memory check announced";
}

// ---- discovery -----------------------------------------------------------------------------------

TEST(HfCache, ListsEverySnapshotWithItsArchitectureSizeAndDtypeFollowingSymlinks) {
    TempDir cache;
    // The hub's layout: files in blobs/, the snapshot holds symlinks to them, refs/main names it.
    HfSpec g;
    write_hf_model(cache / "tmp-gpt2", g);
    const fs::path repo = cache / "models--openai-community--gpt2";
    fs::create_directories(repo / "blobs");
    fs::create_directories(repo / "snapshots" / "abc123");
    fs::create_directories(repo / "refs");
    for (const char* f : {"config.json", "model.safetensors"}) {
        fs::rename(cache / "tmp-gpt2" / f, repo / "blobs" / f);
        fs::create_symlink(fs::path("../../blobs") / f, repo / "snapshots" / "abc123" / f);
    }
    std::ofstream(repo / "refs" / "main") << "abc123\n";
    HfSpec l;
    l.model_type = "llama";
    l.dtype = Dtype::BF16;
    write_hf_model(cache / "models--meta--tiny-llama" / "snapshots" / "r1", l);
    fs::create_directories(cache / "models--broken--x" / "snapshots" / "r0");
    fs::create_directories(cache / "datasets--a--b" / "snapshots" / "r");  // not a model
    const std::vector<HfEntry> all = list_hf_models(cache.path());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].name, "broken/x");
    EXPECT_NE(all[0].error.find("config.json"), std::string::npos);
    EXPECT_EQ(all[1].name, "meta/tiny-llama");
    EXPECT_EQ(all[1].model_type, "llama");
    EXPECT_EQ(all[1].dtype, "BF16");
    EXPECT_EQ(all[2].name, "openai-community/gpt2");
    EXPECT_EQ(all[2].dir, repo / "snapshots" / "abc123");
    EXPECT_EQ(all[2].error, "");
    EXPECT_EQ(all[2].parameters, parameter_count(parse_hf_config(hf_config_json(g).dump(), "c")));
    EXPECT_GT(all[2].bytes_on_disk, 0u);
    const HfModel m = load_hf_model(all[2].dir);
    EXPECT_EQ(m.name(), "openai-community/gpt2");
    EXPECT_TRUE(list_hf_models(cache / "missing").empty());
}

TEST(HfCache, TheCacheFollowsTheEnvironmentAndMemoryIsChecked) {
    setenv("HF_HUB_CACHE", "/x/hub", 1);
    EXPECT_EQ(hf_hub_cache(), fs::path("/x/hub"));
    unsetenv("HF_HUB_CACHE");
    setenv("HF_HOME", "/y", 1);
    EXPECT_EQ(hf_hub_cache(), fs::path("/y/hub"));
    unsetenv("HF_HOME");
    EXPECT_EQ(hf_hub_cache().filename(), "hub");
    HfConfig c;
    c.d_model = 768;
    c.layers = 12;
    c.heads = c.kv_heads = 12;
    c.head_dim = 64;
    c.d_ff = 3072;
    c.vocab = 50257;
    c.max_positions = 1024;
    EXPECT_NO_THROW(check_memory_for(c, std::uint64_t{1} << 32));
    EXPECT_TRUE(throws_config_error([&] { check_memory_for(c, 100u << 20); }, "model", {"0.46 GiB", "0.10 GiB", "not loaded"}));
    EXPECT_GT(available_memory_bytes(), 0u);
}

}  // namespace
}  // namespace attnviz::test
