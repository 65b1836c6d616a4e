#include "ui/view_text.hpp"

#include "core/rng.hpp"

#include <algorithm>
#include <cmath>

namespace attnviz {

std::string num(double v, const char* format) {
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

namespace {

std::string scaled_text(double v, double base, const char* const* units, int count) {
    int u = 0;
    while (std::abs(v) >= base && u + 1 < count) {
        v /= base;
        ++u;
    }
    return num(v, std::abs(v) >= 100 || u == 0 ? "%.0f" : "%.3g") + units[u];
}

}  // namespace

std::string bytes_text(double bytes) {
    static const char* const units[] = {" B", " KiB", " MiB", " GiB", " TiB", " PiB"};
    return scaled_text(bytes, 1024.0, units, 6);
}

std::string count_text(double count) {
    static const char* const units[] = {"", " k", " M", " G", " T", " P", " E"};
    return scaled_text(count, 1000.0, units, 7);
}

std::string visible_token(const std::string& token) {
    if (token == " ") return "␣";
    std::string out;
    for (const char ch : token) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c != 0x7f) {
            out += ch;
            continue;
        }
        // U+2400 + c (U+2421 for DEL), three bytes of UTF-8: E2 90 80 + c.
        const unsigned picture = c == 0x7f ? 0x21u : c;
        out += static_cast<char>(0xE2);
        out += static_cast<char>(0x90);
        out += static_cast<char>(0x80 + picture);
    }
    return out;
}

std::string decode_progress(int position, int n) {
    if (position >= n) return n == 1 ? "the only token is decoded" : format("all %d tokens decoded", n);
    return format("next token %d of %d", position, n);
}

void note(const ImVec4& colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
}

void caption(const std::string& text) { note(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), text); }

float heatmap_width(int rows, int cols, float height) {
    const float line = ImGui::GetTextLineHeight();
    const float cell = std::max(1.0f, (height - line * 5.5f - 12.0f) / static_cast<float>(std::max(rows, 1)));
    return cell * static_cast<float>(cols) + 120.0f;
}

void flow(float item_width) {
    const float next_x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
    const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    if (next_x + item_width <= right) ImGui::SameLine();
}

float text_width(const char* text) { return ImGui::CalcTextSize(text, nullptr, true).x; }

float button_width(const char* label) { return text_width(label) + 2.0f * ImGui::GetStyle().FramePadding.x; }

float field_width(float width, const char* label) {
    const float shown = text_width(label);
    return width + (shown > 0.0f ? ImGui::GetStyle().ItemInnerSpacing.x + shown : 0.0f);
}

float radio_width(const char* label) { return field_width(ImGui::GetFrameHeight(), label); }

float remaining_height() { return std::max(60.0f, ImGui::GetContentRegionAvail().y); }

std::uint64_t key_of(std::initializer_list<std::uint64_t> parts) {
    std::uint64_t h = 0x243F6A8885A308D3ULL;
    for (std::uint64_t p : parts) h = mix64(h ^ p);
    return h;
}

}  // namespace attnviz
