#include "core/train.hpp"

#include "core/model_folder.hpp"
#include "core/rng.hpp"
#include "core/tokenizer.hpp"
#include "core/train_ops.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace attnviz {

using nlohmann::json;

// ---- specification -------------------------------------------------------------------------------

std::string_view to_string(TaskKind t) {
    switch (t) {
        case TaskKind::Induction: return "induction";
        case TaskKind::Copy: return "copy";
        case TaskKind::Reverse: return "reverse";
        case TaskKind::Sort: return "sort";
        case TaskKind::Text: return "text";
    }
    return "induction";
}

TaskKind parse_task(std::string_view s) {
    return parse_enum("task", s,
                      std::array{TaskKind::Induction, TaskKind::Copy, TaskKind::Reverse, TaskKind::Sort, TaskKind::Text});
}

namespace {

void require(bool ok, const char* field, const std::string& message) {
    if (!ok) throw ConfigError(field, message);
}

void require_range(const char* field, long long v, long long lo, long long hi) {
    require(v >= lo && v <= hi, field,
            std::string(field) + "=" + std::to_string(v) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

void require_real(const char* field, double v, double lo, double hi) {
    require(std::isfinite(v) && v >= lo && v <= hi, field,
            std::string(field) + "=" + std::to_string(v) + " must be a number in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]");
}

}  // namespace

TrainSpec resolve_train_spec(const TrainSpec& in) {
    TrainSpec s = in;
    require_range("layers", s.layers, 1, TrainLimits::max_layers);
    require_range("d-model", s.d_model, 2, TrainLimits::max_d_model);
    require_range("heads", s.heads, 1, s.d_model);
    require(s.d_model % s.heads == 0, "heads",
            "heads=" + std::to_string(s.heads) + " must divide d-model=" + std::to_string(s.d_model));
    const int dh = s.d_model / s.heads;
    require(s.positional == Positional::Learned || s.positional == Positional::Rope || s.positional == Positional::None,
            "positional", "positional=" + std::string(to_string(s.positional)) + " cannot be trained: use learned|rope|none");
    if (s.positional == Positional::Rope) {
        require(dh % 2 == 0, "positional",
                "RoPE needs an even head width; d-model/heads = " + std::to_string(dh) + " is odd");
    }
    require(s.mlp == MlpKind::None || s.mlp == MlpKind::Gelu || s.mlp == MlpKind::GeluTanh, "mlp",
            "mlp=" + std::string(to_string(s.mlp)) + " cannot be trained: use none|gelu|gelu-tanh");
    if (s.mlp == MlpKind::None) s.d_ff = 0;
    else if (s.d_ff == 0) s.d_ff = 4 * s.d_model;
    if (s.mlp != MlpKind::None) require_range("d-ff", s.d_ff, 1, 4 * TrainLimits::max_d_model);
    require_range("context", s.context, 4, TrainLimits::max_context);
    require_range("window", s.window, 0, s.context);
    require_range("batch", s.batch, 1, TrainLimits::max_batch);
    require_range("steps", s.steps, 1, TrainLimits::max_steps);
    require_range("warmup", s.warmup, 0, TrainLimits::max_steps);
    require_range("log-every", s.log_every, 1, TrainLimits::max_steps);
    require_range("checkpoint-every", s.checkpoint_every, 1, TrainLimits::max_steps);
    require_real("lr", s.lr, 1e-8, 1.0);
    require_real("weight-decay", s.weight_decay, 0.0, 1.0);
    require_real("clip", s.clip, 0.0, 1e6);
    require(s.checkpoint_bytes >= (std::size_t{1} << 20), "checkpoint-memory", "checkpoint-memory must be at least 1 MiB");
    if (s.task == TaskKind::Text) {
        require(!s.text.empty(), "text", "the text task needs a text: --text \"...\" or --text-file FILE");
        require(s.text.size() <= TrainLimits::max_text_bytes, "text",
                "the text has " + std::to_string(s.text.size()) + " bytes; at most 8 MiB are trained on");
    } else {
        require_range("symbols", s.symbols, 2, TrainLimits::max_symbols);
        if (s.task == TaskKind::Induction) {
            require(s.context >= 8, "context", "context=" + std::to_string(s.context) + " must be at least 8 for the induction task");
            require(s.symbols > s.context / 2, "symbols",
                    "symbols=" + std::to_string(s.symbols) + " must be more than context/2 = " + std::to_string(s.context / 2) +
                        " for the induction task (a segment's tokens are distinct)");
        }
    }
    return s;
}

Config trained_block_config(const TrainSpec& s) {
    Config c;
    c.tokenize = s.tokenization;
    c.d_model = s.d_model;
    c.n_heads = s.heads;
    c.d_k = c.d_v = s.d_model / s.heads;
    c.causal = true;
    c.scale = ScaleMode::Sqrt;
    c.positional = s.positional;
    if (c.positional == Positional::Rope) c.rope_style = RopeStyle::Half;
    c.window = s.window;
    c.seed = s.seed;
    return resolve_sizes(c);
}

StackArch trained_arch(const TrainSpec& s) {
    StackArch a;
    a.layers = s.layers;
    a.norm = s.norm;
    a.placement = NormPlacement::Pre;
    a.mlp = s.mlp;
    a.d_ff = s.d_ff;
    a.norm_eps = 1e-5f;
    a.tied_unembedding = s.tied;
    return resolve_arch(a, s.d_model);
}

// ---- tasks ---------------------------------------------------------------------------------------

namespace {

// Pieces of at most Limits::max_tokens bytes (so of at most that many tokens), cut after a space
// or newline where there is one, else on a code point boundary.
std::vector<std::string> tokenize_long(std::string_view text, Tokenization mode) {
    std::vector<std::string> out;
    const std::size_t max = Limits::max_tokens;
    while (!text.empty()) {
        std::size_t cut = text.size();
        if (cut > max) {
            cut = clip_point(text, max);
            const std::size_t ws = text.substr(0, cut).find_last_of(" \n");
            if (ws != std::string_view::npos && ws > 0) cut = ws + 1;
            if (cut == 0) cut = max;  // not UTF-8: tokenize() names the problem
        }
        const std::string_view piece = text.substr(0, cut);
        text.remove_prefix(cut);
        if (piece.find_first_not_of(" \t\r\n") == std::string_view::npos) continue;
        for (std::string& t : tokenize(piece, mode, "text").text) out.push_back(std::move(t));
    }
    return out;
}

int uniform_int(Rng& rng, int n) { return static_cast<int>(rng.next_u64() % static_cast<std::uint64_t>(n)); }

// k distinct values of [0, n), k ≤ n, in random order.
std::vector<int> distinct(Rng& rng, int k, int n) {
    std::vector<int> out;
    while (static_cast<int>(out.size()) < k) {
        const int v = uniform_int(rng, n);
        if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
}

}  // namespace

TaskData::TaskData(const TrainSpec& s) : task_(s.task), tokenization_(s.tokenization) {
    auto vocab = std::make_shared<Vocabulary>();
    const auto add = [&](std::string token) {
        vocab->ids.emplace(token, vocab->size());
        vocab->tokens.push_back(std::move(token));
    };
    if (s.task == TaskKind::Text) {
        for (std::string& t : tokenize_long(s.text, s.tokenization)) {
            auto it = vocab->ids.find(t);
            if (it == vocab->ids.end()) {
                if (vocab->size() == TrainLimits::max_text_vocab) {
                    throw ConfigError("text", "the text has more than " + std::to_string(TrainLimits::max_text_vocab) +
                                                  " distinct tokens; use char tokens or a shorter text");
                }
                stream_.push_back(vocab->size());
                add(std::move(t));
            } else {
                stream_.push_back(it->second);
            }
        }
        if (stream_.size() < 3) {
            throw ConfigError("text", "the text has " + std::to_string(stream_.size()) + " tokens; training needs at least 3");
        }
        seq_len_ = std::min<int>(s.context, static_cast<int>(stream_.size()) - 1);
        symbols_ = vocab->size();
    } else {
        symbols_ = s.symbols;
        const auto& words = common_words();
        for (int i = 0; i < symbols_; ++i) add(std::string(words[static_cast<std::size_t>(i)]));
        seq_len_ = s.context;
        if (s.task != TaskKind::Induction) {
            separator_ = vocab->size();
            add("|");
            seq_len_ = 2 * ((s.context - 1) / 2) + 1;
        }
    }
    vocab_ = std::move(vocab);
}

void TaskData::fill(std::uint64_t& state, int* ids, char* scored) const {
    Rng rng(state);
    state = rng.next_u64();  // the next sample's stream
    const int S = seq_len_;
    std::fill(scored, scored + S, 0);
    switch (task_) {
        case TaskKind::Induction: {
            // ℓ ∈ [4, S/2] and the copies' start r ∈ [0, S − 2ℓ]: neither the gap between the copies
            // nor where they sit is fixed, so only matching tokens finds the earlier copy.
            const int len = 4 + uniform_int(rng, S / 2 - 4 + 1);
            const int r = uniform_int(rng, S - 2 * len + 1);
            const std::vector<int> seg = distinct(rng, len, symbols_);
            for (int p = 0; p < S; ++p) {  // the filler avoids the segment's tokens: one earlier copy each
                if (p >= r && p < r + 2 * len) {
                    ids[p] = seg[static_cast<std::size_t>((p - r) % len)];
                    continue;
                }
                int v;
                do v = uniform_int(rng, symbols_);
                while (std::find(seg.begin(), seg.end(), v) != seg.end());
                ids[p] = v;
            }
            for (int p = r + len; p <= r + 2 * len - 2; ++p) scored[p] = 1;
            return;
        }
        case TaskKind::Copy:
        case TaskKind::Reverse:
        case TaskKind::Sort: {
            const int len = (S - 1) / 2;
            for (int k = 0; k < len; ++k) ids[k] = uniform_int(rng, symbols_);
            ids[len] = separator_;
            std::copy(ids, ids + len, ids + len + 1);
            if (task_ == TaskKind::Reverse) std::reverse(ids + len + 1, ids + S);
            if (task_ == TaskKind::Sort) std::sort(ids + len + 1, ids + S);
            for (int p = len; p < S - 1; ++p) scored[p] = 1;
            return;
        }
        case TaskKind::Text: {
            const int starts = static_cast<int>(stream_.size()) - S;  // windows with a target after each token
            const int st = uniform_int(rng, starts);
            std::copy(stream_.begin() + st, stream_.begin() + st + S + 1, ids);
            std::fill(scored, scored + S, 1);
            return;
        }
    }
}

Batch TaskData::sample(int B, std::uint64_t seed) const {
    Batch b;
    b.B = B;
    b.S = seq_len_;
    const std::size_t n = static_cast<std::size_t>(B) * static_cast<std::size_t>(seq_len_);
    b.ids.assign(n, 0);
    b.targets.assign(n, -1);
    b.scored.assign(n, 0);
    std::uint64_t state = seed;
    std::vector<int> seq(static_cast<std::size_t>(seq_len_) + 1);  // the sample and its last target (text only)
    for (int k = 0; k < B; ++k) {
        const std::size_t o = static_cast<std::size_t>(k) * static_cast<std::size_t>(seq_len_);
        std::fill(seq.begin(), seq.end(), -1);
        fill(state, seq.data(), b.scored.data() + o);
        std::copy(seq.begin(), seq.end() - 1, b.ids.begin() + static_cast<std::ptrdiff_t>(o));
        std::copy(seq.begin() + 1, seq.end(), b.targets.begin() + static_cast<std::ptrdiff_t>(o));
    }
    return b;
}

std::vector<int> TaskData::repeated_probe(std::uint64_t seed) const {
    Rng rng(stream_seed(seed, "repeated-probe"));
    const int k = std::min(seq_len_ / 2, symbols_);
    std::vector<int> seq = distinct(rng, k, symbols_);
    const std::vector<int> first = seq;
    seq.insert(seq.end(), first.begin(), first.end());
    return seq;
}

// ---- parameters ----------------------------------------------------------------------------------

const ParamTensor* ParamLayout::find(const std::string& name) const {
    for (const ParamTensor& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

ParamLayout param_layout(const TrainSpec& s, int V) {
    ParamLayout p;
    const auto add = [&](std::string name, int rows, int cols, bool decay) {
        p.tensors.push_back({std::move(name), rows, cols, p.total, decay});
        p.total += p.tensors.back().size();
    };
    const int C = s.d_model, A = s.d_model, f = s.d_ff;  // A = h·dh = C
    const auto norm = [&](const std::string& name) {
        if (s.norm == NormKind::None) return;
        add(name + ".weight", 1, C, false);
        if (s.norm == NormKind::Layer) add(name + ".bias", 1, C, false);
    };
    add("wte.weight", V, C, true);
    if (s.positional == Positional::Learned) add("wpe.weight", s.context, C, false);
    for (int l = 0; l < s.layers; ++l) {
        const std::string h = "h." + std::to_string(l) + ".";
        norm(h + "ln_1");
        add(h + "attn.c_attn.weight", C, 3 * A, true);
        if (s.bias) add(h + "attn.c_attn.bias", 1, 3 * A, false);
        add(h + "attn.c_proj.weight", A, C, true);
        if (s.bias) add(h + "attn.c_proj.bias", 1, C, false);
        if (s.mlp == MlpKind::None) continue;
        norm(h + "ln_2");
        add(h + "mlp.c_fc.weight", C, f, true);
        if (s.bias) add(h + "mlp.c_fc.bias", 1, f, false);
        add(h + "mlp.c_proj.weight", f, C, true);
        if (s.bias) add(h + "mlp.c_proj.bias", 1, C, false);
    }
    norm("ln_f");
    if (!s.tied) add("lm_head.weight", V, C, true);
    return p;
}

std::vector<float> init_params(const TrainSpec& s, const ParamLayout& layout) {
    std::vector<float> p(layout.total, 0.0f);
    for (const ParamTensor& t : layout.tensors) {
        float* v = p.data() + t.offset;
        const bool gamma = t.name.size() > 7 && t.name.compare(t.name.size() - 7, 7, ".weight") == 0 &&
                           t.name.find("ln_") != std::string::npos;
        if (gamma) {
            std::fill(v, v + t.size(), 1.0f);
            continue;
        }
        if (t.rows == 1 && t.name != "wpe.weight") continue;  // biases and β start at 0
        // lm_head [V, C] is read as x·Uᵀ: its fan-in is C, the columns; the others' [in, out] rows.
        const bool table = t.name == "wte.weight" || t.name == "wpe.weight" || t.name == "lm_head.weight";
        const double sd = 1.0 / std::sqrt(static_cast<double>(table ? s.d_model : t.rows));
        Rng rng(stream_seed(s.seed, t.name));
        for (std::size_t i = 0; i < t.size(); ++i) v[i] = static_cast<float>(sd * rng.normal());
    }
    return p;
}

namespace {

MatRM matrix_of(const ParamLayout& L, const std::vector<float>& p, const std::string& name) {
    const ParamTensor* t = L.find(name);
    if (!t) return {};
    return Eigen::Map<const MatRM>(p.data() + t->offset, t->rows, t->cols);
}

RowVec vector_of(const ParamLayout& L, const std::vector<float>& p, const std::string& name) {
    const ParamTensor* t = L.find(name);
    if (!t) return {};
    return Eigen::Map<const RowVec>(p.data() + t->offset, static_cast<Eigen::Index>(t->size()));
}

NormWeights norm_of(const ParamLayout& L, const std::vector<float>& p, const std::string& name) {
    return {vector_of(L, p, name + ".weight"), vector_of(L, p, name + ".bias")};
}

}  // namespace

StackWeights to_stack_weights(const TrainSpec& s, const ParamLayout& L, const std::vector<float>& p) {
    StackWeights w;
    const int A = s.d_model;
    w.embedding = matrix_of(L, p, "wte.weight");
    w.learned_pe = matrix_of(L, p, "wpe.weight");
    w.unembedding = matrix_of(L, p, "lm_head.weight");
    for (int l = 0; l < s.layers; ++l) {
        const std::string h = "h." + std::to_string(l) + ".";
        LayerWeights lw;
        lw.norm1 = norm_of(L, p, h + "ln_1");
        const MatRM qkv = matrix_of(L, p, h + "attn.c_attn.weight");  // [C, 3A] = [W_Q | W_K | W_V]
        lw.attn.W_Q = qkv.middleCols(0, A);
        lw.attn.W_K = qkv.middleCols(A, A);
        lw.attn.W_V = qkv.middleCols(2 * A, A);
        lw.attn.W_O = matrix_of(L, p, h + "attn.c_proj.weight");
        const RowVec qkv_b = vector_of(L, p, h + "attn.c_attn.bias");
        if (qkv_b.size()) {
            lw.attn.b_Q = qkv_b.segment(0, A);
            lw.attn.b_K = qkv_b.segment(A, A);
            lw.attn.b_V = qkv_b.segment(2 * A, A);
        }
        lw.attn.b_O = vector_of(L, p, h + "attn.c_proj.bias");
        if (s.mlp != MlpKind::None) {
            lw.norm2 = norm_of(L, p, h + "ln_2");
            lw.mlp.W_up = matrix_of(L, p, h + "mlp.c_fc.weight");
            lw.mlp.b_up = vector_of(L, p, h + "mlp.c_fc.bias");
            lw.mlp.W_down = matrix_of(L, p, h + "mlp.c_proj.weight");
            lw.mlp.b_down = vector_of(L, p, h + "mlp.c_proj.bias");
        }
        w.layers.push_back(std::move(lw));
    }
    w.final_norm = norm_of(L, p, "ln_f");
    return w;
}

namespace {

Inputs trained_inputs(const TrainSpec& s, const Vocabulary& vocab, const StackWeights& w, const std::vector<int>& ids) {
    if (ids.empty()) throw ConfigError("ids", "the input has no tokens");
    if (s.positional == Positional::Learned && static_cast<int>(ids.size()) > w.learned_pe.rows()) {
        throw ConfigError("ids", "the input has " + std::to_string(ids.size()) + " tokens; this model has " +
                                     std::to_string(w.learned_pe.rows()) + " learned positions");
    }
    Inputs in;
    in.config = trained_block_config(s);
    in.X.resize(static_cast<Eigen::Index>(ids.size()), s.d_model);  // X: [n, d]
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= vocab.size()) {
            throw ConfigError("ids", "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                                         " is outside the vocabulary [0, " + std::to_string(vocab.size()) + ")");
        }
        in.tokens.push_back(vocab.tokens[static_cast<std::size_t>(ids[i])]);
        in.X.row(static_cast<Eigen::Index>(i)) = w.embedding.row(ids[i]);
    }
    return in;
}

}  // namespace

StackModel trained_model(const TrainSpec& s, std::shared_ptr<const Vocabulary> vocab,
                         std::shared_ptr<const StackWeights> weights, const std::vector<int>& ids) {
    StackModel m;
    m.inputs = trained_inputs(s, *vocab, *weights, ids);
    m.arch = trained_arch(s);
    m.vocab_ptr = std::move(vocab);
    m.weights_ptr = std::move(weights);
    m.token_ids = ids;
    m.summary = "trained on " + std::string(to_string(s.task)) + " (" + std::to_string(s.layers) + " layers, " +
                std::to_string(s.heads) + " heads, d_model " + std::to_string(s.d_model) + ")";
    return m;
}

// ---- the training forward and backward -----------------------------------------------------------

namespace {

// The activations of one forward, every one listed once (llm.c's ActivationTensors). Per layer l:
// resid[l] is the stream entering the block, resid[L] the one leaving the last.
template <class T> struct Acts {
    std::vector<std::vector<T>> resid;             // [L + 1][N·C]
    std::vector<std::vector<T>> ln1, ln1_mean, ln1_rstd, qkv, att, atty, mid;
    std::vector<std::vector<T>> ln2, ln2_mean, ln2_rstd, fch, fch_gelu;
    std::vector<T> lnf, lnf_mean, lnf_rstd, logits, probs, losses;
    // The backward's gradients of the activations, reused layer after layer.
    std::vector<T> dloss, dlogits, dlnf, dresid, dmid, dgelu, dfch, dln2, datty, dqkv, dln1, scratch;
};

// Zero-filled [n], reusing the buffer's memory (no allocation once the shapes settle).
template <class T> T* zeros(std::vector<T>& v, std::size_t n) {
    v.assign(n, T(0));
    return v.data();
}

template <class T> struct Net {
    using train_mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const TrainSpec& s;
    const ParamLayout& layout;
    int V, B, S, N, C, h, dh, A, f;

    const T* param(const std::vector<T>& p, const std::string& name) const {
        const ParamTensor* t = layout.find(name);
        return t ? p.data() + t->offset : nullptr;
    }
    T* grad(std::vector<T>& g, const std::string& name) const {
        const ParamTensor* t = layout.find(name);
        return t ? g.data() + t->offset : nullptr;
    }
    std::size_t nc() const { return static_cast<std::size_t>(N) * static_cast<std::size_t>(C); }

    // out [N, C] = norm(inp), or a copy without a norm.
    void norm_forward(std::vector<T>& out, std::vector<T>& mean, std::vector<T>& rstd, const std::vector<T>& inp,
                      const T* gamma, const T* beta) const {
        out.resize(nc());
        mean.resize(static_cast<std::size_t>(N));
        rstd.resize(static_cast<std::size_t>(N));
        const T eps = static_cast<T>(1e-5f);
        switch (s.norm) {
            case NormKind::Layer: train::layernorm_forward(out.data(), mean.data(), rstd.data(), inp.data(), gamma, beta, N, C, eps); break;
            case NormKind::Rms: train::rmsnorm_forward(out.data(), rstd.data(), inp.data(), gamma, N, C, eps); break;
            case NormKind::None: out = inp; break;
        }
    }
    void norm_backward(T* dinp, T* dgamma, T* dbeta, const T* dout, const std::vector<T>& inp, const T* gamma,
                       const std::vector<T>& mean, const std::vector<T>& rstd) const {
        switch (s.norm) {
            case NormKind::Layer:
                train::layernorm_backward(dinp, dgamma, dbeta, dout, inp.data(), gamma, mean.data(), rstd.data(), N, C);
                break;
            case NormKind::Rms: train::rmsnorm_backward(dinp, dgamma, dout, inp.data(), gamma, rstd.data(), N, C); break;
            case NormKind::None:
                for (std::size_t i = 0; i < nc(); ++i) dinp[i] += dout[i];
                break;
        }
    }

    double forward(const std::vector<T>& p, const Batch& b, Acts<T>& a) const {
        const int L = s.layers;
        a.resid.resize(static_cast<std::size_t>(L) + 1);
        for (auto& r : a.resid) r.resize(nc());
        for (auto* v : {&a.ln1, &a.ln1_mean, &a.ln1_rstd, &a.qkv, &a.att, &a.atty, &a.mid, &a.ln2, &a.ln2_mean, &a.ln2_rstd,
                        &a.fch, &a.fch_gelu})
            v->resize(static_cast<std::size_t>(L));
        train::encoder_forward(a.resid[0].data(), b.ids.data(), param(p, "wte.weight"), param(p, "wpe.weight"), B, S, C);
        for (int l = 0; l < L; ++l) {
            const auto ul = static_cast<std::size_t>(l);
            const std::string hn = "h." + std::to_string(l) + ".";
            const std::vector<T>& x = a.resid[ul];
            norm_forward(a.ln1[ul], a.ln1_mean[ul], a.ln1_rstd[ul], x, param(p, hn + "ln_1.weight"), param(p, hn + "ln_1.bias"));
            a.qkv[ul].resize(static_cast<std::size_t>(N) * 3 * static_cast<std::size_t>(A));  // qkv: [N, 3A]
            train::matmul_forward(a.qkv[ul].data(), a.ln1[ul].data(), param(p, hn + "attn.c_attn.weight"),
                                  param(p, hn + "attn.c_attn.bias"), N, C, 3 * A);
            if (s.positional == Positional::Rope) train::rope_forward(a.qkv[ul].data(), B, S, h, dh, 10000.0, +1);
            a.att[ul].resize(static_cast<std::size_t>(B) * h * S * S);  // att: [B, h, S, S]
            a.atty[ul].resize(static_cast<std::size_t>(N) * A);         // atty: [N, A]
            train::attention_forward(a.atty[ul].data(), a.att[ul].data(), a.qkv[ul].data(), B, S, h, dh, s.window);
            a.mid[ul].resize(nc());
            train::matmul_forward(a.mid[ul].data(), a.atty[ul].data(), param(p, hn + "attn.c_proj.weight"),
                                  param(p, hn + "attn.c_proj.bias"), N, A, C);
            for (std::size_t i = 0; i < nc(); ++i) a.mid[ul][i] += x[i];  // mid = x + attn
            std::vector<T>& out = a.resid[ul + 1];
            if (s.mlp == MlpKind::None) {
                out = a.mid[ul];
                continue;
            }
            norm_forward(a.ln2[ul], a.ln2_mean[ul], a.ln2_rstd[ul], a.mid[ul], param(p, hn + "ln_2.weight"),
                         param(p, hn + "ln_2.bias"));
            const std::size_t nf = static_cast<std::size_t>(N) * static_cast<std::size_t>(f);
            a.fch[ul].resize(nf);       // fch: [N, f]
            a.fch_gelu[ul].resize(nf);
            train::matmul_forward(a.fch[ul].data(), a.ln2[ul].data(), param(p, hn + "mlp.c_fc.weight"),
                                  param(p, hn + "mlp.c_fc.bias"), N, C, f);
            train::gelu_forward(a.fch_gelu[ul].data(), a.fch[ul].data(), static_cast<std::int64_t>(nf), s.mlp == MlpKind::GeluTanh);
            train::matmul_forward(out.data(), a.fch_gelu[ul].data(), param(p, hn + "mlp.c_proj.weight"),
                                  param(p, hn + "mlp.c_proj.bias"), N, f, C);
            for (std::size_t i = 0; i < nc(); ++i) out[i] += a.mid[ul][i];  // out = mid + mlp
        }
        norm_forward(a.lnf, a.lnf_mean, a.lnf_rstd, a.resid[static_cast<std::size_t>(L)], param(p, "ln_f.weight"),
                     param(p, "ln_f.bias"));
        const T* U = s.tied ? param(p, "wte.weight") : param(p, "lm_head.weight");  // U: [V, C]
        a.logits.resize(static_cast<std::size_t>(N) * V);                            // logits: [N, V]
        Eigen::Map<train_mat>(a.logits.data(), N, V).noalias() =
            Eigen::Map<const train_mat>(a.lnf.data(), N, C) * Eigen::Map<const train_mat>(U, V, C).transpose();
        a.probs.resize(a.logits.size());
        a.losses.resize(static_cast<std::size_t>(N));
        train::crossentropy_forward(a.losses.data(), a.probs.data(), a.logits.data(), b.targets.data(), N, V);
        double sum = 0.0;
        int count = 0;
        for (int r = 0; r < N; ++r) {
            if (b.targets[static_cast<std::size_t>(r)] < 0) continue;
            sum += a.losses[static_cast<std::size_t>(r)];
            ++count;
        }
        return count ? sum / count : 0.0;
    }

    void backward(const std::vector<T>& p, const Batch& b, Acts<T>& a, std::vector<T>& g) const {
        const int L = s.layers;
        const std::size_t nf = static_cast<std::size_t>(N) * static_cast<std::size_t>(f);
        const std::size_t na = static_cast<std::size_t>(N) * static_cast<std::size_t>(A);
        int count = 0;
        for (int t : b.targets) count += t >= 0;
        T* dloss = zeros(a.dloss, static_cast<std::size_t>(N));
        for (int r = 0; r < N; ++r)
            if (b.targets[static_cast<std::size_t>(r)] >= 0) dloss[r] = T(1) / static_cast<T>(count);
        T* dlogits = zeros(a.dlogits, a.logits.size());
        train::crossentropy_backward(dlogits, dloss, a.probs.data(), b.targets.data(), N, V);

        const T* U = s.tied ? param(p, "wte.weight") : param(p, "lm_head.weight");
        T* dU = s.tied ? grad(g, "wte.weight") : grad(g, "lm_head.weight");
        T* dlnf = zeros(a.dlnf, nc());
        const Eigen::Map<const train_mat> dz(dlogits, N, V);
        Eigen::Map<train_mat>(dlnf, N, C).noalias() += dz * Eigen::Map<const train_mat>(U, V, C);
        Eigen::Map<train_mat>(dU, V, C).noalias() += dz.transpose() * Eigen::Map<const train_mat>(a.lnf.data(), N, C);

        T* dresid = zeros(a.dresid, nc());  // the gradient of the stream leaving layer l, then entering it
        norm_backward(dresid, grad(g, "ln_f.weight"), grad(g, "ln_f.bias"), dlnf, a.resid[static_cast<std::size_t>(L)],
                      param(p, "ln_f.weight"), a.lnf_mean, a.lnf_rstd);
        a.scratch.resize(static_cast<std::size_t>(S));
        for (int l = L - 1; l >= 0; --l) {
            const auto ul = static_cast<std::size_t>(l);
            const std::string hn = "h." + std::to_string(l) + ".";
            a.dmid = a.dresid;  // out = mid + mlp(mid)
            T* dmid = a.dmid.data();
            if (s.mlp != MlpKind::None) {
                T* dgelu = zeros(a.dgelu, nf);
                T* dfch = zeros(a.dfch, nf);
                T* dln2 = zeros(a.dln2, nc());
                train::matmul_backward(dgelu, grad(g, hn + "mlp.c_proj.weight"), grad(g, hn + "mlp.c_proj.bias"), dresid,
                                       a.fch_gelu[ul].data(), param(p, hn + "mlp.c_proj.weight"), N, f, C);
                train::gelu_backward(dfch, a.fch[ul].data(), dgelu, static_cast<std::int64_t>(nf), s.mlp == MlpKind::GeluTanh);
                train::matmul_backward(dln2, grad(g, hn + "mlp.c_fc.weight"), grad(g, hn + "mlp.c_fc.bias"), dfch,
                                       a.ln2[ul].data(), param(p, hn + "mlp.c_fc.weight"), N, C, f);
                norm_backward(dmid, grad(g, hn + "ln_2.weight"), grad(g, hn + "ln_2.bias"), dln2, a.mid[ul],
                              param(p, hn + "ln_2.weight"), a.ln2_mean[ul], a.ln2_rstd[ul]);
            }
            a.dresid = a.dmid;  // mid = x + attn(x)
            dresid = a.dresid.data();
            T* datty = zeros(a.datty, na);
            T* dqkv = zeros(a.dqkv, 3 * na);
            T* dln1 = zeros(a.dln1, nc());
            train::matmul_backward(datty, grad(g, hn + "attn.c_proj.weight"), grad(g, hn + "attn.c_proj.bias"), dmid,
                                   a.atty[ul].data(), param(p, hn + "attn.c_proj.weight"), N, A, C);
            train::attention_backward(dqkv, a.scratch.data(), datty, a.qkv[ul].data(), a.att[ul].data(), B, S, h, dh, s.window);
            if (s.positional == Positional::Rope) train::rope_forward(dqkv, B, S, h, dh, 10000.0, -1);
            train::matmul_backward(dln1, grad(g, hn + "attn.c_attn.weight"), grad(g, hn + "attn.c_attn.bias"), dqkv,
                                   a.ln1[ul].data(), param(p, hn + "attn.c_attn.weight"), N, C, 3 * A);
            norm_backward(dresid, grad(g, hn + "ln_1.weight"), grad(g, hn + "ln_1.bias"), dln1, a.resid[ul],
                          param(p, hn + "ln_1.weight"), a.ln1_mean[ul], a.ln1_rstd[ul]);
        }
        train::encoder_backward(grad(g, "wte.weight"), grad(g, "wpe.weight"), dresid, b.ids.data(), B, S, C);
    }
};

}  // namespace

template <class T>
double loss_and_grad(const TrainSpec& s, const ParamLayout& layout, const std::vector<T>& params, const Batch& batch,
                     std::vector<T>* grads) {
    ATTNVIZ_ASSERT(params.size() == layout.total);
    const ParamTensor* wte = layout.find("wte.weight");
    ATTNVIZ_ASSERT(wte && batch.ids.size() == static_cast<std::size_t>(batch.B) * static_cast<std::size_t>(batch.S));
    Net<T> net{s, layout, wte->rows, batch.B, batch.S, batch.B * batch.S, s.d_model, s.heads, s.d_model / s.heads,
               s.d_model, s.d_ff};
    // The last call's buffers on this thread, reused: a training step allocates nothing once the
    // shapes settle.
    thread_local Acts<T> acts;
    const double loss = net.forward(params, batch, acts);
    if (grads) {
        grads->assign(params.size(), T(0));
        net.backward(params, batch, acts, *grads);
    }
    return loss;
}

template double loss_and_grad<float>(const TrainSpec&, const ParamLayout&, const std::vector<float>&, const Batch&,
                                     std::vector<float>*);
template double loss_and_grad<double>(const TrainSpec&, const ParamLayout&, const std::vector<double>&, const Batch&,
                                      std::vector<double>*);

// ---- trainer -------------------------------------------------------------------------------------

double learning_rate(const TrainSpec& s, int step) {
    if (step < s.warmup) return s.lr * (step + 1) / s.warmup;
    const double progress = static_cast<double>(step - s.warmup) / std::max(1, s.steps - s.warmup);
    return s.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(3.14159265358979323846 * std::min(1.0, progress))));
}

namespace {

constexpr int kEvalSamples = 32;
constexpr double kBeta1 = 0.9, kBeta2 = 0.99, kAdamEps = 1e-8;

std::size_t weights_bytes(const StackWeights& w) {
    std::size_t n = static_cast<std::size_t>(w.embedding.size() + w.unembedding.size() + w.learned_pe.size());
    for (const LayerWeights& l : w.layers) {
        n += static_cast<std::size_t>(l.attn.W_Q.size() * 4 + l.mlp.W_up.size() + l.mlp.W_down.size() + l.attn.b_Q.size() * 4);
    }
    return n * sizeof(float);
}

}  // namespace

Trainer::Trainer(const TrainSpec& spec)
    : spec_(resolve_train_spec(spec)), task_(spec_), layout_(param_layout(spec_, task_.vocab().size())) {
    params_ = init_params(spec_, layout_);
    m_.assign(params_.size(), 0.0f);
    v_.assign(params_.size(), 0.0f);
    eval_batch_ = task_.sample(kEvalSamples, stream_seed(spec_.seed, "eval-batch"));
    probe_ = task_.repeated_probe(stream_seed(spec_.seed, "probe"));
    last_loss_ = loss_and_grad<float>(spec_, layout_, params_, task_.sample(spec_.batch, stream_seed(spec_.seed, "train-batch", 0)),
                                      nullptr);
    log();
}

std::shared_ptr<const StackWeights> Trainer::weights() const {
    return std::make_shared<const StackWeights>(to_stack_weights(spec_, layout_, params_));
}

bool Trainer::step_once() {
    if (done()) return false;
    const auto t0 = std::chrono::steady_clock::now();
    const Batch b = task_.sample(spec_.batch, stream_seed(spec_.seed, "train-batch", static_cast<std::uint64_t>(step_)));
    last_loss_ = loss_and_grad<float>(spec_, layout_, params_, b, &grads_);
    double sq = 0.0;
    for (float g : grads_) sq += static_cast<double>(g) * g;
    last_norm_ = std::sqrt(sq);
    const float clip = spec_.clip > 0 && last_norm_ > spec_.clip ? static_cast<float>(spec_.clip / last_norm_) : 1.0f;
    const double lr = learning_rate(spec_, step_);
    const double c1 = 1.0 - std::pow(kBeta1, step_ + 1), c2 = 1.0 - std::pow(kBeta2, step_ + 1);
    for (const ParamTensor& t : layout_.tensors) {
        const float decay = t.decay ? static_cast<float>(spec_.weight_decay) : 0.0f;
        for (std::size_t i = t.offset; i < t.offset + t.size(); ++i) {
            const float g = grads_[i] * clip;
            m_[i] = static_cast<float>(kBeta1 * m_[i] + (1 - kBeta1) * g);
            v_[i] = static_cast<float>(kBeta2 * v_[i] + (1 - kBeta2) * g * g);
            const double update = (m_[i] / c1) / (std::sqrt(v_[i] / c2) + kAdamEps);
            params_[i] -= static_cast<float>(lr * (update + decay * params_[i]));
        }
    }
    ++step_;
    const bool due = step_ % spec_.log_every == 0 || done();
    if (due) log();
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return due;
}

Evaluation Trainer::evaluate(const StackWeights& w, const std::vector<Ablation>& ablate) const {
    Evaluation e;
    double loss = 0, scored_loss = 0;
    int n = 0, n_scored = 0, correct = 0;
    const StackArch arch = trained_arch(spec_);
    StackRunOptions opt;
    opt.ablate = ablate;
    const int S = eval_batch_.S;
    for (int k = 0; k < eval_batch_.B; ++k) {
        const auto o = static_cast<std::ptrdiff_t>(k) * S;
        const std::vector<int> ids(eval_batch_.ids.begin() + o, eval_batch_.ids.begin() + o + S);
        const StackTrace t = run_stack(trained_inputs(spec_, task_.vocab(), w, ids), arch, w, task_.vocab(), opt);
        for (int p = 0; p < S; ++p) {
            const int target = eval_batch_.targets[static_cast<std::size_t>(o + p)];
            if (target < 0) continue;
            const auto z = t.logits.row(p).cast<double>();
            const double mx = z.maxCoeff();
            const double nll = std::log((z.array() - mx).exp().sum()) - (z(target) - mx);
            loss += nll;
            ++n;
            if (!eval_batch_.scored[static_cast<std::size_t>(o + p)]) continue;
            scored_loss += nll;
            ++n_scored;
            Eigen::Index arg = 0;
            z.maxCoeff(&arg);
            correct += arg == target;
        }
    }
    e.loss = n ? loss / n : 0;
    e.second_half_loss = n_scored ? scored_loss / n_scored : 0;
    e.accuracy = n_scored ? static_cast<double>(correct) / n_scored : 0;
    return e;
}

HeadScores Trainer::head_scores(const StackWeights& w) const {
    return run_stack(trained_inputs(spec_, task_.vocab(), w, probe_), trained_arch(spec_), w, task_.vocab()).scores;
}

void Trainer::log() {
    const std::shared_ptr<const StackWeights> w = weights();
    TrainMetrics m;
    m.step = step_;
    m.train_loss = last_loss_;
    m.eval = evaluate(*w);
    m.lr = learning_rate(spec_, std::max(0, step_ - 1));
    m.grad_norm = last_norm_;
    m.seconds = seconds_;
    m.scores = head_scores(*w);
    history_.push_back(std::move(m));
    if (step_ % spec_.checkpoint_every != 0 && !done()) return;
    checkpoints_.push_back({step_, w});
    // Over the cap: every other checkpoint goes, keeping the first and the newest.
    std::size_t bytes = checkpoints_.size() * weights_bytes(*w);
    while (bytes > spec_.checkpoint_bytes && checkpoints_.size() > 2) {
        std::vector<Checkpoint> kept;
        for (std::size_t i = 0; i < checkpoints_.size(); ++i)
            if (i % 2 == 0 || i + 1 == checkpoints_.size()) kept.push_back(checkpoints_[i]);
        checkpoints_ = std::move(kept);
        bytes = checkpoints_.size() * weights_bytes(*w);
    }
}

// ---- records -------------------------------------------------------------------------------------

json train_spec_json(const TrainSpec& s) {
    json j = {{"task", to_string(s.task)},
              {"layers", s.layers},
              {"heads", s.heads},
              {"d_model", s.d_model},
              {"mlp", to_string(s.mlp)},
              {"d_ff", s.d_ff},
              {"norm", to_string(s.norm)},
              {"positional", to_string(s.positional)},
              {"window", s.window},
              {"bias", s.bias},
              {"tied", s.tied},
              {"symbols", s.symbols},
              {"context", s.context},
              {"batch", s.batch},
              {"steps", s.steps},
              {"lr", s.lr},
              {"warmup", s.warmup},
              {"weight_decay", s.weight_decay},
              {"clip", s.clip},
              {"seed", s.seed},
              {"tokenization", to_string(s.tokenization)}};
    return j;
}

namespace {

std::vector<std::string> metric_columns(const HeadScores& s) {
    std::vector<std::string> cols = {"step", "lr", "train_loss", "loss", "second_half_loss", "accuracy", "grad_norm", "seconds"};
    for (const char* name : {"previous_token", "induction", "first_token"}) {
        for (std::size_t l = 0; l < s.induction.size(); ++l)
            for (std::size_t a = 0; a < s.induction[l].size(); ++a)
                cols.push_back(std::string(name) + "_L" + std::to_string(l) + "H" + std::to_string(a));
    }
    return cols;
}

std::vector<double> metric_row(const TrainMetrics& m) {
    std::vector<double> r = {static_cast<double>(m.step), m.lr, m.train_loss, m.eval.loss, m.eval.second_half_loss,
                             m.eval.accuracy, m.grad_norm, m.seconds};
    for (const auto* table : {&m.scores.previous_token, &m.scores.induction, &m.scores.first_token})
        for (const auto& layer : *table)
            for (float v : layer) r.push_back(v);
    return r;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace

std::string metrics_csv(const std::vector<TrainMetrics>& history) {
    if (history.empty()) return {};
    std::string out;
    const auto cols = metric_columns(history.front().scores);
    for (std::size_t k = 0; k < cols.size(); ++k) out += (k ? "," : "") + cols[k];
    out += "\n";
    for (const TrainMetrics& m : history) {
        const auto row = metric_row(m);
        for (std::size_t k = 0; k < row.size(); ++k) out += (k ? "," : "") + number(row[k]);
        out += "\n";
    }
    return out;
}

json metrics_json(const TrainSpec& s, const std::vector<TrainMetrics>& history) {
    json rows = json::array();
    for (const TrainMetrics& m : history) rows.push_back(metric_row(m));
    return {{"spec", train_spec_json(s)},
            {"columns", history.empty() ? json::array() : json(metric_columns(history.front().scores))},
            {"rows", rows}};
}

void Trainer::save(const std::filesystem::path& dir) const {
    json training = train_spec_json(spec_);
    training["steps_done"] = step_;
    if (!history_.empty()) {
        const TrainMetrics& last = history_.back();
        training["final"] = {{"loss", last.eval.loss}, {"second_half_loss", last.eval.second_half_loss},
                             {"accuracy", last.eval.accuracy}};
    }
    training["context"] = spec_.context;
    write_model_folder(dir, trained_block_config(spec_), trained_arch(spec_), *weights(), task_.vocab(), task_.tokenization(),
                       training,
                       {{"metrics.csv", metrics_csv(history_)}, {"metrics.json", metrics_json(spec_, history_).dump() + "\n"}});
}

}  // namespace attnviz
