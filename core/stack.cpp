#include "core/stack.hpp"

#include "core/heatmap_image.hpp"
#include "core/positional.hpp"
#include "core/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace attnviz {

// ---- architecture --------------------------------------------------------------------------------

std::string_view to_string(NormKind v) {
    switch (v) {
        case NormKind::None: return "none";
        case NormKind::Layer: return "layer";
        case NormKind::Rms: return "rms";
    }
    return "none";
}
std::string_view to_string(NormPlacement v) { return v == NormPlacement::Pre ? "pre" : "post"; }
std::string_view to_string(MlpKind v) {
    switch (v) {
        case MlpKind::None: return "none";
        case MlpKind::Gelu: return "gelu";
        case MlpKind::GeluTanh: return "gelu-tanh";
        case MlpKind::SwiGlu: return "swiglu";
    }
    return "none";
}

NormKind parse_norm(std::string_view s) {
    return parse_enum("norm", s, std::array{NormKind::Layer, NormKind::Rms, NormKind::None});
}
NormPlacement parse_placement(std::string_view s) {
    return parse_enum("ln", s, std::array{NormPlacement::Pre, NormPlacement::Post});
}
MlpKind parse_mlp(std::string_view s) {
    return parse_enum("mlp", s, std::array{MlpKind::Gelu, MlpKind::GeluTanh, MlpKind::SwiGlu, MlpKind::None});
}

StackArch resolve_arch(const StackArch& in, int d_model) {
    StackArch a = in;
    if (a.layers < 1 || a.layers > StackLimits::max_layers) {
        throw ConfigError("layers", "layers=" + std::to_string(a.layers) + " must be between 1 and " +
                                        std::to_string(StackLimits::max_layers));
    }
    if (a.d_ff == 0) {
        // Llama keeps SwiGLU's parameter count near a 4·d GELU MLP with f = 8d/3 (three matrices, not two).
        a.d_ff = a.mlp == MlpKind::SwiGlu ? std::max(8, (8 * d_model / 3 + 7) / 8 * 8) : 4 * d_model;
        a.d_ff = std::min(a.d_ff, StackLimits::max_d_ff);
    }
    if (a.d_ff < 1 || a.d_ff > StackLimits::max_d_ff) {
        throw ConfigError("d_ff", "d_ff=" + std::to_string(a.d_ff) + " must be between 1 and " +
                                      std::to_string(StackLimits::max_d_ff));
    }
    if (!std::isfinite(a.norm_eps) || a.norm_eps <= 0.0f || a.norm_eps > 1.0f) {
        throw ConfigError("norm_eps", "norm_eps must be finite, > 0 and at most 1");
    }
    return a;
}

// ---- ablation ------------------------------------------------------------------------------------

std::string_view to_string(AblationMode v) { return v == AblationMode::Zero ? "zero" : "mean"; }
AblationMode parse_ablation_mode(std::string_view s) {
    return parse_enum("ablate-mode", s, std::array{AblationMode::Zero, AblationMode::Mean});
}

std::vector<Ablation> parse_ablations(std::string_view s, AblationMode mode) {
    std::vector<Ablation> out;
    const auto number = [](std::string_view v, int& x) {
        if (v.empty() || v.size() > 4) return false;
        x = 0;
        for (char ch : v) {
            if (ch < '0' || ch > '9') return false;
            x = x * 10 + (ch - '0');
        }
        return true;
    };
    std::size_t at = 0;
    while (at <= s.size() && !s.empty()) {
        const std::size_t comma = std::min(s.find(',', at), s.size());
        std::string_view item = s.substr(at, comma - at);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        const std::size_t dot = item.find('.');
        Ablation a;
        a.mode = mode;
        const bool ok = dot != std::string_view::npos && number(item.substr(0, dot), a.layer) &&
                        (item.substr(dot + 1) == "mlp" || number(item.substr(dot + 1), a.head));
        if (!ok) {
            throw ConfigError("ablate", "ablate item '" + clip(item) +
                                            "' must be LAYER.HEAD or LAYER.mlp (e.g. 0.1,1.mlp)");
        }
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
        at = comma + 1;
    }
    return out;
}

std::string ablations_to_string(const std::vector<Ablation>& v) {
    std::string s;
    for (const Ablation& a : v) {
        s += (s.empty() ? "" : ",") + std::to_string(a.layer) + "." +
             (a.head == Ablation::kMlp ? std::string("mlp") : std::to_string(a.head));
    }
    return s;
}

