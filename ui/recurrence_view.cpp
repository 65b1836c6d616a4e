#include "ui/line_plot.hpp"
#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include "core/cost_model.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {

namespace {

constexpr int kHidden = 32;

void refresh(UiContext& ctx) {
    RecurrenceViewState& v = ctx.recurrence;
    const AppState& st = ctx.state;
    if (v.generation == st.generation) return;
    v.generation = st.generation;
    v.rnn = run_recurrence(st.trace.X_in, kHidden, st.trace.config.seed);
    v.steps.clear();
    for (int t = 0; t < st.trace.n; ++t) v.steps.push_back(static_cast<float>(t));
    const float first = v.rnn.first_token_influence.empty() ? 1.0f : v.rnn.first_token_influence.front();
    v.rnn_influence.clear();
    for (float x : v.rnn.first_token_influence) v.rnn_influence.push_back(first > 0 ? x / first : 0.0f);
    // Relative to an even split over the keys the query sees, so the plain 1/t of a causal row
    // spreading over more keys does not read as forgetting.
    v.attention_first = attention_on_first_token(st.trace);
    for (int t = 0; t < st.trace.n; ++t)
        v.attention_first[static_cast<std::size_t>(t)] *= st.trace.mask.row(t).sum();
}

}  // namespace

// A toy RNN on the same embeddings next to attention: n sequential steps against one, and a
// first-token signal that fades through the recurrence but is one weight away in attention.
void draw_recurrence_view(UiContext& ctx) {
    refresh(ctx);
    const AppState& st = ctx.state;
    const Trace& t = st.trace;
    const RecurrenceViewState& v = ctx.recurrence;
    caption("An RNN reads the sentence left to right: h_t = tanh(W_x x_t + W_h h_{t−1}) needs h_{t−1} first, so "
            "n tokens take n steps one after another, and token 0 reaches h_t only through t multiplications "
            "by W_h and tanh′ — its influence fades. Attention computes every row at once, and any query reads "
            "any key through one weight, whatever the distance.");
    const LayerComparison cmp = compare_layers(t.n, t.config.d_model);
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    ImGui::Text("\"Attention Is All You Need\", Table 1, with this input: n = %d tokens, d = %d, kernel k = %d", t.n, t.config.d_model, cmp.k);
    if (ImGui::BeginTable("table1", 4, flags)) {
        for (const char* h : {"layer", "work per layer", "sequential operations", "longest path between tokens"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const Table1Row& r : cmp.rows()) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(std::string(r.layer).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%s = %s", std::string(r.complexity).c_str(), count_text(r.ops).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%s = %.0f", std::string(r.sequential).c_str(), r.sequential_ops);
            ImGui::TableNextColumn();
            ImGui::Text("%s = %.0f", std::string(r.path).c_str(), r.path_length);
        }
        ImGui::EndTable();
    }
    caption(t.n < t.config.d_model
                ? "Here n < d, so attention is also the cheaper layer; past n = d its n² term takes over — the "
                  "reason for the KV cache, FlashAttention and sparse patterns in the other tabs."
                : "Here n ≥ d: attention's n²·d work exceeds the RNN's n·d², the price of its one-step paths.");

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float h = remaining_height();
    const float w_states = std::clamp(w * 0.45f, 300.0f, w - 300.0f);
    HeatmapSpec hs{"rnn_states", "RNN hidden states h_t  [" + dims(v.rnn.H) + "]: row t needs row t−1", v.rnn.H};
    hs.look = signed_look(v.rnn.H, nullptr);
    hs.row_labels = &t.tokens;
    hs.cols_are_tokens = false;
    hs.col_axis = "unit";
    hs.row_axis = "step t";
    hs.tall_rows = true;  // 32 unit columns make narrow cells: every step still gets its label
    hs.data_key = key_of({st.generation, 31});
    draw_heatmap(ctx, hs, ImVec2(w_states, h));
    ImGui::SameLine();
    LinePlotSpec plot = plot_spec("rnn_influence", "how strongly token 0 reaches position t", v.steps, "position t", true);
    plot.y_min = 0.0f;
    plot.series.push_back({"RNN: ‖∂h_t/∂x_0‖ relative to t = 0 (t steps away)", v.rnn_influence, series_colour(0), 2.0f,
                           t.n <= 32});
    plot.series.push_back({"attention: A[t, 0] × visible keys (1 = an even share), mean over heads (1 step away)", v.attention_first, series_colour(1),
                           2.0f, t.n <= 32});
    draw_line_plot(plot, ImVec2(w - w_states - gap, h));
}

}  // namespace attnviz
