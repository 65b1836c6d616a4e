#include "core/io/trace_csv.hpp"

#include "core/io/trace_json.hpp"

#include <cmath>

namespace attnviz {

std::string tensor_to_csv(const NamedTensor& t) {
    std::string out = "# " + t.name + " shape=[";
    for (std::size_t k = 0; k < t.shape.size(); ++k) out += (k ? "," : "") + std::to_string(t.shape[k]);
    out += "]\n";
    const std::size_t cols = t.shape.empty() ? 1 : static_cast<std::size_t>(t.shape.back());
    for (std::size_t k = 0; k < t.data.size(); ++k) {
        if (std::isfinite(t.data[k])) append_number(out, t.data[k]);
        out += (k + 1) % cols == 0 ? '\n' : ',';
    }
    return out;
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
