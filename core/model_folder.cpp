#include "core/model_folder.hpp"

#include "core/hf_model.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/json_read.hpp"
#include "core/io/safetensors.hpp"
#include "core/unicode.hpp"

#include <map>
#include <unordered_map>

namespace attnviz {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kWeightsFile = "model.safetensors";

bool is_record_file(std::string_view name) { return name == "metrics.csv" || name == "metrics.json"; }
bool is_folder_file(std::string_view name) {
    return name == kConfigFile || name == kWeightsFile || name == kTokensFile || is_record_file(name);
}

// Whether `dir`'s config.json is a JSON object with model_type "attnviz" (false for a missing,
// oversized or unreadable one: the callers then treat the folder as someone else's).
bool has_attnviz_config(const fs::path& dir) {
    const fs::path cfg = dir / kConfigFile;
    std::error_code ec;
    if (!fs::is_regular_file(cfg, ec) || fs::file_size(cfg, ec) > kMaxConfigFileBytes || ec) return false;
    try {
        const json j = parse_json_limited(read_file(cfg));
        return j.is_object() && j.contains("model_type") && j["model_type"] == kAttnvizModelType;
    } catch (const std::exception&) {
        return false;
    }
}

// ---- writer checks -------------------------------------------------------------------------------

std::string dims(std::int64_t rows, std::int64_t cols) { return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]"; }

void require(bool ok, const char* field, const std::string& message) {
    if (!ok) throw ConfigError(field, message);
}

// What the format stores; the rest of Config and StackArch must be what a GPT-2-style decoder does.
void check_supported(const Config& c, const StackArch& a) {
    require(a.placement == NormPlacement::Pre, "ln",
            "ln=post cannot be written: attnviz's model folder holds pre-LN stacks (as GPT-2 and Llama)");
    require(a.mlp == MlpKind::None || a.mlp == MlpKind::GeluTanh || a.mlp == MlpKind::Gelu, "mlp",
            "mlp=" + std::string(to_string(a.mlp)) + " cannot be written: the model folder's MLP is none, gelu-tanh or gelu");
    require(c.positional == Positional::Learned || c.positional == Positional::Rope || c.positional == Positional::None,
            "positional",
            "positional=" + std::string(to_string(c.positional)) + " cannot be written: the model folder's positions are learned, rope or none");
    require(c.positional != Positional::Rope || c.rope_style == RopeStyle::Half, "rope_style",
            "rope_style=" + std::string(to_string(c.rope_style)) + " cannot be written: the model folder's RoPE is rotate-half (half), as Hugging Face's");
    require(!c.cross(), "source", "a cross-attention block (a source text) cannot be written: the model folder holds self-attention decoders");
    require(c.causal, "causal", "causal=false cannot be written: the model folder holds causal decoders");
    require(c.n_kv_heads == c.n_heads, "n_kv_heads",
            "n_kv_heads=" + std::to_string(c.n_kv_heads) + " cannot be written: the model folder's fused c_attn needs n_kv_heads = n_heads = " +
                std::to_string(c.n_heads));
    require(c.d_k == c.d_v, "d_v",
            "d_v=" + std::to_string(c.d_v) + " cannot be written: the model folder's head_dim needs d_v = d_k = " + std::to_string(c.d_k));
    require(c.scale == ScaleMode::Sqrt, "scale",
            "scale=" + std::string(to_string(c.scale)) + " cannot be written: the model folder's scores are scaled by 1/√d_k (sqrt)");
    require(c.temperature == 1.0, "temperature", "temperature must be 1 to be written: the model folder has no temperature");
}

// Checks each tensor's shape against the config and collects it under its file name.
class TensorSet {
public:
    static void check(const std::string& name, const std::string& field, const MatRM& m, std::int64_t rows, std::int64_t cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw ConfigError(name, field + " is " + dims(m.rows(), m.cols()) + " but the config needs " + dims(rows, cols) +
                                        " (" + name + ")");
        }
    }
    static void check(const std::string& name, const std::string& field, const RowVec& v, std::int64_t n) {
        if (v.size() != n) {
            throw ConfigError(name, field + " has " + std::to_string(v.size()) + " entries but the config needs " + std::to_string(n) +
                                        " (" + name + ")");
        }
    }
    void matrix(const std::string& name, const std::string& field, MatRM m, std::int64_t rows, std::int64_t cols) {
        check(name, field, m, rows, cols);
        tensors_[name] = {{rows, cols}, std::move(m)};
    }
    void vector(const std::string& name, const std::string& field, const RowVec& v, std::int64_t n) {
        check(name, field, v, n);
        tensors_[name] = {{n}, v};
    }
    // γ (and LayerNorm's β) as NAME.weight and NAME.bias; nothing without a norm.
    void norm(const std::string& name, const std::string& field, NormKind kind, const NormWeights& w, std::int64_t d) {
        if (kind == NormKind::None) return;
        vector(name + ".weight", field + ".gamma", w.gamma, d);
        if (kind == NormKind::Layer) vector(name + ".bias", field + ".beta", w.beta, d);
        else require(w.beta.size() == 0, "norm", field + ".beta is set, but RMSNorm has no β: it cannot be written");
    }
    // Sorted by name: the safetensors header and data follow this order.
    const auto& tensors() const { return tensors_; }

private:
    struct Tensor {
        std::vector<std::int64_t> shape;
        MatRM values;  // [rows, cols]; a vector as [1, n]
    };
    std::map<std::string, Tensor> tensors_;
};

