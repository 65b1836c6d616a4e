#include "core/io/trace_json.hpp"

#include "core/io/config_json.hpp"
#include "core/io/json_read.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace attnviz {

using nlohmann::json;

namespace {

// Writes v as append_number does into buf (32 bytes); returns the length, 0 when not finite.
std::size_t format_number(char* buf, float v) {
    if (!std::isfinite(v)) return 0;
    if (v == 0.0f && std::signbit(v)) {
        std::memcpy(buf, "-0.0", 4);  // "-0" would read back as the integer 0, losing the sign bit
        return 4;
    }
    return static_cast<std::size_t>(std::to_chars(buf, buf + 32, v).ptr - buf);
}

}  // namespace

void append_number(std::string& out, float v) {
    char buf[32];
    const std::size_t k = format_number(buf, v);
    if (k == 0) {
        out += "null";
        return;
    }
    out.append(buf, k);
}

std::uint64_t estimate_number_chars(const TensorView& view, std::size_t nonfinite_chars) {
    const std::size_t total = view.numel();
    if (total == 0) return 0;
    const std::size_t stride = std::max<std::size_t>(1, total / (1 << 16));
    std::uint64_t chars = 0, samples = 0;
    std::size_t offset = 0;  // of the chunk's first element in the tensor
    char buf[32];
    view.for_each_chunk([&](const float* p, std::size_t k) {
        for (std::size_t i = (stride - offset % stride) % stride; i < k; i += stride) {
            const std::size_t len = format_number(buf, p[i]);
            chars += len ? len : nonfinite_chars;
            ++samples;
        }
        offset += k;
    });
    if (stride == 1) return chars;
    return static_cast<std::uint64_t>(std::llround(static_cast<double>(chars) * static_cast<double>(total) /
                                                   static_cast<double>(samples)));
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

constexpr std::size_t kFlushBytes = 1 << 16;

std::string head_json(const Trace& t) {
    std::string out = "{\"format\":\"attnviz-trace\",\"version\":" + std::to_string(kTraceVersion);
    out += ",\"config\":" + config_to_json(t.config).dump();
    out += ",\"tokens\":" + json(t.tokens).dump();
    if (t.config.cross()) out += ",\"source_tokens\":" + json(t.source_tokens).dump();
    return out;
}

std::string tail_json(const Trace& t, const json& extra) {
    std::string out = ",\"diagnostics\":" + diagnostics_json(t).dump();
    for (const auto& item : extra.items()) out += "," + json(item.key()).dump() + ":" + item.value().dump();
    out += "}\n";
    return out;
}

// `"NAME":{"shape":[...],"data":[` and its closing `]}`.
std::string tensor_open(const TensorView& v) { return json(v.name).dump() + ":{\"shape\":" + json(v.shape).dump() + ",\"data\":["; }
constexpr std::string_view kTensorClose = "]}";

}  // namespace

void write_trace_json(std::ostream& out, const Trace& t, const json& extra) {
    std::string buf = head_json(t) + ",\"tensors\":{";
    const auto flush = [&] {
        out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
    };
    bool first_tensor = true;
    for (const TensorView& v : tensor_views(t)) {
        if (!first_tensor) buf += ',';
        first_tensor = false;
        buf += tensor_open(v);
        bool first = true;
        v.for_each_chunk([&](const float* p, std::size_t k) {
            for (std::size_t i = 0; i < k; ++i) {
                if (!first) buf += ',';
                first = false;
                append_number(buf, p[i]);
                if (buf.size() >= kFlushBytes) flush();
            }
        });
        buf += kTensorClose;
    }
    buf += "}" + tail_json(t, extra);
    flush();
}

std::string trace_to_json(const Trace& t, const json& extra) {
    std::ostringstream out;
    write_trace_json(out, t, extra);
    return std::move(out).str();
}

std::string trace_summary_json(const Trace& t, const std::string& tensors_file, const json& extra) {
    return head_json(t) + ",\"tensors_file\":" + json(tensors_file).dump() + tail_json(t, extra);
}

std::uint64_t estimate_trace_json_bytes(const Trace& t, const json& extra) {
    std::uint64_t bytes = head_json(t).size() + std::string_view(",\"tensors\":{}").size() + tail_json(t, extra).size();
    const std::vector<TensorView> views = tensor_views(t);
    bytes += views.empty() ? 0 : views.size() - 1;  // commas between tensors
    for (const TensorView& v : views) {
        bytes += tensor_open(v).size() + kTensorClose.size();
        const std::size_t k = v.numel();
        bytes += estimate_number_chars(v, 4) + (k ? k - 1 : 0);  // "null" for −∞; commas between values
    }
    return bytes;
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
