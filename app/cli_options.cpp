#include "app/cli_options.hpp"

namespace attnviz {

ConfigFlags::ConfigFlags(Config base) : defaults(std::move(base)) {
    const Config& c = defaults;
    text = c.text;
    tokenize = to_string(c.tokenize);
    pos = to_string(c.positional);
    rope_style = to_string(c.rope_style);
    scale = to_string(c.scale);
    source = c.source;
    for (int p : c.padding) padding += (padding.empty() ? "" : ",") + std::to_string(p);
    d_model = c.d_model;
    heads = c.n_heads;
    kv_heads = c.n_kv_heads;
    d_k = c.d_k;
    d_v = c.d_v;
    window = c.window;
    seed = std::to_string(c.seed);
    rope_base = c.rope_base;
    temperature = c.temperature;
    causal = c.causal;
}

void ConfigFlags::add_to(CLI::App& app) {
    app.add_option("--text", text, "The sequence to attend over")->capture_default_str();
    app.add_option("--tokenize", tokenize, "word | char")->capture_default_str();
    app.add_option("--d-model", d_model, "Model width d_model")->capture_default_str();
    app.add_option("--heads", heads, "Query heads h")->capture_default_str();
    app.add_option("--kv-heads", kv_heads, "K/V heads (GQA/MQA); 0 = same as --heads")->capture_default_str();
    app.add_option("--d-k", d_k, "Query/key width per head; 0 = d_model / heads")->capture_default_str();
    app.add_option("--d-v", d_v, "Value width per head; 0 = d_model / heads")->capture_default_str();
    app.add_option("--seed", seed, "Seed of the toy model")->capture_default_str();
    app.add_option("--pos", pos, "none | sinusoidal | learned | rope | alibi")->capture_default_str();
    app.add_option("--rope-base", rope_base, "RoPE base")->capture_default_str();
    app.add_option("--rope-style", rope_style, "interleaved | half")->capture_default_str();
    app.add_option("--scale", scale, "sqrt | linear | none")->capture_default_str();
    app.add_option("--temperature", temperature, "T dividing the scaled scores (> 0)")->capture_default_str();
    app.add_flag("--causal", causal, "Causal mask");
    app.add_option("--window", window, "Sliding window w (0 = off)")->capture_default_str();
    app.add_option("--padding", padding, "Padded token indices, e.g. 0,1");
    app.add_option("--source", source, "Cross-attention source text (K and V come from it)");
}

Config ConfigFlags::to_config() const {
    Config c = defaults;
    c.text = text;
    c.tokenize = parse_tokenization(tokenize);
    c.d_model = d_model;
    c.n_heads = heads;
    c.n_kv_heads = kv_heads;
    c.d_k = d_k;
    c.d_v = d_v;
    c.seed = parse_seed("seed", seed);
    c.positional = parse_positional(pos);
    c.rope_base = rope_base;
    c.rope_style = parse_rope_style(rope_style);
    c.scale = parse_scale(scale);
    c.temperature = temperature;
    c.causal = causal;
    c.window = window;
    c.padding = parse_index_list("padding", padding);
    c.source = source;
    return c;
}

void StackFlags::add_to(CLI::App& app) {
    app.add_option("--layers", layers, "Transformer blocks L (1 to 48)")->capture_default_str();
    app.add_option("--mlp", mlp, "MLP after attention: gelu | gelu-tanh | swiglu | none")->capture_default_str();
    app.add_option("--norm", norm, "Normalisation: layer | rms | none")->capture_default_str();
    app.add_option("--ln", ln, "Where the norms sit: pre | post")->capture_default_str();
    app.add_option("--model-preset", model_preset,
                   "Whole model: none (random from --seed) | induction (the designed two-layer circuit)")
        ->capture_default_str();
    app.add_option("--ablate", ablate, "Knock out heads and MLPs: LAYER.HEAD or LAYER.mlp, e.g. 0.1,1.mlp");
    app.add_option("--ablate-mode", ablate_mode, "zero | mean (replace the output by its mean over positions)")
        ->capture_default_str();
    app.add_option("--model", model_dir, "A Hugging Face model folder (config.json + *.safetensors): run it instead of the toy model");
    app.add_option("--ids", ids, "Token ids to run instead of --text, e.g. 15496,995");
}

void StackFlags::apply_to(ModelSpec& spec) const {
    StackArch a;
    a.layers = layers;
    a.mlp = parse_mlp(mlp);
    a.norm = parse_norm(norm);
    a.placement = parse_placement(ln);
    resolve_arch(a, 1);  // the range checks now, even when a model preset sets its own architecture
    spec.arch = a;
    spec.model = parse_model_preset(model_preset);
    spec.ablate = parse_ablations(ablate, parse_ablation_mode(ablate_mode));
    spec.ids = parse_ids(ids);  // a vocabulary id, not a position: real vocabularies reach 150 k
    if (model_dir.empty()) {
        if (!spec.ids.empty()) throw ConfigError("ids", "--ids needs --model: the toy model reads --text");
        return;
    }
    spec.pretrained = std::make_shared<HfModel>(load_hf_model(model_dir));
}

}  // namespace attnviz