// Every bias is present, or every bias is absent: use_bias says which for the whole model.
bool uniform_biases(const StackArch& a, const StackWeights& w) {
    const bool bias = w.layers.front().attn.b_Q.size() > 0;
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const std::string at = "layers[" + std::to_string(l) + "].";
        std::vector<std::pair<std::string, const RowVec*>> biases = {
            {"attn.b_Q", &L.attn.b_Q}, {"attn.b_K", &L.attn.b_K}, {"attn.b_V", &L.attn.b_V}, {"attn.b_O", &L.attn.b_O}};
        if (a.mlp != MlpKind::None) biases.insert(biases.end(), {{"mlp.b_up", &L.mlp.b_up}, {"mlp.b_down", &L.mlp.b_down}});
        for (const auto& [name, b] : biases) {
            require((b->size() > 0) == bias, "use_bias",
                    at + name + " is " + (bias ? "absent" : "present") + " but layers[0].attn.b_Q is " + (bias ? "present" : "absent") +
                        ": the attention and MLP biases must be all present or all absent to be written");
        }
    }
    return bias;
}

TensorSet folder_tensors(const Config& c, const StackArch& a, const StackWeights& w, bool bias) {
    const std::int64_t d = c.d_model, q = static_cast<std::int64_t>(c.n_heads) * c.d_k, f = a.d_ff;
    const std::int64_t V = w.embedding.rows();
    TensorSet t;
    t.matrix("wte.weight", "embedding", w.embedding, V, d);  // E: [V, d]
    if (c.positional == Positional::Learned) {
        require(w.learned_pe.rows() >= 1, "learned_pe", "learned positions need a learned_pe table of at least one row");
        t.matrix("wpe.weight", "learned_pe", w.learned_pe, w.learned_pe.rows(), d);  // PE: [P, d]
    }
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const std::string h = "h." + std::to_string(l) + ".", at = "layers[" + std::to_string(l) + "].";
        t.norm(h + "ln_1", at + "norm1", a.norm, L.norm1, d);
        for (const auto& [W, name] : {std::pair{&L.attn.W_Q, "W_Q"}, {&L.attn.W_K, "W_K"}, {&L.attn.W_V, "W_V"}})
            TensorSet::check(h + "attn.c_attn.weight", at + "attn." + name, *W, d, q);
        MatRM qkv(d, 3 * q);  // c_attn: [d, 3·h·dh] = [W_Q | W_K | W_V]
        qkv << L.attn.W_Q, L.attn.W_K, L.attn.W_V;
        t.matrix(h + "attn.c_attn.weight", at + "attn.W_QKV", std::move(qkv), d, 3 * q);
        t.matrix(h + "attn.c_proj.weight", at + "attn.W_O", L.attn.W_O, q, d);  // [h·dh, d]
        if (bias) {
            for (const auto& [b, name] : {std::pair{&L.attn.b_Q, "b_Q"}, {&L.attn.b_K, "b_K"}, {&L.attn.b_V, "b_V"}})
                TensorSet::check(h + "attn.c_attn.bias", at + "attn." + name, *b, q);
            RowVec qkv_b(3 * q);  // [3·h·dh]
            qkv_b << L.attn.b_Q, L.attn.b_K, L.attn.b_V;
            t.vector(h + "attn.c_attn.bias", at + "attn.b_QKV", qkv_b, 3 * q);
            t.vector(h + "attn.c_proj.bias", at + "attn.b_O", L.attn.b_O, d);
        }
        if (a.mlp == MlpKind::None) continue;
        require(L.mlp.W_gate.size() == 0, "mlp", at + "mlp.W_gate is set, but a GELU MLP has no gate: it cannot be written");
        t.norm(h + "ln_2", at + "norm2", a.norm, L.norm2, d);
        t.matrix(h + "mlp.c_fc.weight", at + "mlp.W_up", L.mlp.W_up, d, f);        // [d, f]
        t.matrix(h + "mlp.c_proj.weight", at + "mlp.W_down", L.mlp.W_down, f, d);  // [f, d]
        if (bias) {
            t.vector(h + "mlp.c_fc.bias", at + "mlp.b_up", L.mlp.b_up, f);
            t.vector(h + "mlp.c_proj.bias", at + "mlp.b_down", L.mlp.b_down, d);
        }
    }
    t.norm("ln_f", "final_norm", a.norm, w.final_norm, d);
    if (a.tied_unembedding) {
        require(w.unembedding.size() == 0, "tied",
                "the architecture is tied but the weights carry their own unembedding (the stack would run with it): untie it or drop it");
    } else {
        t.matrix("lm_head.weight", "unembedding", w.unembedding, V, d);  // U: [V, d]
    }
    return t;
}

