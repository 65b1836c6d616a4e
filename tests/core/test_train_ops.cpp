// Every backward of the training lab (core/train_ops.hpp) against central finite differences in
// double precision, op by op on random shapes and then through the whole model (loss_and_grad) in
// every variant it trains: norms, MLPs, positions, windows, tied unembedding, with and without
// biases. Relative error ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖) ≤ 1e-6.
#include "core/train.hpp"
#include "core/train_ops.hpp"

#include "core/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

namespace attnviz::train {
namespace {

using Vec = std::vector<double>;

Vec randn(std::size_t n, std::uint64_t seed, double scale = 1.0) {
    Rng rng(seed);
    Vec v(n);
    for (double& x : v) x = scale * rng.normal();
    return v;
}

double dot(const Vec& a, const Vec& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

double relative_error(const Vec& a, const Vec& b) {
    double diff = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    const double scale = std::sqrt(std::max(na, nb));
    return scale == 0 ? std::sqrt(diff) : std::sqrt(diff) / scale;
}

// ∂loss/∂x by central differences, x perturbed in place and restored.
Vec numeric_grad(Vec& x, const std::function<double()>& loss, double eps = 1e-6) {
    Vec g(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double keep = x[i];
        x[i] = keep + eps;
        const double up = loss();
        x[i] = keep - eps;
        const double down = loss();
        x[i] = keep;
        g[i] = (up - down) / (2 * eps);
    }
    return g;
}

constexpr double kTolerance = 1e-6;

TEST(TrainOps, EncoderBackwardMatchesFiniteDifferences) {
    const int B = 2, S = 3, C = 4, V = 5;
    const std::vector<int> ids = {0, 3, 3, 4, 1, 0};
    Vec wte = randn(V * C, 1), wpe = randn(S * C, 2), R = randn(B * S * C, 3), out(B * S * C);
    const auto loss = [&] {
        encoder_forward(out.data(), ids.data(), wte.data(), wpe.data(), B, S, C);
        return dot(out, R);
    };
    Vec dwte(wte.size()), dwpe(wpe.size());
    encoder_backward(dwte.data(), dwpe.data(), R.data(), ids.data(), B, S, C);
    EXPECT_LE(relative_error(dwte, numeric_grad(wte, loss)), kTolerance);
    EXPECT_LE(relative_error(dwpe, numeric_grad(wpe, loss)), kTolerance);
}

TEST(TrainOps, LayerNormBackwardMatchesFiniteDifferences) {
    const int N = 5, C = 7;
    Vec x = randn(N * C, 4, 2.0), g = randn(C, 5), b = randn(C, 6), R = randn(N * C, 7);
    Vec out(N * C), mean(N), rstd(N);
    const auto loss = [&] {
        layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), g.data(), b.data(), N, C, 1e-5);
        return dot(out, R);
    };
    loss();
    Vec dx(x.size()), dg(C), db(C);
    layernorm_backward(dx.data(), dg.data(), db.data(), R.data(), x.data(), g.data(), mean.data(), rstd.data(), N, C);
    EXPECT_LE(relative_error(dx, numeric_grad(x, loss)), kTolerance);
    EXPECT_LE(relative_error(dg, numeric_grad(g, loss)), kTolerance);
    EXPECT_LE(relative_error(db, numeric_grad(b, loss)), kTolerance);
}

TEST(TrainOps, RmsNormBackwardMatchesFiniteDifferences) {
    const int N = 4, C = 6;
    Vec x = randn(N * C, 8, 1.5), g = randn(C, 9), R = randn(N * C, 10), out(N * C), rstd(N);
    const auto loss = [&] {
        rmsnorm_forward(out.data(), rstd.data(), x.data(), g.data(), N, C, 1e-5);
        return dot(out, R);
    };
    loss();
    Vec dx(x.size()), dg(C);
    rmsnorm_backward(dx.data(), dg.data(), R.data(), x.data(), g.data(), rstd.data(), N, C);
    EXPECT_LE(relative_error(dx, numeric_grad(x, loss)), kTolerance);
    EXPECT_LE(relative_error(dg, numeric_grad(g, loss)), kTolerance);
}

TEST(TrainOps, MatmulBackwardMatchesFiniteDifferences) {
    const int N = 5, Ci = 4, Co = 3;
    Vec x = randn(N * Ci, 11), W = randn(Ci * Co, 12), b = randn(Co, 13), R = randn(N * Co, 14), out(N * Co);
    const auto loss = [&] {
        matmul_forward(out.data(), x.data(), W.data(), b.data(), N, Ci, Co);
        return dot(out, R);
    };
    Vec dx(x.size()), dW(W.size()), db(Co);
    matmul_backward(dx.data(), dW.data(), db.data(), R.data(), x.data(), W.data(), N, Ci, Co);
    EXPECT_LE(relative_error(dx, numeric_grad(x, loss)), kTolerance);
    EXPECT_LE(relative_error(dW, numeric_grad(W, loss)), kTolerance);
    EXPECT_LE(relative_error(db, numeric_grad(b, loss)), kTolerance);
}

TEST(TrainOps, RopeBackIsTheInverseAndTheGradient) {
    const int B = 2, S = 5, h = 2, dh = 4, A = h * dh;
    Vec x = randn(B * S * 3 * A, 15), R = randn(x.size(), 16);
    Vec y = x;
    rope_forward(y.data(), B, S, h, dh, 100.0, +1);
    rope_forward(y.data(), B, S, h, dh, 100.0, -1);
    EXPECT_LE(relative_error(x, y), 1e-14) << "rotating back restores the input";
    const auto loss = [&] {
        Vec r = x;
        rope_forward(r.data(), B, S, h, dh, 100.0, +1);
        return dot(r, R);
    };
    Vec dx = R;
    rope_forward(dx.data(), B, S, h, dh, 100.0, -1);
    EXPECT_LE(relative_error(dx, numeric_grad(x, loss)), kTolerance);
    for (int c = 2 * A; c < 3 * A; ++c) EXPECT_EQ(dx[static_cast<std::size_t>(c)], R[static_cast<std::size_t>(c)]) << "V is not rotated";
}

TEST(TrainOps, AttentionBackwardMatchesFiniteDifferencesWithMasks) {
    for (int window : {0, 2, 3}) {
        SCOPED_TRACE("window " + std::to_string(window));
        const int B = 2, S = 5, h = 2, dh = 3, A = h * dh;
        Vec qkv = randn(B * S * 3 * A, 17 + window), R = randn(B * S * A, 18);
        Vec out(B * S * A), att(B * h * S * S);
        const auto loss = [&] {
            attention_forward(out.data(), att.data(), qkv.data(), B, S, h, dh, window);
            return dot(out, R);
        };
        loss();
        for (int s = 0; s < S; ++s) {  // masked weights are exactly 0, rows sum to 1
            double sum = 0;
            for (int j = 0; j < S; ++j) {
                const double w = att[static_cast<std::size_t>(s * S + j)];
                if (j > s || (window > 0 && j <= s - window)) EXPECT_EQ(w, 0.0);
                sum += w;
            }
            EXPECT_NEAR(sum, 1.0, 1e-12);
        }
        Vec dqkv(qkv.size()), scratch(S);
        attention_backward(dqkv.data(), scratch.data(), R.data(), qkv.data(), att.data(), B, S, h, dh, window);
        EXPECT_LE(relative_error(dqkv, numeric_grad(qkv, loss)), kTolerance);
    }
}

TEST(TrainOps, GeluBackwardMatchesFiniteDifferencesBothForms) {
    for (bool tanh_form : {true, false}) {
        Vec x = randn(40, 19, 2.0), R = randn(40, 20), out(40);
        const auto loss = [&] {
            gelu_forward(out.data(), x.data(), 40, tanh_form);
            return dot(out, R);
        };
        Vec dx(40);
        gelu_backward(dx.data(), x.data(), R.data(), 40, tanh_form);
        EXPECT_LE(relative_error(dx, numeric_grad(x, loss)), kTolerance) << (tanh_form ? "tanh" : "erf");
    }
}

TEST(TrainOps, CrossEntropyBackwardMatchesFiniteDifferencesAndSkipsUntargetedRows) {
    const int N = 4, V = 6;
    const std::vector<int> targets = {2, -1, 5, 0};
    Vec z = randn(N * V, 21, 3.0), w = randn(N, 22), losses(N), probs(N * V);
    const auto loss = [&] {
        crossentropy_forward(losses.data(), probs.data(), z.data(), targets.data(), N, V);
        return dot(losses, w);
    };
    loss();
    EXPECT_EQ(losses[1], 0.0);
    EXPECT_NEAR(losses[0], -std::log(probs[2]), 1e-12);
    Vec dz(z.size());
    crossentropy_backward(dz.data(), w.data(), probs.data(), targets.data(), N, V);
    EXPECT_LE(relative_error(dz, numeric_grad(z, loss)), kTolerance);
    for (int v = 0; v < V; ++v) EXPECT_EQ(dz[static_cast<std::size_t>(V + v)], 0.0);
}

// The whole model: every parameter's gradient from loss_and_grad<double> against differences of
// its loss, for each variant the lab trains.
struct Variant {
    const char* name;
    NormKind norm;
    MlpKind mlp;
    Positional positional;
    int window;
    bool tied, bias;
};

TEST(TrainOps, WholeModelGradientMatchesFiniteDifferencesInEveryVariant) {
    const Variant variants[] = {
        {"layer+gelu-tanh+learned", NormKind::Layer, MlpKind::GeluTanh, Positional::Learned, 0, false, true},
        {"rms+gelu+rope+window", NormKind::Rms, MlpKind::Gelu, Positional::Rope, 3, false, false},
        {"none+attention-only+none+tied", NormKind::None, MlpKind::None, Positional::None, 0, true, true},
        {"layer+attention-only+rope+tied", NormKind::Layer, MlpKind::None, Positional::Rope, 0, true, false},
    };
    for (const Variant& v : variants) {
        SCOPED_TRACE(v.name);
        TrainSpec s;
        s.task = TaskKind::Copy;
        s.layers = 2;
        s.heads = 2;
        s.d_model = 8;
        s.d_ff = 12;
        s.norm = v.norm;
        s.mlp = v.mlp;
        s.positional = v.positional;
        s.window = v.window;
        s.tied = v.tied;
        s.bias = v.bias;
        s.symbols = 6;
        s.context = 7;
        s.seed = 3;
        s = resolve_train_spec(s);
        const TaskData task(s);
        const Batch batch = task.sample(2, 99);
        const ParamLayout layout = param_layout(s, task.vocab().size());
        const std::vector<float> init = init_params(s, layout);
        // Larger than the initialisation, with every norm and bias away from 1 and 0, so each path matters.
        std::vector<double> p = randn(layout.total, 5, 0.3);
        for (std::size_t i = 0; i < p.size(); ++i) p[i] += init[i];
        std::vector<double> g;
        loss_and_grad<double>(s, layout, p, batch, &g);
        const auto loss = [&] { return loss_and_grad<double>(s, layout, p, batch, nullptr); };
        const Vec numeric = numeric_grad(p, loss);
        EXPECT_LE(relative_error(g, numeric), kTolerance);
        for (const ParamTensor& t : layout.tensors) {  // each tensor on its own: a small one is not hidden by a large
            const Vec a(g.begin() + static_cast<std::ptrdiff_t>(t.offset), g.begin() + static_cast<std::ptrdiff_t>(t.offset + t.size()));
            const Vec n(numeric.begin() + static_cast<std::ptrdiff_t>(t.offset),
                        numeric.begin() + static_cast<std::ptrdiff_t>(t.offset + t.size()));
            EXPECT_LE(relative_error(a, n), 1e-5) << t.name;
        }
    }
}

}  // namespace
}  // namespace attnviz::train
