// The whole stack: one attention-only layer is today's forward bit for bit; every new stage
// (LayerNorm, RMSNorm, GELU in both forms, SwiGLU, residual adds, unembedding, softmax) against a
// float64 reference written here from the formulas; head detectors on designed heads.
#include "core/stack.hpp"

#include "core/model_setup.hpp"

#include "test_helpers.hpp"

#include <cmath>
#include <set>

namespace attnviz::test {
namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

MatD to_d(const MatRM& m) { return m.cast<double>(); }

// ---- float64 references, from the formulas --------------------------------------------------------

MatD layer_norm_ref(const MatD& x, const RowVec& g, const RowVec& b, double eps) {
    MatD y(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double mu = x.row(i).mean();
        const double var = (x.row(i).array() - mu).square().mean();
        for (Eigen::Index j = 0; j < x.cols(); ++j) y(i, j) = (x(i, j) - mu) / std::sqrt(var + eps) * g[j] + b[j];
    }
    return y;
}

MatD rms_norm_ref(const MatD& x, const RowVec& g, double eps) {
    MatD y(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double rms = std::sqrt(x.row(i).squaredNorm() / static_cast<double>(x.cols()) + eps);
        for (Eigen::Index j = 0; j < x.cols(); ++j) y(i, j) = x(i, j) / rms * g[j];
    }
    return y;
}

double gelu_ref(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double gelu_tanh_ref(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }
double silu_ref(double x) { return x / (1 + std::exp(-x)); }

MatD mlp_ref(MlpKind kind, const MatD& x, const MlpWeights& w) {
    if (kind == MlpKind::SwiGlu) {
        MatD g = x * to_d(w.W_gate), u = x * to_d(w.W_up);
        for (Eigen::Index i = 0; i < g.size(); ++i) u.data()[i] *= silu_ref(g.data()[i]);
        return u * to_d(w.W_down);
    }
    MatD hdn = x * to_d(w.W_up);
    hdn.rowwise() += w.b_up.cast<double>();
    for (Eigen::Index i = 0; i < hdn.size(); ++i)
        hdn.data()[i] = kind == MlpKind::Gelu ? gelu_ref(hdn.data()[i]) : gelu_tanh_ref(hdn.data()[i]);
    MatD out = hdn * to_d(w.W_down);
    out.rowwise() += w.b_down.cast<double>();
    return out;
}

// Maximum |a − b| relative to max(1, |b|).
double max_rel(const MatRM& a, const MatD& b) {
    double worst = 0;
    for (Eigen::Index i = 0; i < b.size(); ++i)
        worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]) / std::max(1.0, std::abs(b.data()[i])));
    return worst;
}

struct Built {
    Inputs in;
    StackArch arch;
    Vocabulary vocab;
    StackWeights w;
};

Built build(Config c, StackArch a) {
    Built b;
    b.in = prepare(c);
    b.arch = resolve_arch(a, b.in.config.d_model);
    b.vocab = toy_vocabulary(b.in.tokens);
    b.w = random_stack(b.in.config, b.arch, b.vocab);
    return b;
}

// Non-trivial γ and β, so a norm that ignored them would fail.
void perturb_norms(StackWeights& w, std::uint64_t seed) {
    int k = 0;
    const auto jitter = [&](RowVec& v, double base) {
        if (!v.size()) return;
        const MatRM r = gaussian(1, static_cast<int>(v.size()), seed + static_cast<std::uint64_t>(k++), 0.3);
        v = r.row(0).array() + static_cast<float>(base);
    };
    for (LayerWeights& L : w.layers) {
        jitter(L.norm1.gamma, 1.0);
        jitter(L.norm1.beta, 0.0);
        jitter(L.norm2.gamma, 1.0);
        jitter(L.norm2.beta, 0.0);
        jitter(L.mlp.b_up, 0.0);
        jitter(L.mlp.b_down, 0.0);
    }
    jitter(w.final_norm.gamma, 1.0);
    jitter(w.final_norm.beta, 0.0);
}

// ---- one layer is today's block -----------------------------------------------------------------

