#include "ui/trace_panels.hpp"
#include "ui/views.hpp"

#include "core/model.hpp"
#include "core/positional.hpp"
#include "core/rng.hpp"

#include <imgui.h>

#include <cmath>

namespace attnviz {
namespace {

constexpr int kPositions = 96;  // past the learned table's 64, so its end is visible

void rebuild(UiContext& ctx) {
    const Trace& t = ctx.state.trace;
    const Config& c = t.config;
    ctx.positional_generation = ctx.state.generation;
    ctx.pe_table = sinusoidal_pe(kPositions, c.d_model);                                // [P, d]
    ctx.pe_similarity = ctx.pe_table * ctx.pe_table.transpose() / static_cast<float>(c.d_model);  // [P, P]
    ctx.learned_table = learned_pe(make_weights(c).learned_pe, kPositions);             // [P, d]
    ctx.learned_mask = MatRM::Ones(kPositions, c.d_model);
    ctx.learned_mask.bottomRows(kPositions - Limits::learned_length).setZero();
    const int pairs = std::max(1, c.d_k / 2);
    ctx.rope_angles.resize(kPositions, pairs);  // cos(p·θ_i): [P, d_k/2]
    for (int p = 0; p < kPositions; ++p)
        for (int i = 0; i < pairs; ++i)
            ctx.rope_angles(p, i) = static_cast<float>(std::cos(p * rope_theta(i, std::max(2, c.d_k), c.rope_base)));
}

// q·k after RoPE at absolute positions (start + offset, start) for several starts: the curves
// coincide because the rotated dot product depends only on the offset.
void rope_offset_plot(const Config& c, ImVec2 size) {
    const int d = std::max(2, c.d_k - c.d_k % 2);
    Rng rng(stream_seed(c.seed, "rope-demo"));
    MatRM q(1, d), k(1, d);
    for (int j = 0; j < d; ++j) {
        q(0, j) = static_cast<float>(rng.normal());
        k(0, j) = static_cast<float>(rng.normal());
    }
    constexpr int kMaxOffset = 48;
    const int starts[] = {0, 10, 40};
    const ImU32 colours[] = {IM_COL32(255, 190, 60, 255), IM_COL32(90, 200, 255, 255), IM_COL32(230, 90, 160, 255)};
    std::vector<std::vector<float>> curves;
    float lo = 0, hi = 0;
    for (int s : starts) {
        std::vector<float> ys;
        const MatRM kr = apply_rope(k, c.rope_base, c.rope_style, s);
        for (int off = 0; off <= kMaxOffset; ++off) {
            const float y = (apply_rope(q, c.rope_base, c.rope_style, s + off) * kr.transpose())(0, 0);
            ys.push_back(y);
            lo = std::min(lo, y);
            hi = std::max(hi, y);
        }
        curves.push_back(std::move(ys));
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 p1(p0.x + size.x, p0.y + size.y);
    dl->AddRectFilled(p0, p1, IM_COL32(30, 30, 34, 255));
    const float span = hi > lo ? hi - lo : 1.0f;
    auto to_screen = [&](int off, float y) {
        return ImVec2(p0.x + 40 + (size.x - 50) * off / kMaxOffset, p1.y - 20 - (size.y - 40) * (y - lo) / span);
    };
    dl->AddLine(to_screen(0, 0), to_screen(kMaxOffset, 0), IM_COL32(120, 120, 120, 255));
    for (std::size_t s = 0; s < curves.size(); ++s) {
        for (int off = 1; off <= kMaxOffset; ++off)
            dl->AddLine(to_screen(off - 1, curves[s][static_cast<std::size_t>(off - 1)]),
                        to_screen(off, curves[s][static_cast<std::size_t>(off)]), colours[s], s == 0 ? 4.0f : 1.5f);
        const std::string label = "key at position " + std::to_string(starts[s]);
        dl->AddText(ImVec2(p1.x - 190, p0.y + 6 + 18 * s), colours[s], label.c_str());
    }
    dl->AddText(ImVec2(p0.x + 40, p1.y - 18), IM_COL32(180, 180, 180, 255), "offset m − n  →");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(hi));
    dl->AddText(ImVec2(p0.x + 2, p0.y + 2), IM_COL32(180, 180, 180, 255), buf);
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(lo));
    dl->AddText(ImVec2(p0.x + 2, p1.y - 36), IM_COL32(180, 180, 180, 255), buf);
    ImGui::Dummy(size);
}

}  // namespace

void draw_positional_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Config& c = st.trace.config;
    if (ctx.positional_generation != st.generation) rebuild(ctx);
    const std::vector<std::string> positions = dim_labels(kPositions, "p");
    ImGui::TextDisabled("current scheme: %s.  Tables below use d_model = %d, d_k = %d, RoPE base %g.",
                        std::string(to_string(c.positional)).c_str(), c.d_model, c.d_k, c.rope_base);
    PanelGrid grid(3, 300.0f, 0.5f);
    HeatmapSpec pe = features_spec(st, "pe_table", "sinusoidal PE [position × dim]", ctx.pe_table, &positions, 2000);
    pe.rows_are_tokens = false;
    pe.row_axis = "position";
    draw_heatmap(ctx, pe, grid.cell);
    grid.next();
    HeatmapSpec sim = features_spec(st, "pe_sim", "PE·PEᵀ / d: similarity depends on |p − q|", ctx.pe_similarity, &positions, 2001);
    sim.rows_are_tokens = false;
    sim.row_axis = "position";
    sim.col_axis = "position";
    sim.col_labels = &positions;
    draw_heatmap(ctx, sim, grid.cell);
    grid.next();
    HeatmapSpec learned = features_spec(st, "learned", "learned PE: trained length 64 (hatched = no trained position)",
                                        ctx.learned_table, &positions, 2002);
    learned.mask = &ctx.learned_mask;
    learned.rows_are_tokens = false;
    learned.row_axis = "position";
    draw_heatmap(ctx, learned, grid.cell);

    ImGui::Separator();
    PanelGrid lower(2, 300.0f);
    HeatmapSpec rope = features_spec(st, "rope_angles", "RoPE: cos(p·θ_i), θ_i = base^(−2i/d_k)", ctx.rope_angles, &positions, 2003);
    rope.rows_are_tokens = false;
    rope.row_axis = "position";
    rope.col_axis = "pair i";
    draw_heatmap(ctx, rope, lower.cell);
    lower.next();
    ImGui::BeginGroup();
    ImGui::TextUnformatted("RoPE: q·k against the offset m − n, for keys at three absolute positions");
    ImGui::TextDisabled("The three curves lie on top of each other: the score depends only on the offset.");
    rope_offset_plot(c, ImVec2(lower.cell.x, lower.cell.y - 2.5f * ImGui::GetTextLineHeightWithSpacing()));
    ImGui::EndGroup();
}

}  // namespace attnviz
