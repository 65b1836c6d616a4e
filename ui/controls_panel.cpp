#include "ui/views.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace attnviz {
namespace {

float measure(std::string_view s) { return ImGui::CalcTextSize(s.data(), s.data() + s.size()).x; }

struct TextBoxEdit {
    TextBoxState* box;
    float width;
};

// After every edit: the text behind the box, wrapped again in place. Soft breaks swap with
// spaces one for one, so the buffer keeps its length and the cursor its place.
int rewrap_on_edit(ImGuiInputTextCallbackData* data) {
    if (data->EventFlag != ImGuiInputTextFlags_CallbackEdit) return 0;
    auto* e = static_cast<TextBoxEdit*>(data->UserData);
    // The text ends at the first NUL whatever BufTextLen says: ImGui 1.86 can hand over a length
    // that counts bytes its UTF-16 copy dropped (a character past U+FFFF), and checks strlen.
    const std::size_t len = std::min(static_cast<std::size_t>(data->BufTextLen), std::strlen(data->Buf));
    const std::string text = unwrap_edit(e->box->wrap, std::string_view(data->Buf, len));
    e->box->wrap = soft_wrap(text, e->width, measure);
    std::copy(e->box->wrap.shown.begin(), e->box->wrap.shown.end(), data->Buf);
    data->Buf[e->box->wrap.shown.size()] = '\0';
    data->BufTextLen = static_cast<int>(e->box->wrap.shown.size());
    data->BufDirty = true;
    return 0;
}

// The sentence, word-wrapped so its start never scrolls out of sight; it grows to six lines.
// Typing (Enter included) edits the text as before, and every keystroke recomputes.
void text_box(TextBoxState& box, Config& c) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float box_w = ImGui::CalcItemWidth();
    const float width = std::max(20.0f, box_w - 2.0f * style.FramePadding.x - style.ScrollbarSize);
    // While the box is being edited ImGui keeps its own copy: re-wrap it only through the callback.
    if (c.text != box.text || (!box.active && width != box.width)) {
        box.wrap = soft_wrap(c.text, width, measure);
        box.shown = box.wrap.shown;
        box.text = c.text;
        box.width = width;
    }
    const int lines = 1 + static_cast<int>(std::count(box.shown.begin(), box.shown.end(), '\n'));
    const float h = static_cast<float>(std::clamp(lines, 2, 6)) * ImGui::GetTextLineHeight() + 2.0f * style.FramePadding.y;
    TextBoxEdit edit{&box, width};
    if (ImGui::InputTextMultiline("text", &box.shown, ImVec2(box_w, h), ImGuiInputTextFlags_CallbackEdit, rewrap_on_edit,
                                  &edit)) {
        c.text = unwrap_edit(box.wrap, box.shown);
        box.text = c.text;
    }
    box.active = ImGui::IsItemActive();
}

// Draws `draw` disabled, with `why` as its tooltip.
template <typename Draw>
void disabled_because(const std::string& why, Draw draw) {
    ImGui::BeginDisabled();
    ImGui::BeginGroup();
    draw();
    ImGui::EndGroup();
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", why.c_str());
}

// A control the preset may force: drawn disabled with the preset's value and a tooltip naming
// the preset; otherwise drawn on the user's value. `draw` gets the Config to show and edit.
template <typename Draw>
void forceable(const AppState& st, std::string_view field, Config& user, const Config& effective, Draw draw) {
    const std::string why = st.forced_by(field);  // read once: Begin/EndDisabled must pair
    if (why.empty()) {
        draw(user);
        return;
    }
    Config shown = effective;  // edits of a disabled copy go nowhere
    disabled_because(why, [&] { draw(shown); });
}

// The same for fields outside Config (layers, MLP, norm): `draw` edits the caller's copy, which
// the caller drops while the model preset forces the field.
template <typename Draw>
void forceable_arch(const AppState& st, std::string_view field, Draw draw) {
    const std::string why = st.forced_by(field);
    if (why.empty()) draw();
    else disabled_because(why, draw);
}

