// Forward pass vs the same matrix products alone (the limit of this machine through Eigen).
//
//   attnviz_bench --benchmark_counters_tabular=true
//
// Both sides run single-threaded on the same shapes: d_model 512, 8 heads (d_k = d_v = 64),
// causal off, sinusoidal PE. The ratio forward / gemm_only is what README reports. Both sides
// measure steady state: buffers are touched once before timing (the app recomputes into a
// reused trace), so first-touch page faults, slow on some VMs, count on neither side.
#include "core/attention.hpp"
#include "core/softmax.hpp"
#include "core/tiled.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

namespace {

using attnviz::Config;
using attnviz::MatRM;

// A sentence of n distinct-enough tokens; the tokenizer caps at 4096.
std::string make_text(int n) {
    static const char* words[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "ran", "to", "park", "and", "slept"};
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(words[i % 12]) + (i + 1 < n ? " " : "");
    return s;
}

Config bench_config(int n) {
    Config c;
    c.text = make_text(n);
    c.d_model = 512;
    c.n_heads = 8;
    return c;
}

// Resident set high-water mark of this process, in MiB (Linux /proc).
double peak_rss_mib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            double kb = 0;
            status >> kb;
            return kb / 1024.0;
        }
        status.ignore(1 << 12, '\n');
    }
    return 0.0;
}

void BM_Forward(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const attnviz::Inputs in = attnviz::prepare(bench_config(n));
    const attnviz::Weights w = attnviz::make_weights(in.config);
    attnviz::Trace t;  // reused, as the app's live recompute reuses its trace
    attnviz::forward_into(in, w, t);  // warm-up: first-touch page faults are not the algorithm
    for (auto _ : state) {
        attnviz::forward_into(in, w, t);
        benchmark::DoNotOptimize(t.output.data());
    }
    state.counters["peak_rss_MiB"] = peak_rss_mib();
}

// The products the forward pass cannot avoid: X_in·W_{Q,K,V}, per head Q·Kᵀ and A·V, concat·W_O.
void BM_GemmOnly(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const attnviz::Inputs in = attnviz::prepare(bench_config(n));
    const attnviz::Weights w = attnviz::make_weights(in.config);
    const int h = in.config.n_heads, d_k = in.config.d_k, d_v = in.config.d_v;
    MatRM Qa(n, h * d_k), Ka(n, h * d_k), Va(n, h * d_v), concat(n, h * d_v), out(n, in.config.d_model);
    std::vector<MatRM> S(static_cast<std::size_t>(h), MatRM(n, n));  // kept like the trace keeps scores
    MatRM H(n, d_v);
    for (auto& s : S) s.setZero();  // warm-up, as on the forward side
    for (auto _ : state) {
        Qa.noalias() = in.X * w.W_Q;  // [n, h·d_k]
        Ka.noalias() = in.X * w.W_K;
        Va.noalias() = in.X * w.W_V;
        for (int a = 0; a < h; ++a) {
            auto& s = S[static_cast<std::size_t>(a)];
            s.noalias() = Qa.middleCols(a * d_k, d_k) * Ka.middleCols(a * d_k, d_k).transpose();  // [n, n]
            H.noalias() = s * Va.middleCols(a * d_v, d_v);                                        // [n, d_v]
            concat.middleCols(a * d_v, d_v) = H;
        }
        out.noalias() = concat * w.W_O;  // [n, d]
        benchmark::DoNotOptimize(out.data());
    }
}

// One head's A·V the exact way (n × n scores and weights materialised) and the tiled way
// (FlashAttention's online softmax, 64 × 64 tiles), causal, from the same trace.
attnviz::Trace head_trace(int n) {
    Config c = bench_config(n);
    c.causal = true;
    return attnviz::run(c);
}

void extra_memory_counters(benchmark::State& state, const attnviz::Trace& t) {
    const attnviz::ExtraMemory e = attnviz::attention_extra_memory(t.n, t.m, t.config.d_v, 64, 64);
    state.counters["exact_extra_KiB"] = static_cast<double>(e.exact_bytes) / 1024.0;
    state.counters["tiled_extra_KiB"] = static_cast<double>(e.tiled_bytes) / 1024.0;
}

void BM_HeadExact(benchmark::State& state) {
    const attnviz::Trace t = head_trace(static_cast<int>(state.range(0)));
    MatRM S(t.n, t.m), H(t.n, t.config.d_v);
    for (auto _ : state) {
        S.noalias() = t.Q[0] * t.K[0].transpose();  // scores: [n, m]
        S *= t.multiplier;
        attnviz::softmax_rows(S, &t.mask);          // weights: [n, m]
        H.noalias() = S * t.V[0];                   // H: [n, d_v]
        benchmark::DoNotOptimize(H.data());
    }
    extra_memory_counters(state, t);
}

void BM_HeadTiled(benchmark::State& state) {
    const attnviz::Trace t = head_trace(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        MatRM H = attnviz::tiled_head_output(t, 0, 64, 64);  // never holds more than a 64 × 64 tile
        benchmark::DoNotOptimize(H.data());
    }
    extra_memory_counters(state, t);
}

}  // namespace

BENCHMARK(BM_HeadExact)->Arg(256)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeadTiled)->Arg(256)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GemmOnly)->Arg(64)->Arg(256)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Forward)->Arg(64)->Arg(256)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