// config.json: the loader's fields for this model (see parse_hf_config, model_type "attnviz").
json folder_config(const Config& c, const StackArch& a, const StackWeights& w, int vocab, bool bias, const json& training) {
    int positions = kDefaultModelPositions;
    if (c.positional == Positional::Learned) {
        positions = static_cast<int>(w.learned_pe.rows());
    } else if (training.is_object() && training.contains("context") && training["context"].is_number_integer()) {
        const long long t = training["context"].get<long long>();
        if (t >= 1 && t <= Limits::max_tokens) positions = static_cast<int>(t);
    }
    const char* act = a.mlp == MlpKind::GeluTanh ? "gelu_new" : a.mlp == MlpKind::Gelu ? "gelu" : "none";
    const char* norm = a.norm == NormKind::Layer ? "layer_norm" : a.norm == NormKind::Rms ? "rms_norm" : "none";
    const char* pos = c.positional == Positional::Learned ? "learned" : c.positional == Positional::Rope ? "rope" : "none";
    nlohmann::ordered_json j;
    j["model_type"] = kAttnvizModelType;
    j["architectures"] = {"AttnvizForCausalLM"};
    j["vocab_size"] = vocab;
    j["num_hidden_layers"] = a.layers;
    j["num_attention_heads"] = c.n_heads;
    j["hidden_size"] = c.d_model;
    j["head_dim"] = c.d_k;
    j["intermediate_size"] = a.mlp == MlpKind::None ? 0 : a.d_ff;
    j["hidden_act"] = act;
    j["norm"] = norm;
    j["norm_eps"] = static_cast<double>(a.norm_eps);  // the float32 ε exactly, as a double
    j["position_embedding"] = pos;
    j["max_position_embeddings"] = positions;
    j["rope_theta"] = c.rope_base;
    j["attention_window"] = c.window;
    j["use_bias"] = bias;
    j["tie_word_embeddings"] = a.tied_unembedding;
    j["torch_dtype"] = "float32";
    j["tokenizer_class"] = kAttnvizModelType;
    if (!training.empty()) j["attnviz_training"] = training;
    return j;
}

std::string tokens_json(const Vocabulary& vocab, Tokenization tokenization) {
    std::unordered_map<std::string_view, int> seen;
    for (int k = 0; k < vocab.size(); ++k) {
        const std::string& t = vocab.tokens[static_cast<std::size_t>(k)];
        for (std::size_t i = 0; i < t.size();) {
            const std::size_t n = valid_utf8_length(t, i);
            require(n > 0, "tokens", "token " + std::to_string(k) + " is not valid UTF-8: it cannot be written to tokens.json");
            i += n;
        }
        const auto [it, fresh] = seen.emplace(t, k);
        require(fresh, "tokens",
                "token " + std::to_string(k) + " \"" + clip(t) + "\" repeats token " + std::to_string(it->second) +
                    ": a vocabulary's tokens must be distinct");
    }
    nlohmann::ordered_json j;
    j["tokenization"] = to_string(tokenization);
    j["tokens"] = vocab.tokens;
    return j.dump() + "\n";
}

