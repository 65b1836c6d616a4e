#include "core/io/panel_image.hpp"

#include "core/io/atomic_file.hpp"

#include <stb_truetype.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#ifndef ATTNVIZ_FONT_DIR
#define ATTNVIZ_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif

namespace attnviz {
namespace {

using Rgb8 = std::array<std::uint8_t, 3>;

constexpr Rgb8 kBackground = {20, 20, 23};  // the app's glClearColor(0.08, 0.08, 0.09)
constexpr Rgb8 kInk = {230, 230, 230};
constexpr Rgb8 kDimInk = {150, 150, 160};  // axis names: read after the labels

// Lengths in pixels at scale 1.
constexpr int kMargin = 10;
constexpr int kTitlePx = 16;  // font pixel height (ascent − descent)
constexpr int kLabelPx = 12;
constexpr int kGap = 6;      // between text blocks and the heatmap
constexpr int kLinePad = 2;  // below each text line
constexpr int kBarGap = 12;  // heatmap → colour bar
constexpr int kBarWidth = 14;
constexpr int kBarMinHeight = 96;  // so a tiny heatmap still gets a readable bar
constexpr int kBarLabelGap = 4;
constexpr int kRowLabelMaxWidth = 120;
// Columns too narrow for their whole labels are labelled every k-th, in slots at least this wide:
// room for about three characters and "…" at kLabelPx (the ellipsis alone is ≈ 10 px, so a slot of a few
// pixels would show nothing at all).
constexpr int kMinColSlot = 32;

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kEllipsis = 0x2026;

// ---- UTF-8 ---------------------------------------------------------------------

// Tokens come from user text, so malformed input is expected: each bad sequence becomes one
// U+FFFD and decoding resumes at the next byte, never reading past the end.
std::u32string decode_utf8(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        int len = 0;
        char32_t cp = 0, min = 0;
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        } else if ((b0 & 0xE0) == 0xC0) {
            len = 2, cp = b0 & 0x1F, min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            len = 3, cp = b0 & 0x0F, min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            len = 4, cp = b0 & 0x07, min = 0x10000;
        } else {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        int k = 1;
        for (; k < len && i + static_cast<std::size_t>(k) < s.size(); ++k) {
            const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((b & 0xC0) != 0x80) break;
            cp = (cp << 6) | (b & 0x3F);
        }
        // Overlong forms and surrogates are rejected as the Unicode standard requires.
        if (k < len || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(len);
    }
    return out;
}

// ---- Pixels --------------------------------------------------------------------

std::size_t offset(const Image& img, int x, int y) {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)) * 4;
}

// dst ← dst + (ink − dst) · a / 255, rounded.
void blend(std::uint8_t* dst, Rgb8 ink, unsigned a) {
    for (std::size_t c = 0; c < 3; ++c)
        dst[c] = static_cast<std::uint8_t>((dst[c] * (255 - a) + ink[c] * a + 127) / 255);
}

// ---- Font ----------------------------------------------------------------------

// One glyph run at one pixel size; positions are relative to the run's start.
struct Run {
    std::vector<int> glyphs;
    std::vector<float> x;  // pen position of each glyph
    float scale = 0.0f;    // font units → pixels
    float width = 0.0f;
};

// DejaVu Sans read per compose call (≈ 750 kB): no process-wide state to guard.
// stbtt_fontinfo points into bytes_, hence neither copyable nor movable.
class Font {
public:
    explicit Font(const std::filesystem::path& path) {
        try {
            bytes_ = read_file(path);
        } catch (const IoError& e) {
            throw std::runtime_error(std::string("cannot load font: ") + e.what() + " (install fonts-dejavu-core)");
        }
        const auto* data = reinterpret_cast<const unsigned char*>(bytes_.data());
        const int start = bytes_.size() < 12 ? -1 : stbtt_GetFontOffsetForIndex(data, 0);
        if (start < 0 || !stbtt_InitFont(&info_, data, start)) {
            throw std::runtime_error("cannot parse font " + path.string() + ": not a TrueType file");
        }
        stbtt_GetFontVMetrics(&info_, &ascent_, &descent_, nullptr);
    }
    Font(const Font&) = delete;
    Font& operator=(const Font&) = delete;

    float scale(int px) const { return stbtt_ScaleForPixelHeight(&info_, static_cast<float>(px)); }
    // Baseline offset below the line top, and the line's height, in pixels.
    int ascent(int px) const { return static_cast<int>(std::ceil(static_cast<float>(ascent_) * scale(px))); }
    int height(int px) const { return static_cast<int>(std::ceil(static_cast<float>(ascent_ - descent_) * scale(px))); }

