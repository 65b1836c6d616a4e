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

// Diagnostics and the extra sections; the document is still open after them.
std::string tail_json(const Trace& t, const json& extra) {
    std::string out = ",\"diagnostics\":" + diagnostics_json(t).dump();
    for (const auto& item : extra.items()) out += "," + json(item.key()).dump() + ":" + item.value().dump();
    return out;
}
constexpr std::string_view kDocumentClose = "}\n";

// `"NAME":{"shape":[...],"data":[` and its closing `]}`.
std::string tensor_open(const TensorView& v) { return json(v.name).dump() + ":{\"shape\":" + json(v.shape).dump() + ",\"data\":["; }
constexpr std::string_view kTensorClose = "]}";

// Version 2's streamed parts around their data.
std::string logits_open(const TensorView& v) {
    return ",\"logits\":{\"kind\":\"full\",\"shape\":" + json(v.shape).dump() + ",\"data\":[";
}
constexpr std::string_view kLayersOpen = ",\"layers\":[";
std::string layer_open(int layer) { return "{\"layer\":" + std::to_string(layer) + ",\"tensors\":{"; }
constexpr std::string_view kLayerClose = "}}";

// Characters of the data of `v` as written: numbers ("null" for −∞) and the commas between them.
std::uint64_t data_chars(const TensorView& v) {
    const std::size_t k = v.numel();
    return estimate_number_chars(v, 4) + (k ? k - 1 : 0);
}

// {NAME:{...},...} without its braces.
std::uint64_t tensors_chars(const std::vector<TensorView>& views) {
    std::uint64_t bytes = views.empty() ? 0 : views.size() - 1;  // commas between tensors
    for (const TensorView& v : views) bytes += tensor_open(v).size() + kTensorClose.size() + data_chars(v);
    return bytes;
}

// Appends text to a buffer and hands it to the stream every 64 KiB.
class JsonStream {
public:
    explicit JsonStream(std::ostream& out) : out_(out) {}
    void text(std::string_view s) {
        buf_ += s;
        if (buf_.size() >= kFlushBytes) flush();
    }
    void data(const TensorView& v) {
        bool first = true;
        v.for_each_chunk([&](const float* p, std::size_t k) {
            for (std::size_t i = 0; i < k; ++i) {
                if (!first) buf_ += ',';
                first = false;
                append_number(buf_, p[i]);
                if (buf_.size() >= kFlushBytes) flush();
            }
        });
    }
    void tensors(const std::vector<TensorView>& views) {
        bool first = true;
        for (const TensorView& v : views) {
            if (!first) text(",");
            first = false;
            text(tensor_open(v));
            data(v);
            text(kTensorClose);
        }
    }
    void flush() {
        out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
        buf_.clear();
    }

private:
    std::ostream& out_;
    std::string buf_;
};

void check_stack(const json& extra, const StackTensors* stack) {
    ATTNVIZ_ASSERT(!stack || !stack->logits || !extra.contains("logits"));  // one "logits" key
}

}  // namespace

std::string layer_tensor_name(int layer, const std::string& name) { return "layers." + std::to_string(layer) + "." + name; }

void write_trace_json(std::ostream& out, const Trace& t, const json& extra, const StackTensors* stack) {
    check_stack(extra, stack);
    JsonStream js(out);
    js.text(head_json(t) + ",\"tensors\":{");
    js.tensors(tensor_views(t));
    js.text("}" + tail_json(t, extra));
    if (stack && stack->logits) {
        js.text(logits_open(*stack->logits));
        js.data(*stack->logits);
        js.text(kTensorClose);
    }
    if (stack) {
        js.text(kLayersOpen);
        for (std::size_t k = 0; k < stack->layers.size(); ++k) {
            if (k) js.text(",");
            js.text(layer_open(stack->layers[k]));
            stack->visit_layer(stack->layers[k], true, [&](const std::vector<TensorView>& views) { js.tensors(views); });
            js.text(kLayerClose);
        }
        js.text("]");
    }
    js.text(kDocumentClose);
    js.flush();
}

std::string trace_to_json(const Trace& t, const json& extra, const StackTensors* stack) {
    std::ostringstream out;
    write_trace_json(out, t, extra, stack);
    return std::move(out).str();
}

