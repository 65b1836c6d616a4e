#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {

namespace {

// The cache's rows labelled by the tokens they hold.
std::vector<std::string> cache_labels(const Trace& t, const std::vector<int>& positions) {
    std::vector<std::string> out;
    for (int p : positions) out.push_back(std::to_string(p) + " " + t.tokens[static_cast<std::size_t>(p)]);
    return out;
}

// MHA / GQA / MQA buttons: each sets the K/V head count and says what it does to the cache.
void sharing_buttons(AppState& st) {
    const Config& c = st.trace.config;
    const int h = c.n_heads;
    const std::string why = st.forced_by("n_kv_heads");  // read once: Begin/EndDisabled must pair
    if (!why.empty()) ImGui::BeginDisabled();
    struct Choice {
        const char* name;
        int kv;
    };
    std::vector<Choice> choices = {{"MHA", h}};
    if (h >= 4 && h % 2 == 0) choices.push_back({"GQA", h / 2});
    if (h > 1) choices.push_back({"MQA", 1});
    for (const Choice& ch : choices) {
        const std::string label = format("%s (kv = %d)", ch.name, ch.kv);
        flow(button_width(label.c_str()));
        const bool on = c.n_kv_heads == ch.kv;
        if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.85f, 0.55f, 0.15f, 1));
        if (ImGui::Button(label.c_str())) {
            Config next = st.config;
            next.n_kv_heads = ch.kv;
            st.edit(next);
        }
        if (on) ImGui::PopStyleColor();
    }
    if (!why.empty()) {
        ImGui::EndDisabled();
        if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", why.c_str());
    }
}

}  // namespace