// An integer field whose −/+ buttons call `step` (typing any value stays possible; core's
// message then names what is wrong). Laid out like ImGui::InputInt.
void stepped_int(const char* label, int& value, int& step) {
    const float button = ImGui::GetFrameHeight();
    const float gap = ImGui::GetStyle().ItemInnerSpacing.x;
    ImGui::PushID(label);
    ImGui::BeginGroup();
    ImGui::SetNextItemWidth(std::max(1.0f, ImGui::CalcItemWidth() - 2.0f * (button + gap)));
    ImGui::InputInt("##value", &value, 0, 0);
    ImGui::PushButtonRepeat(true);
    ImGui::SameLine(0, gap);
    if (ImGui::Button("-", ImVec2(button, button))) step = -1;
    ImGui::SameLine(0, gap);
    if (ImGui::Button("+", ImVec2(button, button))) step = +1;
    ImGui::PopButtonRepeat();
    ImGui::SameLine(0, gap);
    ImGui::TextUnformatted(label);
    ImGui::EndGroup();
    ImGui::PopID();
}

// Shows core's message under the control whose field it names.
void field_error(const AppState& st, std::string_view field) {
    if (!st.error.empty() && st.error_field == field) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", st.error.c_str());
        ImGui::PopTextWrapPos();
    }
}