TEST(Stack, OneAttentionOnlyLayerIsTodaysForwardBitForBit) {
    for (Positional pos : {Positional::Sinusoidal, Positional::Learned, Positional::Rope, Positional::Alibi}) {
        Config c;
        c.positional = pos;
        c.causal = true;
        c.n_kv_heads = 2;
        const Built b = build(c, StackArch{});
        const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab);
        const Trace today = run(c);
        ASSERT_EQ(t.layers.size(), 1u);
        const Trace& a = t.layers[0].attn;
        EXPECT_TRUE(all_close(a.X_in, today.X_in, 0.0f));
        for (int h = 0; h < c.n_heads; ++h) {
            EXPECT_TRUE(all_close(a.scores[static_cast<std::size_t>(h)], today.scores[static_cast<std::size_t>(h)], 0.0f));
            EXPECT_TRUE(all_close(a.weights[static_cast<std::size_t>(h)], today.weights[static_cast<std::size_t>(h)], 0.0f));
        }
        EXPECT_TRUE(all_close(a.output, today.output, 0.0f));
        EXPECT_TRUE(all_close(t.layers[0].resid_pre, today.X_in, 0.0f));
        EXPECT_TRUE(all_close(t.layers[0].resid_post, today.X_in + today.output, 0.0f));
    }
}

TEST(Stack, TheEmbeddingTableHoldsTodaysTokenEmbeddings) {
    const Built b = build(Config{}, StackArch{});
    for (std::size_t i = 0; i < b.in.tokens.size(); ++i) {
        const int id = b.vocab.id(b.in.tokens[i]);
        ASSERT_GE(id, 0);
        EXPECT_TRUE(all_close(b.w.embedding.row(id), b.in.X.row(static_cast<Eigen::Index>(i)), 0.0f));
    }
}

// ---- each stage against float64 ------------------------------------------------------------------

TEST(Stack, NormsMatchTheirFormulasInFloat64) {
    const MatRM x = gaussian(5, 24, 7, 3.0).array() + 2.0f;  // an offset mean, so LayerNorm must centre
    NormWeights w{gaussian(1, 24, 8, 0.5).row(0).array() + 1.0f, gaussian(1, 24, 9, 0.5).row(0)};
    EXPECT_LT(max_rel(layer_norm(x, w, 1e-5f), layer_norm_ref(to_d(x), w.gamma, w.beta, 1e-5)), 1e-6);
    EXPECT_LT(max_rel(rms_norm(x, w, 1e-6f), rms_norm_ref(to_d(x), w.gamma, 1e-6)), 1e-6);
    // Each LayerNorm row has mean β̄-free 0 and variance 1 when γ = 1, β = 0.
    const MatRM y = layer_norm(x, NormWeights{RowVec::Ones(24), RowVec::Zero(24)}, 0.0f);
    for (Eigen::Index i = 0; i < y.rows(); ++i) {
        EXPECT_NEAR(y.row(i).mean(), 0.0, 1e-5);
        EXPECT_NEAR((y.row(i).array() - y.row(i).mean()).square().mean(), 1.0, 1e-4);
    }
}

TEST(Stack, ActivationsMatchTheirFormulas) {
    // Hand values: GELU(1) = Φ(1) = 0.841344746; gelu_new(1) = 0.5(1 + tanh(√(2/π)·1.044715)) = 0.841191990.
    EXPECT_NEAR(gelu(1.0f), 0.841344746, 1e-6);
    EXPECT_NEAR(gelu_tanh(1.0f), 0.841191990, 1e-6);
    EXPECT_NEAR(silu(1.0f), 0.731058579, 1e-6);
    for (float x : {-6.0f, -2.5f, -1.0f, -0.1f, 0.0f, 0.3f, 1.7f, 4.0f, 9.0f}) {
        EXPECT_NEAR(gelu(x), gelu_ref(x), 1e-6) << x;
        EXPECT_NEAR(gelu_tanh(x), gelu_tanh_ref(x), 1e-6) << x;
        EXPECT_NEAR(silu(x), silu_ref(x), 1e-6) << x;
    }
}

