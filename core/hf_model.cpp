#include "core/hf_model.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/json_read.hpp"
#include "core/model_folder.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

namespace attnviz {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- config --------------------------------------------------------------------------------------

namespace {

std::string in_file(const fs::path& file, const std::string& message) { return file.filename().string() + ": " + message; }

// The integer `v` of field `key` when it lies in [lo, max].
int ranged_int(const json& v, const fs::path& file, const char* key, long long lo, long long max) {
    // A parsed 0 is number_unsigned: the lower bound holds for both representations.
    const bool in_range = v.is_number_unsigned()
                              ? v.get<unsigned long long>() >= static_cast<unsigned long long>(lo) &&
                                    v.get<unsigned long long>() <= static_cast<unsigned long long>(max)
                              : v.is_number_integer() && v.get<long long>() >= lo && v.get<long long>() <= max;
    if (!in_range) {
        throw ConfigError(key, in_file(file, std::string("\"") + key + "\" = " + describe(v) + " must be an integer between " +
                                                 std::to_string(lo) + " and " + std::to_string(max)));
    }
    return static_cast<int>(v.get<long long>());
}

// A positive integer field, at most `max`; `fallback` when absent (0: required).
int int_field(const json& j, const fs::path& file, const char* key, long long max, long long fallback = 0) {
    if (!j.contains(key) || j[key].is_null()) {
        if (fallback > 0) return static_cast<int>(fallback);
        throw ConfigError(key, in_file(file, std::string("\"") + key + "\" is missing: it must be a positive integer"));
    }
    return ranged_int(j[key], file, key, 1, max);
}

// A non-negative integer field, at most `max`; 0 when absent.
int count_field(const json& j, const fs::path& file, const char* key, long long max) {
    if (!j.contains(key) || j[key].is_null()) return 0;
    return ranged_int(j[key], file, key, 0, max);
}

// Which of `names` the required string field `key` is.
std::size_t choice_field(const json& j, const fs::path& file, const char* key, const std::vector<std::string_view>& names) {
    std::string list;
    for (std::string_view n : names) list += (list.empty() ? "\"" : ", \"") + std::string(n) + "\"";
    if (!j.contains(key) || j[key].is_null())
        throw ConfigError(key, in_file(file, std::string("\"") + key + "\" is missing: it must be one of " + list));
    const json& v = j[key];
    for (std::size_t k = 0; k < names.size(); ++k)
        if (v.is_string() && v.get_ref<const std::string&>() == names[k]) return k;
    throw ConfigError(key, in_file(file, std::string("\"") + key + "\" = " + describe(v) + " must be one of " + list));
}

double number_field(const json& j, const fs::path& file, const char* key, double lo, double hi, double fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    const json& v = j[key];
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi) {
        throw ConfigError(key, in_file(file, std::string("\"") + key + "\" = " + describe(v) + " must be a number in [" +
                                                 std::to_string(lo) + ", " + std::to_string(hi) + "]"));
    }
    return v.get<double>();
}

bool bool_field(const json& j, const fs::path& file, const char* key, bool fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_boolean())
        throw ConfigError(key, in_file(file, std::string("\"") + key + "\" = " + describe(j[key]) + " must be true or false"));
    return j[key].get<bool>();
}

