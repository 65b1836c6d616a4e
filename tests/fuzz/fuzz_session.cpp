// A session file's text → session_from_json (which also runs the model once to refuse a session
// that cannot run). Refusals are ConfigError or std::runtime_error, as documented. An accepted
// session must survive a save and load unchanged: what the app writes, it must read back.

#include "core/io/session.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <stdexcept>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return -1;
    Session s;
    try {
        s = session_from_json(fuzz::as_text(data, size));
    } catch (const ConfigError& e) {
        fuzz::check_refusal(e);
        return 0;
    } catch (const std::runtime_error& e) {
        fuzz::check_refusal(e);
        return 0;
    }
    ATTNVIZ_ASSERT(session_from_json(session_to_json(s)) == s);
    return 0;
}
