#include "core/induction_model.hpp"

#include "core/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace attnviz {

StackModel build_random_model(const Config& config, const StackArch& arch) {
    StackModel m;
    m.inputs = prepare(config);
    m.arch = resolve_arch(arch, m.inputs.config.d_model);
    auto vocab = std::make_shared<Vocabulary>(toy_vocabulary(m.inputs.tokens));
    m.weights_ptr = std::make_shared<StackWeights>(random_stack(m.inputs.config, m.arch, *vocab));
    m.vocab_ptr = std::move(vocab);
    m.summary = "random " + std::to_string(m.arch.layers) + "-layer stack from seed " + std::to_string(config.seed);
    return m;
}

namespace {

// The subspaces of the residual stream (see the header).
constexpr int kPairs = 8;
constexpr int kPos = 0, kFirst = 16, kBias = 17, kTok = 18, kWidth = 48;
constexpr int kPrev = kTok + kWidth, kOut = kPrev + kWidth, kDModel = kOut + kWidth;  // 162
constexpr int kDHead = kWidth + 1;  // tok/prev matching plus one dim for the position-0 push

// Frequencies chosen so Σ_k cos(ω_k m) ≤ 2.6 for every offset 1 ≤ m ≤ 63, against 8 at m = 0
// (a search over random sets): the previous token wins over every other key by ≥ 5.4·s₀².
constexpr std::array<double, kPairs> kOmega = {0.5589, 1.0356, 1.1311, 1.2093, 1.4153, 1.8304, 2.6833, 2.7625};

// Gains, with the 1/√d_k = 1/7 scale: layer 0's margin 5.4·s₀²/7 ≈ 19 nats; layer 1's
// (1 − 0.45)·s₁²/7 ≈ 11 nats against the worst unrelated token of a 64-token text; the
// position-0 push c²/7 ≈ 14 nats; the logit of the copied token g_U = 20 nats.
constexpr float kS0 = 5.0f, kS1 = 12.0f, kPush = 10.0f, kUnembed = 20.0f;

// A unit vector per token, deterministic from (token, seed).
RowVec token_code(const std::string& token, std::uint64_t seed) {
    RowVec e = embed_token(token, stream_seed(seed, "induction"), kWidth);
    return e / e.norm();
}

}  // namespace

Config induction_config(const Config& user) {
    Config c = user;
    c.d_model = kDModel;
    c.n_heads = 1;
    c.n_kv_heads = 1;
    c.d_k = kDHead;
    c.d_v = kWidth;
    c.positional = Positional::Learned;
    c.scale = ScaleMode::Sqrt;
    c.causal = true;
    c.window = 0;
    return c;
}

