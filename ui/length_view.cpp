#include "ui/line_plot.hpp"
#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace attnviz {

namespace {

MatRM to_matrix(const std::vector<std::vector<float>>& rows) {
    const auto n = static_cast<Eigen::Index>(rows.size());
    MatRM m(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) m(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
    return m;
}

void refresh(UiContext& ctx) {
    LengthViewState& v = ctx.length;
    const double base = ctx.state.trace.config.rope_base;
    const std::uint64_t key = key_of({u64(v.trained_length), u64(v.max_length),
                                      static_cast<std::uint64_t>(v.long_base), static_cast<std::uint64_t>(base)});
    if (key == v.key) return;
    v.key = key;
    try {
        v.lab = run_extrapolation_lab(v.trained_length, v.max_length, base, v.long_base, ctx.state.trace.config.seed);
        v.error.clear();
    } catch (const ConfigError& e) {
        v.error = e.what();
        return;
    }
    v.t.clear();
    for (int p : v.lab.positions) v.t.push_back(static_cast<float>(p));
    v.sinusoidal = v.lab.sinusoidal;
    v.rope = v.lab.rope;
    v.rope_long = v.lab.rope_long_base;
    v.learned = v.lab.learned;
    v.alibi = v.lab.alibi;
    const std::vector<double> a = rope_wavelengths(64, base), b = rope_wavelengths(64, v.long_base);
    v.pairs.clear();
    v.wave_short.clear();
    v.wave_long.clear();
    for (std::size_t i = 0; i < a.size(); ++i) {
        v.pairs.push_back(static_cast<float>(i));
        v.wave_short.push_back(static_cast<float>(std::log10(a[i])));
        v.wave_long.push_back(static_cast<float>(std::log10(b[i])));
    }
    v.learned_weights = to_matrix(v.lab.weights_learned);
    v.rope_weights = to_matrix(v.lab.weights_rope);
    v.sinusoidal_weights = to_matrix(v.lab.weights_sinusoidal);
    v.alibi_weights = to_matrix(v.lab.weights_alibi);
    // Causal rows. Past L the learned head still has weights (spread out: nothing to match), as
    // its line plot shows them: those rows are framed, not hatched.
    const int T = v.max_length;
    v.causal_mask = MatRM::Zero(T, T);
    for (int i = 0; i < T; ++i) v.causal_mask.row(i).head(i + 1).setOnes();
}

}  // namespace

// Positions past the trained length: one positional pattern (look one token back) built into a
// head under each scheme, read at every length.
void draw_length_view(UiContext& ctx) {
    LengthViewState& v = ctx.length;
    caption("A learned position table has exactly L rows: past the trained length there is no embedding at all (the "
            "model adds zeros here), so a head that found 'the previous token' by its table rows has nothing to "
            "match and spreads its weight. Sinusoids exist at every position and RoPE makes q·k depend only on the "
            "offset, so the same pattern holds at any length; ALiBi's recency bias is the same at every length too, "
            "but it cannot point at one offset. Here sinusoidal and RoPE coincide because the head is built to use "
            "the rotation exactly; a trained model must learn that rotation from added sinusoids, while RoPE has it "
            "built in.");
    ImGui::SetNextItemWidth(140);
    ImGui::SliderInt("trained length L", &v.trained_length, 4, 64);
    flow(field_width(140, "longest sequence"));
    ImGui::SetNextItemWidth(140);
    ImGui::SliderInt("longest sequence", &v.max_length, v.trained_length + 1, 256);
    flow(field_width(180, "second RoPE base"));
    ImGui::SetNextItemWidth(180);
    ImGui::SliderFloat("second RoPE base", &v.long_base, 1000.0f, 1e6f, "%.0f", ImGuiSliderFlags_Logarithmic);
    v.max_length = std::max(v.max_length, v.trained_length + 1);
    refresh(ctx);
    if (!v.error.empty()) {
        note(kWarnColour, v.error);
        return;
    }
    const double base = ctx.state.trace.config.rope_base;
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float top_h = remaining_height() * 0.5f;

    LinePlotSpec p = plot_spec("length_weight", "weight on the previous token, query at position t", v.t, "query position t", true);
    p.y_min = 0.0f;
    p.y_max = 1.05f;
    p.series.push_back({"sinusoidal", v.sinusoidal, series_colour(1), 4.0f, false});
    p.series.push_back({"RoPE base " + num(base, "%.0f"), v.rope, series_colour(3), 2.0f, false});
    p.series.push_back({"RoPE base " + num(v.long_base, "%.0f"), v.rope_long, series_colour(4), 1.5f, false});
    p.series.push_back({"learned (table of L rows)", v.learned, series_colour(0), 2.5f, false});
    p.series.push_back({"ALiBi (m = 1)", v.alibi, series_colour(2), 2.0f, false});
    p.markers.push_back({static_cast<float>(v.trained_length), "L = " + std::to_string(v.trained_length)});
    draw_line_plot(p, ImVec2(w * 0.6f, top_h));
    ImGui::SameLine();
    LinePlotSpec wl = plot_spec("length_wavelengths", "RoPE wavelength per pair (log₁₀ positions), d_k = 64", v.pairs, "pair i", true);
    wl.series.push_back({"base " + num(base, "%.0f"), v.wave_short, series_colour(3), 2.0f, false});
    wl.series.push_back({"base " + num(v.long_base, "%.0f"), v.wave_long, series_colour(4), 2.0f, false});
    draw_line_plot(wl, ImVec2(w * 0.4f - gap, top_h));

    const float h = remaining_height();
    const int T = v.max_length;
    std::vector<std::string> labels;
    for (int i = 0; i < T; ++i) labels.push_back(std::to_string(i));
    auto spec = [&](const char* id, std::string title, const MatRM& m, const MatRM* mask) {
        HeatmapSpec s{id, std::move(title), m};
        s.mask = mask;
        s.look = weights_look();
        s.row_labels = &labels;
        s.col_labels = &labels;
        s.rows_are_tokens = s.cols_are_tokens = false;
        s.row_axis = "query position";
        s.col_axis = "key position";
        s.data_key = key_of({v.key, reinterpret_cast<std::uintptr_t>(id)});
        return s;
    };
    const float quarter = (w - 3 * gap) / 4;
    // Queries t > L read q_t = P(t − 1) from a table of L rows that has none: framed, where the
    // plot's learned curve has collapsed.
    HeatmapSpec learned = spec("length_learned", "learned (framed: t > L)", v.learned_weights,
                               &v.causal_mask);
    learned.outline = CellRect{std::min(v.trained_length + 1, T), T, 0, T};
    draw_heatmap(ctx, learned, ImVec2(quarter, h));
    ImGui::SameLine();
    draw_heatmap(ctx, spec("length_sin", "sinusoidal", v.sinusoidal_weights, &v.causal_mask), ImVec2(quarter, h));
    ImGui::SameLine();
    draw_heatmap(ctx, spec("length_rope", "RoPE", v.rope_weights, &v.causal_mask), ImVec2(quarter, h));
    ImGui::SameLine();
    draw_heatmap(ctx, spec("length_alibi", "ALiBi (m = 1)", v.alibi_weights, &v.causal_mask), ImVec2(quarter, h));
}

}  // namespace attnviz
