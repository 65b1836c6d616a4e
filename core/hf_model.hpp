// Hugging Face model folders: config.json, model.safetensors (or shards with
// model.safetensors.index.json), read into the stack's weights.
//
// Key: d = hidden size, h = query heads, kv = K/V heads, dh = head width, f = MLP width, V vocabulary.
//
//   gpt2:                 Conv1D weights stored [in, out] (x·W + b as stored); c_attn = [W_Q | W_K | W_V]
//                         [d, 3d]; learned positions wpe; LayerNorm; gelu_new; tied unembedding.
//   llama, mistral, qwen2: nn.Linear weights stored [out, in] (transposed here to x·W); RMSNorm;
//                         RoPE rotate-half with rope_theta; GQA; SwiGLU; Qwen2's Q/K/V biases;
//                         lm_head unless tie_word_embeddings; Mistral's sliding_window.
//   attnviz:              attnviz's own folder (core/model_folder.hpp): GPT-2's names and layout
//                         with h·dh wide heads, each part the config names (norm, MLP, positions,
//                         biases, lm_head) present or absent; tokens.json for text.
//
// Every file is untrusted: each field is checked for type and range, each tensor for presence and
// shape, and a refusal names the file, the field or tensor and the rule.
//
// [SECTION] config
// [SECTION] checkpoint
// [SECTION] model
// [SECTION] discovery
#pragma once

#include "core/hf_tokenizer.hpp"
#include "core/induction_model.hpp"
#include "core/io/safetensors.hpp"
#include "core/folder_tokens.hpp"
#include "core/stack.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

// ---- [SECTION] config ----------------------------------------------------------------------------

enum class HfFamily { Gpt2, Llama, Attnviz };

struct HfConfig {
    std::string model_type;          // gpt2 | llama | mistral | qwen2 | attnviz
    HfFamily family = HfFamily::Gpt2;
    int layers = 0, d_model = 0, heads = 0, kv_heads = 0, head_dim = 0, d_ff = 0, vocab = 0;
    int max_positions = 0;           // gpt2: n_positions (wpe rows); llama, attnviz: max_position_embeddings
    float norm_eps = 1e-5f;
    double rope_theta = 10000.0;
    bool tied = true;
    bool qkv_bias = false;           // qwen2 (and llama's attention_bias)
    int sliding_window = 0;          // 0: none (attnviz: attention_window)
    MlpKind mlp = MlpKind::GeluTanh; // attnviz: also None (d_ff = 0)
    // attnviz only; the other families' follow from the family (norm_of, positional_of, has_biases).
    NormKind norm = NormKind::Layer;
    Positional positional = Positional::Learned;
    bool bias = true;                // use_bias: every attention and MLP bias
    std::string dtype;               // torch_dtype as written, for display
};

inline constexpr const char* kSupportedModelTypes = "gpt2, llama, mistral, qwen2, attnviz";
inline constexpr std::uint64_t kMaxConfigFileBytes = 4ull << 20;  // config.json and the shard index

// Parses config.json's text; `file` names it in messages. Throws ConfigError whose field is the
// config key ("model_type", "rope_scaling", "num_key_value_heads", …).
HfConfig parse_hf_config(const std::string& text, const std::filesystem::path& file);

// The attention block's configuration for this model: sizes, RoPE, learned or no positions,
// causal, the sliding window. Text and tokenizer fields keep their defaults.
Config block_config(const HfConfig& c);
StackArch stack_arch(const HfConfig& c);
NormKind norm_of(const HfConfig& c);          // gpt2 LayerNorm, llama family RMSNorm, attnviz its own
Positional positional_of(const HfConfig& c);  // gpt2 learned, llama family RoPE, attnviz its own

// Parameters counted from the config (embedding counted once when tied).
std::uint64_t parameter_count(const HfConfig& c);

// ---- [SECTION] checkpoint ------------------------------------------------------------------------

// The safetensors files of a folder, mapped and validated, and which file holds each tensor.
struct HfCheckpoint {
    std::vector<SafetensorsFile> files;
    std::map<std::string, std::pair<std::size_t, const TensorInfo*>, std::less<>> tensors;  // name → (file, info)
    std::uint64_t bytes = 0;          // on disk
    std::string dtype;                // of the floating-point tensors ("BF16", "F32", "mixed")
    const TensorInfo* find(std::string_view name, const SafetensorsFile** file = nullptr) const;
};

