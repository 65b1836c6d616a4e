// What the process-level benchmarks share: a text of n words, and a run in a forked child that
// reports its wall time and peak resident memory (ru_maxrss), as a one-shot CLI run pays them.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace attnviz::bench {

inline std::string make_text(int n) {
    static const char* words[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "ran", "to", "park", "and", "slept"};
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(words[i % 12]) + (i + 1 < n ? " " : "");
    return s;
}

struct ChildRun {
    double seconds = 0;
    double peak_bytes = 0;
};

// Runs f in a forked child and reports its wall time and peak RSS; a failing child fails the run.
template <typename F>
inline ChildRun in_child(benchmark::State& state, F f) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        try {
            f();
        } catch (...) {
            ::_exit(1);
        }
        ::_exit(0);
    }
    int status = 0;
    rusage ru{};
    ::wait4(pid, &status, 0, &ru);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) state.SkipWithError("child failed");
    return {s, static_cast<double>(ru.ru_maxrss) * 1024.0};
}

}  // namespace attnviz::bench
