// A small seeded generator and its distributions, written here so that every
// standard library and machine produces the same toy model from the same seed.
#pragma once

#include <cstdint>
#include <string_view>

namespace attnviz {

// SplitMix64 (Steele, Lea & Flood 2014): tiny state, passes BigCrush, and one
// 64-bit seed per stream is all the toy model needs.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next_u64();
    double uniform();        // in [0, 1), 53 random bits
    double normal();         // N(0, 1), Box-Muller; caches the second value
private:
    std::uint64_t state_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

std::uint64_t mix64(std::uint64_t x);                          // SplitMix64 finaliser
std::uint64_t hash_string(std::string_view s);                 // FNV-1a 64
// One independent stream per (seed, purpose) pair, e.g. stream_seed(seed, "W_Q").
std::uint64_t stream_seed(std::uint64_t seed, std::string_view purpose, std::uint64_t extra = 0);

}  // namespace attnviz
