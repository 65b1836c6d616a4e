#include "core/train_ops.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace attnviz::train {

namespace {

template <class T> using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;

std::size_t at(std::int64_t r, std::int64_t cols) { return static_cast<std::size_t>(r * cols); }

constexpr double kPi = 3.14159265358979323846;

}  // namespace

// ---- embedding -----------------------------------------------------------------------------------

template <class T> void encoder_forward(T* out, const int* ids, const T* wte, const T* wpe, int B, int S, int C) {
    for (int b = 0; b < B; ++b) {
        for (int s = 0; s < S; ++s) {
            T* o = out + at(b * S + s, C);
            const T* e = wte + at(ids[b * S + s], C);
            for (int c = 0; c < C; ++c) o[c] = e[c] + (wpe ? wpe[at(s, C) + static_cast<std::size_t>(c)] : T(0));
        }
    }
}

template <class T> void encoder_backward(T* dwte, T* dwpe, const T* dout, const int* ids, int B, int S, int C) {
    for (int b = 0; b < B; ++b) {
        for (int s = 0; s < S; ++s) {
            const T* d = dout + at(b * S + s, C);
            T* de = dwte + at(ids[b * S + s], C);
            for (int c = 0; c < C; ++c) de[c] += d[c];
            if (!dwpe) continue;
            T* dp = dwpe + at(s, C);
            for (int c = 0; c < C; ++c) dp[c] += d[c];
        }
    }
}

// ---- norms ---------------------------------------------------------------------------------------

template <class T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* inp, const T* gamma, const T* beta, int N, int C, T eps) {
    for (int r = 0; r < N; ++r) {
        const T* x = inp + at(r, C);
        double m = 0.0, v = 0.0;
        for (int c = 0; c < C; ++c) m += x[c];
        m /= C;
        for (int c = 0; c < C; ++c) v += (x[c] - m) * (x[c] - m);
        v /= C;
        const double inv = 1.0 / std::sqrt(v + static_cast<double>(eps));
        T* o = out + at(r, C);
        for (int c = 0; c < C; ++c) o[c] = static_cast<T>((x[c] - m) * inv * gamma[c] + beta[c]);
        mean[r] = static_cast<T>(m);
        rstd[r] = static_cast<T>(inv);
    }
}

template <class T>
void layernorm_backward(T* dinp, T* dgamma, T* dbeta, const T* dout, const T* inp, const T* gamma, const T* mean,
                        const T* rstd, int N, int C) {
    for (int r = 0; r < N; ++r) {
        const T* x = inp + at(r, C);
        const T* d = dout + at(r, C);
        T* dx = dinp + at(r, C);
        // x̂ = (x − μ)·rstd; dx = rstd·(γ⊙d − mean(γ⊙d) − x̂·mean(γ⊙d⊙x̂)).
        double mean_gd = 0.0, mean_gdx = 0.0;
        for (int c = 0; c < C; ++c) {
            const double xh = (x[c] - mean[r]) * static_cast<double>(rstd[r]);
            const double gd = static_cast<double>(gamma[c]) * d[c];
            mean_gd += gd;
            mean_gdx += gd * xh;
        }
        mean_gd /= C;
        mean_gdx /= C;
        for (int c = 0; c < C; ++c) {
            const double xh = (x[c] - mean[r]) * static_cast<double>(rstd[r]);
            const double gd = static_cast<double>(gamma[c]) * d[c];
            dx[c] += static_cast<T>(rstd[r] * (gd - mean_gd - xh * mean_gdx));
            dgamma[c] += static_cast<T>(xh * d[c]);
            dbeta[c] += d[c];
        }
    }
}

template <class T> void rmsnorm_forward(T* out, T* rstd, const T* inp, const T* gamma, int N, int C, T eps) {
    for (int r = 0; r < N; ++r) {
        const T* x = inp + at(r, C);
        double ms = 0.0;
        for (int c = 0; c < C; ++c) ms += static_cast<double>(x[c]) * x[c];
        const double inv = 1.0 / std::sqrt(ms / C + static_cast<double>(eps));
        T* o = out + at(r, C);
        for (int c = 0; c < C; ++c) o[c] = static_cast<T>(x[c] * inv * gamma[c]);
        rstd[r] = static_cast<T>(inv);
    }
}

template <class T>
void rmsnorm_backward(T* dinp, T* dgamma, const T* dout, const T* inp, const T* gamma, const T* rstd, int N, int C) {
    for (int r = 0; r < N; ++r) {
        const T* x = inp + at(r, C);
        const T* d = dout + at(r, C);
        T* dx = dinp + at(r, C);
        // y = x·ρ·γ, ρ = (mean x² + ε)^(−1/2), ∂ρ/∂x_c = −ρ³·x_c/C.
        const double rho = rstd[r];
        double dot = 0.0;  // Σ γ⊙d⊙x
        for (int c = 0; c < C; ++c) dot += static_cast<double>(gamma[c]) * d[c] * x[c];
        for (int c = 0; c < C; ++c) {
            dx[c] += static_cast<T>(rho * gamma[c] * d[c] - x[c] * rho * rho * rho * dot / C);
            dgamma[c] += static_cast<T>(x[c] * rho * d[c]);
        }
    }
}