void check_ablations(const std::vector<Ablation>& v, int layers, int heads) {
    for (const Ablation& a : v) {
        const std::string name = ablations_to_string({a});
        if (a.layer < 0 || a.layer >= layers)
            throw ConfigError("ablate", "ablate " + name + ": layer must be in [0, " + std::to_string(layers) + ")");
        if (a.head != Ablation::kMlp && (a.head < 0 || a.head >= heads))
            throw ConfigError("ablate", "ablate " + name + ": head must be in [0, " + std::to_string(heads) + ")");
    }
}

// ---- vocabulary ----------------------------------------------------------------------------------

int Vocabulary::id(const std::string& token) const {
    const auto it = ids.find(token);
    return it == ids.end() ? -1 : it->second;
}

Vocabulary toy_vocabulary(const std::vector<std::string>& text_tokens) {
    Vocabulary v;
    const auto add = [&](std::string_view s) {
        if (v.ids.emplace(std::string(s), v.size()).second) v.tokens.emplace_back(s);
    };
    for (const std::string& t : text_tokens) add(t);
    for (std::string_view w : common_words()) add(w);
    return v;
}

// ---- weights -------------------------------------------------------------------------------------

namespace {

NormWeights unit_norm(NormKind kind, int d) {
    NormWeights w;
    if (kind == NormKind::None) return w;
    w.gamma = RowVec::Ones(d);
    if (kind == NormKind::Layer) w.beta = RowVec::Zero(d);
    return w;
}

}  // namespace

StackWeights random_stack(const Config& c, const StackArch& arch, const Vocabulary& vocab) {
    const int d = c.d_model, f = arch.d_ff, V = vocab.size();
    StackWeights w;
    w.embedding.resize(V, d);  // E: [V, d], each row today's embed_token
    for (int v = 0; v < V; ++v) w.embedding.row(v) = embed_token(vocab.tokens[static_cast<std::size_t>(v)], c.seed, d);
    if (!arch.tied_unembedding) w.unembedding = gaussian(V, d, stream_seed(c.seed, "unembedding"), 1.0);
    const Weights first = make_weights(c);
    w.learned_pe = first.learned_pe;
    w.layers.resize(static_cast<std::size_t>(arch.layers));
    for (int l = 0; l < arch.layers; ++l) {
        LayerWeights& L = w.layers[static_cast<std::size_t>(l)];
        if (l == 0) {
            L.attn = first;
        } else {
            Config cl = c;
            cl.seed = stream_seed(c.seed, "layer", static_cast<std::uint64_t>(l));
            L.attn = make_weights(cl);
        }
        L.attn.learned_pe.resize(0, 0);  // positions enter once, at the embedding
        L.norm1 = unit_norm(arch.norm, d);
        L.norm2 = arch.mlp == MlpKind::None ? NormWeights{} : unit_norm(arch.norm, d);
        if (arch.mlp == MlpKind::None) continue;
        const auto lu = static_cast<std::uint64_t>(l);
        const double in_std = 1.0 / std::sqrt(static_cast<double>(d));
        const double out_std = 1.0 / std::sqrt(static_cast<double>(f));
        L.mlp.W_up = gaussian(d, f, stream_seed(c.seed, "mlp_up", lu), in_std);      // [d, f]
        L.mlp.W_down = gaussian(f, d, stream_seed(c.seed, "mlp_down", lu), out_std);  // [f, d]
        if (arch.mlp == MlpKind::SwiGlu) {
            L.mlp.W_gate = gaussian(d, f, stream_seed(c.seed, "mlp_gate", lu), in_std);  // [d, f]
        } else {
            L.mlp.b_up = RowVec::Zero(f);
            L.mlp.b_down = RowVec::Zero(d);
        }
    }
    w.final_norm = arch.placement == NormPlacement::Pre ? unit_norm(arch.norm, d) : NormWeights{};
    return w;
}

// ---- ops -----------------------------------------------------------------------------------------

