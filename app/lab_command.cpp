#include "app/lab_command.hpp"

#include "core/io/atomic_file.hpp"

#include <charconv>
#include <cstdio>

namespace attnviz {

namespace {

std::string number(double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return std::string(buf, r.ptr);
}

}  // namespace

std::string table_to_csv(const Table& t) {
    std::string out;
    for (std::size_t k = 0; k < t.columns.size(); ++k) out += (k ? "," : "") + t.columns[k];
    out += "\n";
    for (const auto& row : t.rows) {
        for (std::size_t k = 0; k < row.size(); ++k) out += (k ? "," : "") + number(row[k]);
        out += "\n";
    }
    return out;
}

std::string table_to_text(const Table& t) {
    std::string out;
    for (const std::string& c : t.columns) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%18s", c.c_str());
        out += buf;
    }
    out += "\n";
    for (const auto& row : t.rows) {
        for (double v : row) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%18.6g", v);
            out += buf;
        }
        out += "\n";
    }
    return out;
}

std::string run_lab_command(const LabRequest& req) {
    Table table;
    if (req.name == "sqrt-dk") {
        table = sqrt_dk_table(run_sqrt_dk_lab(default_d_ks(), req.samples, req.keys, req.seed));
    } else if (req.name == "extrapolation") {
        table = extrapolation_table(
            run_extrapolation_lab(req.trained_length, req.max_length, req.rope_base, req.long_base, req.seed));
    } else {
        throw ConfigError("lab", "lab=" + req.name + " must be one of sqrt-dk|extrapolation");
    }
    const std::string text = req.csv ? table_to_csv(table) : table_to_text(table);
    if (req.out.empty()) return text;
    write_file_atomic(req.out, text);
    return {};
}

}  // namespace attnviz
