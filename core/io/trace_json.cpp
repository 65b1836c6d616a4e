#include "core/io/trace_json.hpp"

#include "core/io/config_json.hpp"
#include "core/io/json_read.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace attnviz {

using nlohmann::json;

void append_number(std::string& out, float v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    if (v == 0.0f && std::signbit(v)) {
        out += "-0.0";  // "-0" would read back as the integer 0, losing the sign bit
        return;
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

namespace {

json diagnostics_json(const Trace& t) {
    json heads = json::array();
    for (const HeadDiagnostics& d : t.diagnostics) {
        heads.push_back({{"mean_entropy", d.mean_entropy},
                         {"raw_variance", d.raw_variance},
                         {"scaled_variance", d.scaled_variance},
                         {"entropy", d.entropy},
                         {"max_weight", d.max_weight},
                         {"argmax", d.argmax}});
    }
    std::vector<int> fully;
    for (int i = 0; i < t.n; ++i)
        if (t.fully_masked[static_cast<std::size_t>(i)]) fully.push_back(i);
    return {{"score_multiplier", t.multiplier},
            {"fully_masked_rows", fully},
            {"untrained_positions", t.untrained_positions},
            {"heads", heads}};
}

}  // namespace

std::string trace_to_json(const Trace& t, const json& extra) {
    std::string out;
    out.reserve(1 << 16);
    out += "{\"format\":\"attnviz-trace\",\"version\":" + std::to_string(kTraceVersion);
    out += ",\"config\":" + config_to_json(t.config).dump();
    out += ",\"tokens\":" + json(t.tokens).dump();
    if (t.config.cross()) out += ",\"source_tokens\":" + json(t.source_tokens).dump();
    out += ",\"tensors\":{";
    bool first = true;
    for (const NamedTensor& nt : named_tensors(t)) {
        if (!first) out += ',';
        first = false;
        out += json(nt.name).dump() + ":{\"shape\":" + json(nt.shape).dump() + ",\"data\":[";
        for (std::size_t k = 0; k < nt.data.size(); ++k) {
            if (k) out += ',';
            append_number(out, nt.data[k]);
        }
        out += "]}";
    }
    out += "},\"diagnostics\":" + diagnostics_json(t).dump();
    for (const auto& item : extra.items()) out += "," + json(item.key()).dump() + ":" + item.value().dump();
    out += "}\n";
    return out;
}

namespace {

LoadedTrace parse_trace(const std::string& text) {
    const json j = parse_json_limited(text);
    if (!j.is_object() || j.value("format", "") != "attnviz-trace") {
        throw std::runtime_error("not an attnviz trace (\"format\" must be \"attnviz-trace\")");
    }
    if (j.value("version", 0) != kTraceVersion) {
        throw std::runtime_error("unsupported trace version " + describe(j.value("version", json())));
    }
    LoadedTrace lt;
    lt.config = j.at("config");
    lt.tokens = j.at("tokens").get<std::vector<std::string>>();
    if (j.contains("source_tokens")) lt.source_tokens = j["source_tokens"].get<std::vector<std::string>>();
    for (const auto& item : j.at("tensors").items()) {
        NamedTensor nt;
        nt.name = item.key();
        nt.shape = item.value().at("shape").get<std::vector<int>>();
        std::size_t expected = 1;
        for (int s : nt.shape) expected *= static_cast<std::size_t>(s);
        const json& data = item.value().at("data");
        if (!data.is_array() || data.size() != expected) {
            throw std::runtime_error("tensors." + nt.name + ": data has " + std::to_string(data.size()) +
                                     " values, shape needs " + std::to_string(expected));
        }
        nt.data.reserve(expected);
        for (const json& v : data) nt.data.push_back(v.is_null() ? kNegInf : v.get<float>());
        lt.tensors.emplace(nt.name, std::move(nt));
    }
    for (const auto& item : j.items()) {
        if (item.key() != "format" && item.key() != "version" && item.key() != "config" && item.key() != "tokens" &&
            item.key() != "source_tokens" && item.key() != "tensors") {
            lt.extra[item.key()] = item.value();
        }
    }
    return lt;
}

}  // namespace

LoadedTrace trace_from_json(const std::string& text) {
    try {
        return parse_trace(text);
    } catch (const json::exception& e) {
        // A missing key or a wrong type: keep the promise of std::runtime_error.
        throw std::runtime_error("malformed trace: " + json_reason(e));
    }
}

}  // namespace attnviz