std::string mib(std::size_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

template <typename E, std::size_t N>
bool combo(const char* label, E& value, const E (&options)[N]) {
    bool changed = false;
    if (ImGui::BeginCombo(label, std::string(to_string(value)).c_str())) {
        for (E o : options) {
            if (ImGui::Selectable(std::string(to_string(o)).c_str(), o == value)) {
                value = o;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

// Which model runs, its depth and blocks, the selected layer, ablations and the memory kept.
void draw_model_section(UiContext& ctx) {
    AppState& st = ctx.state;
    ImGui::Separator();
    ImGui::TextDisabled("Model");
    const char* models[] = {"random stack (seed)", "induction circuit (2 layers, designed)"};
    if (st.pretrained) {
        const HfModel& m = *st.pretrained;
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "%s", m.name().c_str());
        // Two short lines: Dear ImGui wraps after a '.', which would split "0.3 MiB" in two.
        ImGui::TextDisabled("%s · %d layers · %d heads (%d K/V) · d %d", m.config.model_type.c_str(), m.config.layers,
                            m.config.heads, m.config.kv_heads, m.config.d_model);
        ImGui::TextDisabled("%s · %s on disk", m.dtype.c_str(), mib(m.bytes_on_disk).c_str());
        ImGui::PopTextWrapPos();
        if (ImGui::SmallButton("Close model")) st.close_model();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Back to the toy model");
        ImGui::SameLine();
    }
    if (ImGui::SmallButton("Open model…")) ctx.open_model.open_requested = true;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("A Hugging Face model folder (GPT-2, Llama, Mistral, Qwen2) from the cache or anywhere on disk");
    if (st.model_load_active) {
        const float f = st.model_load_total ? static_cast<float>(static_cast<double>(st.model_load_done) / static_cast<double>(st.model_load_total)) : 0.0f;
        ImGui::ProgressBar(f, ImVec2(-60, 0), (mib(st.model_load_done) + " of " + mib(st.model_load_total)).c_str());
        ImGui::SameLine();
        if (ImGui::SmallButton("Cancel")) st.cancel_model_load();
    }
    int model = st.model_preset == ModelPreset::Induction ? 1 : 0;
    forceable_arch(st, "model-preset", [&] {
        if (ImGui::Combo("model", &model, models, 2)) st.set_model_preset(model == 1 ? ModelPreset::Induction : ModelPreset::None);
    });
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("random stack: every weight from the seed, as deep as you like\n"
                          "induction circuit: hand-written weights that copy what followed a repeated token\n"
                          "(try the Examples menu's induction example)");
    field_error(st, "model-preset");
    // A designed model shows the architecture it runs with; edits of that copy go nowhere.
    const bool designed = st.pretrained || st.model_preset == ModelPreset::Induction;
    StackArch a = designed && !st.stack.layers.empty() ? st.stack.arch : st.arch;
    forceable_arch(st, "layers", [&] {
        int step = 0;
        stepped_int("layers", a.layers, step);
        a.layers = std::clamp(a.layers + step, 1, StackLimits::max_layers);
    });
    field_error(st, "layers");
    forceable_arch(st, "mlp", [&] {
        static constexpr MlpKind kMlp[] = {MlpKind::None, MlpKind::Gelu, MlpKind::GeluTanh, MlpKind::SwiGlu};
        combo("MLP", a.mlp, kMlp);
    });
    if (st.forced_by("mlp").empty() && ImGui::IsItemHovered())
        ImGui::SetTooltip("none: attention only\ngelu, gelu-tanh: GPT-2's x·W_up → GELU → ·W_down\nswiglu: Llama's (silu(x·W_gate) ⊙ x·W_up)·W_down");
    field_error(st, "mlp");
    field_error(st, "d_ff");
    forceable_arch(st, "norm", [&] {
        static constexpr NormKind kNorm[] = {NormKind::None, NormKind::Layer, NormKind::Rms};
        combo("norm", a.norm, kNorm);
    });
    field_error(st, "norm");
    forceable_arch(st, "ln", [&] {
        int pre = a.placement == NormPlacement::Pre ? 0 : 1;
        ImGui::RadioButton("pre-LN", &pre, 0);
        ImGui::SameLine();
        ImGui::RadioButton("post-LN", &pre, 1);
        a.placement = pre == 0 ? NormPlacement::Pre : NormPlacement::Post;
    });
    if (st.forced_by("ln").empty() && ImGui::IsItemHovered())
        ImGui::SetTooltip("pre-LN (GPT-2, Llama): x + Attn(norm(x))\npost-LN (2017 Transformer, BERT): norm(x + Attn(x))");
    if (!designed) st.set_arch(a);

    const int L = static_cast<int>(st.stack.layers.size());
    if (L > 1) {
        int layer = st.layer;
        if (ImGui::SliderInt("layer", &layer, 0, L - 1)) st.select_layer(layer);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Every attention view shows this layer (Ctrl+Up / Ctrl+Down)");
    }
    if (!st.ablate.empty()) {
        ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.35f, 1.0f), "ablated: %s", ablations_to_string(st.ablate).c_str());
        ImGui::SameLine();
        if (ImGui::SmallButton("clear")) st.clear_ablations();
        int mode = st.ablate_mode == AblationMode::Zero ? 0 : 1;
        if (ImGui::RadioButton("zero", &mode, 0)) st.set_ablate_mode(AblationMode::Zero);
        ImGui::SameLine();
        if (ImGui::RadioButton("mean", &mode, 1)) st.set_ablate_mode(AblationMode::Mean);
        ImGui::SameLine();
        ImGui::TextDisabled("ablation");
    }
    field_error(st, "ablate");
    if (L > 1 && st.stack.attn_bytes > st.stack.attn_bytes_kept) {
        int kept = 0;
        for (const LayerTrace& l : st.stack.layers) kept += l.attn_full ? 1 : 0;
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f),
                           "n×n patterns kept for %d of %d layers (%s of %s; budget %s); the others are recomputed when selected",
                           kept, L, mib(st.stack.attn_bytes_kept).c_str(), mib(st.stack.attn_bytes).c_str(),
                           mib(StackRunOptions{}.attention_budget).c_str());
        ImGui::PopTextWrapPos();
    }
}

}  // namespace

