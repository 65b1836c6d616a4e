// CSV export: one file per tensor, rows × last dimension, a header line with the shape.
#pragma once

#include "core/trace.hpp"

#include <cstdint>
#include <ostream>
#include <string>

namespace attnviz {

// "# NAME shape=[h,n,n]" then one line per row of the last dimension; masked cells are empty.
// Streams: 64 KiB of text and one block of a computed tensor at a time.
void write_tensor_csv(std::ostream& out, const TensorView& tensor);
std::string tensor_to_csv(const NamedTensor& tensor);  // the same bytes in one string

// Bytes write_tensor_csv writes, with the numbers' text estimated as estimate_number_chars does.
std::uint64_t estimate_tensor_csv_bytes(const TensorView& tensor);

// Tokens, one per line, quoted as CSV.
std::string tokens_to_csv(const std::vector<std::string>& tokens);

}  // namespace attnviz
