#include "core/io/trace_safetensors.hpp"

#include "core/io/safetensors.hpp"
#include "core/io/trace_json.hpp"

namespace attnviz {
namespace {

SafetensorsWriter declared(const std::vector<TensorView>& views) {
    SafetensorsWriter w;
    w.set_metadata("format", "attnviz-trace");
    w.set_metadata("version", std::to_string(kTraceVersion));
    for (const TensorView& v : views) w.declare(v.name, Dtype::F32, std::vector<std::int64_t>(v.shape.begin(), v.shape.end()));
    return w;
}

}  // namespace

std::uint64_t trace_safetensors_bytes(const Trace& t) { return declared(tensor_views(t)).total_bytes(); }

void write_trace_safetensors(std::ostream& out, const Trace& t) {
    const std::vector<TensorView> views = tensor_views(t);
    SafetensorsWriter w = declared(views);
    w.begin(out);
    for (const TensorView& v : views) {
        v.for_each_chunk([&](const float* p, std::size_t k) { w.write(v.name, p, k); });
    }
    w.finish();
}

}  // namespace attnviz