std::string string_field(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

HfConfig parse_hf_config(const std::string& text, const fs::path& file) {
    json j;
    try {
        j = parse_json_limited(text);
    } catch (const std::runtime_error& e) {
        throw ConfigError("config.json", in_file(file, e.what()));
    }
    if (!j.is_object()) throw ConfigError("config.json", in_file(file, "must be a JSON object"));
    HfConfig c;
    if (!j.contains("model_type") || !j["model_type"].is_string()) {
        throw ConfigError("model_type", in_file(file, "\"model_type\" is missing; supported: " + std::string(kSupportedModelTypes)));
    }
    c.model_type = j["model_type"].get<std::string>();
    c.dtype = string_field(j, "torch_dtype");
    const long long max_vocab = 1 << 22;
    if (c.model_type == "gpt2") {
        c.family = HfFamily::Gpt2;
        c.d_model = int_field(j, file, "n_embd", Limits::max_d_model);
        c.layers = int_field(j, file, "n_layer", StackLimits::max_layers);
        c.heads = int_field(j, file, "n_head", Limits::max_heads);
        c.kv_heads = c.heads;
        c.max_positions = int_field(j, file, "n_positions", 1 << 20, 1024);
        c.vocab = int_field(j, file, "vocab_size", max_vocab, 50257);
        c.d_ff = int_field(j, file, "n_inner", StackLimits::max_d_ff, 4LL * c.d_model);
        c.norm_eps = static_cast<float>(number_field(j, file, "layer_norm_epsilon", 1e-12, 1.0, 1e-5));
        c.tied = bool_field(j, file, "tie_word_embeddings", true);
        const std::string act = j.contains("activation_function") && j["activation_function"].is_string()
                                    ? j["activation_function"].get<std::string>()
                                    : "gelu_new";
        if (act == "gelu_new" || act == "gelu_pytorch_tanh") c.mlp = MlpKind::GeluTanh;
        else if (act == "gelu") c.mlp = MlpKind::Gelu;
        else throw ConfigError("activation_function", in_file(file, "\"activation_function\" = " + quote(act) + " is not supported (gelu_new, gelu)"));
        if (c.d_model % c.heads != 0) {
            throw ConfigError("n_head", in_file(file, "n_embd = " + std::to_string(c.d_model) + " must be a multiple of n_head = " +
                                                          std::to_string(c.heads)));
        }
        c.head_dim = c.d_model / c.heads;
    } else if (c.model_type == "llama" || c.model_type == "mistral" || c.model_type == "qwen2") {
        c.family = HfFamily::Llama;
        c.d_model = int_field(j, file, "hidden_size", Limits::max_d_model);
        c.layers = int_field(j, file, "num_hidden_layers", StackLimits::max_layers);
        c.heads = int_field(j, file, "num_attention_heads", Limits::max_heads);
        c.kv_heads = int_field(j, file, "num_key_value_heads", Limits::max_heads, c.heads);
        c.d_ff = int_field(j, file, "intermediate_size", StackLimits::max_d_ff);
        c.vocab = int_field(j, file, "vocab_size", max_vocab);
        c.max_positions = int_field(j, file, "max_position_embeddings", 1 << 24, 2048);
        c.norm_eps = static_cast<float>(number_field(j, file, "rms_norm_eps", 1e-12, 1.0, 1e-6));
        c.rope_theta = number_field(j, file, "rope_theta", Limits::min_rope_base, Limits::max_rope_base, 10000.0);
        c.tied = bool_field(j, file, "tie_word_embeddings", false);
        c.qkv_bias = c.model_type == "qwen2" ? true : bool_field(j, file, "attention_bias", false);
        if (c.heads % c.kv_heads != 0) {
            throw ConfigError("num_key_value_heads", in_file(file, "num_attention_heads = " + std::to_string(c.heads) +
                                                                        " must be a multiple of num_key_value_heads = " +
                                                                        std::to_string(c.kv_heads)));
        }
        if (c.d_model % c.heads != 0 && !j.contains("head_dim")) {
            throw ConfigError("head_dim", in_file(file, "hidden_size / num_attention_heads is not whole and \"head_dim\" is not given"));
        }
        c.head_dim = int_field(j, file, "head_dim", Limits::max_d_head, c.d_model / c.heads);
        if (c.head_dim % 2 != 0) throw ConfigError("head_dim", in_file(file, "head_dim = " + std::to_string(c.head_dim) + " must be even for RoPE"));
        const std::string act = j.contains("hidden_act") && j["hidden_act"].is_string() ? j["hidden_act"].get<std::string>() : "silu";
        if (act != "silu") throw ConfigError("hidden_act", in_file(file, "\"hidden_act\" = " + quote(act) + " is not supported (silu)"));
        c.mlp = MlpKind::SwiGlu;
        if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
            const json& rs = j["rope_scaling"];
            const std::string kind = rs.is_object() ? string_field(rs, rs.contains("rope_type") ? "rope_type" : "type") : "";
            if (kind != "default") {
                throw ConfigError("rope_scaling", in_file(file, "\"rope_scaling\" " + (kind.empty() ? describe(rs) : quote(kind)) +
                                                                    " is not supported (only plain RoPE, rope_scaling null)"));
            }
        }
        // Mistral sets sliding_window; Qwen2 only uses its sliding_window when use_sliding_window is true.
        const bool sliding = c.model_type == "mistral" || bool_field(j, file, "use_sliding_window", false);
        if (sliding && j.contains("sliding_window") && !j["sliding_window"].is_null())
            c.sliding_window = int_field(j, file, "sliding_window", 1 << 24);
    } else if (c.model_type == kAttnvizModelType) {
        // What write_model_folder writes; the parts the other families fix are named here.
        c.family = HfFamily::Attnviz;
        c.d_model = int_field(j, file, "hidden_size", Limits::max_d_model);
        c.layers = int_field(j, file, "num_hidden_layers", StackLimits::max_layers);
        c.heads = int_field(j, file, "num_attention_heads", Limits::max_heads);
        c.kv_heads = c.heads;
        c.head_dim = int_field(j, file, "head_dim", Limits::max_d_head);
        c.vocab = int_field(j, file, "vocab_size", max_vocab);
        c.max_positions = int_field(j, file, "max_position_embeddings", 1 << 24);
        static constexpr MlpKind kMlp[] = {MlpKind::GeluTanh, MlpKind::Gelu, MlpKind::None};
        c.mlp = kMlp[choice_field(j, file, "hidden_act", {"gelu_new", "gelu", "none"})];
        if (c.mlp == MlpKind::None) {
            if (const int f = count_field(j, file, "intermediate_size", StackLimits::max_d_ff); f != 0) {
                throw ConfigError("intermediate_size", in_file(file, "\"intermediate_size\" = " + std::to_string(f) +
                                                                         " must be 0 with \"hidden_act\" = \"none\" (no MLP)"));
            }
            c.d_ff = 0;
        } else {
            c.d_ff = int_field(j, file, "intermediate_size", StackLimits::max_d_ff);
        }
        static constexpr NormKind kNorm[] = {NormKind::Layer, NormKind::Rms, NormKind::None};
        c.norm = kNorm[choice_field(j, file, "norm", {"layer_norm", "rms_norm", "none"})];
        c.norm_eps = static_cast<float>(number_field(j, file, "norm_eps", 1e-12, 1.0, 1e-5));
        static constexpr Positional kPos[] = {Positional::Learned, Positional::Rope, Positional::None};
        c.positional = kPos[choice_field(j, file, "position_embedding", {"learned", "rope", "none"})];
        c.rope_theta = number_field(j, file, "rope_theta", Limits::min_rope_base, Limits::max_rope_base, 10000.0);
        if (c.positional == Positional::Rope && c.head_dim % 2 != 0)
            throw ConfigError("head_dim", in_file(file, "head_dim = " + std::to_string(c.head_dim) + " must be even for RoPE"));
        c.sliding_window = count_field(j, file, "attention_window", Limits::max_tokens);
        c.bias = bool_field(j, file, "use_bias", false);
        c.tied = bool_field(j, file, "tie_word_embeddings", true);
    } else {
        throw ConfigError("model_type", in_file(file, "model_type " + quote(c.model_type) + " is not supported; supported: " +
                                                          std::string(kSupportedModelTypes)));
    }
    if (c.head_dim > Limits::max_d_head) {
        throw ConfigError("head_dim", in_file(file, "head width " + std::to_string(c.head_dim) + " is above " + std::to_string(Limits::max_d_head)));
    }
    return c;
}

