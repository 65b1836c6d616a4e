// The whole stack at GPT-2 small's shape: 12 layers, d_model 768, 12 heads, GELU (tanh) MLP of
// 3072, pre-LN LayerNorm, causal, over the toy vocabulary (~1,160 tokens).
//
//   attnviz_bench --benchmark_filter='Stack' --benchmark_counters_tabular=true
//
// BM_StackForward: run_stack alone (weights built once, outside the timing), in this process.
// BM_StackPeak: build + run in a fresh process; peak resident memory with the default n×n budget
// (1 GiB: layers past it keep no scores or weights) against keeping every layer (budget ∞), side by
// side in one run.
#include "core/model_setup.hpp"

#include "bench/child_run.hpp"

#include <benchmark/benchmark.h>

#include <limits>

namespace {

using attnviz::bench::in_child;

attnviz::ModelSpec gpt2_small_shape(int n) {
    attnviz::ModelSpec spec;
    spec.config.text = attnviz::bench::make_text(n);
    spec.config.d_model = 768;
    spec.config.n_heads = 12;
    spec.config.causal = true;
    spec.config.positional = attnviz::Positional::Learned;
    spec.arch.layers = 12;
    spec.arch.mlp = attnviz::MlpKind::GeluTanh;
    spec.arch.norm = attnviz::NormKind::Layer;
    return spec;
}

void BM_StackForward(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const attnviz::ModelSpec spec = gpt2_small_shape(n);
    const attnviz::StackModel m = attnviz::build_model(spec);
    for (auto _ : state) {
        const attnviz::StackTrace t = attnviz::run_stack(m.inputs, m.arch, m.weights(), m.vocab());
        benchmark::DoNotOptimize(t.logits.data());
        state.counters["kept_MiB"] = static_cast<double>(t.attn_bytes_kept) / (1 << 20);
        state.counters["all_nxn_MiB"] = static_cast<double>(t.attn_bytes) / (1 << 20);
    }
    state.counters["tokens_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_StackForward)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_StackPeak(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const bool unlimited = state.range(1) != 0;
    double peak = 0;
    for (auto _ : state) {
        const attnviz::bench::ChildRun r = in_child(state, [&] {
            attnviz::StackRunOptions opt;
            if (unlimited) opt.attention_budget = std::numeric_limits<std::size_t>::max();
            const attnviz::ModelRun run = attnviz::run_model(gpt2_small_shape(n), opt);
            benchmark::DoNotOptimize(run.stack.logits.data());
        });
        state.SetIterationTime(r.seconds);
        peak = std::max(peak, r.peak_bytes);
    }
    state.counters["peak_MiB"] = peak / (1 << 20);
    state.SetLabel(unlimited ? "every layer's n×n kept" : "default 1 GiB n×n budget");
}
BENCHMARK(BM_StackPeak)
    ->Args({256, 0})
    ->Args({1024, 0})
    ->Args({1024, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

}  // namespace