    // A missing code point maps to glyph 0, which DejaVu draws as a box.
    Run shape(std::u32string_view text, int px) const {
        Run r;
        r.scale = scale(px);
        r.glyphs.reserve(text.size());
        for (char32_t cp : text) r.glyphs.push_back(stbtt_FindGlyphIndex(&info_, static_cast<int>(cp)));
        place(r);
        return r;
    }

    // The run if it fits max_w, else its longest prefix that fits with "…" appended, else nothing.
    Run fit(std::u32string_view text, int px, float max_w) const {
        Run r = shape(text, px);
        if (r.width <= max_w) return r;
        const int ell = stbtt_FindGlyphIndex(&info_, static_cast<int>(kEllipsis));
        const float ell_w = advance(ell, r.scale);
        // r.x[k] is the pen position after k glyphs (before kerning with the ellipsis).
        std::size_t k = r.glyphs.size();
        while (k > 0 &&
               r.x[k - 1] + advance(r.glyphs[k - 1], r.scale) + kern(r.glyphs[k - 1], ell, r.scale) + ell_w > max_w) {
            --k;
        }
        r.glyphs.resize(k);
        if (k == 0 && ell_w > max_w) {
            r.x.clear();
            r.width = 0.0f;
            return r;
        }
        r.glyphs.push_back(ell);
        place(r);
        return r;
    }

    // Alpha-blends the run's coverage onto img with its pen start at x and baseline at y.
    void draw(Image& img, float x, int baseline, const Run& r, Rgb8 ink) const {
        std::vector<unsigned char> cov;
        for (std::size_t i = 0; i < r.glyphs.size(); ++i) {
            const float pen = x + r.x[i];
            const float left = std::floor(pen);
            const float shift = pen - left;  // sub-pixel start keeps spacing even at 12 px
            int x0, y0, x1, y1;
            stbtt_GetGlyphBitmapBoxSubpixel(&info_, r.glyphs[i], r.scale, r.scale, shift, 0.0f, &x0, &y0, &x1, &y1);
            const int w = x1 - x0, h = y1 - y0;
            if (w <= 0 || h <= 0) continue;  // spaces
            cov.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0);
            stbtt_MakeGlyphBitmapSubpixel(&info_, cov.data(), w, h, w, r.scale, r.scale, shift, 0.0f, r.glyphs[i]);
            const int ox = static_cast<int>(left) + x0, oy = baseline + y0;
            for (int gy = 0; gy < h; ++gy) {
                const int py = oy + gy;
                if (py < 0 || py >= img.height) continue;
                for (int gx = 0; gx < w; ++gx) {
                    const int px = ox + gx;
                    const unsigned a =
                        cov[static_cast<std::size_t>(gy) * static_cast<std::size_t>(w) + static_cast<std::size_t>(gx)];
                    if (a == 0 || px < 0 || px >= img.width) continue;
                    blend(&img.rgba[offset(img, px, py)], ink, a);
                }
            }
        }
    }

private:
    float advance(int glyph, float sc) const {
        int adv, lsb;
        stbtt_GetGlyphHMetrics(&info_, glyph, &adv, &lsb);
        return static_cast<float>(adv) * sc;
    }
    float kern(int a, int b, float sc) const {
        return static_cast<float>(stbtt_GetGlyphKernAdvance(&info_, a, b)) * sc;
    }

    void place(Run& r) const {
        r.x.resize(r.glyphs.size());
        float pen = 0.0f;
        for (std::size_t i = 0; i < r.glyphs.size(); ++i) {
            if (i > 0) pen += kern(r.glyphs[i - 1], r.glyphs[i], r.scale);
            r.x[i] = pen;
            pen += advance(r.glyphs[i], r.scale);
        }
        r.width = pen;
    }

    std::string bytes_;
    stbtt_fontinfo info_{};
    int ascent_ = 0, descent_ = 0;
};

std::filesystem::path font_path() { return std::filesystem::path(ATTNVIZ_FONT_DIR) / "DejaVuSans.ttf"; }

// ---- Layout --------------------------------------------------------------------

struct Label {
    Run run;
    float x;  // pen start
    int baseline;
    int bottom;  // of the line box, for the picture's height
    Rgb8 ink;
};

// Everything compose_panel draws, placed once so panel_layout and the picture cannot disagree.
struct Plan {
    PanelLayout layout{};
    std::vector<Label> labels;
};

std::string format_value(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", static_cast<double>(v));
    return buf;
}

// Label i of a list that may be shorter than the dimension: the rest are indices.
std::u32string label_text(const std::vector<std::string>& labels, int i) {
    const auto u = static_cast<std::size_t>(i);
    return decode_utf8(u < labels.size() ? labels[u] : std::to_string(i));
}