TEST(Stack, EveryArchitectureMatchesAFloat64ReferenceBlockByBlock) {
    for (MlpKind mlp : {MlpKind::Gelu, MlpKind::GeluTanh, MlpKind::SwiGlu, MlpKind::None})
        for (NormKind norm : {NormKind::Layer, NormKind::Rms, NormKind::None})
            for (NormPlacement place : {NormPlacement::Pre, NormPlacement::Post}) {
                SCOPED_TRACE(std::string(to_string(mlp)) + " " + std::string(to_string(norm)) + " " + std::string(to_string(place)));
                Config c;
                c.causal = true;
                StackArch a;
                a.layers = 3;
                a.mlp = mlp;
                a.norm = norm;
                a.placement = place;
                Built b = build(c, a);
                perturb_norms(b.w, 99);
                const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab);
                const bool pre = place == NormPlacement::Pre;
                const auto norm_ref = [&](const MatD& x, const NormWeights& w) -> MatD {
                    if (norm == NormKind::Layer) return layer_norm_ref(x, w.gamma, w.beta, b.arch.norm_eps);
                    if (norm == NormKind::Rms) return rms_norm_ref(x, w.gamma, b.arch.norm_eps);
                    return x;
                };
                for (std::size_t l = 0; l < t.layers.size(); ++l) {
                    const LayerTrace& L = t.layers[l];
                    const LayerWeights& lw = b.w.layers[l];
                    const MatD x = to_d(L.resid_pre);
                    if (l > 0) EXPECT_TRUE(all_close(L.resid_pre, t.layers[l - 1].resid_post, 0.0f));
                    // The attention read norm₁(x) (pre-LN) or x; what it wrote is its output.
                    EXPECT_LT(max_rel(L.attn.X_in, pre ? norm_ref(x, lw.norm1) : x), 1e-5);
                    const MatD a_out = to_d(L.attn.output);
                    const MatD mid = pre ? MatD(x + a_out) : norm_ref(x + a_out, lw.norm1);
                    EXPECT_LT(max_rel(L.resid_mid, mid), 1e-5);
                    if (mlp == MlpKind::None) {
                        EXPECT_TRUE(all_close(L.resid_post, L.resid_mid, 0.0f));
                        continue;
                    }
                    const MatD m_in = pre ? norm_ref(to_d(L.resid_mid), lw.norm2) : to_d(L.resid_mid);
                    EXPECT_LT(max_rel(L.mlp_in, m_in), 1e-5);
                    const MatD m_out = mlp_ref(mlp, to_d(L.mlp_in), lw.mlp);
                    EXPECT_LT(max_rel(L.mlp_out, m_out), 1e-4);
                    const MatD post = pre ? MatD(to_d(L.resid_mid) + to_d(L.mlp_out))
                                          : norm_ref(to_d(L.resid_mid) + to_d(L.mlp_out), lw.norm2);
                    EXPECT_LT(max_rel(L.resid_post, post), 1e-5);
                }
                // Unembedding (tied) and softmax.
                const MatD last = to_d(t.layers.back().resid_post);
                const MatD fin = pre ? norm_ref(last, b.w.final_norm) : last;
                const MatD logits = fin * to_d(b.w.embedding).transpose();
                EXPECT_LT(max_rel(t.logits, logits), 1e-4);
                // Softmax of the logits the stack computed, so only the softmax's own error counts.
                const MatD z = to_d(t.logits);
                for (Eigen::Index i = 0; i < z.rows(); ++i) {
                    const double mx = z.row(i).maxCoeff();
                    const double sum = (z.row(i).array() - mx).exp().sum();
                    for (Eigen::Index v = 0; v < z.cols(); ++v) ASSERT_NEAR(t.probs(i, v), std::exp(z(i, v) - mx) / sum, 1e-7);
                }
            }
}

TEST(Stack, UntiedUnembeddingUsesItsOwnMatrix) {
    StackArch a;
    a.tied_unembedding = false;
    const Built b = build(Config{}, a);
    ASSERT_EQ(b.w.unembedding.rows(), b.vocab.size());
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab);
    EXPECT_TRUE(all_close(t.logits, t.final_resid * b.w.unembedding.transpose(), 1e-4f));
}

// ---- next tokens, vocabulary, lens ---------------------------------------------------------------