std::string trace_summary_json(const Trace& t, const std::string& tensors_file, const json& extra,
                               const StackTensors* stack) {
    check_stack(extra, stack);
    std::string out = head_json(t) + ",\"tensors_file\":" + json(tensors_file).dump() + tail_json(t, extra);
    if (stack && stack->logits) {
        out += ",\"logits\":" +
               json{{"kind", "full"}, {"shape", stack->logits->shape}, {"tensor", kStackLogitsTensor}}.dump();
    }
    if (stack) {
        json layers = json::array();
        for (int l : stack->layers) layers.push_back({{"layer", l}, {"tensors_prefix", layer_tensor_name(l, "")}});
        out += ",\"layers\":" + layers.dump();
    }
    return out += kDocumentClose;
}

std::uint64_t estimate_trace_json_bytes(const Trace& t, const json& extra, const StackTensors* stack) {
    std::uint64_t bytes = head_json(t).size() + std::string_view(",\"tensors\":{}").size() + tail_json(t, extra).size() +
                          kDocumentClose.size() + tensors_chars(tensor_views(t));
    if (stack && stack->logits) bytes += logits_open(*stack->logits).size() + data_chars(*stack->logits) + kTensorClose.size();
    if (stack) {
        bytes += kLayersOpen.size() + 1 + (stack->layers.empty() ? 0 : stack->layers.size() - 1);  // "]" and commas
        for (int l : stack->layers) {
            bytes += layer_open(l).size() + kLayerClose.size();
            stack->visit_layer(l, false, [&](const std::vector<TensorView>& views) { bytes += tensors_chars(views); });
        }
    }
    return bytes;
}

namespace {

// {NAME: {"shape", "data"}}; `where` prefixes the name in messages ("tensors.").
std::map<std::string, NamedTensor> read_tensors(const json& tensors, const std::string& where) {
    std::map<std::string, NamedTensor> out;
    for (const auto& item : tensors.items()) {
        NamedTensor nt;
        nt.name = item.key();
        nt.shape = item.value().at("shape").get<std::vector<int>>();
        std::size_t expected = 1;
        for (int s : nt.shape) expected *= static_cast<std::size_t>(s);
        const json& data = item.value().at("data");
        if (!data.is_array() || data.size() != expected) {
            throw std::runtime_error(where + nt.name + ": data has " + std::to_string(data.size()) +
                                     " values, shape needs " + std::to_string(expected));
        }
        nt.data.reserve(expected);
        for (const json& v : data) nt.data.push_back(v.is_null() ? kNegInf : v.get<float>());
        out.emplace(nt.name, std::move(nt));
    }
    return out;
}

LoadedTrace parse_trace(const std::string& text) {
    const json j = parse_json_limited(text);
    if (!j.is_object() || j.value("format", "") != "attnviz-trace") {
        throw std::runtime_error("not an attnviz trace (\"format\" must be \"attnviz-trace\")");
    }
    const json version = j.value("version", json());
    if (version != 1 && version != 2) throw std::runtime_error("unsupported trace version " + describe(version));
    LoadedTrace lt;
    lt.version = version.get<int>();
    lt.config = j.at("config");
    lt.tokens = j.at("tokens").get<std::vector<std::string>>();
    if (j.contains("source_tokens")) lt.source_tokens = j["source_tokens"].get<std::vector<std::string>>();
    lt.tensors = read_tensors(j.at("tensors"), "tensors.");
    // A summary's "layers" name their tensors' prefix in the binary file: they stay in `extra`.
    const bool layers_inline = lt.version >= 2 && j.contains("layers") && j["layers"].is_array() &&
                               std::all_of(j["layers"].begin(), j["layers"].end(),
                                           [](const json& l) { return l.is_object() && l.contains("tensors"); });
    if (layers_inline) {
        for (const json& l : j["layers"]) {
            LoadedLayer ll;
            ll.layer = l.at("layer").get<int>();
            ll.tensors = read_tensors(l.at("tensors"), "layers[" + std::to_string(ll.layer) + "].tensors.");
            lt.layers.push_back(std::move(ll));
        }
    }
    for (const auto& item : j.items()) {
        if (item.key() != "format" && item.key() != "version" && item.key() != "config" && item.key() != "tokens" &&
            item.key() != "source_tokens" && item.key() != "tensors" && !(layers_inline && item.key() == "layers")) {
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