// ---- projections ---------------------------------------------------------------------------------

template <class T> void matmul_forward(T* out, const T* inp, const T* W, const T* b, int N, int Ci, int Co) {
    Eigen::Map<Mat<T>> o(out, N, Co);
    o.noalias() = Eigen::Map<const Mat<T>>(inp, N, Ci) * Eigen::Map<const Mat<T>>(W, Ci, Co);
    if (b) o.rowwise() += Eigen::Map<const Row<T>>(b, Co);
}

template <class T>
void matmul_backward(T* dinp, T* dW, T* db, const T* dout, const T* inp, const T* W, int N, int Ci, int Co) {
    const Eigen::Map<const Mat<T>> d(dout, N, Co);
    Eigen::Map<Mat<T>>(dinp, N, Ci).noalias() += d * Eigen::Map<const Mat<T>>(W, Ci, Co).transpose();
    if (dW) Eigen::Map<Mat<T>>(dW, Ci, Co).noalias() += Eigen::Map<const Mat<T>>(inp, N, Ci).transpose() * d;
    if (db) Eigen::Map<Row<T>>(db, Co) += d.colwise().sum();
}

// ---- RoPE ----------------------------------------------------------------------------------------

template <class T> void rope_forward(T* qkv, int B, int S, int h, int dh, double base, int sign) {
    const int A = h * dh, half = dh / 2;
    for (int s = 0; s < S; ++s) {
        for (int i = 0; i < half; ++i) {
            // The same angles, in double, as apply_rope (core/positional.cpp).
            const double angle = static_cast<double>(s) * std::pow(base, -2.0 * i / static_cast<double>(dh));
            const double c = std::cos(angle), sn = sign * std::sin(angle);
            for (int b = 0; b < B; ++b) {
                T* row = qkv + at(b * S + s, 3 * A);
                for (int part = 0; part < 2; ++part) {  // Q, then K
                    for (int a = 0; a < h; ++a) {
                        T* v = row + part * A + a * dh;
                        const double xa = v[i], xb = v[i + half];
                        v[i] = static_cast<T>(xa * c - xb * sn);
                        v[i + half] = static_cast<T>(xa * sn + xb * c);
                    }
                }
            }
        }
    }
}

// ---- attention -----------------------------------------------------------------------------------

namespace {

int first_key(int s, int window) { return window > 0 ? std::max(0, s - window + 1) : 0; }

}  // namespace

template <class T> void attention_forward(T* out, T* att, const T* qkv, int B, int S, int h, int dh, int window) {
    const int A = h * dh;
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    for (int b = 0; b < B; ++b) {
        for (int a = 0; a < h; ++a) {
            for (int s = 0; s < S; ++s) {
                const T* q = qkv + at(b * S + s, 3 * A) + a * dh;
                T* w = att + ((static_cast<std::size_t>(b) * h + a) * S + s) * S;  // [S] this query's row
                const int lo = first_key(s, window);
                double mx = -INFINITY;
                for (int j = 0; j < S; ++j) {
                    if (j < lo || j > s) {
                        w[j] = 0;
                        continue;
                    }
                    const T* k = qkv + at(b * S + j, 3 * A) + A + a * dh;
                    T dot = 0;
                    for (int c = 0; c < dh; ++c) dot += q[c] * k[c];
                    w[j] = static_cast<T>(dot * scale);
                    mx = std::max(mx, static_cast<double>(w[j]));
                }
                double sum = 0.0;
                for (int j = lo; j <= s; ++j) {
                    w[j] = static_cast<T>(std::exp(w[j] - mx));
                    sum += w[j];
                }
                for (int j = lo; j <= s; ++j) w[j] = static_cast<T>(w[j] / sum);
                T* o = out + at(b * S + s, A) + a * dh;
                for (int c = 0; c < dh; ++c) o[c] = 0;
                for (int j = lo; j <= s; ++j) {
                    const T* v = qkv + at(b * S + j, 3 * A) + 2 * A + a * dh;
                    for (int c = 0; c < dh; ++c) o[c] += w[j] * v[c];
                }
            }
        }
    }
}

