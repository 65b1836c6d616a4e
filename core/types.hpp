// Shared tensor types and the invariant check used across core.
//
// Storage is row-major everywhere: textures, PNG export and the trace format all read rows.
#pragma once

#include <Eigen/Core>

#include <stdexcept>
#include <string>
#include <vector>

namespace attnviz {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVec = Eigen::Matrix<float, 1, Eigen::Dynamic>;
// A stack of equally shaped matrices, e.g. one [n, d_k] matrix per head.
using Stack = std::vector<MatRM>;

// A value the user can type that core refuses: names the field, the value and the rule.
class ConfigError : public std::invalid_argument {
public:
    ConfigError(std::string field, const std::string& message)
        : std::invalid_argument(message), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

// A broken internal invariant (a bug, not bad input). Active in Release builds too.
class InvariantError : public std::logic_error {
    using std::logic_error::logic_error;
};

[[noreturn]] void invariant_failed(const char* expr, const char* file, int line);

#define ATTNVIZ_ASSERT(cond) \
    ((cond) ? static_cast<void>(0) : ::attnviz::invariant_failed(#cond, __FILE__, __LINE__))

}  // namespace attnviz
