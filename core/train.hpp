// The training lab: a small pre-LN Transformer trained on a task, its metrics per step, and
// checkpoints that every view can show (the model as it was at step k).
//
// Key: B sequences a batch, S positions a sequence, C = d_model, h heads, dh = C / h, V vocabulary,
// L layers, f MLP width.
//
//   the model    embedding (+ learned positions) → L × [norm → attention (+RoPE) → + → norm → MLP → +]
//                → final norm → unembedding → softmax; exactly what run_stack runs (pre-LN).
//   the loss     mean over the batch's positions of −log p(next token)
//   the update   AdamW (decoupled weight decay on the matrices only), global gradient-norm clipping,
//                learning rate: linear warm-up, then cosine down to a tenth
//
// The tasks (each a seeded data generator; "scored" positions are the ones whose next token the
// earlier tokens determine, where second_half_loss and accuracy are measured):
//   induction  S random tokens: a random prefix, then a segment of random length ℓ, then the
//              segment again (ℓ drawn per sample, so no fixed offset finds the earlier copy).
//              Scored: the second copy past its first token.
//   copy, reverse, sort   ℓ random tokens, "|", then the same tokens as they were, reversed or sorted.
//              Scored: the answer.
//   text       windows of S tokens of the user's text (word or char tokens). Scored: all.
//
// [SECTION] specification
// [SECTION] tasks
// [SECTION] parameters
// [SECTION] trainer
#pragma once

#include "core/induction_model.hpp"
#include "core/stack.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace attnviz {

// ---- [SECTION] specification ---------------------------------------------------------------------

enum class TaskKind { Induction, Copy, Reverse, Sort, Text };
std::string_view to_string(TaskKind t);
TaskKind parse_task(std::string_view s);  // induction|copy|reverse|sort|text; ConfigError("task", ...)

struct TrainLimits {
    static constexpr int max_layers = 4;
    static constexpr int max_d_model = 256;
    static constexpr int max_context = 256;
    static constexpr int max_batch = 512;
    static constexpr int max_steps = 1000000;
    static constexpr int max_symbols = 1000;           // the synthetic tasks' vocabulary (common words)
    static constexpr int max_text_vocab = 8192;        // distinct tokens of a text
    static constexpr std::size_t max_text_bytes = 8u << 20;
};

// The field names are the CLI's flags (without "--"), so a ConfigError names the flag to fix.
struct TrainSpec {
    TaskKind task = TaskKind::Induction;
    int layers = 2;
    int heads = 2;
    int d_model = 32;
    MlpKind mlp = MlpKind::None;         // none | gelu-tanh | gelu (attention-only by default)
    int d_ff = 0;                        // 0: 4·d_model
    NormKind norm = NormKind::Layer;     // layer | rms | none
    Positional positional = Positional::Learned;  // learned | rope | none
    int window = 0;                      // attention window, 0 = full causal
    bool bias = true;                    // attention and MLP biases
    bool tied = false;                   // unembedding = embedding
    int symbols = 16;                    // vocabulary of the synthetic tasks
    int context = 16;                    // S
    int batch = 32;                      // B
    int steps = 2000;
    double lr = 3e-3;
    int warmup = 100;
    double weight_decay = 0.01;
    double clip = 1.0;                   // 0: no clipping
    std::uint64_t seed = 1;
    int log_every = 50;                  // metrics (and detectors) every this many steps
    int checkpoint_every = 100;
    std::size_t checkpoint_bytes = std::size_t{256} << 20;  // the ring's cap: older ones thinned
    std::string text;                    // the text task's text
    Tokenization tokenization = Tokenization::Word;
    bool operator==(const TrainSpec&) const = default;
};

// Checks every field; throws ConfigError naming it (the CLI flag) and the rule. Fills d_ff.
TrainSpec resolve_train_spec(const TrainSpec& s);

// The block configuration and stack architecture a spec trains: what run_stack runs it with.
Config trained_block_config(const TrainSpec& s);
StackArch trained_arch(const TrainSpec& s);

// ---- [SECTION] tasks -----------------------------------------------------------------------------

struct Batch {
    int B = 0, S = 0;
    std::vector<int> ids;       // [B·S]
    std::vector<int> targets;   // [B·S] the next token, −1 past the end
    std::vector<char> scored;   // [B·S] 1 where the target is determined by the earlier tokens
};

class TaskData {
public:
    explicit TaskData(const TrainSpec& resolved);  // throws ConfigError("text", ...) for the text task
    const Vocabulary& vocab() const { return *vocab_; }
    std::shared_ptr<const Vocabulary> vocab_ptr() const { return vocab_; }
    Tokenization tokenization() const { return tokenization_; }
    int seq_len() const { return seq_len_; }  // S
    // B samples from the stream `seed`.
    Batch sample(int B, std::uint64_t seed) const;
    // The detectors' input: ⌊S/2⌋ distinct random tokens, twice (all of the vocabulary when smaller).
    std::vector<int> repeated_probe(std::uint64_t seed) const;

private:
    // One sample: S + 1 tokens into seq (the last is position S − 1's target; left −1 unless the
    // text has it) and its scored flags [S].
    void fill(std::uint64_t& rng_state, int* seq, char* scored) const;
    TaskKind task_;
    int seq_len_ = 0;
    int symbols_ = 0;                      // ids 0 … symbols−1 are the random tokens
    int separator_ = -1;                   // copy/reverse/sort
    std::vector<int> stream_;              // the text task's token ids
    std::shared_ptr<const Vocabulary> vocab_;
    Tokenization tokenization_ = Tokenization::Word;
};