template <class T>
void attention_backward(T* dqkv, T* scratch, const T* dout, const T* qkv, const T* att, int B, int S, int h, int dh,
                        int window) {
    const int A = h * dh;
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(dh)));
    for (int b = 0; b < B; ++b) {
        for (int a = 0; a < h; ++a) {
            for (int s = 0; s < S; ++s) {
                const T* w = att + ((static_cast<std::size_t>(b) * h + a) * S + s) * S;
                const T* d = dout + at(b * S + s, A) + a * dh;
                const T* q = qkv + at(b * S + s, 3 * A) + a * dh;
                T* dq = dqkv + at(b * S + s, 3 * A) + a * dh;
                const int lo = first_key(s, window);
                // out = Σ_j w_j v_j: dw_j = d·v_j, dv_j += w_j d.
                T dot_wdw = 0;
                for (int j = lo; j <= s; ++j) {
                    const T* v = qkv + at(b * S + j, 3 * A) + 2 * A + a * dh;
                    T* dv = dqkv + at(b * S + j, 3 * A) + 2 * A + a * dh;
                    T dw = 0;
                    for (int c = 0; c < dh; ++c) {
                        dw += d[c] * v[c];
                        dv[c] += w[j] * d[c];
                    }
                    scratch[j] = dw;
                    dot_wdw += w[j] * dw;
                }
                // Softmax: dz_j = w_j (dw_j − Σ_k w_k dw_k); z_j = scale·q·k_j.
                for (int j = lo; j <= s; ++j) {
                    const T dz = w[j] * (scratch[j] - dot_wdw) * scale;
                    const T* k = qkv + at(b * S + j, 3 * A) + A + a * dh;
                    T* dk = dqkv + at(b * S + j, 3 * A) + A + a * dh;
                    for (int c = 0; c < dh; ++c) {
                        dq[c] += dz * k[c];
                        dk[c] += dz * q[c];
                    }
                }
            }
        }
    }
}

// ---- MLP -----------------------------------------------------------------------------------------

template <class T> void gelu_forward(T* out, const T* inp, std::int64_t n, bool tanh_form) {
    const double k = std::sqrt(2.0 / kPi);
    for (std::int64_t i = 0; i < n; ++i) {
        const double x = inp[i];
        out[i] = tanh_form ? static_cast<T>(0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x))))
                           : static_cast<T>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
    }
}

template <class T> void gelu_backward(T* dinp, const T* inp, const T* dout, std::int64_t n, bool tanh_form) {
    const double k = std::sqrt(2.0 / kPi);
    for (std::int64_t i = 0; i < n; ++i) {
        const double x = inp[i];
        double g;
        if (tanh_form) {
            const double t = std::tanh(k * (x + 0.044715 * x * x * x));
            g = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x);
        } else {
            g = 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2.0 * kPi);
        }
        dinp[i] += static_cast<T>(g * dout[i]);
    }
}

// ---- loss ----------------------------------------------------------------------------------------

template <class T> void crossentropy_forward(T* losses, T* probs, const T* logits, const int* targets, int N, int V) {
    for (int r = 0; r < N; ++r) {
        const T* z = logits + at(r, V);
        T* p = probs + at(r, V);
        const T mx = *std::max_element(z, z + V);
        double sum = 0.0;
        for (int v = 0; v < V; ++v) {
            p[v] = static_cast<T>(std::exp(z[v] - mx));
            sum += p[v];
        }
        for (int v = 0; v < V; ++v) p[v] = static_cast<T>(p[v] / sum);
        // −log p from the logits themselves: exact where p(target) underflows.
        losses[r] = targets[r] >= 0 ? static_cast<T>(std::log(sum) - (z[targets[r]] - mx)) : T(0);
    }
}

template <class T>
void crossentropy_backward(T* dlogits, const T* dloss, const T* probs, const int* targets, int N, int V) {
    for (int r = 0; r < N; ++r) {
        if (targets[r] < 0) continue;
        const T* p = probs + at(r, V);
        T* d = dlogits + at(r, V);
        for (int v = 0; v < V; ++v) d[v] += (p[v] - (v == targets[r] ? T(1) : T(0))) * dloss[r];
    }
}

#define ATTNVIZ_TRAIN_OPS(T)                                                                                        \
    template void encoder_forward<T>(T*, const int*, const T*, const T*, int, int, int);                           \
    template void encoder_backward<T>(T*, T*, const T*, const int*, int, int, int);                                \
    template void layernorm_forward<T>(T*, T*, T*, const T*, const T*, const T*, int, int, T);                     \
    template void layernorm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, int, int);   \
    template void rmsnorm_forward<T>(T*, T*, const T*, const T*, int, int, T);                                     \
    template void rmsnorm_backward<T>(T*, T*, const T*, const T*, const T*, const T*, int, int);                   \
    template void matmul_forward<T>(T*, const T*, const T*, const T*, int, int, int);                              \
    template void matmul_backward<T>(T*, T*, T*, const T*, const T*, const T*, int, int, int);                     \
    template void rope_forward<T>(T*, int, int, int, int, double, int);                                            \
    template void attention_forward<T>(T*, T*, const T*, int, int, int, int, int);                                 \
    template void attention_backward<T>(T*, T*, const T*, const T*, const T*, int, int, int, int, int);            \
    template void gelu_forward<T>(T*, const T*, std::int64_t, bool);                                               \
    template void gelu_backward<T>(T*, const T*, const T*, std::int64_t, bool);                                    \
    template void crossentropy_forward<T>(T*, T*, const T*, const int*, int, int);                                 \
    template void crossentropy_backward<T>(T*, const T*, const T*, const int*, int, int);

ATTNVIZ_TRAIN_OPS(float)
ATTNVIZ_TRAIN_OPS(double)
#undef ATTNVIZ_TRAIN_OPS

}  // namespace attnviz::train