Config block_config(const HfConfig& h) {
    Config c;
    c.d_model = h.d_model;
    c.n_heads = h.heads;
    c.n_kv_heads = h.kv_heads;
    c.d_k = h.head_dim;
    c.d_v = h.head_dim;
    c.causal = true;
    c.scale = ScaleMode::Sqrt;
    c.positional = positional_of(h);
    if (c.positional == Positional::Rope) {
        c.rope_style = RopeStyle::Half;
        c.rope_base = h.rope_theta;
    }
    // Mistral's window: key j is visible from i when i − w < j ≤ i (causal, |i − j| < w); one as
    // long as the longest input masks nothing.
    c.window = h.sliding_window >= Limits::max_tokens ? 0 : h.sliding_window;
    return c;
}

NormKind norm_of(const HfConfig& h) {
    switch (h.family) {
        case HfFamily::Gpt2: return NormKind::Layer;
        case HfFamily::Llama: return NormKind::Rms;
        case HfFamily::Attnviz: break;
    }
    return h.norm;
}

Positional positional_of(const HfConfig& h) {
    switch (h.family) {
        case HfFamily::Gpt2: return Positional::Learned;
        case HfFamily::Llama: return Positional::Rope;
        case HfFamily::Attnviz: break;
    }
    return h.positional;
}

namespace {

// GPT-2's layout (gpt2, attnviz): every attention and MLP bias, or (attnviz without use_bias) none.
bool gpt2_layout_biases(const HfConfig& h) { return h.family == HfFamily::Gpt2 || h.bias; }

}  // namespace

StackArch stack_arch(const HfConfig& h) {
    StackArch a;
    a.layers = h.layers;
    a.norm = norm_of(h);
    a.placement = NormPlacement::Pre;
    a.mlp = h.mlp;
    a.d_ff = h.d_ff;
    a.norm_eps = h.norm_eps;
    a.tied_unembedding = h.tied;
    return a;
}

