// Small models in exactly the Hugging Face on-disk layout, made by the tests (no weights can be
// downloaded): config.json, model.safetensors or shards with model.safetensors.index.json, the
// tensor names and stored layouts of GPT-2 (Conv1D [in, out], fused c_attn) and the Llama family
// (nn.Linear [out, in], Qwen2's Q/K/V biases, tied or untied lm_head). Random weights from a seed.
#pragma once

#include "core/io/safetensors.hpp"
#include "core/rng.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace attnviz::test {

struct HfSpec {
    std::string model_type = "gpt2";   // gpt2 | llama | mistral | qwen2
    int d = 32, layers = 2, heads = 4, kv_heads = 4, d_ff = 64, vocab = 50, positions = 40;
    int head_dim = 0;                  // llama family: 0 = d / heads (written as "head_dim" when set)
    bool tied = true;
    Dtype dtype = Dtype::F32;
    int shards = 1;                    // > 1: model-0000k-of-0000N.safetensors and the index
    double rope_theta = 10000.0;
    int sliding_window = 0;            // mistral
    std::uint64_t seed = 7;
};

struct HfTensor {
    std::vector<std::int64_t> shape;
    std::vector<float> data;           // as written, before any F16/BF16 rounding
};
using HfTensors = std::map<std::string, HfTensor>;

inline HfTensors hf_tensors(const HfSpec& s) {
    HfTensors t;
    Rng rng(s.seed);
    const auto add = [&](const std::string& name, std::vector<std::int64_t> shape, double scale, double offset = 0.0) {
        std::int64_t n = 1;
        for (auto x : shape) n *= x;
        HfTensor& x = t[name];
        x.shape = std::move(shape);
        x.data.resize(static_cast<std::size_t>(n));
        for (float& v : x.data) v = static_cast<float>(offset + scale * rng.normal());
    };
    const std::int64_t d = s.d, f = s.d_ff, V = s.vocab;
    if (s.model_type == "gpt2") {
        add("wte.weight", {V, d}, 0.5);
        add("wpe.weight", {s.positions, d}, 0.2);
        for (int l = 0; l < s.layers; ++l) {
            const std::string h = "h." + std::to_string(l) + ".";
            add(h + "ln_1.weight", {d}, 0.1, 1.0);
            add(h + "ln_1.bias", {d}, 0.1);
            add(h + "attn.c_attn.weight", {d, 3 * d}, 0.3);
            add(h + "attn.c_attn.bias", {3 * d}, 0.1);
            add(h + "attn.c_proj.weight", {d, d}, 0.2);
            add(h + "attn.c_proj.bias", {d}, 0.1);
            add(h + "attn.bias", {1, 1, s.positions, s.positions}, 0.0, 1.0);  // the mask buffer real files carry
            add(h + "ln_2.weight", {d}, 0.1, 1.0);
            add(h + "ln_2.bias", {d}, 0.1);
            add(h + "mlp.c_fc.weight", {d, f}, 0.2);
            add(h + "mlp.c_fc.bias", {f}, 0.1);
            add(h + "mlp.c_proj.weight", {f, d}, 0.2);
            add(h + "mlp.c_proj.bias", {d}, 0.1);
        }
        add("ln_f.weight", {d}, 0.1, 1.0);
        add("ln_f.bias", {d}, 0.1);
        return t;
    }
    const std::int64_t dh = s.head_dim ? s.head_dim : d / s.heads;
    const std::int64_t q = s.heads * dh, kv = s.kv_heads * dh;
    add("model.embed_tokens.weight", {V, d}, 0.5);
    for (int l = 0; l < s.layers; ++l) {
        const std::string h = "model.layers." + std::to_string(l) + ".";
        add(h + "input_layernorm.weight", {d}, 0.1, 1.0);
        add(h + "self_attn.q_proj.weight", {q, d}, 0.3);
        add(h + "self_attn.k_proj.weight", {kv, d}, 0.3);
        add(h + "self_attn.v_proj.weight", {kv, d}, 0.3);
        add(h + "self_attn.o_proj.weight", {d, q}, 0.2);
        if (s.model_type == "qwen2") {
            add(h + "self_attn.q_proj.bias", {q}, 0.1);
            add(h + "self_attn.k_proj.bias", {kv}, 0.1);
            add(h + "self_attn.v_proj.bias", {kv}, 0.1);
        }
        add(h + "post_attention_layernorm.weight", {d}, 0.1, 1.0);
        add(h + "mlp.gate_proj.weight", {f, d}, 0.2);
        add(h + "mlp.up_proj.weight", {f, d}, 0.2);
        add(h + "mlp.down_proj.weight", {d, f}, 0.2);
    }
    add("model.norm.weight", {d}, 0.1, 1.0);
    if (!s.tied) add("lm_head.weight", {V, d}, 0.5);
    return t;
}

