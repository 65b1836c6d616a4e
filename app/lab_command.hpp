// `attnviz lab sqrt-dk|extrapolation [--csv] [--out FILE]`: the labs' data for plotting elsewhere.
#pragma once

#include "core/labs.hpp"

#include <filesystem>
#include <string>

namespace attnviz {

struct LabRequest {
    std::string name;                 // "sqrt-dk" | "extrapolation"
    bool csv = false;                 // CSV, else an aligned text table
    std::filesystem::path out;        // empty: standard output
    int samples = 10000, keys = 16;   // sqrt-dk
    int trained_length = 16, max_length = 64;  // extrapolation
    double rope_base = 10000, long_base = 500000;
    std::uint64_t seed = 42;
};

std::string table_to_csv(const Table& t);
std::string table_to_text(const Table& t);
// Runs the lab and returns what to print (empty when written to `out`). Throws ConfigError
// ("lab" for an unknown name, or the lab's own field) and IoError.
std::string run_lab_command(const LabRequest& req);

}  // namespace attnviz