Plan plan_panel(const Font& font, const PanelImage& p) {
    ATTNVIZ_ASSERT(p.scale >= 1);
    ATTNVIZ_ASSERT(p.heatmap.width >= 0 && p.heatmap.height >= 0);
    ATTNVIZ_ASSERT(p.heatmap.rgba.size() ==
                   static_cast<std::size_t>(p.heatmap.width) * static_cast<std::size_t>(p.heatmap.height) * 4);
    const int s = p.scale;
    const int margin = kMargin * s, gap = kGap * s, pad = kLinePad * s;
    const int title_px = kTitlePx * s, label_px = kLabelPx * s;
    const int label_h = font.height(label_px);
    const int rows = p.rows > 0 ? p.rows : static_cast<int>(p.row_labels.size());
    const int cols = p.cols > 0 ? p.cols : static_cast<int>(p.col_labels.size());
    const int heat_w = p.heatmap.width, heat_h = p.heatmap.height;

    Plan plan;
    PanelLayout& l = plan.layout;
    auto add = [&](Run run, float x, int top, int px, Rgb8 ink) {
        if (run.glyphs.empty()) return;
        plan.labels.push_back({std::move(run), x, top + font.ascent(px), top + font.height(px), ink});
    };

    // 1. Row labels, measured first: their width sets where the heatmap starts. Rows shorter than
    //    a text line are labelled every k-th so the labels do not overprint each other.
    const float row_h = rows > 0 ? static_cast<float>(heat_h) / static_cast<float>(rows) : 0.0f;
    std::vector<std::pair<int, Run>> row_runs;  // (row, run)
    float row_w = 0.0f;
    if (rows > 0 && heat_h > 0) {
        const int k = std::max(1, static_cast<int>(std::ceil(static_cast<float>(label_h) / row_h - 1e-3f)));
        for (int i = 0; i < rows; i += k) {
            Run r = font.fit(label_text(p.row_labels, i), label_px, static_cast<float>(kRowLabelMaxWidth * s));
            row_w = std::max(row_w, r.width);
            row_runs.emplace_back(i, std::move(r));
        }
    }
    Run query = font.shape(p.row_axis.empty() ? U"" : decode_utf8(p.row_axis + " \u2193"), label_px);  // "query ↓"
    Run key = font.shape(p.col_axis.empty() ? U"" : decode_utf8(p.col_axis + " \u2192"), label_px);    // "key →"
    const float left_w = std::max(row_w, query.width);
    l.heat_x = margin + (left_w > 0.0f ? static_cast<int>(std::ceil(left_w)) + gap : 0);
    const float text_right = static_cast<float>(l.heat_x - gap);  // row labels end here

    // 2. Top to bottom: title, axis names, column labels, then the heatmap.
    int y = margin;
    if (!p.title.empty()) {
        add(font.shape(decode_utf8(p.title), title_px), static_cast<float>(margin), y, title_px, kInk);
        y += font.height(title_px) + gap;
    }
    if (!query.glyphs.empty() || !key.glyphs.empty()) {
        const float query_x = text_right - query.width;
        add(std::move(query), query_x, y, label_px, kDimInk);
        add(std::move(key), static_cast<float>(l.heat_x), y, label_px, kDimInk);
        y += label_h + pad;
    }
    if (cols > 0 && heat_w > 0) {
        // Each label owns a slot of k columns and is centred on its column, kept inside the slot.
        // k = 1 while every label fits whole (single-character tokens in small cells).
        const float col_w = static_cast<float>(heat_w) / static_cast<float>(cols);
        const float min_slot = static_cast<float>(kMinColSlot * s);
        bool all_fit = true;
        for (int j = 0; j < cols && all_fit; ++j) {
            all_fit = font.shape(label_text(p.col_labels, j), label_px).width <= col_w - static_cast<float>(s);
        }
        const int k = all_fit || col_w >= min_slot ? 1 : static_cast<int>(std::ceil(min_slot / col_w));
        for (int j = 0; j < cols; j += k) {
            const float slot_l = static_cast<float>(l.heat_x) + static_cast<float>(j) * col_w;
            const float slot_w = static_cast<float>(std::min(k, cols - j)) * col_w;
            // Wider gaps between skipping labels, which are clamped to their slot's left edge.
            const float gap_w = static_cast<float>((k == 1 ? 1 : 4) * s);
            Run r = font.fit(label_text(p.col_labels, j), label_px, slot_w - gap_w);
            const float centre = slot_l + 0.5f * col_w;
            const float x = std::max(slot_l, std::min(centre - 0.5f * r.width, slot_l + slot_w - r.width));
            add(std::move(r), x, y, label_px, kInk);
        }
        y += label_h + pad;
    }
    l.heat_y = y;

    // Row labels right-aligned, centred on their row, kept inside their k-row slot when they can be.
    for (std::size_t n = 0; n < row_runs.size(); ++n) {
        auto& [i, r] = row_runs[n];
        const float slot_t = static_cast<float>(l.heat_y) + static_cast<float>(i) * row_h;
        const int next = n + 1 < row_runs.size() ? row_runs[n + 1].first : rows;
        const float slot_b = static_cast<float>(l.heat_y) + static_cast<float>(next) * row_h;
        const float centre = slot_t + 0.5f * row_h;
        const float top = std::max(
            slot_t, std::min(centre - 0.5f * static_cast<float>(label_h), slot_b - static_cast<float>(label_h)));
        const float x = text_right - r.width;
        add(std::move(r), x, static_cast<int>(std::lround(top)), label_px, kInk);
    }

    // 3. Colour bar right of the heatmap; hi at its top, lo at its bottom, the midpoint between.
    l.bar_x = l.heat_x + heat_w + kBarGap * s;
    l.bar_y = l.heat_y;
    l.bar_w = kBarWidth * s;
    l.bar_h = std::max(heat_h, kBarMinHeight * s);
    const float bar_text_x = static_cast<float>(l.bar_x + l.bar_w + kBarLabelGap * s);
    add(font.shape(decode_utf8(format_value(p.hi)), label_px), bar_text_x, l.bar_y, label_px, kInk);
    add(font.shape(decode_utf8(format_value(p.lo)), label_px), bar_text_x, l.bar_y + l.bar_h - label_h, label_px, kInk);
    if (p.map == ColorMap::Diverging) {
        // The diverging map's neutral centre; ranges from symmetric_range make this exactly "0".
        add(font.shape(decode_utf8(format_value(0.5f * (p.lo + p.hi))), label_px), bar_text_x,
            l.bar_y + (l.bar_h - label_h) / 2, label_px, kInk);
    }

    // 4. The picture just fits everything placed: text boxes, heatmap and bar, plus the margin.
    int right = l.bar_x + l.bar_w, bottom = std::max(l.heat_y + heat_h, l.bar_y + l.bar_h);
    for (const Label& lab : plan.labels) {
        right = std::max(right, static_cast<int>(std::ceil(lab.x + lab.run.width)));
        bottom = std::max(bottom, lab.bottom);
    }
    l.width = right + margin;
    l.height = bottom + margin;
    return plan;
}

}  // namespace

