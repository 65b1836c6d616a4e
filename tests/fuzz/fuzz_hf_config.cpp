// config.json's text → parse_hf_config, then what load_hf_model derives from an accepted config
// before it reads any tensor: the block's and the stack's configuration, resolved, and the
// parameter count. Refusals are ConfigError.

#include "core/hf_model.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return -1;
    try {
        const HfConfig c = parse_hf_config(fuzz::as_text(data, size), "config.json");
        ATTNVIZ_ASSERT(load_bytes_needed(c) >= parameter_count(c));
        const Config block = resolve_sizes(block_config(c));
        resolve_arch(stack_arch(c), block.d_model);
    } catch (const ConfigError& e) {
        fuzz::check_refusal(e);
        return 0;
    }
    return 0;
}
