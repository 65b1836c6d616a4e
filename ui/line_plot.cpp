#include "ui/line_plot.hpp"

#include <algorithm>
#include <cstdio>

namespace attnviz {
namespace {

constexpr float kSwatch = 18.0f;       // legend line sample, px
constexpr float kTickLength = 4.0f;    // px
constexpr float kRightPad = 10.0f;     // room for the last x tick label's overhang, px

// Round steps (1, 2, 5 × 10^k) covering [lo, hi] with about `target` intervals.
struct Ticks {
    double first = 0.0, step = 1.0;
    int count = 0, decimals = 0;
};

Ticks nice_ticks(double lo, double hi, float target, bool integer) {
    Ticks t;
    const double span = hi - lo;
    if (!(span > 0.0)) return t;
    const double raw = span / std::max(1.0f, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / mag;
    t.step = (r < 1.5 ? 1.0 : r < 3.0 ? 2.0 : r < 7.0 ? 5.0 : 10.0) * mag;
    if (integer) t.step = std::max(1.0, t.step);
    t.first = std::ceil(lo / t.step - 1e-9) * t.step;
    t.count = static_cast<int>(std::floor((hi - t.first) / t.step + 1e-9)) + 1;
    t.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(t.step) + 1e-9)));
    return t;
}

std::string tick_text(double v, int decimals) {
    if (std::abs(v) < 1e-12) v = 0.0;  // never "-0"
    char buf[32];
    if (std::abs(v) >= 1e6) std::snprintf(buf, sizeof buf, "%.3g", v);
    else std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// The y range to draw: the spec's, or the finite data's with headroom; never empty.
std::pair<float, float> y_range(const LinePlotSpec& spec) {
    float lo = INFINITY, hi = -INFINITY;
    for (const PlotSeries& s : spec.series)
        for (float v : s.y)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    if (!std::isfinite(lo)) lo = 0.0f, hi = 1.0f;
    const float pad = (hi - lo) * 0.05f;
    lo -= pad;
    hi += pad;
    if (std::isfinite(spec.y_min)) lo = spec.y_min;
    if (std::isfinite(spec.y_max)) hi = spec.y_max;
    if (!(hi > lo)) {
        const float half = std::max(0.5f, std::abs(lo) * 0.1f);
        lo -= half;
        hi += half;
    }
    return {lo, hi};
}

// Legend entries left to right, wrapping inside `width`. Returns the height used.
float draw_legend(ImDrawList* dl, const LinePlotSpec& spec, ImVec2 at, float width) {
    const float line = ImGui::GetTextLineHeight();
    const ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
    float x = at.x, y = at.y;
    for (const PlotSeries& s : spec.series) {
        if (s.label.empty()) continue;
        const float w = kSwatch + 6.0f + ImGui::CalcTextSize(s.label.c_str()).x + 16.0f;
        if (x > at.x && x + w > at.x + width) {
            x = at.x;
            y += line + 2.0f;
        }
        const float mid = y + line * 0.5f;
        dl->AddLine(ImVec2(x, mid), ImVec2(x + kSwatch, mid), s.colour, std::max(2.0f, std::min(s.thickness, 5.0f)));
        if (s.markers) dl->AddCircleFilled(ImVec2(x + kSwatch * 0.5f, mid), 3.5f, s.colour);
        dl->AddText(ImVec2(x + kSwatch + 6.0f, y), ink, s.label.c_str());
        x += w;
    }
    return x > at.x ? y - at.y + line + 4.0f : 0.0f;
}

}  // namespace

LinePlotSpec plot_spec(std::string id, std::string title, std::span<const float> x, std::string x_label,
                       bool integer_x) {
    LinePlotSpec p;
    p.id = std::move(id);
    p.title = std::move(title);
    p.x = x;
    p.x_label = std::move(x_label);
    p.integer_x = integer_x;
    return p;
}