MatRM layer_norm(const Eigen::Ref<const MatRM>& x, const NormWeights& w, float eps) {
    MatRM y(x.rows(), x.cols());  // y: [n, d]
    const double d = static_cast<double>(x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        double mean = 0.0, var = 0.0;
        for (Eigen::Index j = 0; j < x.cols(); ++j) mean += x(i, j);
        mean /= d;
        for (Eigen::Index j = 0; j < x.cols(); ++j) var += (x(i, j) - mean) * (x(i, j) - mean);
        var /= d;  // biased, as torch.nn.LayerNorm
        const double inv = 1.0 / std::sqrt(var + eps);
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            y(i, j) = static_cast<float>((x(i, j) - mean) * inv * w.gamma[j] + (w.beta.size() ? w.beta[j] : 0.0f));
        }
    }
    return y;
}

MatRM rms_norm(const Eigen::Ref<const MatRM>& x, const NormWeights& w, float eps) {
    MatRM y(x.rows(), x.cols());  // y: [n, d]
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        double ms = 0.0;
        for (Eigen::Index j = 0; j < x.cols(); ++j) ms += static_cast<double>(x(i, j)) * x(i, j);
        const double inv = 1.0 / std::sqrt(ms / static_cast<double>(x.cols()) + eps);
        for (Eigen::Index j = 0; j < x.cols(); ++j) y(i, j) = static_cast<float>(x(i, j) * inv * w.gamma[j]);
    }
    return y;
}

MatRM apply_norm(NormKind kind, const Eigen::Ref<const MatRM>& x, const NormWeights& w, float eps) {
    switch (kind) {
        case NormKind::Layer: return layer_norm(x, w, eps);
        case NormKind::Rms: return rms_norm(x, w, eps);
        case NormKind::None: break;
    }
    return x;
}

float gelu(float x) { return static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)))); }

float gelu_tanh(float x) {
    const double k = std::sqrt(2.0 / 3.14159265358979323846);
    const double xd = x;
    return static_cast<float>(0.5 * xd * (1.0 + std::tanh(k * (xd + 0.044715 * xd * xd * xd))));
}

float silu(float x) { return static_cast<float>(x / (1.0 + std::exp(-static_cast<double>(x)))); }

MatRM mlp_forward(MlpKind kind, const Eigen::Ref<const MatRM>& x, const MlpWeights& w, MatRM& hidden) {
    if (kind == MlpKind::None) {
        hidden.resize(0, 0);
        return MatRM::Zero(x.rows(), x.cols());
    }
    if (kind == MlpKind::SwiGlu) {
        const MatRM gate = x * w.W_gate;  // [n, f]
        hidden = x * w.W_up;              // [n, f]
        for (Eigen::Index i = 0; i < hidden.size(); ++i) hidden.data()[i] *= silu(gate.data()[i]);
    } else {
        hidden = x * w.W_up;  // [n, f]
        if (w.b_up.size()) hidden.rowwise() += w.b_up;
        float (*act)(float) = kind == MlpKind::Gelu ? gelu : gelu_tanh;
        for (Eigen::Index i = 0; i < hidden.size(); ++i) hidden.data()[i] = act(hidden.data()[i]);
    }
    MatRM out = hidden * w.W_down;  // [n, d]
    if (w.b_down.size()) out.rowwise() += w.b_down;
    return out;
}

MatRM softmax_rows(const Eigen::Ref<const MatRM>& z) {
    MatRM p(z.rows(), z.cols());  // p: [n, V]
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
        const float mx = z.row(i).maxCoeff();  // subtracted only for numerical stability
        // Each exp once, vectorised in float as the attention softmax does; summed in double.
        p.row(i) = (z.row(i).array() - mx).exp().matrix();
        const double sum = p.row(i).cast<double>().sum();
        p.row(i) *= static_cast<float>(1.0 / sum);
    }
    return p;
}

// ---- forward -------------------------------------------------------------------------------------

std::vector<TopToken> top_k(const Eigen::Ref<const RowVec>& probs, const Vocabulary& vocab, int k) {
    std::vector<int> ids(static_cast<std::size_t>(probs.size()));
    std::iota(ids.begin(), ids.end(), 0);
    k = std::min(k, static_cast<int>(ids.size()));
    // Ties go to the lower id, so the order is the same on every machine.
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(),
                      [&](int a, int b) { return probs[a] > probs[b] || (probs[a] == probs[b] && a < b); });
    std::vector<TopToken> out;
    for (int r = 0; r < k; ++r) {
        const int id = ids[static_cast<std::size_t>(r)];
        out.push_back({id, vocab.tokens[static_cast<std::size_t>(id)], probs[id]});
    }
    return out;
}

