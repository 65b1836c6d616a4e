// The Model view: every layer × head as a thumbnail of its attention pattern (BertViz's model
// view), framed by a head detector's score, with a sortable table of every detector beside it.
// Click a thumbnail to select that layer and head; right-click to ablate it.
#include "ui/trace_panels.hpp"
#include "ui/views.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace attnviz {
namespace {

struct Detector {
    const char* name;
    const char* formula;
    const std::vector<std::vector<float>> HeadScores::*scores;
};

const Detector kDetectors[] = {
    {"previous-token", "mean over i ≥ 1 of A[i, i−1]", &HeadScores::previous_token},
    {"induction", "mean over i whose token occurred before at j (j+1 < i) of Σ A[i, j+1]", &HeadScores::induction},
    {"first-token (sink)", "mean over i ≥ 1 of A[i, 0]", &HeadScores::first_token},
    {"same-position", "mean over i of A[i, i]", &HeadScores::same_position},
    {"duplicate-token", "mean over i whose token occurred before of Σ over those j of A[i, j]", &HeadScores::duplicate_token},
};
constexpr int kDetectorCount = static_cast<int>(sizeof kDetectors / sizeof kDetectors[0]);

float score(const StackTrace& t, int detector, int l, int h) {
    const auto& table = t.scores.*kDetectors[detector].scores;
    return table[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
}

ImU32 frame_colour(float s) {
    // Grey for 0, saturated orange for 1: a high-scoring head stands out across the grid.
    const float t = std::clamp(s, 0.0f, 1.0f);
    return ImGui::GetColorU32(ImVec4(0.30f + 0.70f * t, 0.32f + 0.33f * t, 0.36f - 0.26f * t, 1.0f));
}

std::string head_tooltip(const AppState& st, int l, int h) {
    std::string s = "layer " + std::to_string(l) + ", head " + std::to_string(h) + "\n";
    for (int d = 0; d < kDetectorCount; ++d) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%-20s %.3f\n", kDetectors[d].name, score(st.stack, d, l, h));
        s += buf;
    }
    s += st.is_ablated(l, h) ? "ablated: its output is " + std::string(to_string(st.ablate_mode)) + "\n" : "";
    return s + "click: select this layer and head · right-click: ablate / restore";
}

void draw_grid(UiContext& ctx, float width) {
    AppState& st = ctx.state;
    const StackTrace& t = st.stack;
    const int L = static_cast<int>(t.layers.size());
    const int H = L ? static_cast<int>(t.layers.front().thumbs.size()) : 0;
    const float label_w = 34.0f, mlp_w = 40.0f;
    const float room = width - label_w - 8.0f - (t.arch.mlp != MlpKind::None ? mlp_w + 24.0f : 16.0f);
    const float side = std::clamp(room / static_cast<float>(std::max(1, H)) - 6.0f, 22.0f, 120.0f);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int det = ctx.model.detector;
    ImGui::Dummy(ImVec2(label_w, 0));
    for (int h = 0; h < H; ++h) {
        ImGui::SameLine(label_w + 8 + h * (side + 6));
        ImGui::TextDisabled("h%d", h);
    }
    for (int l = 0; l < L; ++l) {
        const LayerTrace& layer = t.layers[static_cast<std::size_t>(l)];
        ImGui::AlignTextToFramePadding();
        if (l == st.layer) ImGui::TextColored(ImVec4(1, 1, 1, 1), "▶L%d", l);
        else ImGui::TextDisabled(" L%d", l);
        for (int h = 0; h < H; ++h) {
            ImGui::SameLine(label_w + 8 + h * (side + 6));
            const std::string id = "model_thumb_" + std::to_string(l) + "_" + std::to_string(h);
            ImGui::PushID(id.c_str());
            const ImVec2 p0 = ImGui::GetCursorScreenPos();
            const bool hovered = draw_thumbnail(ctx, id, st.generation ^ (static_cast<std::uint64_t>(l) << 40),
                                                layer.thumbs[static_cast<std::size_t>(h)], weights_look(), ImVec2(side, side));
            const ImVec2 p1(p0.x + side, p0.y + side);
            dl->AddRect(ImVec2(p0.x - 2, p0.y - 2), ImVec2(p1.x + 2, p1.y + 2), frame_colour(score(t, det, l, h)), 0, 0, 3.0f);
            if (l == st.layer && h == st.detail_head) dl->AddRect(ImVec2(p0.x - 4, p0.y - 4), ImVec2(p1.x + 4, p1.y + 4), IM_COL32(255, 255, 255, 255), 0, 0, 2.0f);
            if (st.is_ablated(l, h)) {
                dl->AddRectFilled(p0, p1, IM_COL32(20, 20, 20, 170));
                dl->AddLine(p0, p1, IM_COL32(255, 90, 70, 255), 2.5f);
                dl->AddLine(ImVec2(p0.x, p1.y), ImVec2(p1.x, p0.y), IM_COL32(255, 90, 70, 255), 2.5f);
            }
            if (hovered) {
                ImGui::SetTooltip("%s", head_tooltip(st, l, h).c_str());
                if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
                    st.select_layer(l);
                    st.select_head(h);
                }
                if (ImGui::IsMouseClicked(ImGuiMouseButton_Right)) st.toggle_ablation(l, h);
            }
            ImGui::PopID();
        }
        if (t.arch.mlp != MlpKind::None) {
            ImGui::SameLine(label_w + 8 + H * (side + 6));
            ImGui::PushID(l);
            const bool off = st.is_ablated(l, Ablation::kMlp);
            if (off) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.75f, 0.25f, 0.2f, 1.0f));
            if (ImGui::Button("MLP", ImVec2(mlp_w, 0))) st.toggle_ablation(l, Ablation::kMlp);
            if (off) ImGui::PopStyleColor();
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("layer %d's MLP: click to %s it", l, off ? "restore" : "ablate");
            ImGui::PopID();
        }
    }
}