// ---- [SECTION] parameters ------------------------------------------------------------------------

// Every parameter tensor once, in one flat buffer (llm.c's ParameterTensors), named as the model
// folder names them.
struct ParamTensor {
    std::string name;
    int rows = 0, cols = 0;     // a vector is [1, cols]
    std::size_t offset = 0;
    bool decay = false;         // weight decay: matrices only, not norms, biases or positions
    std::size_t size() const { return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols); }
};

struct ParamLayout {
    std::vector<ParamTensor> tensors;
    std::size_t total = 0;
    const ParamTensor* find(const std::string& name) const;  // null when absent
};

ParamLayout param_layout(const TrainSpec& resolved, int vocab);
// Every matrix N(0, 1/fan-in) (the embedding tables 1/C), γ = 1, β = b = 0; deterministic from
// spec.seed. GPT-2's N(0, 0.02²) leaves a model this small on the plateau for thousands of steps:
// the attention paths are products of four such matrices, and their gradients vanish with them.
std::vector<float> init_params(const TrainSpec& resolved, const ParamLayout& layout);
// The flat parameters as the stack's weights (copies: a checkpoint stays what it was).
StackWeights to_stack_weights(const TrainSpec& resolved, const ParamLayout& layout, const std::vector<float>& params);

// A stack model over trained weights for `ids` (every id < V): what the views and run_stack take.
// Throws ConfigError("ids", ...) for an empty input, an id outside the vocabulary or (learned
// positions) more tokens than the model has positions.
StackModel trained_model(const TrainSpec& resolved, std::shared_ptr<const Vocabulary> vocab,
                         std::shared_ptr<const StackWeights> weights, const std::vector<int>& ids);

// ---- [SECTION] trainer ---------------------------------------------------------------------------

// The training forward and backward on a batch, in T = float (training) or double (gradient checks).
// Returns the mean loss over the positions with a target; `grads` (resized to params) receives its
// gradient when not null.
template <class T>
double loss_and_grad(const TrainSpec& resolved, const ParamLayout& layout, const std::vector<T>& params,
                     const Batch& batch, std::vector<T>* grads);

struct Evaluation {
    double loss = 0;              // mean −log p over every target
    double second_half_loss = 0;  // over the scored targets
    double accuracy = 0;          // argmax = target, over the scored targets
};

struct TrainMetrics {
    int step = 0;                 // optimiser steps taken
    double train_loss = 0;        // the last step's batch loss (at step 0: the first batch's)
    Evaluation eval;              // on the held-out batch
    double lr = 0;
    double grad_norm = 0;
    double seconds = 0;           // wall time since the start of training
    HeadScores scores;            // [L][h] on the repeated probe, from run_stack
};

struct Checkpoint {
    int step = 0;
    std::shared_ptr<const StackWeights> weights;
};

double learning_rate(const TrainSpec& resolved, int step);  // for step `step` (from 0)

class Trainer {
public:
    explicit Trainer(const TrainSpec& spec);  // throws ConfigError
    const TrainSpec& spec() const { return spec_; }
    const TaskData& task() const { return task_; }
    const ParamLayout& layout() const { return layout_; }
    const std::vector<float>& params() const { return params_; }
    int step() const { return step_; }
    bool done() const { return step_ >= spec_.steps; }

    // One optimiser step; logs (history, checkpoints) when the step is due. Returns whether it logged.
    bool step_once();
    const std::vector<TrainMetrics>& history() const { return history_; }
    const std::vector<Checkpoint>& checkpoints() const { return checkpoints_; }
    std::shared_ptr<const StackWeights> weights() const;  // now

    // The held-out batch's losses with `ablate` knocked out, through run_stack (what the views show).
    Evaluation evaluate(const StackWeights& w, const std::vector<Ablation>& ablate = {}) const;
    // The detectors of `w` on the repeated probe.
    HeadScores head_scores(const StackWeights& w) const;

    // The model folder (config.json with the spec and the final metrics as "attnviz_training",
    // model.safetensors, tokens.json, metrics.csv, metrics.json), written atomically.
    void save(const std::filesystem::path& dir) const;

private:
    void log();
    TrainSpec spec_;
    TaskData task_;
    ParamLayout layout_;
    std::vector<float> params_, grads_, m_, v_;
    Batch eval_batch_;
    std::vector<int> probe_;
    int step_ = 0;
    double last_loss_ = 0, last_norm_ = 0;
    double seconds_ = 0;  // spent in step_once, summed
    std::vector<TrainMetrics> history_;
    std::vector<Checkpoint> checkpoints_;
};

// The spec as JSON: config.json's "attnviz_training" record.
nlohmann::json train_spec_json(const TrainSpec& s);

// metrics.csv: step, lr, train_loss, loss, second_half_loss, accuracy, grad_norm, seconds, then
// previous_token/induction/first_token per layer and head ("induction_L1H0"). metrics.json: the
// same as {"columns": [...], "rows": [[...]]} plus the spec.
std::string metrics_csv(const std::vector<TrainMetrics>& history);
nlohmann::json metrics_json(const TrainSpec& s, const std::vector<TrainMetrics>& history);

}  // namespace attnviz
