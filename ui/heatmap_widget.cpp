#include "ui/heatmap_widget.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/panel_image.hpp"
#include "core/io/png_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace attnviz {
namespace {

constexpr float kBarWidth = 14.0f;
constexpr float kBarGap = 8.0f;
constexpr float kBarLabel = 48.0f;

std::string fmt(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", static_cast<double>(v));
    return buf;
}

// Labels are shortened to fit their cell; the tooltip always shows the full token.
std::string fit_label(const std::string& s, float width) {
    if (ImGui::CalcTextSize(s.c_str()).x <= width) return s;
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = 1;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0) len = 4;
        else if (c >= 0xE0) len = 3;
        else if (c >= 0xC0) len = 2;
        const std::string next = out + s.substr(i, len);
        if (ImGui::CalcTextSize((next + "…").c_str()).x > width) break;
        out = next;
        i += len;
    }
    // Nothing fits with an ellipsis: the first character alone still tells tokens apart.
    if (out.empty()) {
        const auto c = static_cast<unsigned char>(s[0]);
        return s.substr(0, c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1);
    }
    return out + "…";
}

void draw_colour_bar(ImDrawList* dl, ImVec2 p0, float height, const HeatmapLook& look) {
    constexpr int kSteps = 32;  // fixed count: cost independent of the matrix size
    for (int s = 0; s < kSteps; ++s) {
        const float t0 = 1.0f - static_cast<float>(s) / kSteps, t1 = 1.0f - static_cast<float>(s + 1) / kSteps;
        const Rgb a = colormap(look.map, t0), b = colormap(look.map, t1);
        const ImU32 ca = ImGui::ColorConvertFloat4ToU32(ImVec4(a[0], a[1], a[2], 1));
        const ImU32 cb = ImGui::ColorConvertFloat4ToU32(ImVec4(b[0], b[1], b[2], 1));
        const float y0 = p0.y + height * s / kSteps, y1 = p0.y + height * (s + 1) / kSteps;
        dl->AddRectFilledMultiColor(ImVec2(p0.x, y0), ImVec2(p0.x + kBarWidth, y1), ca, ca, cb, cb);
    }
    dl->AddRect(p0, ImVec2(p0.x + kBarWidth, p0.y + height), IM_COL32(200, 200, 200, 120));
    const ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
    dl->AddText(ImVec2(p0.x + kBarWidth + 4, p0.y - 2), ink, fmt(look.hi).c_str());
    dl->AddText(ImVec2(p0.x + kBarWidth + 4, p0.y + height - ImGui::GetTextLineHeight() + 2), ink,
                fmt(look.lo).c_str());
    if (look.map == ColorMap::Diverging) {
        dl->AddText(ImVec2(p0.x + kBarWidth + 4, p0.y + height * 0.5f - ImGui::GetTextLineHeight() * 0.5f), ink, "0");
    }
}


}  // namespace

bool draw_thumbnail(UiContext& ctx, const std::string& id, std::uint64_t key, const Eigen::Ref<const MatRM>& values,
                    const HeatmapLook& look, ImVec2 size) {
    if (!ImGui::IsRectVisible(size)) {  // off screen: no texture work, just the space
        ImGui::Dummy(size);
        return false;
    }
    HeatmapTexture& tex = ctx.textures[id];
    tex.set_data(key, values, nullptr);
    const unsigned tex_id = tex.render(ctx.program, look, std::max(1, static_cast<int>(size.x)), std::max(1, static_cast<int>(size.y)));
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(tex_id)), size, ImVec2(0, 1), ImVec2(1, 0));
    return ImGui::IsItemHovered();
}

HeatmapLook signed_look(const Eigen::Ref<const MatRM>& values, const MatRM* mask) {
    const auto [lo, hi] = symmetric_range(values, mask);
    return {ColorMap::Diverging, lo, hi};
}

HeatmapLook weights_look() { return {ColorMap::Viridis, 0.0f, 1.0f}; }