TEST(Stack, NextTokensAreTheTopKMostProbableFirst) {
    const Built b = build(Config{}, StackArch{});
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab);
    ASSERT_EQ(t.next.size(), b.in.tokens.size());
    for (std::size_t i = 0; i < t.next.size(); ++i) {
        ASSERT_EQ(t.next[i].size(), static_cast<std::size_t>(StackLimits::top_k));
        EXPECT_FLOAT_EQ(t.next[i][0].prob, t.probs.row(static_cast<Eigen::Index>(i)).maxCoeff());
        for (std::size_t r = 1; r < t.next[i].size(); ++r) EXPECT_GE(t.next[i][r - 1].prob, t.next[i][r].prob);
        EXPECT_EQ(t.next[i][0].token, b.vocab.tokens[static_cast<std::size_t>(t.next[i][0].id)]);
        EXPECT_NEAR(t.probs.row(static_cast<Eigen::Index>(i)).cast<double>().sum(), 1.0, 1e-5);
    }
}

TEST(Stack, ToyVocabularyIsTheTextsTokensThenAThousandCommonWords) {
    EXPECT_GE(common_words().size(), 1000u);
    std::set<std::string_view> seen(common_words().begin(), common_words().end());
    EXPECT_EQ(seen.size(), common_words().size());  // no repeats
    const Vocabulary v = toy_vocabulary({"zyx", "the", "zyx", "qqq"});
    EXPECT_EQ(v.tokens[0], "zyx");
    EXPECT_EQ(v.tokens[1], "the");
    EXPECT_EQ(v.tokens[2], "qqq");
    EXPECT_EQ(v.id("qqq"), 2);
    EXPECT_EQ(v.size(), static_cast<int>(common_words().size()) + 2);  // "the" is a common word already
    EXPECT_EQ(v.id("not-a-word"), -1);
}

TEST(Stack, LogitLensAtTheLastLayerIsTheModelsPrediction) {
    StackArch a;
    a.layers = 3;
    a.mlp = MlpKind::Gelu;
    a.norm = NormKind::Layer;
    const Built b = build(Config{}, a);
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab);
    const auto lens = logit_lens(t, b.w, b.vocab);
    ASSERT_EQ(lens.size(), 3u);
    for (std::size_t i = 0; i < t.next.size(); ++i) {
        const LensCell& last = lens.back()[i];
        EXPECT_EQ(last.top.id, t.next[i][0].id);
        EXPECT_EQ(last.top.token, t.next[i][0].token);
        EXPECT_EQ(last.final_rank, 0);
        EXPECT_FLOAT_EQ(last.final_prob, t.next[i][0].prob);
        for (const auto& layer : lens) EXPECT_GE(layer[i].final_rank, 0);
    }
}

// The forward and the lens count one step per layer; a cancel set from outside stops either at
// its next layer with RunCancelled.
TEST(Stack, ProgressCountsLayersAndCancelAbandonsTheRun) {
    StackArch a;
    a.layers = 3;
    const Built b = build(Config{}, a);
    RunProgress p;
    StackRunOptions opt;
    opt.progress = &p;
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab, opt);
    EXPECT_EQ(p.done, 3);
    EXPECT_EQ(p.total, 3);
    logit_lens(t, b.w, b.vocab, &p);
    EXPECT_EQ(p.done, 3);
    p.cancel = true;
    EXPECT_THROW(run_stack(b.in, b.arch, b.w, b.vocab, opt), RunCancelled);
    EXPECT_THROW(logit_lens(t, b.w, b.vocab, &p), RunCancelled);
}

TEST(Stack, LaterLayersHaveTheirOwnWeightsAndNoSecondPositionalEncoding) {
    StackArch a;
    a.layers = 2;
    const Built b = build(Config{}, a);
    EXPECT_FALSE(all_close(b.w.layers[0].attn.W_Q, b.w.layers[1].attn.W_Q, 1e-3f));
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab);
    EXPECT_TRUE(t.layers[1].attn.PE.isZero(0.0f));
    EXPECT_TRUE(all_close(t.layers[1].attn.X_in, t.layers[0].resid_post, 0.0f));
}

// ---- detectors -----------------------------------------------------------------------------------