// model.safetensors, or every shard model.safetensors.index.json's weight_map names (each a
// plain file name in `dir`, every tensor in the shard the map says). Throws FormatError or
// ConfigError naming the file and the rule.
HfCheckpoint open_checkpoint(const std::filesystem::path& dir);

// ---- [SECTION] model -----------------------------------------------------------------------------

struct LoadProgress {
    // Called after each tensor is converted: bytes converted so far, of `total`.
    std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
    const std::atomic<bool>* cancel = nullptr;  // set: the load stops with LoadCancelled
};

struct LoadCancelled : std::runtime_error {
    LoadCancelled() : std::runtime_error("loading cancelled") {}
};

// "ORG/NAME" for a folder inside models--ORG--NAME (the cache), else the folder's own name.
std::string hf_model_name(const std::filesystem::path& dir);

struct HfModel {
    std::filesystem::path dir;
    HfConfig config;
    Config block;        // block_config(config); an attnviz folder's tokenization from tokens.json
    StackArch arch;      // stack_arch(config), resolved
    StackWeights weights;
    std::uint64_t bytes_on_disk = 0;
    std::string dtype;
    // The folder's tokenizer (tokenizer.json, or vocab.json + merges.txt); null when it has none,
    // and the model then runs on ids only.
    std::shared_ptr<const BpeTokenizer> tokenizer;
    // An attnviz folder's tokens.json (tokenizer stays null): attnviz's own word or char
    // tokenizer over `vocab`; empty without one.
    std::optional<FolderTokenizer> folder_tokenizer;
    // Every id's text as shown (the tokenizer's tokens; "#id" without one or past its ids): [V].
    std::shared_ptr<const Vocabulary> vocab;
    std::string name() const { return hf_model_name(dir); }
    bool reads_text() const { return tokenizer || folder_tokenizer; }  // else token ids only
};

// Float32 bytes the loaded weights take (what loading needs on top of the mapped files).
std::uint64_t load_bytes_needed(const HfConfig& c);

// config.json + the checkpoint → the stack's weights in float32, x·W layout. Throws ConfigError
// (config), FormatError (a file, a missing tensor or a wrong shape: the message names the tensor,
// its shape and the one the config needs), LoadCancelled.
HfModel load_hf_model(const std::filesystem::path& dir, const LoadProgress& progress = {});

// `text`'s ids through the folder's tokenizer (BPE, or an attnviz folder's tokens.json). Throws
// ConfigError("ids", …) when the folder has neither, ConfigError("text", …) as the tokenizer does.
std::vector<int> encode_text(const HfModel& m, const std::string& text);

// A stack model over the loaded one (weights and vocabulary shared, not copied) for `ids`, or, when
// `ids` is empty, for `text` through encode_text; each token shown as its vocabulary entry.
// Throws ConfigError("ids" / "text", …) as model_inputs and encode_text do.
StackModel pretrained_model(const std::shared_ptr<const HfModel>& m, const std::string& text, const std::vector<int>& ids);

// The model's inputs for token ids: X = the embedding rows, `texts` shown as the tokens. Throws
// ConfigError("ids", …) for an id outside the vocabulary, an empty or over-long input, or (learned
// positions: GPT-2, attnviz) more tokens than the model has positions.
Inputs model_inputs(const HfModel& m, const std::vector<int>& ids, const std::vector<std::string>& texts);

// ---- [SECTION] discovery -------------------------------------------------------------------------

// The Hugging Face cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
std::filesystem::path hf_hub_cache();

// A model folder found on disk, read from its config.json and safetensors headers only.
struct HfEntry {
    std::filesystem::path dir;       // the snapshot folder (or the folder given)
    std::string name;                // ORG/NAME
    std::string model_type;
    std::uint64_t parameters = 0;
    std::string dtype;
    std::uint64_t bytes_on_disk = 0;
    std::string error;               // why it cannot be opened (empty: it can)
};

// Every models--ORG--NAME/snapshots/REV of `cache` (refs/main's revision first, else each
// snapshot), sorted by name. A folder that cannot be read is listed with its error.
std::vector<HfEntry> list_hf_models(const std::filesystem::path& cache);
HfEntry describe_hf_folder(const std::filesystem::path& dir);

// MemAvailable from /proc/meminfo; 0 when unknown.
std::uint64_t available_memory_bytes();

// Throws ConfigError("model", …) naming both figures when loading `c` needs more memory than is
// available (what it needs: the float32 weights; the mapped files are paged in and out).
void check_memory_for(const HfConfig& c, std::uint64_t available);

}  // namespace attnviz