PanelLayout panel_layout(const PanelImage& panel) {
    const Font font(font_path());
    return plan_panel(font, panel).layout;
}

Image compose_panel(const PanelImage& panel) {
    const Font font(font_path());
    const Plan plan = plan_panel(font, panel);
    const PanelLayout& l = plan.layout;

    Image img;
    img.width = l.width;
    img.height = l.height;
    img.rgba.resize(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 4);
    for (std::size_t i = 0; i < img.rgba.size(); i += 4) {
        img.rgba[i] = kBackground[0];
        img.rgba[i + 1] = kBackground[1];
        img.rgba[i + 2] = kBackground[2];
        img.rgba[i + 3] = 255;
    }

    // The GPU's cells verbatim; only alpha is forced, so a PNG viewer shows what the panel showed.
    const Image& h = panel.heatmap;
    for (int y = 0; y < h.height; ++y) {
        const std::uint8_t* src = &h.rgba[offset(h, 0, y)];
        std::uint8_t* dst = &img.rgba[offset(img, l.heat_x, l.heat_y + y)];
        for (int x = 0; x < h.width; ++x) {
            dst[4 * x] = src[4 * x];
            dst[4 * x + 1] = src[4 * x + 1];
            dst[4 * x + 2] = src[4 * x + 2];
            dst[4 * x + 3] = 255;
        }
    }

    for (int y = 0; y < l.bar_h; ++y) {
        const float t = l.bar_h > 1 ? 1.0f - static_cast<float>(y) / static_cast<float>(l.bar_h - 1) : 1.0f;
        const auto c = colormap_u8(panel.map, t);
        for (int x = 0; x < l.bar_w; ++x) {
            std::uint8_t* p = &img.rgba[offset(img, l.bar_x + x, l.bar_y + y)];
            p[0] = c[0];
            p[1] = c[1];
            p[2] = c[2];
        }
    }

    for (const Label& lab : plan.labels) font.draw(img, lab.x, lab.baseline, lab.run, lab.ink);
    return img;
}

}  // namespace attnviz