bool draw_heatmap(UiContext& ctx, const HeatmapSpec& spec, ImVec2 size) {
    AppState& st = ctx.state;
    const int rows = static_cast<int>(spec.values.rows()), cols = static_cast<int>(spec.values.cols());
    ImGui::PushID(spec.id.c_str());
    ImGui::BeginGroup();
    // The title wraps inside the panel (beside its button) instead of running into the next one.
    const float line = ImGui::GetTextLineHeight();
    const float save_w = ImGui::CalcTextSize("Save PNG").x + 2.0f * ImGui::GetStyle().FramePadding.x;
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + std::max(60.0f, size.x - save_w - ImGui::GetStyle().ItemSpacing.x));
    ImGui::TextUnformatted(spec.title.c_str());
    ImGui::PopTextWrapPos();
    const float title_extra = std::max(0.0f, ImGui::GetItemRectSize().y - line);
    ImGui::SameLine();
    if (ImGui::SmallButton("Save PNG")) save_heatmap_png(ctx, spec);
    if (rows == 0 || cols == 0) {
        ImGui::TextDisabled("(empty)");
        ImGui::EndGroup();
        ImGui::PopID();
        return false;
    }

    float label_w = 28.0f;
    if (spec.row_labels) {
        float widest = 0.0f;
        for (std::size_t k = 0; k < std::min<std::size_t>(spec.row_labels->size(), 256); ++k)
            widest = std::max(widest, ImGui::CalcTextSize((*spec.row_labels)[k].c_str()).x);
        label_w = std::clamp(widest + 8.0f, 28.0f, std::min(90.0f, size.x * 0.2f));
    }
    // Two staggered lines of column labels, so each label may be two cells wide.
    const float top_h = 2.0f * line + 4.0f;
    const float avail_w = std::max(40.0f, size.x - label_w - kBarGap - kBarWidth - kBarLabel);
    const float avail_h = std::max(40.0f, size.y - top_h - line * 2.2f - title_extra);
    // Square cells: a weight matrix should look like a matrix, not a stretched bar. Tall rows
    // grow up to a text line where there is room, so that every row carries its label.
    const float cell = std::max(1.0f, std::min(avail_w / cols, avail_h / rows));
    const float cell_h = spec.tall_rows ? std::max(cell, std::min(line + 1.0f, avail_h / rows)) : cell;
    const ImVec2 grid(cell * cols, cell_h * rows);

    ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 g0(origin.x + label_w, origin.y + top_h);
    const ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);

    // Axis labels: at most one per cell, never more than ~40 per axis, and only as many as fit:
    // a column label gets two cells' width (two lanes), at least a few characters; a row label one line.
    const float min_col_label = ImGui::CalcTextSize("000").x + 4.0f;
    const int col_step = std::max({1, static_cast<int>(std::ceil(cols / 40.0)),
                                   static_cast<int>(std::ceil(min_col_label / (2.0f * cell)))});
    const int row_step = std::max({1, static_cast<int>(std::ceil(rows / 40.0)), static_cast<int>(std::ceil(line / cell_h))});
    // A token cut to "t…" says nothing: when any sampled column label would be cut that far, the
    // whole axis shows indices (one style per axis), which the tooltip and the strip resolve.
    const float slot = 2 * cell * col_step - 4;
    const float legible = ImGui::CalcTextSize("mmm…").x;
    bool col_tokens = spec.col_labels != nullptr;
    for (int j = 0; col_tokens && j < cols && j < static_cast<int>(spec.col_labels->size()); j += col_step) {
        const std::string& full = (*spec.col_labels)[static_cast<std::size_t>(j)];
        const std::string cut = fit_label(full, slot);
        if (cut != full && ImGui::CalcTextSize(cut.c_str()).x < legible) col_tokens = false;
    }
    for (int j = 0; j < cols; j += col_step) {
        const int lane = (j / col_step) % 2;
        const std::string s = col_tokens && j < static_cast<int>(spec.col_labels->size())
                                  ? fit_label((*spec.col_labels)[static_cast<std::size_t>(j)], slot)
                                  : std::to_string(j);
        const float w = ImGui::CalcTextSize(s.c_str()).x;
        const bool hot = spec.cols_are_tokens && st.hover.key == j;
        dl->AddText(ImVec2(g0.x + j * cell + (cell * col_step - w) * 0.5f, origin.y + lane * line), hot ? ink : dim,
                    s.c_str());
    }
    for (int i = 0; i < rows; i += row_step) {
        const std::string s = spec.row_labels && i < static_cast<int>(spec.row_labels->size())
                                  ? fit_label((*spec.row_labels)[static_cast<std::size_t>(i)], label_w - 6)
                                  : std::to_string(i);
        const float w = ImGui::CalcTextSize(s.c_str()).x;
        const bool hot = spec.rows_are_tokens && st.hover.query == i;
        dl->AddText(ImVec2(g0.x - w - 4, g0.y + i * cell_h + (cell_h * row_step - line) * 0.5f), hot ? ink : dim,
                    s.c_str());
    }

    HeatmapTexture& tex = ctx.textures[spec.id];
    tex.set_data(spec.data_key, spec.values, spec.mask);
    const unsigned tex_id = tex.render(ctx.program, spec.look, static_cast<int>(grid.x), static_cast<int>(grid.y));
    ImGui::SetCursorScreenPos(g0);
    // uv flipped: the framebuffer's first row in memory is the bottom of the image.
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(tex_id)), grid, ImVec2(0, 1), ImVec2(1, 0));
    const bool hovered = ImGui::IsItemHovered();

    // Linked highlight: the hovered token's row and column, in every panel at once.
    const ImU32 hl = IM_COL32(255, 255, 255, 200);
    if (spec.rows_are_tokens && st.hover.query >= 0 && st.hover.query < rows) {
        dl->AddRect(ImVec2(g0.x, g0.y + st.hover.query * cell_h), ImVec2(g0.x + grid.x, g0.y + (st.hover.query + 1) * cell_h),
                    hl, 0, 0, 2.0f);
    }
    if (spec.cols_are_tokens && st.hover.key >= 0 && st.hover.key < cols) {
        dl->AddRect(ImVec2(g0.x + st.hover.key * cell, g0.y), ImVec2(g0.x + (st.hover.key + 1) * cell, g0.y + grid.y),
                    hl, 0, 0, 2.0f);
    }
    if (spec.outline.r1 > spec.outline.r0 && spec.outline.c1 > spec.outline.c0) {
        const CellRect& o = spec.outline;
        dl->AddRect(ImVec2(g0.x + o.c0 * cell, g0.y + o.r0 * cell_h), ImVec2(g0.x + o.c1 * cell, g0.y + o.r1 * cell_h),
                    IM_COL32(255, 140, 40, 255), 0, 0, 3.0f);
    }
    draw_colour_bar(dl, ImVec2(g0.x + grid.x + kBarGap, g0.y), std::max(grid.y, 40.0f), spec.look);

    if (hovered) {
        const ImVec2 mp = ImGui::GetIO().MousePos;
        const int j = std::clamp(static_cast<int>((mp.x - g0.x) / cell), 0, cols - 1);
        const int i = std::clamp(static_cast<int>((mp.y - g0.y) / cell_h), 0, rows - 1);
        if (spec.rows_are_tokens) ctx.frame_hover.query = i;
        if (spec.cols_are_tokens) ctx.frame_hover.key = j;
        ImGui::BeginTooltip();
        auto label = [](const std::vector<std::string>* l, int k) {
            return l && k < static_cast<int>(l->size()) ? "'" + (*l)[static_cast<std::size_t>(k)] + "'" : std::string();
        };
        ImGui::Text("%s %d %s   %s %d %s", spec.row_axis.c_str(), i, label(spec.row_labels, i).c_str(),
                    spec.col_axis.c_str(), j, label(spec.col_labels, j).c_str());
        const bool masked = (spec.mask && (*spec.mask)(i, j) < 0.5f) || !std::isfinite(spec.values(i, j));
        if (masked) ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "masked: M = −∞, weight exactly 0");
        else ImGui::Text("value = %.6g", static_cast<double>(spec.values(i, j)));
        if (spec.explain) {
            const std::string more = spec.explain(i, j);
            if (!more.empty()) ImGui::TextUnformatted(more.c_str());
        }
        ImGui::EndTooltip();
    }
    ImGui::SetCursorScreenPos(ImVec2(origin.x, g0.y + std::max(grid.y, 40.0f) + 4));
    ImGui::Dummy(ImVec2(label_w + grid.x + kBarGap + kBarWidth + kBarLabel, 1));
    ImGui::EndGroup();
    ImGui::PopID();
    return hovered;
}

