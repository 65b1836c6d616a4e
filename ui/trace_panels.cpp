#include "ui/trace_panels.hpp"

#include <cmath>
#include <cstdio>

namespace attnviz {

std::string dims(const MatRM& m) { return std::to_string(m.rows()) + "×" + std::to_string(m.cols()); }

std::vector<std::string> dim_labels(int count, const char* prefix) {
    std::vector<std::string> out;
    for (int k = 0; k < count; ++k) out.push_back(prefix + std::to_string(k));
    return out;
}

std::string explain_score(const Trace& t, int a, int i, int j) {
    const auto ua = static_cast<std::size_t>(a);
    char buf[512];
    const float raw = t.scores[ua](i, j);
    int len = std::snprintf(buf, sizeof buf, "S = q_%d·k_%d = %.4g\n× %.4g (scale%s) = %.4g", i, j,
                            static_cast<double>(raw), static_cast<double>(t.multiplier),
                            t.config.temperature != 1.0 ? " / T" : "", static_cast<double>(t.scaled(a, i, j)));
    if (!t.alibi_slopes.empty()) {
        len += std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len), "\n− m·|i−j| = −%.4g·%d",
                             static_cast<double>(t.alibi_slopes[ua]), std::abs(i - j));
    }
    if (!t.visible(i, j)) {
        std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len), "\n+ M = −∞  →  weight 0");
    } else if (t.fully_masked[static_cast<std::size_t>(i)]) {
        std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len), "\nrow fully masked → zeros");
    } else {
        std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len),
                      "\n+ M = 0  →  z = %.4g\nA = exp(z − max) / Σ = %.4f", static_cast<double>(t.logit(a, i, j)),
                      static_cast<double>(t.weights[ua](i, j)));
    }
    return buf;
}

namespace {

const std::vector<std::string>& key_tokens(const Trace& t) { return t.config.cross() ? t.source_tokens : t.tokens; }

std::uint64_t key_of(const AppState& st, std::uint64_t kind, int head) {
    return (st.generation << 20) ^ (kind << 8) ^ static_cast<std::uint64_t>(head);
}

}  // namespace

HeatmapSpec scores_spec(const AppState& st, int a, const std::string& sfx) {
    const Trace& t = st.trace;
    const MatRM& S = t.scores[static_cast<std::size_t>(a)];
    HeatmapSpec s{"scores_head" + std::to_string(a) + sfx, "S = QKᵀ  head " + std::to_string(a) + "  [" + dims(S) + "]",
                  S};
    s.look = signed_look(S, nullptr);
    s.row_labels = &t.tokens;
    s.col_labels = &key_tokens(t);
    s.explain = [&t, a](int i, int j) { return explain_score(t, a, i, j); };
    s.data_key = key_of(st, 1, a);
    return s;
}

HeatmapSpec scaled_spec(const AppState& st, int a, const MatRM& scaled, const std::string& sfx) {
    const Trace& t = st.trace;
    HeatmapSpec s{"scaled_head" + std::to_string(a) + sfx, "", scaled};
    s.look = signed_look(scaled, nullptr);
    s.row_labels = &t.tokens;
    s.col_labels = &key_tokens(t);
    s.explain = [&t, a](int i, int j) { return explain_score(t, a, i, j); };
    s.title = "S·" + std::string(st.trace.config.scale == ScaleMode::Sqrt     ? "1/√d_k"
                                 : st.trace.config.scale == ScaleMode::Linear ? "1/d_k"
                                                                              : "1") +
              (st.trace.config.temperature != 1.0 ? "/T" : "") + "  head " + std::to_string(a);
    s.data_key = key_of(st, 2, a);
    return s;
}

HeatmapSpec logits_spec(const AppState& st, int a, const MatRM& z, const std::string& sfx) {
    const Trace& t = st.trace;
    HeatmapSpec s{"logits_head" + std::to_string(a) + sfx, "Z = S·scale + M  head " + std::to_string(a), z};
    s.mask = &t.mask;
    s.look = signed_look(z, &t.mask);
    s.row_labels = &t.tokens;
    s.col_labels = &key_tokens(t);
    s.explain = [&t, a](int i, int j) { return explain_score(t, a, i, j); };
    s.data_key = key_of(st, 3, a);
    return s;
}

HeatmapSpec weights_spec(const AppState& st, int a, const std::string& sfx) {
    const Trace& t = st.trace;
    const MatRM& A = t.weights[static_cast<std::size_t>(a)];
    char ent[64];
    std::snprintf(ent, sizeof ent, "  entropy %.2f nats", static_cast<double>(t.diagnostics[static_cast<std::size_t>(a)].mean_entropy));
    HeatmapSpec s{"weights_head" + std::to_string(a) + sfx, "A  head " + std::to_string(a) + ent, A};
    s.mask = &t.mask;
    s.look = weights_look();
    s.row_labels = &t.tokens;
    s.col_labels = &key_tokens(t);
    s.explain = [&t, a](int i, int j) { return explain_score(t, a, i, j); };
    s.data_key = key_of(st, 4, a);
    return s;
}

HeatmapSpec features_spec(const AppState& st, const std::string& id, const std::string& title, const MatRM& m,
                          const std::vector<std::string>* tokens, std::uint64_t salt) {
    HeatmapSpec s{id, title + "  [" + dims(m) + "]", m};
    s.look = signed_look(m, nullptr);
    s.row_labels = tokens;
    s.col_axis = "dim";
    s.cols_are_tokens = false;
    s.rows_are_tokens = tokens != nullptr;
    s.tall_rows = true;  // one label per token even when the many feature columns make cells small
    s.data_key = key_of(st, 100 + salt, 0);
    return s;
}

PanelGrid::PanelGrid(int count, float min_width, float height_share) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 spacing = ImGui::GetStyle().ItemSpacing;
    const float usable_h = avail.y * height_share;
    x0_ = ImGui::GetCursorPosX();
    // Labels and the colour bar take a fixed ~170 px across and ~60 px down per panel; the
    // rest is the matrix, which is square-celled, so maximise its shorter side.
    float best_side = -1.0f;
    for (int k = 1; k <= count; ++k) {
        const int rows = (count + k - 1) / k;
        const float w = avail.x / k - spacing.x;
        if (w < min_width && k > 1) break;
        const float side = std::min(w - 170.0f, usable_h / rows - spacing.y - 60.0f);
        if (side > best_side) {
            best_side = side;
            per_row = k;
        }
    }
    const int rows = (count + per_row - 1) / per_row;
    cell = ImVec2(avail.x / per_row - spacing.x, usable_h / rows - spacing.y);
}

void PanelGrid::next() {
    ++index_;
    const int col = index_ % per_row;
    if (col != 0) ImGui::SameLine(x0_ + col * (cell.x + ImGui::GetStyle().ItemSpacing.x));
}

}  // namespace attnviz
