// What the fuzz targets share. Each target is one LLVMFuzzerTestOneInput: under `make fuzz`
// libFuzzer drives it (clang, -fsanitize=fuzzer,address,undefined); in the normal build
// replay_main.cpp runs it on every file of its seed corpus (the fuzz_replay_* tests).
//
// A target catches only the errors its parser documents for bad input; anything else that
// escapes (std::out_of_range, a nlohmann exception, std::bad_alloc, InvariantError) is a finding.
#pragma once

#include "core/types.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace attnviz::fuzz {

// Every limit the parsers enforce (nesting, counts, string lengths) is reachable well below this,
// and a larger input only slows each execution down.
inline constexpr std::size_t kMaxInput = 1u << 20;

// A refusal names the file, the field and the rule and quotes at most a short prefix of a value
// from the file (core/io/json_read.hpp), so its length does not grow with the input's.
inline constexpr std::size_t kMaxMessage = 1024;

inline void check_refusal(const std::exception& e) {
    const std::size_t n = std::strlen(e.what());
    if (n == 0 || n > kMaxMessage) std::fprintf(stderr, "refusal of %zu bytes: %.300s…\n", n, e.what());
    ATTNVIZ_ASSERT(n > 0 && n <= kMaxMessage);
}

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace attnviz::fuzz