// `dir` is new, an empty folder, or an attnviz model folder holding only this format's files.
void check_replaceable(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec)) throw IoError("cannot write the model to " + dir.string() + ": it exists and is not a folder");
    if (fs::is_empty(dir, ec)) return;
    if (!has_attnviz_config(dir)) {
        throw IoError("cannot write the model to " + dir.string() +
                      ": the folder is not empty and is not an attnviz model folder (no config.json with model_type "
                      "\"attnviz\"); choose a new or empty folder");
    }
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (!is_folder_file(name) || e.symlink_status(ec).type() != fs::file_type::regular) {
            throw IoError("cannot replace the model folder " + dir.string() + ": it also holds " + name +
                          ", which is not a file of an attnviz model folder; move it away or choose another folder");
        }
    }
    if (ec) throw IoError("cannot read " + dir.string() + ": " + ec.message());
}

}  // namespace

// ---- writer --------------------------------------------------------------------------------------

void write_model_folder(const fs::path& dir, const Config& block, const StackArch& arch, const StackWeights& w,
                        const Vocabulary& vocab, Tokenization tokenization, const json& training, const FolderRecords& records) {
    for (const auto& [name, bytes] : records) {
        require(is_record_file(name), "records", "the model folder keeps metrics.csv and metrics.json only, not " + clip(name));
    }
    const Config c = resolve_sizes(block);
    const StackArch a = resolve_arch(arch, c.d_model);
    check_supported(c, a);
    require(static_cast<int>(w.layers.size()) == a.layers, "layers",
            "the weights have " + std::to_string(w.layers.size()) + " layers but the architecture " + std::to_string(a.layers));
    require(w.embedding.rows() == vocab.size(), "vocab",
            "the vocabulary has " + std::to_string(vocab.size()) + " tokens but the embedding " + std::to_string(w.embedding.rows()) + " rows");
    const bool bias = uniform_biases(a, w);
    const TensorSet tensors = folder_tensors(c, a, w, bias);
    std::string config;
    try {
        config = folder_config(c, a, w, vocab.size(), bias, training).dump(2) + "\n";
    } catch (const json::type_error& e) {  // a string in `training` that is not UTF-8
        throw ConfigError("training", "the training record cannot be written to config.json: " + json_reason(e));
    }
    // What the loader refuses (sizes past its limits) is refused here, before anything is written.
    if (config.size() > kMaxConfigFileBytes) {
        throw ConfigError("training", "config.json would be " + std::to_string(config.size()) +
                                          " bytes, above the 4 MiB the loader reads: the training record is too large");
    }
    parse_hf_config(config, dir / kConfigFile);
    const std::string tokens = tokens_json(vocab, tokenization);

    check_replaceable(dir);
    StagedDir staged(dir, is_folder_file);
    staged.add(kConfigFile, config);
    staged.add_stream(kWeightsFile, [&](std::ostream& out) {
        SafetensorsWriter st;
        st.set_metadata("format", "pt");  // what transformers' safetensors loader expects
        for (const auto& [name, t] : tensors.tensors()) st.declare(name, Dtype::F32, t.shape);
        st.begin(out);
        for (const auto& [name, t] : tensors.tensors()) st.write(name, t.values);
        st.finish();
    });
    staged.add(kTokensFile, tokens);
    for (const auto& [name, bytes] : records) staged.add(name, bytes);
    staged.commit();
}

// ---- discovery ---------------------------------------------------------------------------------

std::optional<FolderTokenizer> attnviz_folder_tokenizer(const fs::path& dir) {
    if (!has_attnviz_config(dir)) return std::nullopt;
    const fs::path cfg = dir / kConfigFile;
    return read_folder_tokens(dir, parse_hf_config(read_file(cfg), cfg).vocab);
}

}  // namespace attnviz