std::uint64_t parameter_count(const HfConfig& h) {
    const std::uint64_t d = static_cast<std::uint64_t>(h.d_model), dh = static_cast<std::uint64_t>(h.head_dim);
    const std::uint64_t q = static_cast<std::uint64_t>(h.heads) * dh, kv = static_cast<std::uint64_t>(h.kv_heads) * dh;
    const std::uint64_t f = static_cast<std::uint64_t>(h.d_ff), V = static_cast<std::uint64_t>(h.vocab);
    const std::uint64_t L = static_cast<std::uint64_t>(h.layers), embeddings = V * d + (h.tied ? 0 : V * d);
    std::uint64_t layer = d * (q + 2 * kv) + q * d;                       // W_Q, W_K, W_V, W_O
    if (h.family == HfFamily::Llama) {
        layer += (h.qkv_bias ? q + 2 * kv : 0) + 3 * d * f + 2 * d;       // SwiGLU, 2 RMSNorms
        return L * layer + embeddings + d;                                // and the final RMSNorm
    }
    // GPT-2's layout; an attnviz config may leave out the norms, the MLP, the biases, the positions.
    const NormKind nk = norm_of(h);
    const std::uint64_t norm = nk == NormKind::Layer ? 2 * d : nk == NormKind::Rms ? d : 0;  // γ (and β)
    const bool bias = gpt2_layout_biases(h);
    layer += norm + (bias ? q + 2 * kv + d : 0);                          // ln_1, c_attn and c_proj biases
    if (h.mlp != MlpKind::None) layer += norm + 2 * d * f + (bias ? f + d : 0);  // ln_2, c_fc, c_proj
    std::uint64_t total = L * layer + embeddings + norm;                  // and ln_f
    if (positional_of(h) == Positional::Learned) total += static_cast<std::uint64_t>(h.max_positions) * d;  // wpe
    return total;
}

std::uint64_t load_bytes_needed(const HfConfig& h) { return parameter_count(h) * sizeof(float); }

// ---- checkpoint ----------------------------------------------------------------------------------

const TensorInfo* HfCheckpoint::find(std::string_view name, const SafetensorsFile** file) const {
    const auto it = tensors.find(name);
    if (it == tensors.end()) return nullptr;
    if (file) *file = &files[it->second.first];
    return it->second.second;
}

HfCheckpoint open_checkpoint(const fs::path& dir) {
    HfCheckpoint ck;
    std::vector<std::string> shard_names;
    const fs::path index = dir / "model.safetensors.index.json";
    std::map<std::string, std::string> weight_map;
    if (fs::exists(dir / "model.safetensors")) {
        shard_names.push_back("model.safetensors");
    } else if (fs::exists(index)) {
        if (fs::file_size(index) > kMaxConfigFileBytes) throw ConfigError("weight_map", in_file(index, "is larger than 4 MiB"));
        json j;
        try {
            j = parse_json_limited(read_file(index));
        } catch (const std::exception& e) {
            throw ConfigError("weight_map", in_file(index, e.what()));
        }
        if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
            throw ConfigError("weight_map", in_file(index, "needs an object \"weight_map\": {tensor name: shard file}"));
        for (const auto& [name, shard] : j["weight_map"].items()) {
            if (!shard.is_string()) throw ConfigError("weight_map", in_file(index, "weight_map[" + quote(name) + "] must be a file name"));
            const std::string s = shard.get<std::string>();
            // A plain file name in this folder: no path, no way out of it.
            if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s == "." || s == ".." ||
                s.size() < 12 || s.substr(s.size() - 12) != ".safetensors") {
                throw ConfigError("weight_map", in_file(index, "weight_map[" + quote(name) + "] = " + quote(s) +
                                                                   " must be a .safetensors file name in the same folder"));
            }
            weight_map[name] = s;
            if (std::find(shard_names.begin(), shard_names.end(), s) == shard_names.end()) shard_names.push_back(s);
        }
        if (shard_names.empty()) throw ConfigError("weight_map", in_file(index, "weight_map names no shard"));
        if (shard_names.size() > 4096) throw ConfigError("weight_map", in_file(index, "names more than 4096 shards"));
    } else {
        throw ConfigError("model", dir.string() + ": no model.safetensors and no model.safetensors.index.json (only "
                                                  "safetensors checkpoints are read; convert a pytorch_model.bin first)");
    }
    std::set<std::string> dtypes;
    for (const std::string& s : shard_names) {
        ck.files.push_back(open_safetensors(dir / s));
        ck.bytes += fs::file_size(dir / s);
    }
    for (std::size_t f = 0; f < ck.files.size(); ++f) {
        for (const TensorInfo& t : ck.files[f].tensors()) {
            if (!weight_map.empty()) {
                const auto it = weight_map.find(t.name);
                if (it == weight_map.end() || it->second != shard_names[f]) continue;  // the index decides
            }
            if (!ck.tensors.emplace(t.name, std::make_pair(f, &t)).second) {
                throw FormatError(ck.files[f].path(), t.name, in_file(ck.files[f].path(), "tensor " + quote(t.name) + " appears in two shards"));
            }
            if (t.dtype == Dtype::F32 || t.dtype == Dtype::F16 || t.dtype == Dtype::BF16 || t.dtype == Dtype::F64)
                dtypes.insert(std::string(to_string(t.dtype)));
        }
    }
    for (const auto& [name, shard] : weight_map) {
        if (!ck.tensors.count(name)) {
            throw FormatError(dir / shard, name, in_file(dir / shard, "tensor " + quote(name) + " is in the index's weight_map but not in the shard"));
        }
    }
    ck.dtype = dtypes.size() == 1 ? *dtypes.begin() : dtypes.empty() ? "none" : "mixed";
    return ck;
}

