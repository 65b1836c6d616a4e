// A whole safetensors file as bytes → parse_safetensors, the validation open_safetensors runs on
// the mapped file. Refusals are FormatError; an accepted layout is checked against the promises
// open_safetensors makes, and every span's ends are read so ASan sees one that leaves the input.

#include "core/io/safetensors.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <span>

using namespace attnviz;

namespace {
volatile std::byte g_sink;  // the reads of each span's ends must not be optimised away
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return -1;
    const std::span<const std::byte> file = std::as_bytes(std::span(data, size));
    SafetensorsLayout layout;
    try {
        layout = parse_safetensors(file, "fuzz.safetensors");
    } catch (const FormatError& e) {
        fuzz::check_refusal(e);
        return 0;
    }
    std::uint64_t cursor = 0;
    for (const TensorInfo& t : layout.tensors) {
        ATTNVIZ_ASSERT(t.begin == cursor && t.end >= t.begin);
        ATTNVIZ_ASSERT(t.bytes.size() == t.end - t.begin);
        ATTNVIZ_ASSERT(t.bytes.size() == t.numel * dtype_size(t.dtype));
        if (!t.bytes.empty()) g_sink = t.bytes.front() ^ t.bytes.back();
        cursor = t.end;
    }
    if (!layout.tensors.empty())
        ATTNVIZ_ASSERT(layout.tensors.back().bytes.data() + layout.tensors.back().bytes.size() == file.data() + file.size());
    return 0;
}
