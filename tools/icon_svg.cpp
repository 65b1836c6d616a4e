#include "tools/icon_svg.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

namespace attnviz {
namespace {

// A cursor over the text that knows its line, for messages.
struct Reader {
    std::string_view s;
    std::size_t i = 0;

    bool done() const { return i >= s.size(); }
    bool starts(std::string_view p) const { return s.substr(i, p.size()) == p; }
    int line() const { return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(std::min(i, s.size())), '\n')); }
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("line " + std::to_string(line()) + ": " + what);
    }
    void skip_space() {
        while (!done() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    }
    void skip_past(std::string_view end, const char* what) {
        const std::size_t at = s.find(end, i);
        if (at == std::string_view::npos) fail(std::string("unterminated ") + what);
        i = at + end.size();
    }
    std::string_view name() {
        const std::size_t start = i;
        while (!done() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == ':' || s[i] == '-' || s[i] == '_')) ++i;
        if (i == start) fail("expected a name");
        return s.substr(start, i - start);
    }
};

struct Tag {
    std::string name;
    std::map<std::string, std::string> attrs;
    bool closing = false, self_closing = false;
    int line = 0;
};

Tag read_tag(Reader& r) {
    Tag t;
    t.line = r.line();
    ++r.i;  // '<'
    if (r.starts("/")) {
        t.closing = true;
        ++r.i;
    }
    t.name = std::string(r.name());
    for (;;) {
        r.skip_space();
        if (r.done()) r.fail("unterminated <" + t.name + ">");
        if (r.starts("/>") && !t.closing) {
            t.self_closing = true;
            r.i += 2;
            return t;
        }
        if (r.starts(">")) {
            ++r.i;
            return t;
        }
        if (t.closing) r.fail("unexpected text in </" + t.name + ">");
        const std::string key(r.name());
        r.skip_space();
        if (!r.starts("=")) r.fail("attribute " + key + " has no value");
        ++r.i;
        r.skip_space();
        if (!r.starts("\"")) r.fail("attribute " + key + " needs a double-quoted value");
        const std::size_t start = ++r.i;
        r.skip_past("\"", "attribute value");
        if (!t.attrs.emplace(key, std::string(r.s.substr(start, r.i - 1 - start))).second)
            r.fail("attribute " + key + " given twice");
    }
}

double number(const Tag& t, const std::string& key, bool required, double fallback = 0.0) {
    const auto it = t.attrs.find(key);
    if (it == t.attrs.end()) {
        if (required) throw std::runtime_error("line " + std::to_string(t.line) + ": <" + t.name + "> needs " + key);
        return fallback;
    }
    const std::string& v = it->second;
    double out = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(out) || out < 0) {
        throw std::runtime_error("line " + std::to_string(t.line) + ": " + key + "=\"" + v.substr(0, 20) +
                                 "\" must be a non-negative number in user units");
    }
    return out;
}

void only(const Tag& t, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : t.attrs)
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            throw std::runtime_error("line " + std::to_string(t.line) + ": attribute " + key + " of <" + t.name +
                                     "> is outside the icon's SVG subset");
}

std::array<std::uint8_t, 3> colour(const Tag& t) {
    const auto it = t.attrs.find("fill");
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    if (it == t.attrs.end() || it->second.size() != 7 || it->second[0] != '#' ||
        !std::all_of(it->second.begin() + 1, it->second.end(), hex)) {
        throw std::runtime_error("line " + std::to_string(t.line) + ": <rect> needs fill=\"#rrggbb\"");
    }
    std::array<std::uint8_t, 3> rgb{};
    for (int k = 0; k < 3; ++k)
        rgb[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(std::stoi(it->second.substr(1 + 2 * static_cast<std::size_t>(k), 2), nullptr, 16));
    return rgb;
}

void read_view_box(const Tag& t, IconSvg& svg) {
    const auto it = t.attrs.find("viewBox");
    if (it == t.attrs.end()) throw std::runtime_error("line " + std::to_string(t.line) + ": <svg> needs viewBox=\"0 0 S S\"");
    double v[4] = {};
    const char* p = it->second.data();
    const char* end = p + it->second.size();
    for (double& x : v) {
        while (p < end && *p == ' ') ++p;
        const auto r = std::from_chars(p, end, x);
        if (r.ec != std::errc()) throw std::runtime_error("line " + std::to_string(t.line) + ": viewBox must be four numbers");
        p = r.ptr;
    }
    while (p < end && *p == ' ') ++p;
    if (p != end || v[0] != 0 || v[1] != 0 || v[2] <= 0 || v[2] != v[3])
        throw std::runtime_error("line " + std::to_string(t.line) + ": viewBox must be \"0 0 S S\" with S > 0 (a square from the origin)");
    svg.size = v[2];
}

}  // namespace