// ---- model ---------------------------------------------------------------------------------------

namespace {

std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
    return out + "]";
}

// Reads tensors by name, checking each one's presence, dtype and shape against the config.
class TensorReader {
public:
    TensorReader(const HfCheckpoint& ck, const LoadProgress& p, std::uint64_t total) : ck_(ck), progress_(p), total_(total) {}

    // The tensor as a [rows, cols] matrix (a vector: [1, cols]), transposed when `transpose`.
    MatRM matrix(const std::string& name, std::int64_t rows, std::int64_t cols, bool transpose = false) {
        const SafetensorsFile* file = nullptr;
        const TensorInfo* t = ck_.find(name, &file);
        const bool vector = rows == 0;
        const std::vector<std::int64_t> want = vector ? std::vector<std::int64_t>{cols}
                                                      : transpose ? std::vector<std::int64_t>{cols, rows}
                                                                  : std::vector<std::int64_t>{rows, cols};
        if (!t) {
            throw FormatError(ck_.files.empty() ? fs::path() : ck_.files.front().path(), name,
                              "tensor " + quote(name) + " is missing from the checkpoint (the config needs it, shape " +
                                  shape_text(want) + ")");
        }
        if (t->shape != want) {
            throw FormatError(file->path(), name, in_file(file->path(), "tensor " + quote(name) + " has shape " + shape_text(t->shape) +
                                                                            " but the config needs " + shape_text(want)));
        }
        if (t->dtype != Dtype::F32 && t->dtype != Dtype::F16 && t->dtype != Dtype::BF16 && t->dtype != Dtype::F64) {
            throw FormatError(file->path(), name, in_file(file->path(), "tensor " + quote(name) + " is " + std::string(to_string(t->dtype)) +
                                                                            "; weights must be F32, F16, BF16 or F64"));
        }
        if (progress_.cancel && progress_.cancel->load()) throw LoadCancelled();
        MatRM m = file->to_matrix(*t);  // [r, c] as stored
        file->release(*t);              // peak memory: the float32 weights, not those plus the file
        if (transpose) m = MatRM(m.transpose());
        done_ += t->numel * sizeof(float);
        if (progress_.on_progress) progress_.on_progress(done_, total_);
        return m;
    }
    RowVec vector(const std::string& name, std::int64_t n) { return matrix(name, 0, n).row(0); }

private:
    const HfCheckpoint& ck_;
    const LoadProgress& progress_;
    std::uint64_t total_, done_ = 0;
};

