// config.json's text → parse_hf_config. Refusals are ConfigError. An accepted config must make
// what load_hf_model builds from it before reading any tensor: a valid block configuration and
// stack architecture (resolve_sizes and resolve_arch refuse nothing parse_hf_config let through).

#include "core/hf_model.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return -1;
    HfConfig c;
    try {
        c = parse_hf_config(fuzz::as_text(data, size), "config.json");
    } catch (const ConfigError& e) {
        fuzz::check_refusal(e);
        return 0;
    }
    const Config block = resolve_sizes(block_config(c));
    resolve_arch(stack_arch(c), block.d_model);
    ATTNVIZ_ASSERT(load_bytes_needed(c) >= parameter_count(c));
    return 0;
}
