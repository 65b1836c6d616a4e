// A GPT-2-small-sized checkpoint from disk (issue 13's figures): 124 M parameters in the exact
// Hugging Face layout (config.json + model.safetensors, the attn.bias mask buffers included, random
// weights: none can be downloaded), written by this benchmark's set-up once in F32 and once in
// BF16 under ATTNVIZ_BENCH_DATA (default: the build folder's bench-data/).
//
//   attnviz_bench --benchmark_filter='Hf' --benchmark_counters_tabular=true
//
// BM_HfLoad: load_hf_model in a fresh process: wall time and peak resident memory (the mapped file
//   pages it touched count too).
// BM_HfForward: run_stack of the loaded model at n tokens, in this process (attnviz's Eigen, one
//   thread, the SSE2 baseline it is compiled for).
// BM_HfProductsNumpy: the same matrix products alone through numpy on the BLAS it links
//   (bench/gpt2_products.py; Debian's OpenBLAS when libopenblas0 is installed), on 1 thread and on
//   every core, run from here so both sides are measured in one run. The label names the kernel.
#include "core/hf_model.hpp"

#include "bench/child_run.hpp"
#include "tests/hf_fixture.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace fs = std::filesystem;

namespace {

fs::path bench_data() {
    const char* env = std::getenv("ATTNVIZ_BENCH_DATA");
    return env && *env ? fs::path(env) : fs::path(ATTNVIZ_BENCH_DATA_DIR);
}

// The checkpoint for `dtype`, written on first use (to a temporary folder renamed into place, so
// an interrupted set-up is never mistaken for a finished one).
fs::path gpt2_small(attnviz::Dtype dtype) {
    const fs::path dir = bench_data() / (std::string("gpt2-small-") + std::string(attnviz::to_string(dtype)));
    if (fs::exists(dir / "config.json")) return dir;
    attnviz::test::HfSpec s;
    s.model_type = "gpt2";
    s.d = 768;
    s.layers = 12;
    s.heads = 12;
    s.kv_heads = 12;
    s.d_ff = 3072;
    s.vocab = 50257;
    s.positions = 1024;
    s.dtype = dtype;
    const fs::path tmp = dir.string() + ".partial";
    fs::remove_all(tmp);
    attnviz::test::write_hf_model(tmp, s);
    fs::rename(tmp, dir);
    return dir;
}

attnviz::Dtype dtype_arg(benchmark::State& state) { return state.range(0) ? attnviz::Dtype::BF16 : attnviz::Dtype::F32; }

void BM_HfLoad(benchmark::State& state) {
    const attnviz::Dtype dtype = dtype_arg(state);
    const fs::path dir = gpt2_small(dtype);
    double peak = 0;
    for (auto _ : state) {
        const attnviz::bench::ChildRun r = attnviz::bench::in_child(state, [&] {
            const attnviz::HfModel m = attnviz::load_hf_model(dir);
            benchmark::DoNotOptimize(m.weights.embedding.data());
        });
        state.SetIterationTime(r.seconds);
        peak = std::max(peak, r.peak_bytes);
    }
    const attnviz::HfEntry e = attnviz::describe_hf_folder(dir);
    state.counters["peak_MiB"] = peak / (1 << 20);
    state.counters["file_MiB"] = static_cast<double>(e.bytes_on_disk) / (1 << 20);
    state.counters["params_M"] = static_cast<double>(e.parameters) / 1e6;
    std::ifstream in(dir / "config.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const attnviz::HfConfig config = attnviz::parse_hf_config(text, dir / "config.json");
    state.counters["fp32_MiB"] = static_cast<double>(attnviz::load_bytes_needed(config)) / (1 << 20);
    state.SetLabel(std::string(attnviz::to_string(dtype)) + " checkpoint");
}
BENCHMARK(BM_HfLoad)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1)->UseManualTime();

std::vector<int> some_ids(int n) {
    std::vector<int> ids;
    for (int i = 0; i < n; ++i) ids.push_back((i * 7919 + 13) % 50257);
    return ids;
}

void BM_HfForward(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    static const auto model = std::make_shared<const attnviz::HfModel>(attnviz::load_hf_model(gpt2_small(attnviz::Dtype::F32)));
    const attnviz::StackModel m = attnviz::pretrained_model(model, "", some_ids(n));
    for (auto _ : state) {
        const attnviz::StackTrace t = attnviz::run_stack(m.inputs, m.arch, m.weights(), m.vocab());
        benchmark::DoNotOptimize(t.logits.data());
    }
    state.SetLabel("attnviz: Eigen, 1 thread, SSE2 baseline");
}
BENCHMARK(BM_HfForward)->Arg(128)->Arg(1024)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_HfProductsNumpy(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const int threads = static_cast<int>(state.range(1));  // 0: every core (OpenBLAS's default)
    const std::string cmd = (threads ? "OPENBLAS_NUM_THREADS=" + std::to_string(threads) + " " : std::string()) +
                            "/usr/bin/python3 " ATTNVIZ_SOURCE_DIR "/bench/gpt2_products.py --n " + std::to_string(n) +
                            " --repeats 2";
    for (auto _ : state) {
        std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
        std::string out;
        char buf[512];
        while (p && std::fgets(buf, sizeof buf, p.get())) out += buf;
        const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
        if (j.is_discarded() || !j.contains("seconds")) {
            state.SkipWithError("bench/gpt2_products.py failed: is python3-numpy installed?");
            return;
        }
        state.SetIterationTime(j["seconds"].get<double>());
        state.SetLabel("numpy: " + j.value("kernel", std::string("?")) + " kernel, " +
                       std::to_string(j.value("threads", 0)) + " thread(s), " + j.value("library", std::string()));
    }
}
BENCHMARK(BM_HfProductsNumpy)
    ->Args({128, 1})
    ->Args({128, 0})
    ->Args({1024, 1})
    ->Args({1024, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

}  // namespace