// GPT-2's names and Conv1D layout [in, out]. An attnviz folder uses them too (without GPT-2's
// "transformer." prefix), with h·dh-wide heads and only the parts its config names: norms, MLP,
// biases, learned positions.
void load_gpt2_layout(const HfConfig& c, const HfCheckpoint& ck, TensorReader& r, StackWeights& w) {
    // Some exports keep the "transformer." prefix of GPT2LMHeadModel.
    const std::string p = c.family == HfFamily::Attnviz || ck.find("wte.weight") ? "" : "transformer.";
    const std::int64_t d = c.d_model, q = static_cast<std::int64_t>(c.heads) * c.head_dim, f = c.d_ff, V = c.vocab;
    const NormKind norm = norm_of(c);
    const bool bias = gpt2_layout_biases(c);
    const auto read_norm = [&](const std::string& name) {
        NormWeights n;
        if (norm == NormKind::None) return n;
        n.gamma = r.vector(name + ".weight", d);                        // γ: [d]
        if (norm == NormKind::Layer) n.beta = r.vector(name + ".bias", d);  // β: [d]
        return n;
    };
    w.embedding = r.matrix(p + "wte.weight", V, d);                      // E: [V, d]
    if (positional_of(c) == Positional::Learned) w.learned_pe = r.matrix(p + "wpe.weight", c.max_positions, d);  // PE: [n_pos, d]
    w.layers.resize(static_cast<std::size_t>(c.layers));
    for (int l = 0; l < c.layers; ++l) {
        const std::string h = p + "h." + std::to_string(l) + ".";
        LayerWeights& L = w.layers[static_cast<std::size_t>(l)];
        L.norm1 = read_norm(h + "ln_1");
        const MatRM qkv = r.matrix(h + "attn.c_attn.weight", d, 3 * q);  // [d, 3·h·dh] = [W_Q | W_K | W_V]
        L.attn.W_Q = qkv.middleCols(0, q);
        L.attn.W_K = qkv.middleCols(q, q);
        L.attn.W_V = qkv.middleCols(2 * q, q);
        L.attn.W_O = r.matrix(h + "attn.c_proj.weight", q, d);          // [h·dh, d]
        if (bias) {
            const RowVec qkv_b = r.vector(h + "attn.c_attn.bias", 3 * q);  // [3·h·dh]
            L.attn.b_Q = qkv_b.segment(0, q);
            L.attn.b_K = qkv_b.segment(q, q);
            L.attn.b_V = qkv_b.segment(2 * q, q);
            L.attn.b_O = r.vector(h + "attn.c_proj.bias", d);
        }
        if (c.mlp == MlpKind::None) continue;
        L.norm2 = read_norm(h + "ln_2");
        L.mlp.W_up = r.matrix(h + "mlp.c_fc.weight", d, f);             // [d, f]
        L.mlp.W_down = r.matrix(h + "mlp.c_proj.weight", f, d);         // [f, d]
        if (bias) {
            L.mlp.b_up = r.vector(h + "mlp.c_fc.bias", f);
            L.mlp.b_down = r.vector(h + "mlp.c_proj.bias", d);
        }
    }
    w.final_norm = read_norm(p + "ln_f");
    if (!c.tied) w.unembedding = r.matrix("lm_head.weight", V, d);     // U: [V, d]
}

void load_llama(const HfConfig& c, TensorReader& r, StackWeights& w) {
    const std::int64_t d = c.d_model, f = c.d_ff, V = c.vocab;
    const std::int64_t q = static_cast<std::int64_t>(c.heads) * c.head_dim, kv = static_cast<std::int64_t>(c.kv_heads) * c.head_dim;
    w.embedding = r.matrix("model.embed_tokens.weight", V, d);  // E: [V, d]
    w.layers.resize(static_cast<std::size_t>(c.layers));
    for (int l = 0; l < c.layers; ++l) {
        const std::string h = "model.layers." + std::to_string(l) + ".";
        LayerWeights& L = w.layers[static_cast<std::size_t>(l)];
        L.norm1.gamma = r.vector(h + "input_layernorm.weight", d);
        // nn.Linear stores [out, in]; the block computes x·W with W [in, out].
        L.attn.W_Q = r.matrix(h + "self_attn.q_proj.weight", d, q, true);  // [d, h·dh]
        L.attn.W_K = r.matrix(h + "self_attn.k_proj.weight", d, kv, true); // [d, kv·dh]
        L.attn.W_V = r.matrix(h + "self_attn.v_proj.weight", d, kv, true); // [d, kv·dh]
        L.attn.W_O = r.matrix(h + "self_attn.o_proj.weight", q, d, true);  // [h·dh, d]
        if (c.qkv_bias) {
            L.attn.b_Q = r.vector(h + "self_attn.q_proj.bias", q);
            L.attn.b_K = r.vector(h + "self_attn.k_proj.bias", kv);
            L.attn.b_V = r.vector(h + "self_attn.v_proj.bias", kv);
        }
        L.norm2.gamma = r.vector(h + "post_attention_layernorm.weight", d);
        L.mlp.W_gate = r.matrix(h + "mlp.gate_proj.weight", d, f, true);  // [d, f]
        L.mlp.W_up = r.matrix(h + "mlp.up_proj.weight", d, f, true);      // [d, f]
        L.mlp.W_down = r.matrix(h + "mlp.down_proj.weight", f, d, true);  // [f, d]
    }
    w.final_norm.gamma = r.vector("model.norm.weight", d);
    // A tied checkpoint may still carry lm_head.weight (a copy); the config decides.
    if (!c.tied) w.unembedding = r.matrix("lm_head.weight", V, d);  // U: [V, d]
}

}  // namespace