StackTrace designed(Preset p, const std::string& text) {
    Config c;
    c.text = text;
    c.causal = true;
    ModelSpec spec;
    spec.config = c;
    spec.preset = p;
    return run_model(spec).stack;
}

TEST(Stack, DetectorsScoreDesignedHeadsForWhatTheyWereDesignedFor) {
    const std::string text = "the cat sat on the mat and the dog sat on the rug";
    const HeadScores prev = designed(Preset::Previous, text).scores;
    const HeadScores self = designed(Preset::Self, text).scores;
    const HeadScores first = designed(Preset::First, text).scores;
    const HeadScores same = designed(Preset::SameWord, text).scores;
    for (std::size_t h = 0; h < prev.previous_token[0].size(); ++h) {
        EXPECT_GT(prev.previous_token[0][h], 0.8f) << h;
        EXPECT_LT(prev.first_token[0][h], 0.2f) << h;
        EXPECT_GT(self.same_position[0][h], 0.8f) << h;
        EXPECT_LT(self.previous_token[0][h], 0.2f) << h;
        EXPECT_GT(first.first_token[0][h], 0.8f) << h;
        EXPECT_GT(same.duplicate_token[0][h], 0.6f) << h;
    }
}

TEST(Stack, DetectorFormulasByHand) {
    // One layer, one head, tokens a b a b; A chosen by hand (rows sum to 1 over j ≤ i).
    Trace a;
    a.n = a.m = 4;
    a.config.n_heads = 1;
    a.tokens = {"a", "b", "a", "b"};
    a.weights = {mat({{1, 0, 0, 0}, {0.5f, 0.5f, 0, 0}, {0.2f, 0.6f, 0.2f, 0}, {0.1f, 0.2f, 0.3f, 0.4f}})};
    HeadScores s;
    add_head_scores(a, s);
    EXPECT_NEAR(s.previous_token[0][0], (0.5 + 0.6 + 0.3) / 3, 1e-6);   // A[1,0], A[2,1], A[3,2]
    EXPECT_NEAR(s.same_position[0][0], (1 + 0.5 + 0.2 + 0.4) / 4, 1e-6);
    EXPECT_NEAR(s.first_token[0][0], (0.5 + 0.2 + 0.1) / 3, 1e-6);      // A[i,0] for i ≥ 1
    EXPECT_NEAR(s.duplicate_token[0][0], (0.2 + 0.2) / 2, 1e-6);        // i=2 → j=0; i=3 → j=1
    EXPECT_NEAR(s.induction[0][0], (0.6 + 0.3) / 2, 1e-6);              // i=2 → j+1=1; i=3 → j+1=2
}

TEST(Stack, CrossAttentionRunsOnOneLayerWithZeroDetectorScores) {
    // n = 3 queries over m = 6 source keys: no detector reads A[i, i] or compares the two texts.
    Config c;
    c.text = "a b c";
    c.source = "le chat est assis sur le";
    ModelSpec spec;
    spec.config = c;
    const StackTrace t = run_model(spec).stack;
    ASSERT_EQ(t.layers[0].attn.m, 6);
    for (const auto* row : {&t.scores.previous_token, &t.scores.same_position, &t.scores.induction})
        EXPECT_EQ((*row)[0], std::vector<float>(4, 0.0f));
    EXPECT_EQ(t.next.size(), 3u);
}

TEST(Stack, BadArchitecturesAreRefusedNamingTheField) {
    StackArch a;
    a.layers = 0;
    EXPECT_TRUE(throws_config_error([&] { resolve_arch(a, 64); }, "layers", {"layers=0 must be between 1 and 48"}));
    a.layers = 49;
    EXPECT_TRUE(throws_config_error([&] { resolve_arch(a, 64); }, "layers"));
    EXPECT_TRUE(throws_config_error([] { parse_mlp("relu"); }, "mlp", {"mlp=relu must be one of gelu|gelu-tanh|swiglu|none"}));
    EXPECT_TRUE(throws_config_error([] { parse_norm("batch"); }, "norm", {"norm=batch must be one of layer|rms|none"}));
    EXPECT_TRUE(throws_config_error([] { parse_placement("mid"); }, "ln", {"ln=mid must be one of pre|post"}));
    Config c;
    c.source = "le chat";
    StackArch two;
    two.layers = 2;
    const Built b = build(Config{}, two);
    const Inputs cross = prepare(c);
    EXPECT_TRUE(throws_config_error([&] { run_stack(cross, b.arch, b.w, b.vocab); }, "source", {"layers = 1"}));
}

}  // namespace
// ---- ablation ------------------------------------------------------------------------------------

