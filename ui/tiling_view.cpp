#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace attnviz {

namespace {

void refresh(UiContext& ctx) {
    TilingViewState& v = ctx.tiling;
    const Trace& t = ctx.state.trace;
    const int a = ctx.state.detail_head;
    // At most 64 × 64 tiles: a replay records every tile, and more would not fit on screen.
    v.block_q = std::clamp(v.block_q, (t.n + 63) / 64, std::max(1, t.n));
    v.block_k = std::clamp(v.block_k, (t.m + 63) / 64, std::max(1, t.m));
    const std::uint64_t key = key_of({ctx.state.generation, u64(a), u64(v.block_q), u64(v.block_k)});
    if (key != v.key) {
        // A new replay starts from its first tile; the very first one keeps a --tile request.
        if (v.key != ~0ULL) v.tile = 0;
        v.key = key;
        v.replay = tiled_replay(t, a, v.block_q, v.block_k);
        v.max_error = (v.replay.output - t.head_outputs[static_cast<std::size_t>(a)]).cwiseAbs().maxCoeff();
        v.partial_tile = -1;
    }
    const int count = static_cast<int>(v.replay.tiles.size());
    v.tile = std::clamp(v.tile, 0, count);
    if (v.partial_tile == v.tile) return;
    // Each row's O / ℓ after the last tile of its block that has run so far.
    v.partial_tile = v.tile;
    const int d_v = static_cast<int>(v.replay.output.cols());
    v.partial = MatRM::Zero(t.n, d_v);
    v.partial_mask = MatRM::Zero(t.n, d_v);
    for (int k = 0; k < v.tile; ++k) {
        const TileRecord& r = v.replay.tiles[static_cast<std::size_t>(k)];
        for (int i = r.q0; i < r.q1; ++i) {
            const float l = r.l_after[static_cast<std::size_t>(i - r.q0)];
            if (l <= 0.0f) continue;
            v.partial.row(i) = r.O_after.row(i - r.q0) / l;
            v.partial_mask.row(i).setOnes();
        }
    }
}

}  // namespace

