#include "core/io/trace_safetensors.hpp"

#include "core/io/safetensors.hpp"

namespace attnviz {
namespace {

void declare(SafetensorsWriter& w, const std::string& name, const TensorView& v) {
    w.declare(name, Dtype::F32, std::vector<std::int64_t>(v.shape.begin(), v.shape.end()));
}

void write_view(SafetensorsWriter& w, const std::string& name, const TensorView& v) {
    v.for_each_chunk([&](const float* p, std::size_t k) { w.write(name, p, k); });
}

// Every tensor declared, in file order. The layers' names and shapes come from their stand-in
// views (no layer is recomputed to declare it).
SafetensorsWriter declared(const std::vector<TensorView>& views, const StackTensors* stack) {
    SafetensorsWriter w;
    w.set_metadata("format", "attnviz-trace");
    w.set_metadata("version", std::to_string(kTraceVersion));
    for (const TensorView& v : views) declare(w, v.name, v);
    if (!stack) return w;
    if (stack->logits) declare(w, kStackLogitsTensor, *stack->logits);
    for (int l : stack->layers) {
        stack->visit_layer(l, false, [&](const std::vector<TensorView>& lv) {
            for (const TensorView& v : lv) declare(w, layer_tensor_name(l, v.name), v);
        });
    }
    return w;
}

}  // namespace

std::uint64_t trace_safetensors_bytes(const Trace& t, const StackTensors* stack) {
    return declared(tensor_views(t), stack).total_bytes();
}

void write_trace_safetensors(std::ostream& out, const Trace& t, const StackTensors* stack) {
    const std::vector<TensorView> views = tensor_views(t);
    SafetensorsWriter w = declared(views, stack);
    w.begin(out);
    for (const TensorView& v : views) write_view(w, v.name, v);
    if (stack && stack->logits) write_view(w, kStackLogitsTensor, *stack->logits);
    if (stack) {
        for (int l : stack->layers) {
            stack->visit_layer(l, true, [&](const std::vector<TensorView>& lv) {
                for (const TensorView& v : lv) write_view(w, layer_tensor_name(l, v.name), v);
            });
        }
    }
    w.finish();
}

}  // namespace attnviz