TEST(StackAblation, ZeroingAHeadRemovesExactlyItsContributionFromTheResidual) {
    Config c;
    c.causal = true;
    StackArch a;
    a.layers = 3;
    a.mlp = MlpKind::Gelu;
    a.norm = NormKind::Layer;
    const Built b = build(c, a);
    const StackTrace base = run_stack(b.in, b.arch, b.w, b.vocab);
    const int h = b.in.config.n_heads, dv = b.in.config.d_v;
    for (int l = 0; l < a.layers; ++l) {
        for (int head = 0; head < h; ++head) {
            StackRunOptions opt;
            opt.ablate = {Ablation{l, head, AblationMode::Zero}};
            const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab, opt);
            const LayerTrace& L0 = base.layers[static_cast<std::size_t>(l)];
            const LayerTrace& L1 = t.layers[static_cast<std::size_t>(l)];
            // The head's contribution: H_a · W_O[a·d_v : (a+1)·d_v, :]   [n, d]
            const MatD contribution = to_d(L0.attn.head_outputs[static_cast<std::size_t>(head)]) *
                                      to_d(L0.attn.W_O.middleRows(static_cast<Eigen::Index>(head) * dv, dv));
            const MatD expected = to_d(L0.resid_pre) + to_d(L0.attn_out) - contribution;
            EXPECT_LT(max_rel(L1.resid_pre + L1.attn_out, expected), 1e-5) << l << "." << head;
            EXPECT_TRUE(all_close(L1.resid_pre, L0.resid_pre, 0.0f)) << "earlier layers are untouched";
            // Its own pattern is unchanged; the next layer reads a different stream.
            EXPECT_TRUE(all_close(L1.attn.weights[static_cast<std::size_t>(head)], L0.attn.weights[static_cast<std::size_t>(head)], 0.0f));
            if (l + 1 < a.layers) {
                EXPECT_FALSE(all_close(t.layers[static_cast<std::size_t>(l) + 1].attn.weights[0],
                                       base.layers[static_cast<std::size_t>(l) + 1].attn.weights[0], 1e-7f));
            }
        }
    }
}

TEST(StackAblation, MeanAblationWritesTheHeadsAverageAndMlpAblationRemovesTheMlp) {
    StackArch a;
    a.layers = 2;
    a.mlp = MlpKind::SwiGlu;
    a.norm = NormKind::Rms;
    const Built b = build(Config{}, a);
    StackRunOptions opt;
    opt.ablate = {Ablation{0, 1, AblationMode::Mean}, Ablation{1, Ablation::kMlp, AblationMode::Zero}};
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab, opt);
    const StackTrace base = run_stack(b.in, b.arch, b.w, b.vocab);
    const MatRM& H = t.layers[0].attn.head_outputs[1];
    const RowVec mean = base.layers[0].attn.head_outputs[1].colwise().mean();
    for (Eigen::Index i = 0; i < H.rows(); ++i) EXPECT_TRUE(all_close(H.row(i), mean, 1e-6f)) << i;
    EXPECT_EQ(t.layers[1].mlp_out.norm(), 0.0f);
    EXPECT_TRUE(all_close(t.layers[1].resid_post, t.layers[1].resid_mid, 0.0f));
    EXPECT_EQ(t.ablated, opt.ablate);
}