// FlashAttention's loop on this input: tiles of Br queries × Bc keys, a running max m and sum ℓ
// per row, and the accumulator rescaled by exp(m_old − m_new) whenever a tile raises the max.
void draw_tiling_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    TilingViewState& v = ctx.tiling;
    refresh(ctx);
    caption("The exact path writes the whole n × m score matrix, then softmaxes it. The tiled path never does: "
            "it streams key blocks past each query block, keeping per row only the running max m, the running sum "
            "ℓ = Σ exp(z − m) and an unnormalised output O. When a tile raises the max, what was summed so far is "
            "multiplied by exp(m_old − m_new), so the end result O / ℓ is exactly softmax(z)·V.");
    const int a = st.detail_head;
    ImGui::SetNextItemWidth(120);
    if (ImGui::SliderInt("Br (query rows)", &v.block_q, 1, std::max(1, t.n))) v.key = ~0ULL;
    flow(field_width(120, "Bc (keys)"));
    ImGui::SetNextItemWidth(120);
    if (ImGui::SliderInt("Bc (keys)", &v.block_k, 1, std::max(1, t.m))) v.key = ~0ULL;
    flow(field_width(120, "head"));
    ImGui::SetNextItemWidth(120);
    int head = a;
    if (ImGui::SliderInt("head", &head, 0, t.config.n_heads - 1)) st.select_head(head);
    refresh(ctx);
    const int count = static_cast<int>(v.replay.tiles.size());
    // The stepper moves as one piece: both arrows and End wrap together.
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    flow(2.0f * (ImGui::GetFrameHeight() + spacing) + button_width("End"));
    if (ImGui::ArrowButton("##prev_tile", ImGuiDir_Left)) v.tile = std::max(0, v.tile - 1);
    ImGui::SameLine();
    if (ImGui::ArrowButton("##next_tile", ImGuiDir_Right)) v.tile = std::min(count, v.tile + 1);
    ImGui::SameLine();
    if (ImGui::Button("End")) v.tile = count;
    const std::string where = format("tile %d of %d  (← / → keys)", v.tile, count);
    flow(text_width(where.c_str()));
    ImGui::TextDisabled("%s", where.c_str());
    refresh(ctx);

    const bool finished = v.tile >= count;
    const TileRecord* cur = finished ? nullptr : &v.replay.tiles[static_cast<std::size_t>(v.tile)];
    const ExtraMemory mem = attention_extra_memory(t.n, t.m, t.config.d_v, v.block_q, v.block_k);
    ImGui::PushFont(ctx.fonts.title);
    if (cur) {
        ImGui::Text("next: queries %d…%d × keys %d…%d%s", cur->q0, cur->q1 - 1, cur->k0, cur->k1 - 1,
                    cur->skipped ? "  — every pair masked: skipped, nothing computed" : "");
    } else {
        ImGui::TextColored(kNoteColour, "done: max |exact − tiled| = %.3g over head %d's output", static_cast<double>(v.max_error), a);
    }
    ImGui::PopFont();
    ImGui::TextDisabled("extra memory per head: exact %s (scores + weights, n × m each) · tiled %s (one Br × Bc tile, "
                        "Br × d_v accumulator, m and ℓ)",
                        bytes_text(static_cast<double>(mem.exact_bytes)).c_str(),
                        bytes_text(static_cast<double>(mem.tiled_bytes)).c_str());

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float top_h = remaining_height() * 0.62f;
    const float w_weights = std::clamp(heatmap_width(t.n, t.m, top_h), 260.0f, w * 0.5f);
    HeatmapSpec ws = weights_spec(st, a, "_tiling");
    ws.title = "A head " + std::to_string(a) + " (exact, for reference) — orange: the tile about to run";
    if (cur) ws.outline = CellRect{cur->q0, cur->q1, cur->k0, cur->k1};
    draw_heatmap(ctx, ws, ImVec2(w_weights, top_h));
    ImGui::SameLine();
    HeatmapSpec ps{"tiling_partial", "O / ℓ so far  [" + dims(v.partial) + "]  (hatched: row has seen no key yet)",
                   v.partial};
    ps.mask = &v.partial_mask;
    ps.look = signed_look(st.trace.head_outputs[static_cast<std::size_t>(a)], nullptr);
    ps.row_labels = &t.tokens;
    ps.cols_are_tokens = false;
    ps.col_axis = "dim";
    ps.data_key = key_of({v.key, u64(v.tile), 7});
    if (cur) ps.outline = CellRect{cur->q0, cur->q1, 0, static_cast<int>(v.partial.cols())};
    draw_heatmap(ctx, ps, ImVec2(w - w_weights - gap, top_h));

    // The current tile's rows: what the tile does to m, ℓ and the accumulator.
    if (!cur) {
        caption("Every tile has run. Rows of the output were finalised one query block at a time, each as O / ℓ.");
        return;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY;
    if (ImGui::BeginTable("tile_rows", 6, flags, ImVec2(0, remaining_height()))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        for (const char* h : {"query", "m before", "m after", "rescale exp(m_old − m_new)", "ℓ before", "ℓ after"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        // The record of the tile about to run holds its state after running: show both sides.
        for (int i = cur->q0; i < cur->q1; ++i) {
            const auto r = static_cast<std::size_t>(i - cur->q0);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%d '%s'", i, t.tokens[static_cast<std::size_t>(i)].c_str());
            auto cell = [](float x) {
                ImGui::TableNextColumn();
                if (std::isinf(x)) ImGui::TextUnformatted("−∞");
                else ImGui::Text("%.4f", static_cast<double>(x));
            };
            cell(cur->m_before[r]);
            cell(cur->m_after[r]);
            ImGui::TableNextColumn();
            const bool first = std::isinf(cur->m_before[r]);
            if (first) ImGui::TextUnformatted("— (first keys)");
            else ImGui::Text("%.4f", static_cast<double>(cur->rescale[r]));
            cell(cur->l_before[r]);
            cell(cur->l_after[r]);
        }
        ImGui::EndTable();
    }
}

}  // namespace attnviz
