#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {

namespace {
constexpr int kMaxSparseTokens = 1024;
}  // namespace

// Full vs sliding window vs strided vs global tokens on this input: each pattern's weights for
// the detail head, how far its output moves from full attention, and how many pairs it scores.
void draw_sparse_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    SparseViewState& v = ctx.sparse;
    caption("Local and sparse attention score only some (query, key) pairs, so the cost grows like n·w instead "
            "of n². The price is that a token outside the pattern cannot be read in one step: the outputs "
            "move away from full attention, by the amounts shown under each panel.");
    ImGui::SetNextItemWidth(120);
    ImGui::SliderInt("window w", &v.window, 1, std::max(1, t.m));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(120);
    ImGui::SliderInt("stride s", &v.stride, 1, std::max(1, t.m));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(120);
    ImGui::SliderInt("global tokens", &v.globals, 0, std::max(0, t.m));
    if (t.n > kMaxSparseTokens || t.m > kMaxSparseTokens) {
        // Four patterns × every head × n × m weights: past this the comparison would take gigabytes.
        note(kWarnColour, "the pattern comparison runs up to " + std::to_string(kMaxSparseTokens) + " tokens; this text has " +
                              std::to_string(std::max(t.n, t.m)));
        return;
    }
    const int a = st.detail_head;
    const std::uint64_t key = key_of({st.generation, u64(v.window), u64(v.stride), u64(v.globals)});
    if (key != v.key) {
        v.key = key;
        v.results.clear();
        v.error.clear();
        try {
            for (Pattern p : kPatterns) v.results.push_back(compare_pattern(t, PatternSpec{p, v.window, v.stride, v.globals}));
        } catch (const ConfigError& e) {
            v.error = e.what();
        }
    }
    if (!v.error.empty()) {
        note(kWarnColour, v.error);
        return;
    }
    ImGui::SameLine();
    ImGui::TextDisabled("   head %d (1–9 to change)", a);
    const auto& keys = t.config.cross() ? t.source_tokens : t.tokens;
    PanelGrid grid(static_cast<int>(v.results.size()), 240.0f);
    const float text_h = ImGui::GetTextLineHeightWithSpacing() * 2.2f;
    for (std::size_t k = 0; k < v.results.size(); ++k) {
        if (k) grid.next();
        const PatternResult& r = v.results[k];
        ImGui::BeginGroup();
        HeatmapSpec s{"sparse_" + std::to_string(k), std::string(to_string(r.spec.pattern)) + "  head " + std::to_string(a),
                      r.weights[static_cast<std::size_t>(a)]};
        s.mask = &r.mask;
        s.look = weights_look();
        s.row_labels = &t.tokens;
        s.col_labels = &keys;
        s.data_key = key_of({v.key, u64(a), u64(static_cast<int>(k))});
        draw_heatmap(ctx, s, ImVec2(grid.cell.x, grid.cell.y - text_h));
        const double share = r.full_pairs > 0 ? 100.0 * static_cast<double>(r.scored_pairs) / static_cast<double>(r.full_pairs) : 0.0;
        ImGui::TextColored(kNoteColour, "max |ΔO| = %.3g   pairs %lld of %lld (%.0f%%)",
                           static_cast<double>(r.max_output_error), r.scored_pairs, r.full_pairs, share);
        ImGui::TextDisabled("%s", describe(r.spec).c_str());
        ImGui::EndGroup();
    }
}

}  // namespace attnviz