std::vector<TensorView> layer_tensor_views(const Trace& attn, const LayerTrace& L) {
    std::vector<TensorView> out = tensor_views(attn);
    out.push_back(view_of("resid_pre", "the residual stream entering the block", L.resid_pre));
    out.push_back(view_of("resid_mid", "pre-LN: resid_pre + output; post-LN: norm₁(resid_pre + output)", L.resid_mid));
    out.push_back(view_of("resid_post", "pre-LN: resid_mid + MLP(norm₂(resid_mid)); post-LN: norm₂(resid_mid + MLP(resid_mid))",
                          L.resid_post));
    if (L.mlp_hidden.size() > 0) out.push_back(view_of("mlp_hidden", "the MLP's activations after its nonlinearity", L.mlp_hidden));
    return out;
}

namespace {

// norm_f and the unembedding: the logits of a residual stream [n, d] -> [n, V].
MatRM unembed(const StackArch& arch, const StackWeights& w, const Eigen::Ref<const MatRM>& resid, MatRM* normed) {
    MatRM x = arch.placement == NormPlacement::Pre ? apply_norm(arch.norm, resid, w.final_norm, arch.norm_eps) : MatRM(resid);
    MatRM logits = x * w.U().transpose();  // [n, V]
    if (normed) *normed = std::move(x);
    return logits;
}

}  // namespace

Inputs layer_inputs(const Inputs& in, const StackArch& arch, const StackWeights& w, int layer,
                    const Eigen::Ref<const MatRM>& resid_pre) {
    const bool pre = arch.placement == NormPlacement::Pre;
    // Layer 0 reads X + PE exactly as the single block does, so its trace is today's bit for bit.
    if (layer == 0 && (!pre || arch.norm == NormKind::None)) return in;
    Inputs later = in;
    const Positional p = in.config.positional;
    if (p == Positional::Sinusoidal || p == Positional::Learned) later.config.positional = Positional::None;
    later.X = pre ? apply_norm(arch.norm, resid_pre, w.layers[static_cast<std::size_t>(layer)].norm1, arch.norm_eps)
                  : MatRM(resid_pre);
    return later;
}

Weights layer_weights(const StackWeights& w, int layer) {
    Weights lw = w.layers[static_cast<std::size_t>(layer)].attn;
    if (layer == 0) lw.learned_pe = w.learned_pe;
    return lw;
}

namespace {

// Mean-ablation's replacement: every row the column mean of x [n, c].
MatRM mean_rows(const MatRM& x) {
    const RowVec mean = x.colwise().mean();
    return mean.replicate(x.rows(), 1);
}

// Head ablations of `layer`: H_a replaced, concat and output = concat·W_O rebuilt.
void ablate_heads(Trace& t, int layer, const std::vector<Ablation>& ablate) {
    bool any = false;
    for (const Ablation& a : ablate) {
        if (a.layer != layer || a.head == Ablation::kMlp) continue;
        MatRM& H = t.head_outputs[static_cast<std::size_t>(a.head)];  // [n, d_v]
        H = a.mode == AblationMode::Zero ? MatRM::Zero(H.rows(), H.cols()) : mean_rows(H);
        t.concat.middleCols(static_cast<Eigen::Index>(a.head) * t.config.d_v, t.config.d_v) = H;
        any = true;
    }
    if (!any) return;
    t.output.noalias() = t.concat * t.W_O;  // [n, d]
    if (t.b_O.size()) t.output.rowwise() += t.b_O;
}

const Ablation* mlp_ablation(int layer, const std::vector<Ablation>& ablate) {
    for (const Ablation& a : ablate)
        if (a.layer == layer && a.head == Ablation::kMlp) return &a;
    return nullptr;
}

std::size_t nxn_bytes(const Trace& t) {
    return (t.scores.size() + t.weights.size()) * static_cast<std::size_t>(t.n) * static_cast<std::size_t>(t.m) * sizeof(float);
}

}  // namespace

void RunProgress::start(int steps) {
    if (cancel) throw RunCancelled();
    done = 0;
    total = steps;
}

void RunProgress::step() {
    if (cancel) throw RunCancelled();
    ++done;
}

Trace layer_attention(const Inputs& in, const StackWeights& w, const StackTrace& t, int layer) {
    ATTNVIZ_ASSERT(layer >= 0 && layer < static_cast<int>(t.layers.size()));
    Trace a = forward(layer_inputs(in, t.arch, w, layer, t.layers[static_cast<std::size_t>(layer)].resid_pre),
                      layer_weights(w, layer));
    ablate_heads(a, layer, t.ablated);
    return a;
}