IconSvg parse_icon_svg(std::string_view text) {
    Reader r{text};
    IconSvg svg;
    std::vector<std::string> open;  // element stack
    bool seen_root = false;
    r.skip_space();
    if (r.starts("<?xml")) r.skip_past("?>", "XML declaration");
    for (;;) {
        const std::size_t text_start = r.i;
        while (!r.done() && r.s[r.i] != '<') ++r.i;
        const std::string_view between = text.substr(text_start, r.i - text_start);
        const bool blank = between.find_first_not_of(" \t\r\n") == std::string_view::npos;
        if (!blank && (open.empty() || open.back() != "title")) r.fail("text outside <title>");
        if (r.done()) break;
        if (r.starts("<!--")) {
            r.skip_past("-->", "comment");
            continue;
        }
        if (r.starts("<!") || r.starts("<?")) r.fail("declarations and processing instructions are outside the icon's SVG subset");
        const Tag t = read_tag(r);
        if (t.closing) {
            if (open.empty() || open.back() != t.name) r.fail("</" + t.name + "> closes nothing open");
            open.pop_back();
            continue;
        }
        if (t.name == "svg") {
            if (seen_root) r.fail("a second <svg>");
            seen_root = true;
            only(t, {"xmlns", "width", "height", "viewBox", "version"});
            read_view_box(t, svg);
        } else if (t.name == "title") {
            if (open.size() != 1) r.fail("<title> belongs directly in <svg>");
        } else if (t.name == "rect") {
            if (open.size() != 1 || open.back() != "svg") r.fail("<rect> belongs directly in <svg>");
            only(t, {"x", "y", "width", "height", "rx", "fill"});
            IconRect rect;
            rect.x = number(t, "x", false);
            rect.y = number(t, "y", false);
            rect.width = number(t, "width", true);
            rect.height = number(t, "height", true);
            rect.rx = std::min(number(t, "rx", false), std::min(rect.width, rect.height) / 2);
            rect.fill = colour(t);
            svg.rects.push_back(rect);
        } else {
            r.fail("<" + t.name + "> is outside the icon's SVG subset (svg, title, rect)");
        }
        if (!t.self_closing) open.push_back(t.name);
    }
    if (!seen_root) r.fail("no <svg> element");
    if (!open.empty()) r.fail("<" + open.back() + "> is never closed");
    return svg;
}

Image rasterise_icon(const IconSvg& svg, int px) {
    if (px < 1 || svg.size <= 0) throw std::runtime_error("icon size must be at least 1 pixel");
    constexpr int kSamples = 8;  // per pixel side
    const double scale = px / svg.size;
    const std::size_t n = static_cast<std::size_t>(px) * static_cast<std::size_t>(px);
    std::vector<std::array<double, 4>> acc(n, {0, 0, 0, 0});  // premultiplied RGBA in [0, 1]
    for (const IconRect& rc : svg.rects) {
        const double x0 = rc.x, y0 = rc.y, x1 = rc.x + rc.width, y1 = rc.y + rc.height, r = rc.rx;
        // Inside the rounded rectangle: inside the box, and within r of the inner box's corner.
        const auto inside = [&](double x, double y) {
            if (x < x0 || x > x1 || y < y0 || y > y1) return false;
            const double dx = std::max({x0 + r - x, 0.0, x - (x1 - r)});
            const double dy = std::max({y0 + r - y, 0.0, y - (y1 - r)});
            return dx * dx + dy * dy <= r * r;
        };
        const int px0 = std::max(0, static_cast<int>(std::floor(x0 * scale)));
        const int py0 = std::max(0, static_cast<int>(std::floor(y0 * scale)));
        const int px1 = std::min(px, static_cast<int>(std::ceil(x1 * scale)));
        const int py1 = std::min(px, static_cast<int>(std::ceil(y1 * scale)));
        for (int py = py0; py < py1; ++py) {
            for (int qx = px0; qx < px1; ++qx) {
                int hits = 0;
                for (int sy = 0; sy < kSamples; ++sy)
                    for (int sx = 0; sx < kSamples; ++sx)
                        hits += inside((qx + (sx + 0.5) / kSamples) / scale, (py + (sy + 0.5) / kSamples) / scale);
                if (hits == 0) continue;
                const double a = static_cast<double>(hits) / (kSamples * kSamples);
                auto& d = acc[static_cast<std::size_t>(py) * static_cast<std::size_t>(px) + static_cast<std::size_t>(qx)];
                for (int k = 0; k < 3; ++k) d[static_cast<std::size_t>(k)] = rc.fill[static_cast<std::size_t>(k)] / 255.0 * a + d[static_cast<std::size_t>(k)] * (1 - a);
                d[3] = a + d[3] * (1 - a);
            }
        }
    }
    Image img;
    img.width = img.height = px;
    img.rgba.resize(n * 4);
    for (std::size_t p = 0; p < n; ++p) {
        const auto& d = acc[p];
        for (int k = 0; k < 3; ++k)
            img.rgba[p * 4 + static_cast<std::size_t>(k)] =
                static_cast<std::uint8_t>(d[3] > 0 ? std::lround(std::clamp(d[static_cast<std::size_t>(k)] / d[3], 0.0, 1.0) * 255) : 0);
        img.rgba[p * 4 + 3] = static_cast<std::uint8_t>(std::lround(d[3] * 255));
    }
    return img;
}

}  // namespace attnviz