ImU32 series_colour(int index) {
    static constexpr ImU32 kPalette[] = {
        IM_COL32(255, 179, 71, 255),   // orange
        IM_COL32(92, 200, 255, 255),   // sky blue
        IM_COL32(240, 98, 170, 255),   // pink
        IM_COL32(130, 220, 110, 255),  // green
        IM_COL32(190, 150, 255, 255),  // lilac
        IM_COL32(250, 235, 100, 255),  // yellow
        IM_COL32(80, 220, 200, 255),   // teal
        IM_COL32(255, 120, 100, 255),  // coral
        IM_COL32(200, 200, 200, 255),  // grey
    };
    constexpr int n = static_cast<int>(sizeof kPalette / sizeof kPalette[0]);
    return kPalette[((index % n) + n) % n];
}

int draw_line_plot(const LinePlotSpec& spec, ImVec2 size) {
    ImGui::PushID(spec.id.c_str());
    ImGui::BeginGroup();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeight();
    const ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const int samples = static_cast<int>(spec.x.size());

    float top = origin.y;
    if (!spec.title.empty()) {
        dl->AddText(ImVec2(origin.x, top), ink, spec.title.c_str());
        top += line + 4.0f;
    }
    top += draw_legend(dl, spec, ImVec2(origin.x, top), size.x);
    if (!spec.y_label.empty()) {
        dl->AddText(ImVec2(origin.x, top), dim, spec.y_label.c_str());
        top += line + 2.0f;
    }

    // Layout: y tick labels on the left, x tick labels and the x label below.
    const auto [lo, hi] = y_range(spec);
    const float bottom = origin.y + size.y - 2.0f * line - 8.0f;
    const float plot_h = std::max(20.0f, bottom - top - line * 0.5f);
    const Ticks yt = nice_ticks(lo, hi, plot_h / 36.0f, false);
    float label_w = 0.0f;
    for (int k = 0; k < yt.count; ++k)
        label_w = std::max(label_w, ImGui::CalcTextSize(tick_text(yt.first + k * yt.step, yt.decimals).c_str()).x);
    const ImVec2 p0(origin.x + label_w + kTickLength + 6.0f, top + line * 0.5f);
    const ImVec2 p1(origin.x + size.x - kRightPad, p0.y + plot_h);
    float x_lo = samples ? spec.x.front() : 0.0f;
    float x_hi = samples > 1 && spec.x.back() > x_lo ? spec.x.back() : x_lo + 1.0f;
    // Dots at the ends would be cut in half by the frame: leave them a little room.
    if (std::any_of(spec.series.begin(), spec.series.end(), [](const PlotSeries& s) { return s.markers; })) {
        const float pad = (x_hi - x_lo) * 0.04f;
        x_lo -= pad;
        x_hi += pad;
    }
    auto sx = [&](double v) { return static_cast<float>(p0.x + (p1.x - p0.x) * (v - x_lo) / (x_hi - x_lo)); };
    auto sy = [&](double v) { return static_cast<float>(p1.y - (p1.y - p0.y) * (v - lo) / (hi - lo)); };

    dl->AddRectFilled(p0, p1, IM_COL32(28, 28, 33, 255));
    const ImU32 grid = IM_COL32(255, 255, 255, 22);
    for (int k = 0; k < yt.count; ++k) {
        const double v = yt.first + k * yt.step;
        const float y = sy(v);
        dl->AddLine(ImVec2(p0.x, y), ImVec2(p1.x, y), std::abs(v) < yt.step * 1e-6 ? IM_COL32(255, 255, 255, 70) : grid);
        dl->AddLine(ImVec2(p0.x - kTickLength, y), ImVec2(p0.x, y), dim);
        const std::string s = tick_text(v, yt.decimals);
        dl->AddText(ImVec2(p0.x - kTickLength - 4.0f - ImGui::CalcTextSize(s.c_str()).x, y - line * 0.5f), dim, s.c_str());
    }
    const Ticks xt = nice_ticks(x_lo, x_hi, (p1.x - p0.x) / 70.0f, spec.integer_x);
    for (int k = 0; k < xt.count; ++k) {
        const double v = xt.first + k * xt.step;
        const float x = sx(v);
        dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), grid);
        dl->AddLine(ImVec2(x, p1.y), ImVec2(x, p1.y + kTickLength), dim);
        const std::string s = tick_text(v, xt.decimals);
        dl->AddText(ImVec2(x - ImGui::CalcTextSize(s.c_str()).x * 0.5f, p1.y + kTickLength + 1.0f), dim, s.c_str());
    }
    const float xl_w = ImGui::CalcTextSize(spec.x_label.c_str()).x;
    dl->AddText(ImVec2((p0.x + p1.x - xl_w) * 0.5f, p1.y + kTickLength + line + 2.0f), dim, spec.x_label.c_str());
    dl->AddRect(p0, p1, IM_COL32(255, 255, 255, 60));

    dl->PushClipRect(p0, p1, true);
    for (const PlotMarker& m : spec.markers) {
        const float x = sx(m.x);
        dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), m.colour, 2.0f);
    }
    // One polyline per run of finite samples: O(samples) vertices whatever the panel size.
    std::vector<ImVec2> pts;
    pts.reserve(static_cast<std::size_t>(samples));
    for (const PlotSeries& s : spec.series) {
        const int count = std::min(samples, static_cast<int>(s.y.size()));
        auto flush = [&] {
            if (pts.size() >= 2) dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), s.colour, 0, s.thickness);
            pts.clear();
        };
        for (int k = 0; k < count; ++k) {
            const float v = s.y[static_cast<std::size_t>(k)];
            if (!std::isfinite(v)) {
                flush();
                continue;
            }
            const ImVec2 p(sx(spec.x[static_cast<std::size_t>(k)]), sy(v));
            pts.push_back(p);
            if (s.markers) dl->AddCircleFilled(p, 3.5f, s.colour);
        }
        flush();
    }
    // Marker labels last, on a dark plate, so they stay legible over the curves they cross.
    for (const PlotMarker& m : spec.markers) {
        const ImVec2 t0(sx(m.x) + 5.0f, p0.y + 4.0f);
        const ImVec2 ts = ImGui::CalcTextSize(m.label.c_str());
        dl->AddRectFilled(ImVec2(t0.x - 2.0f, t0.y - 1.0f), ImVec2(t0.x + ts.x + 2.0f, t0.y + ts.y + 1.0f),
                          IM_COL32(20, 20, 24, 225));
        dl->AddText(t0, m.colour, m.label.c_str());
    }
    dl->PopClipRect();

    // Hover: the nearest sample to the mouse, a guide line, dots and a readout of every series.
    ImGui::SetCursorScreenPos(p0);
    ImGui::InvisibleButton("##plot", ImVec2(std::max(1.0f, p1.x - p0.x), std::max(1.0f, p1.y - p0.y)));
    int hovered = -1;
    if (ImGui::IsItemHovered() && samples > 0) {
        const float mx = x_lo + (ImGui::GetIO().MousePos.x - p0.x) / (p1.x - p0.x) * (x_hi - x_lo);
        const auto it = std::lower_bound(spec.x.begin(), spec.x.end(), mx);
        auto at = [&](int index) { return spec.x[static_cast<std::size_t>(index)]; };
        int k = static_cast<int>(it - spec.x.begin());
        if (k >= samples || (k > 0 && mx - at(k - 1) < at(k) - mx)) --k;  // the nearer neighbour
        k = std::clamp(k, 0, samples - 1);
        hovered = k;
        const float gx = sx(at(k));
        dl->AddLine(ImVec2(gx, p0.y), ImVec2(gx, p1.y), IM_COL32(255, 255, 255, 110));
        ImGui::BeginTooltip();
        if (spec.integer_x) ImGui::Text("%s = %d", spec.x_label.c_str(), static_cast<int>(std::lround(at(k))));
        else ImGui::Text("%s = %.4g", spec.x_label.c_str(), static_cast<double>(at(k)));
        for (const PlotSeries& s : spec.series) {
            if (k >= static_cast<int>(s.y.size())) continue;
            const float v = s.y[static_cast<std::size_t>(k)];
            if (std::isfinite(v)) dl->AddCircleFilled(ImVec2(gx, sy(v)), 4.0f, s.colour);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.colour), "%s: %.4g", s.label.c_str(), static_cast<double>(v));
        }
        ImGui::EndTooltip();
    }
    ImGui::SetCursorScreenPos(origin);
    ImGui::Dummy(size);
    ImGui::EndGroup();
    ImGui::PopID();
    return hovered;
}

}  // namespace attnviz