void draw_controls(UiContext& ctx) {
    AppState& st = ctx.state;
    Config c = st.config;
    const Config effective = st.effective_config();
    ImGui::PushItemWidth(-110);

    ImGui::TextDisabled("Input");
    if (st.pretrained && !st.pretrained->reads_text()) {
        // A loaded model without a tokenizer reads token ids; with one, the text box feeds it.
        std::string ids;
        for (int id : st.ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
        if (ImGui::InputText("token ids", &ids, ImGuiInputTextFlags_EnterReturnsTrue)) {
            try {
                st.ids = parse_ids(ids);
                st.dirty = true;
            } catch (const ConfigError& e) {
                st.error = e.what();
                st.error_field = e.field();
            }
        }
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Comma-separated ids into the model's vocabulary; Enter runs them");
        field_error(st, "ids");
    } else {
        text_box(ctx.text_box, c);
    }
    field_error(st, "text");
    if (!st.pretrained) {
        static constexpr Tokenization kTok[] = {Tokenization::Word, Tokenization::Char};
        combo("tokenize", c.tokenize, kTok);
        bool cross = c.cross();
        if (ImGui::Checkbox("cross-attention", &cross)) c.source = cross ? "le chat est assis sur le tapis" : "";
        if (cross) {
            ImGui::InputText("source", &c.source);
            if (c.source.empty()) c.source = " ";  // keep cross mode on while the field is cleared
            field_error(st, "source");
        }
    }

    draw_model_section(ctx);

    ImGui::Separator();
    ImGui::TextDisabled("Sizes");
    forceable(st, "d_model", c, effective, [](Config& k) { ImGui::InputInt("d_model", &k.d_model, 8, 64); });
    field_error(st, "d_model");
    int heads_step = 0, kv_step = 0;
    forceable(st, "n_heads", c, effective, [&](Config& k) { stepped_int("heads", k.n_heads, heads_step); });
    if (st.forced_by("n_heads").empty() && ImGui::IsItemHovered())
        ImGui::SetTooltip("−/+ step through head counts the other sizes allow");
    field_error(st, "n_heads");
    forceable(st, "n_kv_heads", c, effective, [&](Config& k) { stepped_int("kv heads", k.n_kv_heads, kv_step); });
    if (st.forced_by("n_kv_heads").empty() && ImGui::IsItemHovered())
        ImGui::SetTooltip("0 = same as heads (MHA); 1 = MQA; between = GQA\n−/+ step through divisors of heads");
    field_error(st, "n_kv_heads");
    forceable(st, "d_k", c, effective, [](Config& k) { ImGui::InputInt("d_k (0=auto)", &k.d_k); });
    field_error(st, "d_k");
    forceable(st, "d_v", c, effective, [](Config& k) { ImGui::InputInt("d_v (0=auto)", &k.d_v); });
    field_error(st, "d_v");
    forceable(st, "seed", c, effective, [](Config& k) {
        int seed = static_cast<int>(k.seed);
        if (ImGui::InputInt("seed", &seed)) k.seed = static_cast<std::uint64_t>(std::max(0, seed));
    });

    ImGui::Separator();
    ImGui::TextDisabled("Position");
    static constexpr Positional kPos[] = {Positional::None, Positional::Sinusoidal, Positional::Learned,
                                          Positional::Rope, Positional::Alibi};
    forceable(st, "positional", c, effective, [](Config& k) { combo("scheme", k.positional, kPos); });
    field_error(st, "positional");
    if (effective.positional == Positional::Rope) {
        forceable(st, "rope_base", c, effective, [](Config& k) {
            float base = static_cast<float>(k.rope_base);
            if (ImGui::DragFloat("RoPE base", &base, 100.0f, 2.0f, 1e7f, "%.0f", ImGuiSliderFlags_Logarithmic))
                k.rope_base = base;
        });
        field_error(st, "rope_base");
        static constexpr RopeStyle kStyle[] = {RopeStyle::Interleaved, RopeStyle::Half};
        forceable(st, "rope_style", c, effective, [](Config& k) { combo("RoPE style", k.rope_style, kStyle); });
    }

    ImGui::Separator();
    ImGui::TextDisabled("Scores");
    static constexpr ScaleMode kScale[] = {ScaleMode::Sqrt, ScaleMode::Linear, ScaleMode::None};
    forceable(st, "scale", c, effective, [](Config& k) { combo("scale", k.scale, kScale); });
    forceable(st, "temperature", c, effective, [](Config& k) {
        float temp = static_cast<float>(k.temperature);
        if (ImGui::DragFloat("temperature", &temp, 0.01f, 0.01f, 100.0f, "%.2f", ImGuiSliderFlags_Logarithmic))
            k.temperature = temp;
    });
    field_error(st, "temperature");
    forceable(st, "causal", c, effective, [](Config& k) { ImGui::Checkbox("causal mask", &k.causal); });
    field_error(st, "causal");
    forceable(st, "window", c, effective, [](Config& k) { ImGui::InputInt("window (0=off)", &k.window); });
    field_error(st, "window");
    std::string pads;
    for (int p : st.trace.config.padding) pads += (pads.empty() ? "" : ",") + std::to_string(p);
    ImGui::TextDisabled("padding: %s", pads.empty() ? "none (click a token)" : pads.c_str());
    field_error(st, "padding");
    if (!st.error.empty() && st.error_field.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", st.error.c_str());
    ImGui::PopItemWidth();
    // Typing replaces ids given on the command line: the tokenizer makes them from the text now.
    if (st.pretrained && c.text != st.config.text && !st.ids.empty()) st.ids.clear();
    st.edit(c);
    // After the edit above, which would otherwise overwrite the step with the older copy.
    st.step_heads(heads_step);
    st.step_kv_heads(kv_step);

    ImGui::Separator();
    ImGui::TextDisabled("Heads");
    ImGui::PushItemWidth(-110);
    Preset preset = st.preset;
    static constexpr Preset kPresets[] = {Preset::Random,  Preset::Mixed,    Preset::Previous, Preset::Self,
                                          Preset::First,   Preset::SameWord, Preset::Uniform};
    forceable_arch(st, "preset", [&] {
        if (combo("preset", preset, kPresets)) st.set_preset(preset);
    });
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("random: weights from the seed\nmixed: previous, self, first, same-word, uniform heads in turn\n"
                          "others: every head of one kind");
    field_error(st, "preset");
    if (st.preset != Preset::Random && !st.preset_summary.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "%s", st.preset_summary.c_str());
        ImGui::PopTextWrapPos();
    }
    if (!st.edits.empty()) {
        ImGui::Text("%zu cell%s edited by hand", st.edits.size(), st.edits.size() == 1 ? "" : "s");
        ImGui::SameLine();
        if (ImGui::SmallButton("Reset to seed")) st.clear_edits();
    }
    field_error(st, "edit");
    ImGui::PopItemWidth();

    ImGui::Separator();
    ImGui::TextDisabled("Export and session");
    ImGui::PushItemWidth(-110);
    std::string dir = ctx.export_dir.string();
    if (ImGui::InputText("##folder", &dir)) ctx.export_dir = dir;
    ImGui::SameLine();
    if (ImGui::Button("Browse…")) {
        ctx.browser.open(FileBrowser::Purpose::PickFolder, "Export folder", ctx.export_dir);
        ctx.browsing = UiContext::Browse::ExportFolder;
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Where Save PNG and F12 write");
    ImGui::RadioButton("1×", &ctx.export_scale, 1);
    ImGui::SameLine();
    ImGui::RadioButton("2×", &ctx.export_scale, 2);
    ImGui::SameLine();
    ImGui::TextDisabled("PNG scale");
    const std::filesystem::path session_dir =
        ctx.session_path.has_parent_path() ? ctx.session_path.parent_path() : std::filesystem::path(".");
    if (ImGui::Button("Save session…")) {
        ctx.browser.open(FileBrowser::Purpose::SaveFile, "Save session", session_dir, ".json",
                         ctx.session_path.filename().string());
        ctx.browsing = UiContext::Browse::SaveSession;
    }
    ImGui::SameLine();
    if (ImGui::Button("Load session…")) {
        ctx.browser.open(FileBrowser::Purpose::OpenFile, "Load session", session_dir, ".json");
        ctx.browsing = UiContext::Browse::LoadSession;
    }
    ImGui::SameLine();
    draw_examples_menu(ctx);
    draw_open_model_dialog(ctx);
    if (const auto chosen = ctx.browser.draw()) {
        switch (ctx.browsing) {
            case UiContext::Browse::ExportFolder: ctx.export_dir = *chosen; break;
            case UiContext::Browse::SaveSession:
                if (st.save_session_to(*chosen)) ctx.session_path = *chosen;
                break;
            case UiContext::Browse::LoadSession:
                if (st.load_session_from(*chosen)) ctx.session_path = *chosen;
                break;
            case UiContext::Browse::ModelFolder: st.start_model_load(*chosen); break;
            case UiContext::Browse::None: break;
        }
        ctx.browsing = UiContext::Browse::None;
    }
    ImGui::PopItemWidth();
}

}  // namespace attnviz
