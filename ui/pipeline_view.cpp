#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <cstdio>

namespace attnviz {
namespace {

std::string R(long a, long b) { return "ℝ^(" + std::to_string(a) + "×" + std::to_string(b) + ")"; }
std::string R(long a, long b, long c) {
    return "ℝ^(" + std::to_string(a) + "×" + std::to_string(b) + "×" + std::to_string(c) + ")";
}

// Prev, the ten stages, Next: a strip that wraps onto more lines when the view is narrow.
void stepper_bar(AppState& st) {
    if (ImGui::ArrowButton("##prev", ImGuiDir_Left)) st.prev_stage();
    const float arrow = text_width("→") + ImGui::GetStyle().ItemSpacing.x;
    for (const StageInfo& s : stages()) {
        const bool current = s.stage == st.stage;
        const std::string label = std::to_string(static_cast<int>(s.stage) + 1) + ". " + std::string(s.title);
        // A stage and the arrow after it move together, so no line starts with an arrow.
        const bool last = s.stage == stages().back().stage;
        flow(button_width(label.c_str()) + (last ? 0.0f : arrow));
        if (current) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
        if (ImGui::Button(label.c_str())) st.set_stage(s.stage);
        if (current) ImGui::PopStyleColor();
        if (!last) {
            ImGui::SameLine();
            ImGui::TextDisabled("→");
        }
    }
    flow(ImGui::GetFrameHeight());
    if (ImGui::ArrowButton("##next", ImGuiDir_Right)) st.next_stage();
    flow(text_width("(← / → keys)"));
    ImGui::TextDisabled("(← / → keys)");
}

void equation(UiContext& ctx, const std::string& eq, const std::string& shapes, const std::string& note) {
    ImGui::PushFont(ctx.fonts.title);
    ImGui::TextUnformatted(eq.c_str());
    ImGui::PopFont();
    ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "%s", shapes.c_str());
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", note.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
}

// Every head's panel of one kind, side by side, then nothing else: for the per-head stages.
template <typename MakeSpec>
void heads_row(UiContext& ctx, MakeSpec make) {
    const int h = ctx.state.trace.config.n_heads;
    PanelGrid grid(h, 300.0f);
    for (int a = 0; a < h; ++a) {
        if (a > 0) grid.next();
        HeatmapSpec spec = make(a);
        draw_heatmap(ctx, spec, grid.cell);
    }
}

}  // namespace