std::string save_heatmap_png(UiContext& ctx, const HeatmapSpec& spec) {
    try {
        const int scale = std::clamp(ctx.export_scale, 1, 2);
        const int rows = static_cast<int>(spec.values.rows()), cols = static_cast<int>(spec.values.cols());
        const int cell = std::clamp(480 / std::max(rows, cols), 4, 32) * scale;
        // The heatmap itself comes from the same shader, into an offscreen framebuffer.
        HeatmapTexture tex;
        tex.set_data(1, spec.values, spec.mask);
        tex.render(ctx.program, spec.look, cell * cols, cell * rows);
        PanelImage panel;
        panel.title = spec.title;
        panel.heatmap = tex.read_back();
        panel.row_axis = spec.row_axis;
        panel.col_axis = spec.col_axis;
        if (spec.row_labels) panel.row_labels = *spec.row_labels;
        if (spec.col_labels) panel.col_labels = *spec.col_labels;
        panel.map = spec.look.map;
        panel.lo = spec.look.lo;
        panel.hi = spec.look.hi;
        panel.scale = scale;
        std::string name = spec.id;
        for (char& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        const std::filesystem::path path =
            ctx.export_dir / (name + "_" + std::to_string(scale) + "x_" + file_timestamp() + ".png");
        write_png_atomic(path, compose_panel(panel));
        ctx.state.set_status("saved " + path.string(), false);
        return path.string();
    } catch (const std::exception& e) {
        ctx.state.set_status(std::string("Save PNG failed: ") + e.what(), true);
        return {};
    }
}

}  // namespace attnviz