// Decoding one token at a time: the cache grows by one K row and one V row per step, and the
// step computes exactly one row of A, reading every cached key once.
void draw_decode_view(UiContext& ctx) {
    AppState& st = ctx.state;
    st.sync_decode();
    const Trace& t = st.trace;
    const Config& c = t.config;
    DecodeState& d = st.decode;
    caption("Generation runs the prompt once (prefill, all rows at once), then one token per step. Each step "
            "projects only the new token: its k and v are appended to the cache and its q is used once and "
            "dropped — no later token ever needs an old query, which is why K and V are cached and Q is not.");
    if (!d.decoder) {
        note(kWarnColour, d.error.empty() ? "decoding is unavailable for this configuration" : d.error);
        return;
    }
    const Decoder& dec = *d.decoder;

    // The controls record what to do and it happens once the view is drawn: a step changes
    // done() between BeginDisabled and EndDisabled, and a reset frees the decoder `dec` is.
    ImGui::SetNextItemWidth(160);
    int prefill = d.prefill;
    const bool reset = ImGui::SliderInt("prefill", &prefill, 1, std::max(1, t.n));
    ImGui::SameLine();
    const bool done = dec.done();
    if (done) ImGui::BeginDisabled();
    const bool step = ImGui::Button("Step ▶ (N)");
    ImGui::SameLine();
    const bool to_end = ImGui::Button("Run to end");
    if (done) ImGui::EndDisabled();
    ImGui::SameLine();
    const bool restart = ImGui::Button("Reset");
    // The label wraps with the first button, so it never ends a line on its own.
    flow(text_width("  K/V sharing:") + ImGui::GetStyle().ItemSpacing.x +
         button_width(format("MHA (kv = %d)", c.n_heads).c_str()));
    ImGui::TextDisabled("  K/V sharing:");
    sharing_buttons(st);

    const DecodeStep* last = dec.last_step();
    const int c_len = static_cast<int>(dec.cache_positions().size());
    const int h = c.n_heads, kv = c.n_kv_heads;
    ImGui::PushFont(ctx.fonts.title);
    if (last) {
        ImGui::Text("step t = %d ('%s'): q ∈ ℝ^(1×%d) per head · cache K, V ∈ ℝ^(%d×%d) per K/V head → one row of A",
                    last->position, t.tokens[static_cast<std::size_t>(last->position)].c_str(), c.d_k, c_len, c.d_k);
    } else {
        ImGui::Text("prefill: tokens 0…%d in one pass, cache K, V ∈ ℝ^(%d×%d) per K/V head", d.prefill - 1, c_len,
                    c.d_k);
    }
    ImGui::PopFont();
    const double ratio = d.macs_cached > 0 ? static_cast<double>(d.macs_recompute) / static_cast<double>(d.macs_cached) : 0.0;
    ImGui::Text("%s   layer %d's cache: %d entries × %d K/V head%s = %s", decode_progress(dec.position(), t.n).c_str(),
                st.layer, c_len, kv, kv == 1 ? "" : "s", bytes_text(static_cast<double>(dec.cache_bytes())).c_str());
    if (last) {
        ImGui::SameLine();
        ImGui::TextColored(kNoteColour, "   this step: %s MACs with the cache vs %s recomputing the prefix",
                           count_text(static_cast<double>(last->macs_cached)).c_str(),
                           count_text(static_cast<double>(last->macs_recompute)).c_str());
        ImGui::Text("all steps so far: %s vs %s MACs — the cache saves %.1f× the work", 
                    count_text(static_cast<double>(d.macs_cached)).c_str(),
                    count_text(static_cast<double>(d.macs_recompute)).c_str(), ratio);
    } else if (done) {
        ImGui::TextDisabled("the prefill covered every token: lower it to decode step by step");
    } else {
        ImGui::TextDisabled("press Step (or N) to decode token %d", dec.position());
    }
    // The cache of every layer, as this model would hold it at this length.
    try {
        const ModelShape m = st.model_shape();
        const long long entries = std::max(c_len, 1);
        std::string whole = format("all %d layers at %d entries: %s in fp32 as attnviz holds it", m.layers, c_len,
                                   bytes_text(kv_cache_bytes(m, entries, Precision::Fp32)).c_str());
        if (st.pretrained) {
            const std::string& dt = st.pretrained->dtype;
            if (dt == "BF16" || dt == "F16")
                whole += format(", %s in %s as its checkpoint stores it",
                                bytes_text(kv_cache_bytes(m, entries, Precision::Bf16)).c_str(), dt.c_str());
            const int longest = st.pretrained->config.max_positions;
            if (longest > 0)
                whole += format("; at its longest context (%d tokens) %s in %s", longest,
                                bytes_text(kv_cache_bytes(m, longest, dt == "F32" ? Precision::Fp32 : Precision::Bf16)).c_str(),
                                dt == "F32" ? "fp32" : dt.c_str());
        }
        caption(whole + " (2 · L · T · kv · d_head · bytes)");
    } catch (const ConfigError&) {
        // A toy stack the cost model cannot count (past its limits): the per-layer line above stands.
    }
    // Cache size under each sharing choice, at this cache length.
    std::string groups;
    for (int g = 0; g < kv; ++g) {
        std::string members;
        for (int a = 0; a < h; ++a)
            if (kv_head_of(a, h, kv) == g) members += (members.empty() ? "" : ",") + std::to_string(a);
        groups += (g ? "   " : "") + std::string("cache head ") + std::to_string(g) + " ← query heads " + members;
    }
    caption(groups + format("   (MHA would hold %s, MQA %s)",
                            bytes_text(static_cast<double>(h) * c_len * (c.d_k + c.d_v) * 4.0).c_str(),
                            bytes_text(1.0 * c_len * (c.d_k + c.d_v) * 4.0).c_str()));

    // Panels: A rows computed so far (detail head), the cache of the head it reads, the new q.
    const int a = st.detail_head, g = t.kv_head(a);
    const std::vector<std::string> labels = cache_labels(t, dec.cache_positions());
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float top_h = remaining_height();
    const float w_rows = std::clamp(heatmap_width(t.n, t.n, top_h), 260.0f, w * 0.4f);
    HeatmapSpec rows{"decode_rows", "A rows computed so far  head " + std::to_string(a) + "  (hatched: not yet, or masked)",
                     d.rows[static_cast<std::size_t>(a)]};
    rows.mask = &d.computed;
    rows.look = weights_look();
    rows.row_labels = &t.tokens;
    rows.col_labels = &t.tokens;
    rows.data_key = key_of({st.generation, d.version, u64(a)});
    draw_heatmap(ctx, rows, ImVec2(w_rows, top_h));
    if (last && ctx.frame_hover.query < 0) ctx.frame_hover.query = last->position;  // the new row lights up
    ImGui::SameLine();
    const float w_cache = (w - w_rows - 2 * gap) / 2.0f;
    const MatRM& K = dec.K_cache()[static_cast<std::size_t>(g)];
    const MatRM& V = dec.V_cache()[static_cast<std::size_t>(g)];
    auto cache_spec = [&](const char* id, const char* name, const MatRM& M, std::uint64_t salt) {
        HeatmapSpec s{id, std::string(name) + " cache  K/V head " + std::to_string(g) + "  [" + dims(M) + "]", M};
        s.look = signed_look(M, nullptr);
        s.row_labels = &labels;
        s.rows_are_tokens = s.cols_are_tokens = false;
        s.row_axis = "cache entry";
        s.col_axis = "dim";
        s.data_key = key_of({st.generation, d.version, u64(g), salt});
        return s;
    };
    draw_heatmap(ctx, cache_spec("decode_K", "K", K, 1), ImVec2(w_cache, top_h));
    ImGui::SameLine();
    draw_heatmap(ctx, cache_spec("decode_V", "V", V, 2), ImVec2(w_cache, top_h));

    if (reset) st.decode_reset(prefill);
    else if (restart) st.decode_reset(d.prefill);
    else if (to_end) st.decode_to_end();
    else if (step) st.decode_step();
}

}  // namespace attnviz
