#include "ui/soft_wrap.hpp"

#include <algorithm>

namespace attnviz {

SoftWrap soft_wrap(std::string_view text, float width, const MeasureText& measure) {
    SoftWrap w;
    w.shown.assign(text);
    w.soft.assign(text.size(), 0);
    std::size_t line = 0;  // start of the current (possibly soft) line
    std::size_t space = std::string_view::npos;  // last space on it: where it may break
    for (std::size_t p = 0; p <= text.size(); ++p) {
        const bool end = p == text.size() || text[p] == '\n';
        if (!end && text[p] != ' ') continue;
        // A word ends at p: if the line no longer fits, break at the space before that word.
        if (space != std::string_view::npos && measure(text.substr(line, p - line)) > width) {
            w.shown[space] = '\n';
            w.soft[space] = 1;
            line = space + 1;
        }
        space = p;
        if (end) {
            line = p + 1;
            space = std::string_view::npos;
        }
    }
    return w;
}

std::string unwrapped(const SoftWrap& w) {
    std::string out = w.shown;
    for (std::size_t i = 0; i < out.size() && i < w.soft.size(); ++i)
        if (w.soft[i]) out[i] = ' ';
    return out;
}

std::string unwrap_edit(const SoftWrap& before, std::string_view after) {
    const std::string_view old = before.shown;
    const std::size_t limit = std::min(old.size(), after.size());
    std::size_t prefix = 0;
    while (prefix < limit && old[prefix] == after[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < limit - prefix && old[old.size() - 1 - suffix] == after[after.size() - 1 - suffix]) ++suffix;
    std::string out(after);
    auto soft_at = [&](std::size_t i) { return i < before.soft.size() && before.soft[i]; };
    for (std::size_t i = 0; i < prefix; ++i)
        if (soft_at(i)) out[i] = ' ';
    for (std::size_t k = 0; k < suffix; ++k)
        if (soft_at(old.size() - suffix + k)) out[after.size() - suffix + k] = ' ';
    return out;
}

}  // namespace attnviz