HfModel load_hf_model(const fs::path& dir, const LoadProgress& progress) {
    HfModel m;
    m.dir = dir;
    const fs::path cfg = dir / "config.json";
    if (!fs::is_regular_file(cfg)) throw ConfigError("config.json", dir.string() + ": no config.json (not a Hugging Face model folder)");
    if (fs::file_size(cfg) > kMaxConfigFileBytes) throw ConfigError("config.json", in_file(cfg, "is larger than 4 MiB"));
    m.config = parse_hf_config(read_file(cfg), cfg);
    check_memory_for(m.config, available_memory_bytes());
    m.block = resolve_sizes(block_config(m.config));
    m.arch = resolve_arch(stack_arch(m.config), m.config.d_model);
    const bool attnviz = m.config.family == HfFamily::Attnviz;
    if (attnviz && fs::exists(dir / kTokensFile)) {
        m.folder_tokenizer = read_folder_tokens(dir, m.config.vocab);
        m.block.tokenize = m.folder_tokenizer->tokenization;
    }
    const HfCheckpoint ck = open_checkpoint(dir);
    m.bytes_on_disk = ck.bytes;
    m.dtype = ck.dtype;
    TensorReader r(ck, progress, load_bytes_needed(m.config));
    if (m.config.family == HfFamily::Llama) load_llama(m.config, r, m.weights);
    else load_gpt2_layout(m.config, ck, r, m.weights);
    if (m.folder_tokenizer) {
        m.vocab = m.folder_tokenizer->vocab;
        return m;
    }
    if (!attnviz && (fs::exists(dir / "tokenizer.json") || fs::exists(dir / "vocab.json")))
        m.tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::load(dir));
    auto vocab = std::make_shared<Vocabulary>();
    vocab->tokens.reserve(static_cast<std::size_t>(m.config.vocab));
    for (int v = 0; v < m.config.vocab; ++v) {
        std::string shown = "#" + std::to_string(v);
        if (m.tokenizer && v < m.tokenizer->vocab_size()) {
            try {
                shown = m.tokenizer->token_text(v);
            } catch (const ConfigError&) {
                // an id the tokenizer leaves unused keeps its number
            }
        }
        vocab->tokens.push_back(std::move(shown));
    }
    m.vocab = std::move(vocab);
    return m;
}

std::string hf_model_name(const fs::path& dir) {
    // …/models--ORG--NAME/snapshots/REV → ORG/NAME
    for (fs::path p = dir; p.has_parent_path() && p != p.parent_path(); p = p.parent_path()) {
        const std::string s = p.filename().string();
        if (s.rfind("models--", 0) == 0) {
            std::string n = s.substr(8);
            const auto sep = n.find("--");
            if (sep != std::string::npos) n.replace(sep, 2, "/");
            return n;
        }
    }
    return dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
}

std::vector<int> encode_text(const HfModel& m, const std::string& text) {
    if (m.tokenizer) return m.tokenizer->encode(text);
    if (m.folder_tokenizer) return m.folder_tokenizer->encode(text);
    const char* files = m.config.family == HfFamily::Attnviz ? "tokens.json" : "tokenizer.json or vocab.json + merges.txt";
    throw ConfigError("ids", m.name() + " has no tokenizer (" + files + "): give token ids");
}

StackModel pretrained_model(const std::shared_ptr<const HfModel>& m, const std::string& text, const std::vector<int>& given) {
    ATTNVIZ_ASSERT(m && m->vocab);
    const std::vector<int> ids = given.empty() ? encode_text(*m, text) : given;
    std::vector<std::string> texts;
    for (int id : ids) texts.push_back(id >= 0 && id < m->vocab->size() ? m->vocab->tokens[static_cast<std::size_t>(id)] : "?");
    StackModel s;
    s.inputs = model_inputs(*m, ids, texts);
    s.token_ids = ids;
    s.arch = m->arch;
    s.vocab_ptr = m->vocab;
    s.weights_ptr = std::shared_ptr<const StackWeights>(m, &m->weights);  // aliases the loaded model
    s.summary = m->name() + " (" + m->config.model_type + ", " + std::to_string(m->config.layers) + " layers, " + m->dtype + ")";
    return s;
}

