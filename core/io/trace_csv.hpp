// CSV export: one file per tensor, rows × last dimension, a header line with the shape.
#pragma once

#include "core/trace.hpp"

#include <string>

namespace attnviz {

// "# NAME shape=[h,n,n]" then one line per row of the last dimension; masked cells are empty.
std::string tensor_to_csv(const NamedTensor& tensor);

// Tokens, one per line, quoted as CSV.
std::string tokens_to_csv(const std::vector<std::string>& tokens);

}  // namespace attnviz