StackTrace run_stack(const Inputs& in, const StackArch& arch, const StackWeights& w, const Vocabulary& vocab,
                     const StackRunOptions& opt) {
    const Config& c = in.config;
    if (c.cross() && arch.layers > 1) {
        throw ConfigError("source", "a stack of " + std::to_string(arch.layers) +
                                        " layers is a decoder over one sequence: cross-attention (a source text) "
                                        "runs on one layer only (clear the source or set layers = 1)");
    }
    ATTNVIZ_ASSERT(static_cast<int>(w.layers.size()) == arch.layers);
    ATTNVIZ_ASSERT(w.embedding.cols() == c.d_model && w.U().rows() == vocab.size());
    check_ablations(opt.ablate, arch.layers, c.n_heads);
    const int n = static_cast<int>(in.tokens.size());
    StackTrace t;
    t.arch = arch;
    t.ablated = opt.ablate;
    t.layers.resize(static_cast<std::size_t>(arch.layers));

    // 1. Embedding plus additive position.   resid: [n, d]
    MatRM resid = in.X + additive_pe(c.positional, w.learned_pe, n, c.d_model);

    const bool pre = arch.placement == NormPlacement::Pre;
    if (opt.progress) opt.progress->start(arch.layers);
    for (int l = 0; l < arch.layers; ++l) {
        LayerTrace& L = t.layers[static_cast<std::size_t>(l)];
        const LayerWeights& lw = w.layers[static_cast<std::size_t>(l)];
        L.resid_pre = resid;

        // 2. Attention on norm₁(resid) (pre-LN) or resid itself (post-LN), heads ablated.
        L.attn = forward(layer_inputs(in, arch, w, l, resid), layer_weights(w, l));
        ablate_heads(L.attn, l, opt.ablate);
        L.attn_out = L.attn.output;  // [n, d]

        // 3. Residual add (post-LN: then norm₁), MLP, residual add (post-LN: then norm₂).
        L.resid_mid = resid + L.attn_out;
        if (!pre) L.resid_mid = apply_norm(arch.norm, L.resid_mid, lw.norm1, arch.norm_eps);
        if (arch.mlp == MlpKind::None) {
            L.mlp_in.resize(0, 0);
            L.mlp_hidden.resize(0, 0);
            L.mlp_out = MatRM::Zero(n, c.d_model);
            L.resid_post = L.resid_mid;
        } else {
            L.mlp_in = pre ? apply_norm(arch.norm, L.resid_mid, lw.norm2, arch.norm_eps) : L.resid_mid;
            L.mlp_out = mlp_forward(arch.mlp, L.mlp_in, lw.mlp, L.mlp_hidden);
            if (const Ablation* a = mlp_ablation(l, opt.ablate))
                L.mlp_out = a->mode == AblationMode::Zero ? MatRM::Zero(n, c.d_model) : mean_rows(L.mlp_out);
            L.resid_post = L.resid_mid + L.mlp_out;
            if (!pre) L.resid_post = apply_norm(arch.norm, L.resid_post, lw.norm2, arch.norm_eps);
        }
        resid = L.resid_post;

        // 4. Detectors and thumbnails from the full pattern; then the n×n stacks go unless they fit.
        require_finite(L.attn);
        add_head_scores(L.attn, t.scores);
        L.thumbs.clear();
        for (const MatRM& A : L.attn.weights) L.thumbs.push_back(pool_for_image(A, L.attn.mask, 48).values);
        const std::size_t bytes = nxn_bytes(L.attn);
        t.attn_bytes += bytes;
        if (l == opt.keep_layer || t.attn_bytes_kept + bytes <= opt.attention_budget) {
            t.attn_bytes_kept += bytes;
        } else {
            L.attn_full = false;
            L.attn.scores = Stack();
            L.attn.weights = Stack();
        }
        if (opt.progress) opt.progress->step();
    }

    // 5. Final norm, unembedding, next-token probabilities.   logits, probs: [n, V]
    t.logits = unembed(arch, w, resid, &t.final_resid);
    t.probs = softmax_rows(t.logits);
    t.next.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) t.next[static_cast<std::size_t>(i)] = top_k(t.probs.row(i), vocab, StackLimits::top_k);
    if (!t.logits.allFinite()) {
        throw ConfigError("trace", "the stack's logits hold a non-finite value: a number overflowed float");
    }
    return t;
}