void draw_pipeline_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const Config& c = t.config;
    ctx.refresh_derived();
    stepper_bar(st);
    ImGui::Separator();
    const int n = t.n, m = t.m, h = c.n_heads, kv = c.n_kv_heads, a = st.detail_head;
    const auto ua = static_cast<std::size_t>(a);
    const int g = t.kv_head(a);
    const auto ug = static_cast<std::size_t>(g);
    const std::string head_note = "detail head " + std::to_string(a) + " (press 1–9 or click in the Heads view)" +
                                  (kv < h ? "; it reads K/V head " + std::to_string(g) : "");
    const std::vector<std::string>& keys = c.cross() ? t.source_tokens : t.tokens;
    const LayerTrace* layer_trace =
        st.layer < static_cast<int>(st.stack.layers.size()) ? &st.stack.layers[static_cast<std::size_t>(st.layer)] : nullptr;

    switch (st.stage) {
        case Stage::Embed: {
            const StackArch& arch = st.stack.arch;
            const bool normed = arch.placement == NormPlacement::Pre && arch.norm != NormKind::None;
            if (layer_trace && (st.layer > 0 || normed)) {
                // A deeper layer (or a pre-norm) reads the residual stream, not the embedding.
                const std::string nm = arch.norm == NormKind::Layer ? "LayerNorm" : "RMSNorm";
                equation(ctx, normed ? "X = norm₁(resid_pre)" : "X = resid_pre",
                         "resid_pre, X ∈ " + R(n, c.d_model),
                         normed ? nm + (arch.norm == NormKind::Layer ? ": (x − mean) / √(var + ε) · γ + β per row"
                                                                    : ": x / √(mean(x²) + ε) · γ per row") +
                                      ". Layer " + std::to_string(st.layer) + "'s attention reads the stream through its norm."
                                : "Layer " + std::to_string(st.layer) + " reads the residual stream the layers below wrote.");
                PanelGrid grid(2, 280.0f);
                draw_heatmap(ctx, features_spec(st, "resid_pre_x", "resid_pre", layer_trace->resid_pre, &t.tokens, 9), grid.cell);
                grid.next();
                draw_heatmap(ctx, features_spec(st, "X", "X", t.X, &t.tokens, 1), grid.cell);
                break;
            }
            equation(ctx, "X = Embed(tokens)", "X ∈ " + R(n, c.d_model),
                     "Each token looks up one row; the same token always gets the same row (see repeated words).");
            draw_heatmap(ctx, features_spec(st, "X", "X", t.X, &t.tokens, 1), ImGui::GetContentRegionAvail());
            break;
        }
        case Stage::AddPE: {
            const std::string pe = c.positional == Positional::Sinusoidal ? "PE(p,2i) = sin(p/10000^(2i/d)), PE(p,2i+1) = cos(…)"
                                   : c.positional == Positional::Learned  ? "PE = learned table row p (trained length 64)"
                                                                          : "PE = 0: " + std::string(to_string(c.positional)) +
                                                                                " adds no vector to X";
            equation(ctx, "X_in = X + PE", "X, PE, X_in ∈ " + R(n, c.d_model),
                     pe + (c.positional == Positional::Rope ? "; RoPE rotates q and k instead (stage 3)."
                           : c.positional == Positional::Alibi ? "; ALiBi biases the scores instead (stage 6)."
                                                               : ""));
            if (t.untrained_positions > 0)
                ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1), "%d positions are past the learned table: no trained position (PE row = 0)",
                                   t.untrained_positions);
            PanelGrid grid(3, 280.0f);
            draw_heatmap(ctx, features_spec(st, "X_pe", "X", t.X, &t.tokens, 2), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "PE", "PE", t.PE, &t.tokens, 3), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "X_in", "X_in", t.X_in, &t.tokens, 4), grid.cell);
            break;
        }
        case Stage::Project: {
            const std::string rope = c.positional == Positional::Rope ? " then RoPE rotates each (2i, 2i+1) pair of q and k by p·θ_i" : "";
            equation(ctx, "Q = X_in·W_Q,  K = X_in·W_K,  V = X_in·W_V",
                     "[" + std::to_string(n) + ", " + std::to_string(c.d_model) + "]·[" + std::to_string(c.d_model) + ", " +
                         std::to_string(h * c.d_k) + "] = [" + std::to_string(n) + ", " + std::to_string(h * c.d_k) +
                         "] → split → [" + std::to_string(h) + ", " + std::to_string(n) + ", " + std::to_string(c.d_k) +
                         "];  Q_a ∈ " + R(n, c.d_k) + ", K_g ∈ " + R(m, c.d_k) + ", V_g ∈ " + R(m, c.d_v) +
                         (kv < h ? "  (" + std::to_string(kv) + " K/V heads shared by " + std::to_string(h / kv) + " query heads each)" : ""),
                     "Q asks (what is this token looking for), K advertises (what does it offer), V is the payload "
                     "that gets mixed. " + head_note + rope);
            PanelGrid grid(3, 260.0f);
            draw_heatmap(ctx, features_spec(st, "Q", "Q head " + std::to_string(a), t.Q[ua], &t.tokens, 10 + static_cast<std::uint64_t>(a)), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "K", "K head " + std::to_string(g), t.K[ug], &keys, 200 + static_cast<std::uint64_t>(g)), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "V", "V head " + std::to_string(g), t.V[ug], &keys, 400 + static_cast<std::uint64_t>(g)), grid.cell);
            break;
        }
        case Stage::Scores: {
            equation(ctx, "S = Q·Kᵀ", "per head: [" + std::to_string(n) + "×" + std::to_string(c.d_k) + "]·[" +
                                          std::to_string(c.d_k) + "×" + std::to_string(m) + "];  scores ∈ " + R(h, n, m),
                     "S[i, j] = q_i · k_j: how well query i's question matches key j's advertisement. Raw dot "
                     "products grow with d_k (variance ≈ d_k for unit-variance entries).");
            heads_row(ctx, [&](int k) { return scores_spec(st, k, ""); });
            break;
        }
        case Stage::Scale: {
            char buf[256];
            const HeadDiagnostics& d = t.diagnostics[ua];
            std::snprintf(buf, sizeof buf, "head %d: Var(S) = %.3g → Var(S·scale) = %.3g  (multiplier %.4g)", a,
                          static_cast<double>(d.raw_variance), static_cast<double>(d.scaled_variance),
                          static_cast<double>(t.multiplier));
            equation(ctx, c.scale == ScaleMode::Sqrt ? "S ÷ √d_k" + std::string(c.temperature != 1.0 ? " ÷ T" : "")
                          : c.scale == ScaleMode::Linear ? "S ÷ d_k" : "S (no scaling)",
                     "√d_k = √" + std::to_string(c.d_k) + " = " + std::to_string(std::sqrt(static_cast<double>(c.d_k))).substr(0, 5) + ";  " + buf,
                     "Var(q·k) = d_k when q and k have unit-variance entries, so dividing by √d_k brings the "
                     "scores back to unit variance and keeps softmax out of its saturated, tiny-gradient regime.");
            heads_row(ctx, [&](int k) { return scaled_spec(st, k, ctx.scaled[static_cast<std::size_t>(k)], ""); });
            break;
        }
        case Stage::Mask: {
            std::string what = c.causal ? "causal (j ≤ i)" : "no causal mask";
            if (c.window > 0) what += ", window " + std::to_string(c.window);
            if (!c.padding.empty()) what += ", " + std::to_string(c.padding.size()) + " padded keys";
            if (!t.alibi_slopes.empty()) what += ", ALiBi bias −m_a·|i−j|";
            equation(ctx, "Z = S·scale + M,  M(i,j) ∈ {0, −∞}", "mask ∈ " + R(n, m) + ";  " + what,
                     "−∞ becomes exactly 0 after exp: a masked key gets no weight at all. Hatched cells are masked. "
                     "A query that sees no key at all gets a zero row (flagged), never NaN.");
            PanelGrid grid(h + 1, 260.0f);
            HeatmapSpec mask{"mask", "mask (1 visible, 0 masked)", t.mask};
            mask.look = weights_look();
            mask.row_labels = &t.tokens;
            mask.col_labels = &keys;
            mask.data_key = st.generation;
            draw_heatmap(ctx, mask, grid.cell);
            for (int k = 0; k < h; ++k) {
                grid.next();
                draw_heatmap(ctx, logits_spec(st, k, ctx.logits[static_cast<std::size_t>(k)], ""), grid.cell);
            }
            break;
        }
        case Stage::Softmax: {
            equation(ctx, "A = softmax(Z) row-wise,  A_ij = exp(Z_ij − max_j Z) / Σ_j exp(Z_ij − max_j Z)",
                     "weights ∈ " + R(h, n, m) + ";  every visible row sums to 1",
                     "Subtracting the row max changes nothing mathematically and keeps exp() from overflowing. "
                     "The entropy in each title is the mean row entropy: ln(" + std::to_string(m) + ") = " +
                         std::to_string(std::log(static_cast<double>(m))).substr(0, 4) + " would be uniform.");
            heads_row(ctx, [&](int k) { return weights_spec(st, k, ""); });
            break;
        }
        case Stage::WeightedSum: {
            equation(ctx, "H = A·V", "head " + std::to_string(a) + ": [" + std::to_string(n) + "×" + std::to_string(m) + "]·[" +
                                         std::to_string(m) + "×" + std::to_string(c.d_v) + "] = H ∈ " + R(n, c.d_v),
                     "Each output row is a weighted average of the value rows: V is the payload that moves. " + head_note);
            PanelGrid grid(3, 260.0f);
            draw_heatmap(ctx, weights_spec(st, a, "_av"), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "V_av", "V head " + std::to_string(g), t.V[ug], &keys, 600 + static_cast<std::uint64_t>(g)), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "H", "H head " + std::to_string(a), t.head_outputs[ua], &t.tokens, 800 + static_cast<std::uint64_t>(a)), grid.cell);
            break;
        }
        case Stage::Concat: {
            equation(ctx, "concat = [H_0 | H_1 | … | H_" + std::to_string(h - 1) + "]",
                     "[" + std::to_string(h) + ", " + std::to_string(n) + ", " + std::to_string(c.d_v) + "] → [" +
                         std::to_string(n) + ", " + std::to_string(h * c.d_v) + "]",
                     "The heads' outputs sit side by side, head a in columns a·d_v … (a+1)·d_v − 1.");
            draw_heatmap(ctx, features_spec(st, "concat", "concat", t.concat, &t.tokens, 5), ImGui::GetContentRegionAvail());
            break;
        }
        case Stage::Output: {
            equation(ctx, "O = concat·W_O", "[" + std::to_string(n) + "×" + std::to_string(h * c.d_v) + "]·[" +
                                                std::to_string(h * c.d_v) + "×" + std::to_string(c.d_model) + "] = O ∈ " + R(n, c.d_model),
                     "W_O mixes information across heads and maps back to d_model, so the block's output can be "
                     "added to its input (the residual stream).");
            PanelGrid grid(3, 260.0f);
            draw_heatmap(ctx, features_spec(st, "concat_o", "concat", t.concat, &t.tokens, 6), grid.cell);
            ImGui::SameLine();
            HeatmapSpec wo = features_spec(st, "W_O", "W_O", t.W_O, nullptr, 7);
            wo.row_axis = "concat dim";
            draw_heatmap(ctx, wo, grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "O", "O", t.output, &t.tokens, 8), grid.cell);
            break;
        }
        case Stage::Residual: {
            if (!layer_trace) break;
            const bool pre = st.stack.arch.placement == NormPlacement::Pre;
            equation(ctx, pre ? "resid_mid = resid_pre + O" : "resid_mid = norm₁(resid_pre + O)", "resid_pre, O, resid_mid ∈ " + R(n, c.d_model),
                     "The residual stream: attention adds what it found to the stream instead of replacing it, so every "
                     "layer reads what all the layers below wrote, and gradients flow straight down through the +.");
            PanelGrid grid(3, 260.0f);
            draw_heatmap(ctx, features_spec(st, "r_pre", "resid_pre", layer_trace->resid_pre, &t.tokens, 10), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "r_o", "O", layer_trace->attn_out, &t.tokens, 11), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "r_mid", "resid_mid", layer_trace->resid_mid, &t.tokens, 12), grid.cell);
            break;
        }
        case Stage::Mlp: {
            if (!layer_trace) break;
            const StackArch& arch = st.stack.arch;
            if (arch.mlp == MlpKind::None) {
                equation(ctx, "resid_post = resid_mid", "no MLP", "This model is attention only (set MLP in the side bar's Model section).");
                break;
            }
            const bool pre = arch.placement == NormPlacement::Pre;
            const std::string f = std::to_string(arch.d_ff);
            equation(ctx,
                     arch.mlp == MlpKind::SwiGlu ? "MLP(x) = (silu(x·W_gate) ⊙ x·W_up)·W_down"
                                                 : std::string("MLP(x) = ") + (arch.mlp == MlpKind::Gelu ? "GELU" : "GELU_tanh") +
                                                       "(x·W_up + b_up)·W_down + b_down",
                     "x ∈ " + R(n, c.d_model) + " → hidden ∈ " + R(n, arch.d_ff) + " → " + R(n, c.d_model) + ";  " +
                         (pre ? "resid_post = resid_mid + MLP(norm₂(resid_mid))" : "resid_post = norm₂(resid_mid + MLP(resid_mid))"),
                     "The MLP works on each position alone (no mixing across tokens): d → " + f + " → d, the " +
                         (arch.mlp == MlpKind::SwiGlu ? "gated SiLU of Llama." : "GELU of GPT-2."));
            PanelGrid grid(3, 260.0f);
            draw_heatmap(ctx, features_spec(st, "m_in", "MLP input", layer_trace->mlp_in, &t.tokens, 13), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "m_hidden", "hidden", layer_trace->mlp_hidden, &t.tokens, 14), grid.cell);
            grid.next();
            draw_heatmap(ctx, features_spec(st, "m_post", "resid_post", layer_trace->resid_post, &t.tokens, 15), grid.cell);
            break;
        }
        case Stage::Logits: {
            if (!layer_trace || st.stack.next.empty()) break;
            const int L = static_cast<int>(st.stack.layers.size());
            if (st.layer + 1 < L) {
                equation(ctx, "resid_pre(layer " + std::to_string(st.layer + 1) + ") = resid_post(layer " + std::to_string(st.layer) + ")",
                         R(n, c.d_model), "This layer's output is the next layer's input. The logits come after the last layer.");
                if (ImGui::Button("Go to the next layer (Ctrl+Down)")) st.select_layer(st.layer + 1);
                ImGui::SameLine();
                if (ImGui::Button("Go to the last layer")) st.select_layer(L - 1);
                break;
            }
            const int i = std::clamp(st.query, 0, n - 1);
            equation(ctx, "logits = norm_f(resid_L)·Uᵀ,  p(next) = softmax(logits[i])",
                     "[" + std::to_string(n) + ", " + std::to_string(c.d_model) + "]·[" + std::to_string(c.d_model) + ", " +
                         std::to_string(st.stack.logits.cols()) + "] = logits ∈ " + R(n, st.stack.logits.cols()),
                     "The unembedding U turns each position's stream into one score per vocabulary token (U is the "
                     "embedding table when tied, as in GPT-2). The Next token view shows them for every position.");
            ImGui::Text("after \"%s\" (position %d; [ and ] step):", t.tokens[static_cast<std::size_t>(i)].c_str(), i);
            for (const TopToken& top : st.stack.next[static_cast<std::size_t>(i)]) {
                ImGui::ProgressBar(top.prob, ImVec2(260, 0), "");
                ImGui::SameLine();
                ImGui::Text("%5.1f%%  \"%s\"", 100.0 * top.prob, top.token.c_str());
            }
            break;
        }
    }
}

}  // namespace attnviz