struct Row {
    int layer, head;
};

void draw_table(UiContext& ctx) {
    AppState& st = ctx.state;
    const StackTrace& t = st.stack;
    const int L = static_cast<int>(t.layers.size());
    const int H = L ? static_cast<int>(t.layers.front().thumbs.size()) : 0;
    const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("detectors", 3 + kDetectorCount, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("layer", ImGuiTableColumnFlags_DefaultSort);
    ImGui::TableSetupColumn("head");
    const char* short_names[] = {"prev", "induct", "sink", "self", "dup"};
    for (int d = 0; d < kDetectorCount; ++d) ImGui::TableSetupColumn(short_names[d], ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableSetupColumn("ablate", ImGuiTableColumnFlags_NoSort);
    ImGui::TableHeadersRow();
    for (int d = 0; d < kDetectorCount; ++d) {
        if (ImGui::TableSetColumnIndex(2 + d) && ImGui::IsItemHovered())
            ImGui::SetTooltip("%s: %s", kDetectors[d].name, kDetectors[d].formula);
    }
    std::vector<Row> rows;
    for (int l = 0; l < L; ++l)
        for (int h = 0; h < H; ++h) rows.push_back({l, h});
    if (const ImGuiTableSortSpecs* sort = ImGui::TableGetSortSpecs(); sort && sort->SpecsCount > 0) {
        const ImGuiTableColumnSortSpecs& s = sort->Specs[0];
        const int col = s.ColumnIndex;
        const bool asc = s.SortDirection == ImGuiSortDirection_Ascending;
        std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
            float ka, kb;
            if (col == 0) ka = static_cast<float>(a.layer * 1000 + a.head), kb = static_cast<float>(b.layer * 1000 + b.head);
            else if (col == 1) ka = static_cast<float>(a.head * 1000 + a.layer), kb = static_cast<float>(b.head * 1000 + b.layer);
            else ka = score(t, col - 2, a.layer, a.head), kb = score(t, col - 2, b.layer, b.head);
            return asc ? ka < kb : ka > kb;
        });
    }
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()));
    while (clipper.Step()) {
        for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
            const Row& row = rows[static_cast<std::size_t>(r)];
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(r);
            const bool selected = row.layer == st.layer && row.head == st.detail_head;
            char label[16];
            std::snprintf(label, sizeof label, "%d", row.layer);
            if (ImGui::Selectable(label, selected, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
                st.select_layer(row.layer);
                st.select_head(row.head);
            }
            ImGui::TableSetColumnIndex(1);
            ImGui::Text("%d", row.head);
            for (int d = 0; d < kDetectorCount; ++d) {
                ImGui::TableSetColumnIndex(2 + d);
                const float v = score(t, d, row.layer, row.head);
                if (v >= 0.5f) ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.3f, 1.0f), "%.2f", v);
                else ImGui::Text("%.2f", v);
            }
            ImGui::TableSetColumnIndex(2 + kDetectorCount);
            bool ablated = st.is_ablated(row.layer, row.head);
            if (ImGui::Checkbox("##ablate", &ablated)) st.toggle_ablation(row.layer, row.head);
            ImGui::PopID();
        }
    }
    ImGui::EndTable();
}

// The blocks of W_Q·W_Kᵀ that carry each layer's matching: layer 0 pos × pos (with first and
// bias), layer 1 the current token (query rows) against "my previous token" (key columns).
struct QkBlock {
    int r0, rows, c0, cols;
    const char* title;
};
const QkBlock kQkBlocks[] = {{0, 18, 0, 18, "layer 0: W_Q·W_Kᵀ, dims 0–17 (pos, first, bias) × the same"},
                             {18, 48, 66, 48, "layer 1: W_Q·W_Kᵀ, query tok dims 18–65 × key prev dims 66–113"}};