inline nlohmann::json hf_config_json(const HfSpec& s) {
    nlohmann::json j;
    j["model_type"] = s.model_type;
    j["torch_dtype"] = s.dtype == Dtype::BF16 ? "bfloat16" : s.dtype == Dtype::F16 ? "float16" : "float32";
    if (s.model_type == "gpt2") {
        j["architectures"] = {"GPT2LMHeadModel"};
        j["n_embd"] = s.d;
        j["n_layer"] = s.layers;
        j["n_head"] = s.heads;
        j["n_positions"] = s.positions;
        j["n_ctx"] = s.positions;
        j["n_inner"] = s.d_ff;
        j["vocab_size"] = s.vocab;
        j["layer_norm_epsilon"] = 1e-5;
        j["activation_function"] = "gelu_new";
        j["tie_word_embeddings"] = true;
        return j;
    }
    j["hidden_size"] = s.d;
    j["intermediate_size"] = s.d_ff;
    j["num_hidden_layers"] = s.layers;
    j["num_attention_heads"] = s.heads;
    j["num_key_value_heads"] = s.kv_heads;
    if (s.head_dim) j["head_dim"] = s.head_dim;
    j["vocab_size"] = s.vocab;
    j["max_position_embeddings"] = 4096;
    j["rms_norm_eps"] = 1e-6;
    j["rope_theta"] = s.rope_theta;
    j["rope_scaling"] = nullptr;
    j["hidden_act"] = "silu";
    j["tie_word_embeddings"] = s.tied;
    if (s.model_type == "mistral") j["sliding_window"] = s.sliding_window ? nlohmann::json(s.sliding_window) : nlohmann::json();
    return j;
}

// Writes the folder; returns the tensors as written (F16/BF16 files hold them rounded).
inline HfTensors write_hf_model(const std::filesystem::path& dir, const HfSpec& s) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config.json") << hf_config_json(s).dump(2);
    const HfTensors t = hf_tensors(s);
    std::vector<std::vector<std::string>> shard_names(static_cast<std::size_t>(s.shards));
    std::size_t k = 0;
    for (const auto& [name, x] : t) shard_names[k++ % shard_names.size()].push_back(name);
    nlohmann::json weight_map = nlohmann::json::object();
    for (int f = 0; f < s.shards; ++f) {
        char file[64];
        if (s.shards == 1) std::snprintf(file, sizeof file, "model.safetensors");
        else std::snprintf(file, sizeof file, "model-%05d-of-%05d.safetensors", f + 1, s.shards);
        SafetensorsWriter w;
        w.set_metadata("format", "pt");
        for (const std::string& name : shard_names[static_cast<std::size_t>(f)]) {
            // The mask buffer is stored as it is in real checkpoints' own dtype; the rest in s.dtype.
            w.declare(name, s.dtype, t.at(name).shape);
            weight_map[name] = file;
        }
        std::ofstream out(dir / file, std::ios::binary);
        w.begin(out);
        for (const std::string& name : shard_names[static_cast<std::size_t>(f)])
            w.write(name, t.at(name).data.data(), t.at(name).data.size());
        w.finish();
    }
    if (s.shards > 1) {
        nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}};
        std::ofstream(dir / "model.safetensors.index.json") << index.dump(2);
    }
    return t;
}

}  // namespace attnviz::test
