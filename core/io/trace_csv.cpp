#include "core/io/trace_csv.hpp"

#include "core/io/trace_json.hpp"

#include <cmath>
#include <sstream>

namespace attnviz {

namespace {

std::string csv_header(const TensorView& t) {
    std::string out = "# " + t.name + " shape=[";
    for (std::size_t k = 0; k < t.shape.size(); ++k) out += (k ? "," : "") + std::to_string(t.shape[k]);
    out += "]\n";
    return out;
}

}  // namespace

void write_tensor_csv(std::ostream& out, const TensorView& t) {
    std::string buf = csv_header(t);
    const std::size_t cols = t.shape.empty() ? 1 : static_cast<std::size_t>(t.shape.back());
    std::size_t k = 0;  // index of the element in the whole tensor: a row may span chunks
    t.for_each_chunk([&](const float* p, std::size_t count) {
        for (std::size_t i = 0; i < count; ++i, ++k) {
            if (std::isfinite(p[i])) append_number(buf, p[i]);
            buf += (k + 1) % cols == 0 ? '\n' : ',';
            if (buf.size() >= (1 << 16)) {
                out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
                buf.clear();
            }
        }
    });
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

std::string tensor_to_csv(const NamedTensor& t) {
    std::ostringstream out;
    write_tensor_csv(out, view_of(t));
    return std::move(out).str();
}

std::uint64_t estimate_tensor_csv_bytes(const TensorView& t) {
    return csv_header(t).size() + estimate_number_chars(t, 0) + t.numel();  // a ',' or '\n' after each value
}

std::string tokens_to_csv(const std::vector<std::string>& tokens) {
    std::string out = "index,token\n";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        std::string q = "\"";
        for (char c : tokens[i]) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += std::to_string(i) + "," + q + "\"\n";
    }
    return out;
}

}  // namespace attnviz