// ---- logit lens and head detectors ---------------------------------------------------------------

std::vector<std::vector<LensCell>> logit_lens(const StackTrace& t, const StackWeights& w, const Vocabulary& vocab,
                                              RunProgress* progress) {
    std::vector<std::vector<LensCell>> out(t.layers.size());
    if (progress) progress->start(static_cast<int>(t.layers.size()));
    for (std::size_t l = 0; l < t.layers.size(); ++l) {
        // The last layer's lens is the model's own prediction: its probabilities are already here.
        const bool last = l + 1 == t.layers.size();
        const MatRM computed = last ? MatRM() : softmax_rows(unembed(t.arch, w, t.layers[l].resid_post, nullptr));
        const MatRM& p = last ? t.probs : computed;  // [n, V]
        out[l].resize(static_cast<std::size_t>(p.rows()));
        for (Eigen::Index i = 0; i < p.rows(); ++i) {
            LensCell& cell = out[l][static_cast<std::size_t>(i)];
            Eigen::Index best = 0;
            p.row(i).maxCoeff(&best);
            cell.top.id = static_cast<int>(best);
            cell.top.token = vocab.tokens[static_cast<std::size_t>(best)];
            cell.top.prob = p(i, best);
            const int fin = t.next[static_cast<std::size_t>(i)].front().id;
            cell.final_prob = p(i, fin);
            cell.final_rank = static_cast<int>((p.row(i).array() > cell.final_prob).count());
        }
        if (progress) progress->step();
    }
    return out;
}

std::vector<TopToken> lens_top_k(const StackTrace& t, const StackWeights& w, const Vocabulary& vocab, int layer, int pos, int k) {
    const MatRM& resid = t.layers.at(static_cast<std::size_t>(layer)).resid_post;
    ATTNVIZ_ASSERT(pos >= 0 && pos < resid.rows());
    const MatRM p = softmax_rows(unembed(t.arch, w, resid.row(pos), nullptr));  // [1, V]
    return top_k(p.row(0), vocab, k);
}

void add_head_scores(const Trace& a, HeadScores& s) {
    const int n = a.n, h = a.config.n_heads;
    std::vector<float> prev(h), same(h), first(h), dup(h), ind(h);
    // Cross-attention's keys are another sequence's tokens: no detector compares positions across
    // the two, so each scores 0.
    if (a.config.cross() || a.m != a.n) {
        for (auto* row : {&s.previous_token, &s.same_position, &s.first_token, &s.duplicate_token, &s.induction})
            row->push_back(std::vector<float>(static_cast<std::size_t>(h), 0.0f));
        return;
    }
    for (int k = 0; k < h; ++k) {
        const MatRM& A = a.weights[static_cast<std::size_t>(k)];
        double sp = 0, ss = 0, sf = 0, sd = 0, si = 0;
        int np = 0, nd = 0, ni = 0;
        for (int i = 0; i < n; ++i) {
            ss += A(i, i);
            if (i >= 1) {
                sp += A(i, i - 1);
                sf += A(i, 0);
                ++np;
            }
            double d_row = 0, i_row = 0;
            bool has_dup = false, has_ind = false;
            for (int j = 0; j < i; ++j) {
                if (a.tokens[static_cast<std::size_t>(j)] != a.tokens[static_cast<std::size_t>(i)]) continue;
                has_dup = true;
                d_row += A(i, j);
                if (j + 1 < i) {
                    has_ind = true;
                    i_row += A(i, j + 1);
                }
            }
            if (has_dup) {
                sd += d_row;
                ++nd;
            }
            if (has_ind) {
                si += i_row;
                ++ni;
            }
        }
        const auto ku = static_cast<std::size_t>(k);
        same[ku] = n ? static_cast<float>(ss / n) : 0.0f;
        prev[ku] = np ? static_cast<float>(sp / np) : 0.0f;
        first[ku] = np ? static_cast<float>(sf / np) : 0.0f;
        dup[ku] = nd ? static_cast<float>(sd / nd) : 0.0f;
        ind[ku] = ni ? static_cast<float>(si / ni) : 0.0f;
    }
    s.previous_token.push_back(prev);
    s.same_position.push_back(same);
    s.first_token.push_back(first);
    s.duplicate_token.push_back(dup);
    s.induction.push_back(ind);
}

}  // namespace attnviz