TEST(StackAblation, ParsingNamesTheBadItemAndOutOfRangeIsRefused) {
    const auto v = parse_ablations("0.1, 2.mlp,0.1", AblationMode::Mean);
    ASSERT_EQ(v.size(), 2u);  // repeats count once
    EXPECT_EQ(v[0], (Ablation{0, 1, AblationMode::Mean}));
    EXPECT_EQ(v[1], (Ablation{2, Ablation::kMlp, AblationMode::Mean}));
    EXPECT_EQ(ablations_to_string(v), "0.1,2.mlp");
    EXPECT_TRUE(parse_ablations("", AblationMode::Zero).empty());
    EXPECT_TRUE(throws_config_error([] { parse_ablations("0.1,x", AblationMode::Zero); }, "ablate", {"'x'", "LAYER.HEAD"}));
    EXPECT_TRUE(throws_config_error([] { parse_ablations("0.-1", AblationMode::Zero); }, "ablate"));
    EXPECT_TRUE(throws_config_error([] { parse_ablations("99999.1", AblationMode::Zero); }, "ablate"));
    EXPECT_TRUE(throws_config_error([] { parse_ablation_mode("half"); }, "ablate-mode", {"zero|mean"}));
    const Built b = build(Config{}, StackArch{});
    StackRunOptions opt;
    opt.ablate = {Ablation{1, 0, AblationMode::Zero}};
    EXPECT_TRUE(throws_config_error([&] { run_stack(b.in, b.arch, b.w, b.vocab, opt); }, "ablate", {"1.0", "[0, 1)"}));
    opt.ablate = {Ablation{0, 4, AblationMode::Zero}};
    EXPECT_TRUE(throws_config_error([&] { run_stack(b.in, b.arch, b.w, b.vocab, opt); }, "ablate", {"head must be in [0, 4)"}));
}

// ---- memory budget -------------------------------------------------------------------------------

TEST(StackBudget, LayersPastTheBudgetDropTheirNxNAndRecomputeExactly) {
    Config c;
    c.causal = true;
    StackArch a;
    a.layers = 4;
    a.mlp = MlpKind::GeluTanh;
    a.norm = NormKind::Layer;
    const Built b = build(c, a);
    const StackTrace full = run_stack(b.in, b.arch, b.w, b.vocab);
    const std::size_t per_layer = full.attn_bytes / 4;
    EXPECT_EQ(full.attn_bytes_kept, full.attn_bytes);
    EXPECT_EQ(per_layer, 2u * 4u * 6u * 6u * sizeof(float));  // scores and weights, 4 heads, n = 6
    StackRunOptions opt;
    opt.attention_budget = per_layer;  // room for one layer: layer 0
    opt.keep_layer = 2;                 // and the selected one always
    opt.ablate = {Ablation{1, 0, AblationMode::Zero}};
    const StackTrace t = run_stack(b.in, b.arch, b.w, b.vocab, opt);
    EXPECT_EQ(t.attn_bytes, full.attn_bytes);
    EXPECT_EQ(t.attn_bytes_kept, 2 * per_layer);
    const std::vector<bool> kept = {true, false, true, false};
    StackRunOptions plain = opt;
    plain.attention_budget = full.attn_bytes;
    const StackTrace all = run_stack(b.in, b.arch, b.w, b.vocab, plain);
    for (int l = 0; l < 4; ++l) {
        const LayerTrace& L = t.layers[static_cast<std::size_t>(l)];
        EXPECT_EQ(L.attn_full, kept[static_cast<std::size_t>(l)]) << l;
        EXPECT_EQ(L.attn.weights.empty(), !kept[static_cast<std::size_t>(l)]) << l;
        ASSERT_EQ(L.thumbs.size(), 4u);
        const Trace again = layer_attention(b.in, b.w, t, l);
        const Trace& ref = all.layers[static_cast<std::size_t>(l)].attn;
        for (std::size_t h = 0; h < 4; ++h) {
            EXPECT_TRUE(all_close(again.weights[h], ref.weights[h], 0.0f)) << l << "." << h;
            EXPECT_TRUE(all_close(again.scores[h], ref.scores[h], 0.0f)) << l << "." << h;
        }
        EXPECT_TRUE(all_close(again.output, ref.output, 0.0f)) << l << " (with layer 1's ablation applied)";
    }
    EXPECT_EQ(t.scores.previous_token, all.scores.previous_token) << "detectors are measured before dropping";
    EXPECT_TRUE(all_close(t.logits, all.logits, 0.0f));
}

}  // namespace attnviz::test
