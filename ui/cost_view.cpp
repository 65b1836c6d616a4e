#include "ui/line_plot.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>

namespace attnviz {

namespace {

// preset −1 is "this model": the model on screen, read afresh each frame.
ModelShape selected_shape(CostViewState& v, const AppState& st) {
    const std::vector<ModelShape>& presets = model_presets();
    v.preset = std::clamp(v.preset, -1, static_cast<int>(presets.size()) - 1);
    return v.preset < 0 ? st.model_shape() : presets[static_cast<std::size_t>(v.preset)];
}

// The checkpoint's own precision, so "this model" starts at the cache bytes it would really take.
Precision precision_of(const std::string& dtype, Precision otherwise) {
    if (dtype == "F32") return Precision::Fp32;
    if (dtype == "F16") return Precision::Fp16;
    if (dtype == "BF16") return Precision::Bf16;
    return otherwise;
}

// Throws ConfigError for a shape the cost model cannot count (a toy stack past its limits).
void refresh(CostViewState& v, const ModelShape& m) {
    v.workload.model = m;
    const std::uint64_t key =
        key_of({u64(v.preset), std::hash<std::string>{}(m.name), u64(m.layers), u64(m.heads), u64(m.kv_heads),
                u64(m.d_head), u64(m.d_model), static_cast<std::uint64_t>(m.sliding_window),
                static_cast<std::uint64_t>(v.workload.context), u64(v.workload.batch),
                u64(static_cast<int>(v.workload.precision))});
    if (key == v.key) return;
    v.key = ~0ULL;  // stays stale until the curve below is made
    v.curve = cache_curve(v.workload, std::max<long long>(v.workload.context, 1024) * 2, 65);
    constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
    auto to_floats = [](const std::vector<double>& d, double scale) {
        std::vector<float> out;
        for (double x : d) out.push_back(static_cast<float>(x / scale));
        return out;
    };
    v.x = to_floats(v.curve.context, 1.0);
    v.mha = to_floats(v.curve.mha, kGiB);
    v.published = to_floats(v.curve.published, kGiB);
    v.mqa = to_floats(v.curve.mqa, kGiB);
    v.key = key;
}

void row(const char* label, const PassCost& p, const char* note_text) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", label);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted((count_text(p.flops) + "FLOP").c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(bytes_text(p.bytes).c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.3g FLOP/B", p.intensity());
    ImGui::TableNextColumn();
    caption(note_text);
}

}  // namespace

