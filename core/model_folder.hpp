// attnviz's own model folder: a stack trained in attnviz (the training lab) written so that the
// model-folder loader (core/hf_model.hpp, model_type "attnviz") opens it like a Hugging Face one.
//
// Key: d = d_model, h = heads, dh = head width (d_k = d_v), f = MLP width, V vocabulary,
// P positions (learned: wpe's rows), L layers, i = 0 … L − 1.
//
//   config.json        {"model_type": "attnviz", sizes, "hidden_act", "norm", "position_embedding",
//                      "use_bias", "tie_word_embeddings", "attention_window", …, "attnviz_training"}
//   model.safetensors  F32, GPT-2's names in GPT-2's Conv1D layout [in, out] (x·W, as StackWeights
//                      holds it): wte [V, d]; wpe [P, d] (learned positions); h.i.ln_1;
//                      h.i.attn.c_attn [d, 3·h·dh] = [W_Q | W_K | W_V]; h.i.attn.c_proj [h·dh, d];
//                      h.i.ln_2, h.i.mlp.c_fc [d, f], h.i.mlp.c_proj [f, d] (with an MLP); ln_f;
//                      lm_head [V, d] when untied. Biases (".bias") with use_bias; norms' ".weight"
//                      is γ, LayerNorm's ".bias" β; no norm tensors with norm "none".
//   tokens.json        {"tokenization": "word"|"char", "tokens": [V strings]}: id = index
//                      (core/folder_tokens.hpp).
//   metrics.csv, metrics.json   optional: the training lab's record of the run (core/train.hpp).
//
// [SECTION] writer
// [SECTION] discovery
#pragma once

#include "core/folder_tokens.hpp"
#include "core/stack.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>

namespace attnviz {

inline constexpr const char* kAttnvizModelType = "attnviz";

// ---- [SECTION] writer ----------------------------------------------------------------------------

// max_position_embeddings without learned positions: training["context"] (the length trained on)
// when it is an integer in [1, Limits::max_tokens], else this (no length known: what attnviz runs).
inline constexpr int kDefaultModelPositions = Limits::max_tokens;

// Writes the stack as an attnviz model folder at `dir`, whole or not at all: everything goes into
// a fresh staging folder beside `dir`, each file fsynced, then one rename (or exchange) puts it in
// place. `training`, when not empty, is kept in config.json as "attnviz_training".
//
// Supported (anything else throws ConfigError naming the field): pre-LN; norm layer|rms|none;
// mlp none|gelu-tanh|gelu; positional learned|rope (RopeStyle::Half)|none; causal self-attention,
// n_kv_heads = n_heads, d_k = d_v, scale sqrt, temperature 1, any window; tied or untied
// unembedding; the attention biases b_Q, b_K, b_V, b_O and the MLP's b_up, b_down all present or
// all absent (an empty RowVec is absent). Every tensor must have its config's shape; LayerNorm
// has γ and β, RMSNorm γ only, none neither. vocab: V distinct tokens, V = E's rows.
//
// `dir` may be new, an empty folder, or an attnviz model folder (config.json with model_type
// "attnviz" and only this format's files), which is replaced; anything else is refused with
// IoError before anything is written, so no other folder is ever deleted.
// `records`: (name, bytes) of metrics.csv and metrics.json, written with the model in the same
// commit; any other name throws ConfigError("records", ...).
using FolderRecords = std::vector<std::pair<std::string, std::string>>;
void write_model_folder(const std::filesystem::path& dir, const Config& block, const StackArch& arch, const StackWeights& w,
                        const Vocabulary& vocab, Tokenization tokenization, const nlohmann::json& training = {},
                        const FolderRecords& records = {});

// ---- [SECTION] discovery -------------------------------------------------------------------------

// The tokenizer of an attnviz model folder (its config.json checked, then tokens.json), or
// nullopt when `dir`'s config.json is absent or not model_type "attnviz". Throws ConfigError.
std::optional<FolderTokenizer> attnviz_folder_tokenizer(const std::filesystem::path& dir);

}  // namespace attnviz