StackModel build_induction_model(const Config& user) {
    const Config c = induction_config(user);
    StackModel m;
    m.inputs = prepare(c);
    StackArch a;
    a.layers = 2;
    a.norm = NormKind::None;
    a.mlp = MlpKind::None;
    a.tied_unembedding = false;
    m.arch = resolve_arch(a, kDModel);
    auto vocab = std::make_shared<Vocabulary>(toy_vocabulary(m.inputs.tokens));
    const int V = vocab->size();
    auto weights = std::make_shared<StackWeights>();
    StackWeights& w = *weights;
    w.embedding = MatRM::Zero(V, kDModel);  // E: [V, d], the token in tok
    w.unembedding = MatRM::Zero(V, kDModel);  // U: [V, d], the token read from out
    for (int v = 0; v < V; ++v) {
        const RowVec e = token_code(vocab->tokens[static_cast<std::size_t>(v)], c.seed);
        w.embedding.row(v).segment(kTok, kWidth) = e;
        w.unembedding.row(v).segment(kOut, kWidth) = kUnembed * e;
    }
    for (int i = 0; i < static_cast<int>(m.inputs.tokens.size()); ++i)
        m.inputs.X.row(i) = w.embedding.row(vocab->id(m.inputs.tokens[static_cast<std::size_t>(i)]));

    w.learned_pe = MatRM::Zero(Limits::learned_length, kDModel);  // PE: [64, d]
    for (int p = 0; p < Limits::learned_length; ++p) {
        for (int k = 0; k < kPairs; ++k) {
            w.learned_pe(p, kPos + 2 * k) = static_cast<float>(std::cos(kOmega[static_cast<std::size_t>(k)] * p));
            w.learned_pe(p, kPos + 2 * k + 1) = static_cast<float>(std::sin(kOmega[static_cast<std::size_t>(k)] * p));
        }
        w.learned_pe(p, kFirst) = p == 0 ? 1.0f : 0.0f;
        w.learned_pe(p, kBias) = 1.0f;
    }

    w.layers.resize(2);
    // Layer 0: previous-token head.   W_Q, W_K: [d, d_k]; W_V: [d, d_v]; W_O: [d_v, d]
    Weights& l0 = w.layers[0].attn;
    l0.W_Q = MatRM::Zero(kDModel, kDHead);
    l0.W_K = MatRM::Zero(kDModel, kDHead);
    for (int k = 0; k < kPairs; ++k) {
        // q = s₀·R(−ω)·(cos ωi, sin ωi) = s₀·(cos ω(i−1), sin ω(i−1)); as row-vector x·W_Q.
        const float co = static_cast<float>(std::cos(kOmega[static_cast<std::size_t>(k)]));
        const float si = static_cast<float>(std::sin(kOmega[static_cast<std::size_t>(k)]));
        const int r = kPos + 2 * k, q = 2 * k;
        l0.W_Q(r, q) = kS0 * co;
        l0.W_Q(r, q + 1) = -kS0 * si;
        l0.W_Q(r + 1, q) = kS0 * si;
        l0.W_Q(r + 1, q + 1) = kS0 * co;
        l0.W_K(r, q) = kS0;
        l0.W_K(r + 1, q + 1) = kS0;
    }
    l0.W_V = MatRM::Zero(kDModel, kWidth);
    l0.W_O = MatRM::Zero(kWidth, kDModel);
    for (int j = 0; j < kWidth; ++j) {
        l0.W_V(kTok + j, j) = 1.0f;   // read the token at j = i − 1
        l0.W_O(j, kPrev + j) = 1.0f;  // write it into prev
    }
    // Layer 1: induction head.
    Weights& l1 = w.layers[1].attn;
    l1.W_Q = MatRM::Zero(kDModel, kDHead);
    l1.W_K = MatRM::Zero(kDModel, kDHead);
    l1.W_V = MatRM::Zero(kDModel, kWidth);
    l1.W_O = MatRM::Zero(kWidth, kDModel);
    for (int j = 0; j < kWidth; ++j) {
        l1.W_Q(kTok + j, j) = kS1;    // query: the current token
        l1.W_K(kPrev + j, j) = kS1;   // key: the token before j (K-composition)
        l1.W_V(kTok + j, j) = 1.0f;   // value: the token at j
        l1.W_O(j, kOut + j) = 1.0f;   // written where the unembedding reads
    }
    l1.W_Q(kBias, kWidth) = kPush;    // every query × position 0's "first" flag: −c²
    l1.W_K(kFirst, kWidth) = -kPush;
    m.summary = "designed induction circuit: layer 0 head 0 attends to the previous token and copies it into "
                "the residual stream; layer 1 head 0 matches the current token against those copies and "
                "predicts the token that followed it before";
    m.vocab_ptr = std::move(vocab);
    m.weights_ptr = std::move(weights);
    return m;
}

std::string repeated_random_text(int length, int copies, std::uint64_t seed) {
    const auto& words = common_words();
    std::vector<std::string_view> seq;
    Rng rng(stream_seed(seed, "repeated_text"));
    while (static_cast<int>(seq.size()) < length) {
        const std::string_view w = words[rng.next_u64() % words.size()];
        if (std::find(seq.begin(), seq.end(), w) == seq.end()) seq.push_back(w);
    }
    std::string text;
    for (int c = 0; c < copies; ++c)
        for (std::string_view w : seq) text += (text.empty() ? "" : " ") + std::string(w);
    return text;
}

}  // namespace attnviz