// The cost model as a calculator: a published model shape, a context length, a batch and a
// precision give the KV-cache size and what prefill and one decode step cost.
void draw_cost_view(UiContext& ctx) {
    CostViewState& v = ctx.cost;
    const AppState& st = ctx.state;
    if (st.pretrained.get() != v.seen_model) {
        v.seen_model = st.pretrained.get();
        if (st.pretrained) {
            v.preset = -1;
            v.workload.precision = precision_of(st.pretrained->dtype, v.workload.precision);
        }
    }
    selected_shape(v, st);
    caption("Prefill pushes the whole prompt through at once: every weight read from memory is used for T tokens, "
            "so it is limited by arithmetic (time to first token). Decode produces one token per pass: every "
            "weight and the whole KV cache are read for a single token, so it is limited by memory bandwidth "
            "(time per output token). Accelerators do on the order of a hundred or more FLOPs per byte they "
            "can read, so a pass far below that intensity waits on memory.");
    const std::vector<ModelShape>& presets = model_presets();
    const ModelShape here = st.model_shape();
    ImGui::SetNextItemWidth(320);
    const std::string& current = v.preset < 0 ? here.name : presets[static_cast<std::size_t>(v.preset)].name;
    if (ImGui::BeginCombo("model", current.c_str())) {
        if (ImGui::Selectable(here.name.c_str(), v.preset < 0) && v.preset >= 0) {
            v.preset = -1;
            if (st.pretrained) v.workload.precision = precision_of(st.pretrained->dtype, v.workload.precision);
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("the model attnviz is showing: its layers, heads, K/V heads and widths%s",
                              st.pretrained ? ", and its checkpoint's dtype" : "");
        for (int k = 0; k < static_cast<int>(presets.size()); ++k)
            if (ImGui::Selectable(presets[static_cast<std::size_t>(k)].name.c_str(), k == v.preset)) v.preset = k;
        ImGui::EndCombo();
    }
    int log2_context = static_cast<int>(std::round(std::log2(static_cast<double>(std::max<long long>(v.workload.context, 1)))));
    // The context is written beside the slider, not inside it, where the handle would cover it.
    const float inner = ImGui::GetStyle().ItemInnerSpacing.x;
    flow(160 + inner + text_width("context 1048576 tokens"));
    ImGui::SetNextItemWidth(160);
    if (ImGui::SliderInt("##context", &log2_context, 7, 20, "")) v.workload.context = 1LL << log2_context;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("powers of two from 128 to 1048576 tokens");
    ImGui::SameLine(0, inner);
    ImGui::TextUnformatted(format("context %lld tokens", v.workload.context).c_str());
    flow(field_width(100, "batch"));
    ImGui::SetNextItemWidth(100);
    ImGui::SliderInt("batch", &v.workload.batch, 1, 64);
    // The precisions wrap as one group.
    const Precision precisions[] = {Precision::Fp32, Precision::Fp16, Precision::Bf16, Precision::Int8};
    float group = 0.0f;
    for (Precision p : precisions) group += radio_width(std::string(to_string(p)).c_str()) + ImGui::GetStyle().ItemSpacing.x;
    flow(group);
    bool first = true;
    for (Precision p : precisions) {
        if (!first) ImGui::SameLine();
        first = false;
        if (ImGui::RadioButton(std::string(to_string(p)).c_str(), v.workload.precision == p)) v.workload.precision = p;
    }
    try {
        refresh(v, selected_shape(v, st));
    } catch (const ConfigError& e) {
        note(kWarnColour, "the cost model cannot count this model: " + std::string(e.what()));
        return;
    }
    const ModelShape& m = v.workload.model;
    caption(format("%d layers · %d query heads · %d K/V heads · d_head %d · d_model %d   source: %s", m.layers, m.heads,
                   m.kv_heads, m.d_head, m.d_model, m.source.c_str()));
    if (v.preset < 0 && !st.pretrained && st.trace.config.d_v != st.trace.config.d_k)
        caption(format("this toy block has d_v = %d ≠ d_k = %d: counted here as d_head = d_k", st.trace.config.d_v,
                       st.trace.config.d_k));
    if (v.preset < 0 && st.pretrained)
        caption(format("its checkpoint is %s; attnviz itself computes in fp32, so the cache it holds for the %d tokens "
                       "on screen is %s",
                       st.pretrained->dtype.c_str(), st.trace.n,
                       bytes_text(kv_cache_bytes(m, st.trace.n, Precision::Fp32)).c_str()));

    const CostReport r = cost(v.workload);
    ImGui::PushFont(ctx.fonts.title);
    ImGui::PushTextWrapPos(0);
    ImGui::Text("KV cache = 2 · L · B · T · kv · d_head · bytes = 2 · %d · %d · %lld · %d · %d · %d = %s", m.layers,
                v.workload.batch, v.workload.context, m.kv_heads, m.d_head, bytes_per_element(v.workload.precision),
                bytes_text(r.kv_cache_bytes).c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::TextDisabled("%s per token of context; with MHA (kv = %d) it would be %s, with MQA %s",
                        bytes_text(r.kv_cache_bytes_per_token).c_str(), m.heads,
                        bytes_text(v.curve.mha.empty() ? 0.0 : r.kv_cache_bytes * m.heads / m.kv_heads).c_str(),
                        bytes_text(r.kv_cache_bytes / m.kv_heads).c_str());

    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("passes", 5, flags)) {
        // The numbers keep their width; the two text columns share the rest and wrap.
        ImGui::TableSetupColumn("pass (attention blocks, all layers)", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        for (const char* h : {"compute", "memory traffic", "intensity"}) ImGui::TableSetupColumn(h, ImGuiTableColumnFlags_WidthFixed);
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableHeadersRow();
        row("prefill: T prompt tokens at once", r.prefill, "compute-bound: sets time to first token");
        row("decode: 1 token, KV cache read", r.decode_cached, "memory-bound: sets time per output token");
        row("decode without a cache", r.decode_recompute, "the whole prefix re-run every step: layer 2 on needs the layer below's outputs");
        ImGui::EndTable();
    }
    ImGui::Text("generating %lld tokens from empty: %sFLOP with a cache, %sFLOP without (%.0f× more)", v.workload.context,
                count_text(r.generate_flops_cached).c_str(), count_text(r.generate_flops_recompute).c_str(),
                r.generate_flops_recompute / std::max(1.0, r.generate_flops_cached));

    LinePlotSpec plot = plot_spec("cost_cache_curve", "KV-cache size against context length, batch " + std::to_string(v.workload.batch) + ", " +
                 std::string(to_string(v.workload.precision)), v.x, "context T (tokens)");
    plot.y_label = "GiB";
    plot.integer_x = true;
    plot.y_min = 0.0f;
    plot.series.push_back({"MHA: kv = " + std::to_string(m.heads), v.mha, series_colour(0), 2.0f, false});
    if (m.kv_heads != m.heads && m.kv_heads != 1)
        plot.series.push_back({"as published: kv = " + std::to_string(m.kv_heads), v.published, series_colour(1), 2.5f, false});
    plot.series.push_back({"MQA: kv = 1", v.mqa, series_colour(2), 2.0f, false});
    plot.markers.push_back({static_cast<float>(v.workload.context), "T = " + std::to_string(v.workload.context)});
    draw_line_plot(plot, ImVec2(ImGui::GetContentRegionAvail().x, remaining_height()));
}

}  // namespace attnviz
