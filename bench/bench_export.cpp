// `attnviz export` against the forward pass it starts with, each in a fresh process as the CLI
// runs: wall time, and peak resident memory (the child's ru_maxrss) against the bytes written.
//
//   attnviz_bench --benchmark_filter='ForwardOnly|Export' --benchmark_counters_tabular=true
//
// d_model 512, 8 heads, sinusoidal PE, no mask; trace files only (--no-heatmaps: the PNGs are
// measured by the CLI, see README). First-touch page faults count on both sides here, since a
// one-shot export pays them, unlike BM_Forward's steady state.
#include "app/export_command.hpp"
#include "core/model_setup.hpp"

#include "bench/child_run.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using attnviz::bench::in_child;
using attnviz::bench::make_text;
using attnviz::bench::ChildRun;

attnviz::Config export_config(int n) {
    attnviz::Config c;
    c.text = make_text(n);
    c.d_model = 512;
    c.n_heads = 8;
    return c;
}

std::uint64_t dir_bytes(const fs::path& dir) {
    std::uint64_t total = 0;
    for (const auto& e : fs::directory_iterator(dir)) total += e.file_size();
    return total;
}

void BM_ForwardOnly(benchmark::State& state) {
    const attnviz::Config c = export_config(static_cast<int>(state.range(0)));
    double peak = 0;
    for (auto _ : state) {
        const ChildRun r = in_child(state, [&] {
            attnviz::ModelSpec spec;
            spec.config = c;
            const attnviz::ModelRun run = attnviz::run_model(spec);
            benchmark::DoNotOptimize(run.trace().output.data());
        });
        state.SetIterationTime(r.seconds);
        peak = std::max(peak, r.peak_bytes);
    }
    state.counters["peak_rss_MiB"] = peak / (1 << 20);
}

void export_bench(benchmark::State& state, attnviz::ExportFormat format) {
    attnviz::ExportRequest req;
    req.config = export_config(static_cast<int>(state.range(0)));
    req.format = format;
    req.heatmaps = false;
    req.max_output = UINT64_MAX;
    req.out = fs::temp_directory_path() / ("attnviz-bench-export-" + std::to_string(::getpid()));
    double peak = 0;
    std::uint64_t written = 0;
    for (auto _ : state) {
        const ChildRun r = in_child(state, [&] { attnviz::export_trace(req); });
        state.SetIterationTime(r.seconds);
        peak = std::max(peak, r.peak_bytes);
        written = dir_bytes(req.out);
        fs::remove_all(req.out);
    }
    state.counters["peak_rss_MiB"] = peak / (1 << 20);
    state.counters["written_MiB"] = static_cast<double>(written) / (1 << 20);
    state.counters["rss_per_byte"] = peak / static_cast<double>(written);
}

void BM_ExportSafetensors(benchmark::State& state) { export_bench(state, attnviz::ExportFormat::Safetensors); }
void BM_ExportJson(benchmark::State& state) { export_bench(state, attnviz::ExportFormat::Json); }
void BM_ExportCsv(benchmark::State& state) { export_bench(state, attnviz::ExportFormat::Csv); }

}  // namespace

// n = 4096 as JSON or CSV writes 6 GiB of text (43 s as JSON): measured at 1024 (and 4096 by
// hand, README), side by side with the forward pass at the same n.
BENCHMARK(BM_ForwardOnly)->Arg(1024)->Arg(4096)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportSafetensors)->Arg(1024)->Arg(4096)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportJson)->Arg(1024)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportCsv)->Arg(1024)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
