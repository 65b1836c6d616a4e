// Shared helpers for the app tests: a scratch directory that cleans up after itself, a byte
// snapshot of a directory tree, float bit patterns, and the real `attnviz` executable.
#pragma once

#include "core/config.hpp"
#include "core/io/atomic_file.hpp"
#include "tests/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace attnviz::test {

namespace fs = std::filesystem;

// Self-attention with every key off its default (causal and window are allowed here, not with a
// source). Word tokens: the cat <pad> sat on the mat -> n = 7; padding = {0} plus the <pad> at 2.
// GQA: h = 8 query heads read kv = 2 K/V heads; d_k = 6, d_v = 10 so no width hides another.
inline Config self_config() {
    Config c;
    c.text = "the cat <pad> sat on the mat";
    c.tokenize = Tokenization::Word;
    c.d_model = 32;
    c.n_heads = 8;
    c.n_kv_heads = 2;
    c.d_k = 6;
    c.d_v = 10;
    c.seed = 7;
    c.positional = Positional::Rope;
    c.rope_base = 500.0;
    c.rope_style = RopeStyle::Half;
    c.scale = ScaleMode::Linear;
    c.temperature = 2.0;
    c.causal = true;
    c.window = 3;
    c.padding = {0};
    return c;
}

// Cross-attention, char tokens: queries s,a,t (n = 3) read the source c,h,a,t (m = 4).
inline Config cross_config() {
    Config c;
    c.text = "sat";
    c.tokenize = Tokenization::Char;
    c.d_model = 24;
    c.n_heads = 6;
    c.n_kv_heads = 3;
    c.d_k = 4;
    c.d_v = 2;
    c.seed = 18446744073709551615ull;  // the largest seed: JSON must keep all 64 bits
    c.positional = Positional::Learned;
    c.rope_base = 12345.5;
    c.rope_style = RopeStyle::Half;
    c.scale = ScaleMode::None;
    c.temperature = 0.25;
    c.padding = {1};
    c.source = "chat";
    return c;
}

inline void write_text(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

// Every entry under `root` (relative path -> bytes, or "<dir>"), to prove a tree did not change.
inline std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> out;
    if (!fs::exists(root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        out[e.path().lexically_relative(root).string()] = e.is_directory() ? "<dir>" : read_file(e.path());
    return out;
}

// Names directly inside `dir`, sorted.
inline std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

inline std::uint32_t bits(float f) { return std::bit_cast<std::uint32_t>(f); }

struct CliRun {
    int code = -1;
    std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs the built `attnviz` with `args` (already shell-quoted where needed); returns the exit code,
// stdout and stderr.
inline CliRun run_cli(const std::string& args) {
    static std::atomic<int> counter{0};
    const fs::path base = fs::temp_directory_path() /
                          ("attnviz-apptest-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    const fs::path out = base.string() + ".out", err = base.string() + ".err";
    const std::string cmd = shell_quote(ATTNVIZ_EXE) + " " + args + " > " + shell_quote(out.string()) + " 2> " +
                            shell_quote(err.string());
    const int status = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

}  // namespace attnviz::test