// Why the designed circuit works, in words and with its weights: each layer's W_Q·W_Kᵀ [d, d]
// shows which subspace of the stream a query reads (rows) against which a key reads (columns).
void draw_induction_explainer(UiContext& ctx) {
    AppState& st = ctx.state;
    ModelViewState& m = ctx.model;
    if (!st.model) return;
    if (m.generation != st.generation) {
        m.generation = st.generation;
        m.qk.clear();
        for (const LayerWeights& lw : st.model->weights().layers) m.qk.push_back(lw.attn.W_Q * lw.attn.W_K.transpose());  // [d, d]
        for (std::size_t l = 0; l < m.qk.size() && l < 2; ++l) {
            const QkBlock& b = kQkBlocks[l];
            const bool fits = m.qk[l].rows() >= b.r0 + b.rows && m.qk[l].cols() >= b.c0 + b.cols;
            m.blocks[l] = fits ? MatRM(m.qk[l].block(b.r0, b.c0, b.rows, b.cols)) : MatRM();
        }
    }
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "Why the induction circuit works");
    ImGui::TextUnformatted(
        "The residual stream (d = 162) is cut into subspaces: pos [0,16) position code, first 16, bias 17, tok [18,66) the "
        "token, prev [66,114) \"my previous token\", out [114,162) \"the token to predict\".\n"
        "Layer 0 (previous-token head): W_Q rotates the position code back by one step and W_K reads it as it is, so "
        "q_i·k_j peaks at j = i − 1 (the pos × pos block below left). W_V reads tok and W_O writes it into prev.\n"
        "Layer 1 (induction head): W_Q reads tok, W_K reads prev (K-composition: keys built from layer 0's output), so "
        "the tok × prev block lights up: query i matches key j when the token before j equals token i, i.e. j is what "
        "followed the earlier copy. W_V copies tok at j into out, and the unembedding reads out: the logits predict it.");
    ImGui::PopTextWrapPos();
    const float w = ImGui::GetContentRegionAvail().x / 2 - 8;
    const ImVec2 size(w, std::min(w, 420.0f));
    for (std::size_t l = 0; l < m.qk.size() && l < 2; ++l) {
        const QkBlock& b = kQkBlocks[l];
        if (m.blocks[l].size() == 0) continue;
        if (l) ImGui::SameLine();
        HeatmapSpec s{"induction_qk_" + std::to_string(l), b.title, m.blocks[l]};
        s.look = signed_look(m.blocks[l], nullptr);
        s.row_axis = "query dim";
        s.col_axis = "key dim";
        s.rows_are_tokens = s.cols_are_tokens = false;
        s.data_key = st.generation * 4 + l;
        s.explain = [l](int i, int j) {
            return "W_Q·W_Kᵀ[" + std::to_string(kQkBlocks[l].r0 + i) + ", " + std::to_string(kQkBlocks[l].c0 + j) +
                   "]: how much a query's dim " + std::to_string(kQkBlocks[l].r0 + i) + " and a key's dim " +
                   std::to_string(kQkBlocks[l].c0 + j) + " add to the score q·k";
        };
        draw_heatmap(ctx, s, size);
    }
}

}  // namespace

void draw_model_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const StackTrace& t = st.stack;
    if (t.layers.empty()) {
        ImGui::TextDisabled("no model computed yet");
        return;
    }
    const int L = static_cast<int>(t.layers.size()), H = static_cast<int>(t.layers.front().thumbs.size());
    ImGui::Text("%d layer%s × %d head%s, %s, MLP %s, norm %s (%s-LN)%s", L, L == 1 ? "" : "s", H, H == 1 ? "" : "s",
                st.pretrained ? st.pretrained->name().c_str()
                : st.model_preset == ModelPreset::Induction ? "the designed induction circuit" : "random weights from the seed",
                std::string(to_string(t.arch.mlp)).c_str(), std::string(to_string(t.arch.norm)).c_str(),
                std::string(to_string(t.arch.placement)).c_str(), L == 1 ? "  ·  add layers in the side bar" : "");
    ImGui::SetNextItemWidth(200);
    std::vector<const char*> names;
    for (const Detector& d : kDetectors) names.push_back(d.name);
    ImGui::Combo("frames show", &ctx.model.detector, names.data(), kDetectorCount);
    ImGui::SameLine();
    ImGui::TextDisabled("%s", kDetectors[ctx.model.detector].formula);
    ImGui::TextDisabled("Thumbnails: each head's A (pooled to 48 × 48 past 48 tokens). Click: select layer and head; right-click: ablate.");

    const float avail = ImGui::GetContentRegionAvail().x;
    const float table_w = std::min(460.0f, avail * 0.4f);
    const bool explain = st.model_preset == ModelPreset::Induction;
    ImGui::BeginChild("model_grid", ImVec2(avail - table_w - 8, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    draw_grid(ctx, avail - table_w - 8);
    if (explain) {
        ImGui::Separator();
        draw_induction_explainer(ctx);
    }
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("model_table", ImVec2(table_w, 0), false);
    draw_table(ctx);
    ImGui::EndChild();
}

}  // namespace attnviz