Inputs model_inputs(const HfModel& m, const std::vector<int>& ids, const std::vector<std::string>& texts) {
    ATTNVIZ_ASSERT(ids.size() == texts.size());
    if (ids.empty()) throw ConfigError("ids", "the input has no tokens");
    if (static_cast<int>(ids.size()) > Limits::max_tokens) {
        throw ConfigError("ids", "the input has " + std::to_string(ids.size()) + " tokens; at most " +
                                     std::to_string(Limits::max_tokens) + " are shown");
    }
    if (m.block.positional == Positional::Learned && static_cast<int>(ids.size()) > m.config.max_positions) {
        throw ConfigError("ids", "the input has " + std::to_string(ids.size()) + " tokens; this model has " +
                                     std::to_string(m.config.max_positions) + " learned positions");
    }
    Inputs in;
    in.config = m.block;
    in.tokens = texts;
    in.X.resize(static_cast<Eigen::Index>(ids.size()), m.config.d_model);  // X: [n, d]
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= m.weights.embedding.rows()) {
            throw ConfigError("ids", "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                                         " is outside the vocabulary [0, " + std::to_string(m.weights.embedding.rows()) + ")");
        }
        in.X.row(static_cast<Eigen::Index>(i)) = m.weights.embedding.row(ids[i]);
    }
    return in;
}

// ---- discovery -----------------------------------------------------------------------------------

fs::path hf_hub_cache() {
    if (const char* c = std::getenv("HF_HUB_CACHE"); c && *c) return c;
    if (const char* h = std::getenv("HF_HOME"); h && *h) return fs::path(h) / "hub";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "huggingface" / "hub";
    return {};
}

HfEntry describe_hf_folder(const fs::path& dir) {
    HfEntry e;
    e.dir = dir;
    e.name = hf_model_name(dir);
    try {
        const fs::path cfg = dir / "config.json";
        if (!fs::is_regular_file(cfg)) throw ConfigError("config.json", "no config.json");
        if (fs::file_size(cfg) > kMaxConfigFileBytes) throw ConfigError("config.json", in_file(cfg, "is larger than 4 MiB"));
        const HfConfig c = parse_hf_config(read_file(cfg), cfg);
        e.model_type = c.model_type;
        e.parameters = parameter_count(c);
        const HfCheckpoint ck = open_checkpoint(dir);  // headers only: no tensor byte is read
        e.dtype = ck.dtype;
        e.bytes_on_disk = ck.bytes;
    } catch (const std::exception& ex) {
        e.error = ex.what();
    }
    return e;
}

std::vector<HfEntry> list_hf_models(const fs::path& cache) {
    std::vector<HfEntry> out;
    std::error_code ec;
    if (cache.empty() || !fs::is_directory(cache, ec)) return out;
    for (const auto& repo : fs::directory_iterator(cache, ec)) {
        const std::string name = repo.path().filename().string();
        if (name.rfind("models--", 0) != 0 || !repo.is_directory(ec)) continue;
        const fs::path snapshots = repo.path() / "snapshots";
        if (!fs::is_directory(snapshots, ec)) continue;
        std::string main_rev;
        const fs::path ref = repo.path() / "refs" / "main";
        if (fs::is_regular_file(ref, ec) && fs::file_size(ref, ec) < 256) {
            main_rev = read_file(ref);
            while (!main_rev.empty() && (main_rev.back() == '\n' || main_rev.back() == ' ')) main_rev.pop_back();
        }
        if (!main_rev.empty() && main_rev.find('/') == std::string::npos && fs::is_directory(snapshots / main_rev, ec)) {
            out.push_back(describe_hf_folder(snapshots / main_rev));
            continue;
        }
        int listed = 0;
        for (const auto& snap : fs::directory_iterator(snapshots, ec)) {
            if (!snap.is_directory(ec) || ++listed > 16) continue;
            out.push_back(describe_hf_folder(snap.path()));
        }
    }
    std::sort(out.begin(), out.end(), [](const HfEntry& a, const HfEntry& b) { return a.name < b.name || (a.name == b.name && a.dir < b.dir); });
    return out;
}

std::uint64_t available_memory_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib >> unit)
        if (key == "MemAvailable:") return kib * 1024;
    return 0;
}

void check_memory_for(const HfConfig& c, std::uint64_t available) {
    const std::uint64_t need = load_bytes_needed(c);
    if (available == 0 || need <= available) return;
    const auto gib = [](std::uint64_t b) {
        char s[32];
        std::snprintf(s, sizeof s, "%.2f GiB", static_cast<double>(b) / (1024.0 * 1024.0 * 1024.0));
        return std::string(s);
    };
    throw ConfigError("model", "this model needs " + gib(need) + " for its float32 weights, but only " + gib(available) +
                                   " of memory is available: it is not loaded (close other programs or pick a smaller model)");
}

}  // namespace attnviz
