#include "core/head_presets.hpp"

#include "core/model.hpp"

#include <cmath>
#include <string>

namespace attnviz {

namespace {

constexpr int kPositionPairs = 8;     // sinusoidal pairs 0–7: ω from 1 down to 10000^(−14/d)
constexpr int kPenaltyPairs = 4;      // the same-word head's self penalty uses the fastest four
constexpr float kContentScale = 4.0f;
// Logit gains, in nats per unit of the pattern's raw score, before the 1/√d_k scale: the
// position kernels Σ cos(ω_k Δ) peak with a margin of ≈ 1.07 over their neighbours, so 7 nats
// per unit leaves the runner-up e^(−7.5) behind.
constexpr float kPositionGain = 7.0f;
constexpr float kContentGain = 0.3f;     // content matches are hundreds of units apart
constexpr float kSelfPenalty = 40.0f;    // × the fast kernel: pushes self below earlier copies

struct Layout {
    int d = 0;
    int pos_end = 2 * kPositionPairs;  // [0, pos_end)
    int content_begin = 2 * kPositionPairs;
    int content_end = 0;               // [content_begin, content_end)
    int bias = 0;
};

Layout layout_for(int d) {
    Layout l;
    l.d = d;
    l.content_end = d - 2;
    l.bias = d - 1;
    return l;
}

// W_Q's and W_K's columns for head a: [d, d_k] blocks written in place.
void build_head(HeadKind kind, const Layout& l, float q_gain, Eigen::Ref<MatRM> Wq, Eigen::Ref<MatRM> Wk) {
    Wq.setZero();
    Wk.setZero();
    switch (kind) {
        case HeadKind::Previous:
            // k_j = u(j) per pair; q_i = u(i − 1) = Rot(−ω) u(i), so q_i·k_j = Σ cos(ω (i − 1 − j)).
            for (int k = 0; k < kPositionPairs; ++k) {
                const double w = std::pow(10000.0, -2.0 * k / l.d);
                const float c = static_cast<float>(std::cos(w)), s = static_cast<float>(std::sin(w));
                const int a = 2 * k, b = 2 * k + 1;  // (sin, cos) dims of pair k
                // u(i−1) = (sin θ cos ω − cos θ sin ω, cos θ cos ω + sin θ sin ω) with θ = iω.
                Wq(a, a) = q_gain * c;
                Wq(b, a) = -q_gain * s;
                Wq(b, b) = q_gain * c;
                Wq(a, b) = q_gain * s;
                Wk(a, a) = Wk(b, b) = 1.0f;
            }
            break;
        case HeadKind::Self:
            for (int j = 0; j < l.pos_end; ++j) {
                Wq(j, j) = q_gain;
                Wk(j, j) = 1.0f;
            }
            break;
        case HeadKind::First:
            // q_i ≈ (gain, 0, …) from the bias dim; k_j's first entry is Σ_k cos(j ω_k), largest at j = 0.
            Wq(l.bias, 0) = q_gain;
            for (int k = 0; k < kPositionPairs; ++k) Wk(2 * k + 1, 0) = 1.0f;
            break;
        case HeadKind::SameWord:
            // Content match x_i·x_j (large only for the same token), minus a penalty
            // kSelfPenalty·Σ cos(ω_k Δ) over the fastest pairs that is largest at Δ = 0: the
            // token itself loses to its earlier copies; the causal mask hides later ones.
            for (int j = l.content_begin; j < l.content_end; ++j) {
                Wq(j, j) = q_gain * kContentGain / kPositionGain;
                Wk(j, j) = 1.0f;
            }
            for (int j = 0; j < 2 * kPenaltyPairs; ++j) {
                Wq(j, j) = -q_gain * kContentGain / kPositionGain * kSelfPenalty;
                Wk(j, j) = 1.0f;
            }
            break;
        case HeadKind::Uniform: break;  // every score 0: softmax spreads evenly over visible keys
    }
}

HeadKind kind_for(Preset p, int head) {
    switch (p) {
        case Preset::Previous: return HeadKind::Previous;
        case Preset::Self: return HeadKind::Self;
        case Preset::First: return HeadKind::First;
        case Preset::SameWord: return HeadKind::SameWord;
        case Preset::Uniform: return HeadKind::Uniform;
        case Preset::Random:
        case Preset::Mixed: break;
    }
    static constexpr HeadKind kCycle[] = {HeadKind::Previous, HeadKind::Self, HeadKind::First, HeadKind::SameWord,
                                          HeadKind::Uniform};
    return kCycle[head % 5];
}

}  // namespace

std::string_view to_string(HeadKind k) {
    switch (k) {
        case HeadKind::Previous: return "previous token";
        case HeadKind::Self: return "same position";
        case HeadKind::First: return "first token (sink)";
        case HeadKind::SameWord: return "earlier copies of the word";
        case HeadKind::Uniform: return "uniform";
    }
    return "uniform";
}

const std::vector<Preset>& all_presets() {
    static const std::vector<Preset> all = {Preset::Random, Preset::Mixed, Preset::Previous, Preset::Self,
                                            Preset::First,  Preset::SameWord, Preset::Uniform};
    return all;
}

std::string_view to_string(Preset p) {
    switch (p) {
        case Preset::Random: return "random";
        case Preset::Mixed: return "mixed";
        case Preset::Previous: return "previous";
        case Preset::Self: return "self";
        case Preset::First: return "first";
        case Preset::SameWord: return "same-word";
        case Preset::Uniform: return "uniform";
    }
    return "random";
}

Preset parse_preset(std::string_view s) {
    for (Preset p : all_presets())
        if (to_string(p) == s) return p;
    throw ConfigError("preset", "preset=" + clip(s) +
                                    " must be one of random|mixed|previous|self|first|same-word|uniform");
}

std::string describe(HeadKind k) {
    switch (k) {
        case HeadKind::Previous:
            return "W_Q and W_K read only the position channel (sinusoid pairs 0–7). W_Q also rotates each pair back "
                   "by one step, so q_i holds PE(i − 1) while k_j holds PE(j): q_i·k_j = Σ cos(ω(i − 1 − j)), "
                   "largest at j = i − 1.";
        case HeadKind::Self:
            return "W_Q and W_K both copy the position channel: q_i·k_j = Σ cos(ω(i − j)), which is largest when "
                   "j = i. Content plays no part, so repeated words do not confuse it.";
        case HeadKind::First:
            return "W_Q reads only the bias dimension, so every query is the same vector; W_K sums the cosines of "
                   "the position channel, Σ cos(ω j), which is largest at j = 0. Every query lands on the first "
                   "token, the way trained models park spare attention on a sink.";
        case HeadKind::SameWord:
            return "W_Q and W_K copy the content channel, so q_i·k_j ≈ |x|² for the same word and near 0 for "
                   "others. A negative copy of the fast position pairs in W_Q subtracts Σ cos(ω(i − j)), largest "
                   "at j = i, so the token itself loses to its earlier copies (the causal mask hides later ones). "
                   "A word seen for the first time has no earlier copy, and its own match still wins: it stays on itself.";
        case HeadKind::Uniform:
            return "W_Q = 0, so every score is 0 and softmax spreads the weight evenly over the visible keys: "
                   "the head outputs the mean of the V rows it can see.";
    }
    return {};
}

const std::vector<PresetOverride>& preset_overrides(Preset preset) {
    static const std::vector<PresetOverride> none;
    static const std::vector<PresetOverride> designed = {
        {"n_kv_heads", "one K/V head per query head", "each designed head owns its keys"},
        {"d_k", "d_k = d_model", "W_Q and W_K need room for the whole content channel"},
        {"positional", "sinusoidal positions", "the position channel is built from sinusoid pairs 0-7"},
        {"causal", "causal on", "the patterns are decoder patterns"},
    };
    return preset == Preset::Random ? none : designed;
}

const PresetOverride* preset_override(Preset preset, std::string_view field) {
    for (const PresetOverride& o : preset_overrides(preset))
        if (o.field == field) return &o;
    return nullptr;
}

Config preset_config(const Config& user, Preset preset) {
    Config c = user;
    if (preset == Preset::Random) return c;
    c.positional = Positional::Sinusoidal;
    c.causal = true;
    c.n_kv_heads = c.n_heads;
    c.d_k = c.d_model;
    return c;
}

PresetBuild build_preset(const Config& user, Preset preset) {
    PresetBuild out;
    if (preset == Preset::Random) {
        out.inputs = prepare(user);
        out.weights = make_weights(out.inputs.config);
        out.summary = "random weights from the seed";
        return out;
    }
    if (user.cross()) {
        throw ConfigError("preset", "preset=" + std::string(to_string(preset)) +
                                        " builds self-attention heads: clear source= (cross-attention)");
    }
    if (user.d_model < 32 || user.d_model % 2 != 0) {
        throw ConfigError("preset", "preset=" + std::string(to_string(preset)) + " needs an even d_model >= 32 (d_model=" +
                                        std::to_string(user.d_model) + ") for its position, content and bias channels");
    }
    out.inputs = prepare(preset_config(user, preset));
    const Config& r = out.inputs.config;
    out.weights = make_weights(r);
    out.summary = "preset " + std::string(to_string(preset)) + ": sinusoidal positions, causal, " +
                  std::to_string(r.n_heads) + " K/V heads (one per query head), d_k = d_model = " +
                  std::to_string(r.d_model) + "; embeddings keep only their content channel, ×4";

    const Layout l = layout_for(r.d_model);
    // Embeddings: only the content channel, scaled (position and bias dims are cleared).
    MatRM& X = out.inputs.X;  // [n, d]
    X.leftCols(l.content_begin).setZero();
    X.rightCols(r.d_model - l.content_end).setZero();
    X.middleCols(l.content_begin, l.content_end - l.content_begin) *= kContentScale;

    // Gains are set against the default 1/√d_k scale, so the scale mode and temperature still
    // sharpen or soften the patterns the way they do for random weights.
    const float q_gain = kPositionGain * std::sqrt(static_cast<float>(r.d_k));
    for (int a = 0; a < r.n_heads; ++a) {
        const HeadKind kind = kind_for(preset, a);
        out.head_kinds.push_back(kind);
        build_head(kind, l, q_gain, out.weights.W_Q.middleCols(a * r.d_k, r.d_k),
                   out.weights.W_K.middleCols(a * r.d_k, r.d_k));
    }
    return out;
}

}  // namespace attnviz
