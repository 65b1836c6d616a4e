#include "ui/line_plot.hpp"
#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace attnviz {

namespace {

constexpr int kSamples = 10000, kKeys = 16;
const char* const kMetricNames[] = {"mean row entropy (nats)", "mean largest weight", "‖softmax Jacobian‖_F"};
const char* const kScaleNames[] = {"÷√d_k", "÷d_k", "no scaling"};

void adopt(SqrtDkViewState& v) {
    v.lab = v.pending.get();
    v.ready = true;
    for (const SqrtDkRow& r : v.lab.rows) {
        v.log2_dk.push_back(static_cast<float>(std::log2(r.d_k)));
        v.var_raw.push_back(static_cast<float>(r.var_raw));
        v.var_scaled.push_back(static_cast<float>(r.var_scaled));
        v.expected.push_back(static_cast<float>(r.d_k));
        for (int s = 0; s < 3; ++s) {
            v.metric[0][s].push_back(static_cast<float>(r.entropy[s]));
            v.metric[1][s].push_back(static_cast<float>(r.max_weight[s]));
            v.metric[2][s].push_back(static_cast<float>(r.jacobian[s]));
        }
    }
}

void build_histogram(SqrtDkViewState& v) {
    v.hist_index = std::clamp(v.hist_index, 0, static_cast<int>(v.lab.histograms.size()) - 1);
    if (v.hist_built == v.hist_index) return;
    v.hist_built = v.hist_index;
    const Histogram& h = v.lab.histograms[static_cast<std::size_t>(v.hist_index)];
    const int bins = static_cast<int>(h.raw.size());
    const double width = (h.hi - h.lo) / bins;
    v.bin_centres.clear();
    v.hist_raw.clear();
    v.hist_scaled.clear();
    for (int b = 0; b < bins; ++b) {
        v.bin_centres.push_back(static_cast<float>(h.lo + (b + 0.5) * width));
        v.hist_raw.push_back(static_cast<float>(h.raw[static_cast<std::size_t>(b)]) / static_cast<float>(v.lab.samples));
        v.hist_scaled.push_back(static_cast<float>(h.scaled[static_cast<std::size_t>(b)]) / static_cast<float>(v.lab.samples));
    }
}

}  // namespace

// Why QKᵀ is divided by √d_k: the measured variance, the score histograms and what the three
// scalings do to softmax rows, plus a scale slider on the live input.
void draw_sqrt_dk_view(UiContext& ctx) {
    SqrtDkViewState& v = ctx.sqrt_dk;
    if (!v.ready && !v.pending.valid()) {
        v.pending = std::async(std::launch::async, [] { return run_sqrt_dk_lab(default_d_ks(), kSamples, kKeys, 42); });
    }
    // A screenshot waits for the experiment; the live app keeps drawing while it runs.
    if (!v.ready && (ctx.headless || v.pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready)) adopt(v);
    note(kNoteColour, sqrt_dk_derivation());
    if (!v.ready) {
        ImGui::TextDisabled("drawing %d (q, k) pairs for each d_k = 1 … 1024 …", kSamples);
        return;
    }
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float row_h = remaining_height() * 0.5f - ImGui::GetFrameHeightWithSpacing();
    const float third = (w - 2 * gap) / 3.0f;

    LinePlotSpec var = plot_spec("sqrtdk_var", "Var(q·k) against log₂ d_k, " + std::to_string(kSamples) + " samples each", v.log2_dk, "log₂ d_k");
    var.series.push_back({"d_k (theory)", v.expected, IM_COL32(150, 150, 150, 255), 1.0f, false});
    var.series.push_back({"unscaled: grows like d_k", v.var_raw, series_colour(0), 2.0f, true});
    var.series.push_back({"÷√d_k: stays at 1", v.var_scaled, series_colour(1), 2.0f, true});
    draw_line_plot(var, ImVec2(third, row_h + ImGui::GetFrameHeightWithSpacing()));
    ImGui::SameLine();

    ImGui::BeginGroup();
    build_histogram(v);
    ImGui::SetNextItemWidth(third * 0.5f);
    const int d_k = v.lab.rows[static_cast<std::size_t>(v.hist_index)].d_k;
    if (ImGui::SliderInt("histogram d_k", &v.hist_index, 0, static_cast<int>(v.lab.rows.size()) - 1,
                         ("d_k = " + std::to_string(d_k)).c_str()))
        build_histogram(v);
    LinePlotSpec hist = plot_spec("sqrtdk_hist", "share of scores per bin at d_k = " + std::to_string(d_k), v.bin_centres, "score");
    hist.y_min = 0.0f;
    hist.series.push_back({"q·k (spread √d_k)", v.hist_raw, series_colour(0), 2.0f, false});
    hist.series.push_back({"q·k / √d_k (spread 1)", v.hist_scaled, series_colour(1), 2.0f, false});
    draw_line_plot(hist, ImVec2(third, row_h));
    ImGui::EndGroup();
    ImGui::SameLine();

    ImGui::BeginGroup();
    ImGui::SetNextItemWidth(third * 0.6f);
    ImGui::Combo("##metric", &v.metric_shown, kMetricNames, 3);
    LinePlotSpec m = plot_spec("sqrtdk_metric", std::string(kMetricNames[v.metric_shown]) + ", rows of " + std::to_string(kKeys) + " keys", v.log2_dk, "log₂ d_k");
    m.y_min = 0.0f;
    for (int s = 0; s < 3; ++s)
        m.series.push_back({kScaleNames[s], v.metric[v.metric_shown][s], series_colour(s), s == 0 ? 2.5f : 1.5f, true});
    draw_line_plot(m, ImVec2(third, row_h));
    ImGui::EndGroup();

    // The live input: the detail head's weights as the multiplier moves.
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const int a = st.detail_head;
    ImGui::SetNextItemWidth(260);
    ImGui::SliderFloat("× the scale on this input", &v.slider, 0.0f, 20.0f, "%.2f×", ImGuiSliderFlags_Logarithmic);
    const float multiplier = t.multiplier * v.slider;
    const std::uint64_t key = key_of({st.generation, u64(a), static_cast<std::uint64_t>(v.slider * 1000.0f)});
    if (key != v.key) {
        v.key = key;
        v.scaled = weights_at_multiplier(t, a, multiplier);
    }
    ImGui::SameLine();
    ImGui::TextColored(kNoteColour, "head %d: multiplier %.4g → mean entropy %.3f nats, mean largest weight %.3f", a,
                       static_cast<double>(multiplier), static_cast<double>(v.scaled.mean_entropy),
                       static_cast<double>(v.scaled.mean_max_weight));
    HeatmapSpec s{"sqrtdk_live", "A head " + std::to_string(a) + " at " + num(v.slider, "%.2f") + "× the scale", v.scaled.weights};
    s.mask = &t.mask;
    s.look = weights_look();
    s.row_labels = &t.tokens;
    s.col_labels = t.config.cross() ? &t.source_tokens : &t.tokens;
    s.data_key = key;
    const float h = remaining_height();
    draw_heatmap(ctx, s, ImVec2(std::min(w, heatmap_width(t.n, t.m, h)), h));
}

}  // namespace attnviz
