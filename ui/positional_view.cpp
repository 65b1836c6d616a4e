// The Positional view: how each scheme encodes position (sinusoidal, RoPE, learned, ALiBi) and,
// on a switch, what the current scheme does to this input's attention.
//
// Key: P = positions shown, d = d_model, d_k = per-head width, h = heads, a = detail head,
// p, q = positions, m, n = query / key positions, i = sinusoidal frequency or RoPE pair.
#include "ui/line_plot.hpp"
#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include "core/model.hpp"
#include "core/positional.hpp"
#include "core/positional_analysis.hpp"
#include "core/rng.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <numeric>

namespace attnviz {
namespace {

enum class Tab { Sinusoidal, Rope, Learned, Alibi };
constexpr Tab kTabs[] = {Tab::Sinusoidal, Tab::Rope, Tab::Learned, Tab::Alibi};

constexpr int kMinPositions = 8, kMaxPositions = 256;
// [P, d] tables show at most this many dims: a cell needs a pixel or more at panel width.
constexpr int kMaxDimsShown = 128;
// Past the learned table's 64 rows by default, so its end is on screen.
constexpr int kDefaultPositions = 96;
// Removing position reruns the whole block: above this many tokens the switch only explains.
constexpr int kMaxCompareTokens = 256;
// Keys of the RoPE demonstration; each curve shifts query and key together.
const std::vector<int> kRopeKeyPositions = {0, 10, 30};

const ImVec4 kNote = kNoteColour;
const ImVec4 kWarn = kWarnColour;
constexpr ImU32 kUnrotated = IM_COL32(150, 150, 150, 255);
constexpr double kTwoPi = 2.0 * std::numbers::pi;




// ---- this view's state ------------------------------------------------------------------
// Everything below is derived data (keyed by what it was derived from, rebuilt only when a key
// changes, never per frame) plus the view's few choices. It would sit in UiContext beside the
// other per-view data; it is file-local only because ui_context.hpp is not this view's to change.

struct SinusoidalData {
    std::uint64_t key = 0;
    MatRM pe;            // [P, d]
    MatRM pe_shown;      // [P, min(d, kMaxDimsShown)]: the heatmap's columns
    MatRM pe_by_dim;     // [d, P]: row dim is the curve PE(·, dim), contiguous for the plot
    MatRM similarity;    // [P, P] cos(PE_p, PE_q)
};

struct RopeData {
    std::uint64_t key = 0;
    int d_k = 0;                       // width rotated: the trace's d_k, an odd last dim dropped
    std::vector<std::string> pairs;    // "i0" …
    MatRM angle, cosine;               // [d_k/2, P]: p·θ_i mod 2π and cos(p·θ_i)
    int query_token = 0, key_token = 0;  // whose q and k
    MatRM q, k;                        // [1, d_k] this input's q and k before rotation
    MatRM scores;                      // [P, P] RoPE(q, m)·RoPE(k, n)
    HeatmapLook scores_look;
    MatRM curves;                      // [3, P]: key at kRopeKeyPositions[s], offset o = m − n
    std::vector<float> unrotated;      // [P] q·k without rotation, the same at every offset
};

struct LearnedData {
    std::uint64_t key = 0;
    MatRM table;                       // [P, d]
    MatRM table_shown, mask;           // [P, min(d, kMaxDimsShown)]; mask 0 on rows past the trained length
    HeatmapLook table_look;
    MatRM similarity, similarity_mask; // [P, P]
    std::vector<float> learned_norm, sinusoidal_norm;  // [P] ‖PE_p‖
    float norm_max = 1.0f;
};

struct AlibiData {
    std::uint64_t key = 0;
    MatRM bias;                        // [P, P] −m_a·|i − j| for the detail head
    MatRM lines;                       // [h, P] −m_a·distance, one row per head
    std::vector<float> heads, slopes;  // [h]
};

struct Comparison {
    std::uint64_t generation = ~0ULL;
    Trace without;                     // this input with positional = none
    std::string error;                 // core's message if that run failed
    int duplicate_a = -1, duplicate_b = -1;  // first two equal tokens, if any
    std::uint64_t key = 0;             // of the per-head matrices below
    MatRM z_with, z_without, z_diff;   // [n, m] logits Z of the detail head; diff NaN where masked
    MatRM a_diff;                      // [n, m] weights A(with) − A(without)
    HeatmapLook z_look, z_diff_look, a_diff_look;
    WeightsChange change;              // of the weights
};

struct PositionalViewState {
    // Choices.
    int positions = 0;            // 0: follow the input, max(kDefaultPositions, n)
    std::uint32_t dims_on = 0;    // bit k: pe_curve_dims(d)[k] is plotted
    int dims_d_model = 0;         // the d_model dims_on refers to
    bool rope_angle = false;      // colour the RoPE table by p·θ_i mod 2π instead of cos(p·θ_i)
    bool compare = false;         // the "effect on this input's scores" switch
    int followed = -1;            // the configured scheme the tabs last followed
    // Derived.
    std::vector<float> xs;                // [P] 0 … P−1: positions, offsets and distances
    std::vector<std::string> pos_labels;  // [P] "p0" …
    SinusoidalData sinusoidal;
    RopeData rope;
    LearnedData learned;
    AlibiData alibi;
    Comparison comparison;
};

// ---- derived data ---------------------------------------------------------------------

void refresh_axis(PositionalViewState& vs, int P) {
    if (static_cast<int>(vs.xs.size()) == P) return;
    vs.xs.resize(static_cast<std::size_t>(P));
    std::iota(vs.xs.begin(), vs.xs.end(), 0.0f);
    vs.pos_labels = dim_labels(P, "p");
}

void refresh_sinusoidal(SinusoidalData& s, int P, int d) {
    const std::uint64_t key = key_of({1, u64(P), u64(d)});
    if (s.key == key) return;
    s.key = key;
    s.pe = sinusoidal_pe(P, d);
    s.pe_shown = s.pe.leftCols(std::min(d, kMaxDimsShown));
    s.pe_by_dim = s.pe.transpose();
    s.similarity = row_cosine_similarity(s.pe);
}

void refresh_rope(RopeData& r, const AppState& st, int P) {
    const Trace& t = st.trace;
    const Config& c = t.config;
    const int a = st.detail_head, g = t.kv_head(a);
    const std::uint64_t key = key_of({2, st.generation, u64(P), u64(a), u64(st.query)});
    if (r.key == key) return;
    r.key = key;
    r.d_k = c.d_k - c.d_k % 2;
    if (r.d_k < 2 || t.n == 0 || t.m == 0) {
        r.d_k = 0;
        return;
    }
    r.pairs = dim_labels(r.d_k / 2, "i");
    r.angle = rope_angle_table(P, r.d_k, c.rope_base);
    r.cosine = r.angle.array().cos().matrix();
    // The followed query and the key token after it: two different tokens of this input.
    r.query_token = std::min(st.query, t.n - 1);
    r.key_token = t.m > 1 ? (r.query_token + 1) % t.m : 0;
    r.q = t.Q_proj[static_cast<std::size_t>(a)].block(r.query_token, 0, 1, r.d_k);
    r.k = t.K_proj[static_cast<std::size_t>(g)].block(r.key_token, 0, 1, r.d_k);
    r.scores = rope_score_table(r.q, r.k, P, c.rope_base, c.rope_style);
    r.scores_look = signed_look(r.scores, nullptr);
    r.curves = rope_offset_curves(r.q, r.k, kRopeKeyPositions, P - 1, c.rope_base, c.rope_style);
    r.unrotated.assign(static_cast<std::size_t>(P), (r.q * r.k.transpose())(0, 0));
}

void refresh_learned(LearnedData& l, const Config& c, int P) {
    const std::uint64_t key = key_of({3, c.seed, u64(c.d_model), u64(P)});
    if (l.key == key) return;
    l.key = key;
    constexpr int L = Limits::learned_length;
    // make_weights draws every matrix of the toy model; the table is one of them. Rebuilt only
    // when the seed, d_model or P change.
    l.table = learned_pe(make_weights(c).learned_pe, P);  // [P, d]
    l.table_shown = l.table.leftCols(std::min(c.d_model, kMaxDimsShown));
    l.table_look = signed_look(l.table_shown, nullptr);
    l.mask = MatRM::Ones(P, l.table_shown.cols());
    l.similarity = row_cosine_similarity(l.table);  // [P, P]
    l.similarity_mask = MatRM::Ones(P, P);
    if (P > L) {
        l.mask.bottomRows(P - L).setZero();
        l.similarity_mask.bottomRows(P - L).setZero();
        l.similarity_mask.rightCols(P - L).setZero();
    }
    const Eigen::VectorXf learned = l.table.rowwise().norm();
    const Eigen::VectorXf sinusoidal = sinusoidal_pe(P, c.d_model).rowwise().norm();
    l.learned_norm.assign(learned.data(), learned.data() + P);
    l.sinusoidal_norm.assign(sinusoidal.data(), sinusoidal.data() + P);
    l.norm_max = std::max(learned.maxCoeff(), sinusoidal.maxCoeff());
}

void refresh_alibi(AlibiData& al, const Config& c, int head, int P) {
    const std::uint64_t key = key_of({4, u64(c.n_heads), u64(head), u64(P)});
    if (al.key == key) return;
    al.key = key;
    const int h = c.n_heads;
    al.bias = alibi_bias(P, alibi_slope(head, h));
    al.lines.resize(h, P);
    al.heads.clear();
    al.slopes.clear();
    for (int a = 0; a < h; ++a) {
        const float m = alibi_slope(a, h);
        al.heads.push_back(static_cast<float>(a));
        al.slopes.push_back(m);
        for (int dist = 0; dist < P; ++dist) al.lines(a, dist) = -m * static_cast<float>(dist);
    }
}

// The same input without position, rerun once per trace; the head's matrices once per head.
void refresh_comparison(Comparison& cmp, const AppState& st) {
    const Trace& t = st.trace;
    if (cmp.generation != st.generation) {
        cmp.generation = st.generation;
        cmp.key = 0;
        cmp.error.clear();
        try {
            cmp.without = run_without_position(st.inputs, st.weights);
        } catch (const std::exception& e) {
            cmp.error = e.what();
        }
        cmp.duplicate_a = cmp.duplicate_b = -1;
        for (int i = 0; i < t.n && cmp.duplicate_a < 0; ++i)
            for (int j = i + 1; j < t.n; ++j)
                if (t.tokens[static_cast<std::size_t>(i)] == t.tokens[static_cast<std::size_t>(j)]) {
                    cmp.duplicate_a = i;
                    cmp.duplicate_b = j;
                    break;
                }
    }
    if (!cmp.error.empty()) return;
    const int a = st.detail_head;
    const auto ua = static_cast<std::size_t>(a);
    const std::uint64_t key = key_of({5, st.generation, u64(a)});
    if (cmp.key == key) return;
    cmp.key = key;
    cmp.z_with = t.logits(a);
    cmp.z_without = cmp.without.logits(a);
    // One range for both, so equal colours mean equal logits.
    const float r = std::max(signed_look(cmp.z_with, &t.mask).hi, signed_look(cmp.z_without, &t.mask).hi);
    cmp.z_look = {ColorMap::Diverging, -r, r};
    cmp.z_diff = difference_where_finite(cmp.z_with, cmp.z_without);
    cmp.z_diff_look = signed_look(cmp.z_diff, &t.mask);
    cmp.a_diff = t.weights[ua] - cmp.without.weights[ua];
    cmp.a_diff_look = signed_look(cmp.a_diff, &t.mask);
    cmp.change = compare_weights(t.weights[ua], cmp.without.weights[ua], t.mask);
}

// ---- small pieces ---------------------------------------------------------------------

Tab tab_of(Positional p) {
    switch (p) {
        case Positional::Rope: return Tab::Rope;
        case Positional::Learned: return Tab::Learned;
        case Positional::Alibi: return Tab::Alibi;
        default: return Tab::Sinusoidal;
    }
}

const char* tab_name(Tab t) {
    switch (t) {
        case Tab::Sinusoidal: return "Sinusoidal";
        case Tab::Rope: return "RoPE";
        case Tab::Learned: return "Learned";
        case Tab::Alibi: return "ALiBi";
    }
    return "";
}

// A heatmap over positions: rows labelled p0 …, no link to the token hover.
HeatmapSpec position_spec(const PositionalViewState& vs, std::string id, std::string title,
                          const Eigen::Ref<const MatRM>& m, std::uint64_t key) {
    HeatmapSpec s{std::move(id), std::move(title), m};
    s.row_labels = &vs.pos_labels;
    s.rows_are_tokens = s.cols_are_tokens = false;
    s.row_axis = "position p";
    s.col_axis = "dim";
    s.data_key = key;
    return s;
}

// cos(PE_p, PE_q): every scheme's similarity panel reads the same way.
HeatmapSpec similarity_spec(const PositionalViewState& vs, std::string id, std::string title,
                            const Eigen::Ref<const MatRM>& m, std::uint64_t key) {
    HeatmapSpec s = position_spec(vs, std::move(id), std::move(title), m, key);
    s.look = {ColorMap::Diverging, -1.0f, 1.0f};
    s.col_axis = "position q";
    s.explain = [](int p, int q) { return "|p − q| = " + std::to_string(std::abs(p - q)); };
    return s;
}




// Title suffix for a [P, d] table cut to its first kMaxDimsShown dims.
std::string shown_note(int d) {
    return d > kMaxDimsShown ? ", first " + std::to_string(kMaxDimsShown) + " dims" : std::string();
}


// ---- sinusoidal ---------------------------------------------------------------------------

void draw_sinusoidal(UiContext& ctx, PositionalViewState& vs, int P) {
    const Config& c = ctx.state.trace.config;
    const int d = c.d_model;
    refresh_sinusoidal(vs.sinusoidal, P, d);
    const SinusoidalData& s = vs.sinusoidal;
    caption(format("PE(p, 2i) = sin(p / 10000^(2i/d)),  PE(p, 2i+1) = cos(p / 10000^(2i/d)),  d = %d: each column pair "
                   "is a clock turning at its own speed, fast on the left, slow on the right. Added to X before the "
                   "projections.", d));

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float top_h = remaining_height() * 0.55f;
    // PE and its similarity take the width their square cells need; the distance profile the rest.
    constexpr float kMinProfile = 300.0f;
    const float w_pe = std::clamp(heatmap_width(P, static_cast<int>(s.pe_shown.cols()), top_h), 300.0f, w * 0.35f);
    float w_sim = std::min(heatmap_width(P, P, top_h), w - w_pe - kMinProfile - 2.0f * gap);
    float w_profile = w - w_pe - w_sim - 2.0f * gap;
    if (w_sim < 250.0f) {
        w_sim = w - w_pe - gap;
        w_profile = 0.0f;
    }
    HeatmapSpec pe = position_spec(vs, "pos_sin_pe", "PE  [position × dim]  [" + dims(s.pe) + "]" + shown_note(d),
                                   s.pe_shown, s.key);
    pe.look = {ColorMap::Diverging, -1.0f, 1.0f};
    pe.explain = [d](int p, int j) {
        const int i2 = j - j % 2;
        return "PE(" + std::to_string(p) + ", " + std::to_string(j) + ") = " + (j % 2 ? "cos" : "sin") + "(" +
               std::to_string(p) + " / 10000^(" + std::to_string(i2) + "/" + std::to_string(d) + "))\nwavelength " +
               num(sinusoidal_wavelength(j, d), "%.4g") + " positions";
    };
    draw_heatmap(ctx, pe, ImVec2(w_pe, top_h));
    ImGui::SameLine();
    HeatmapSpec sim = similarity_spec(vs, "pos_sin_sim", "cos(PE_p, PE_q)  [" + dims(s.similarity) + "]", s.similarity, s.key);
    draw_heatmap(ctx, sim, ImVec2(w_sim, top_h));
    if (w_profile > 0.0f) {
        // Rows p = 0 and p = P/3 of the similarity, from the diagonal on: they coincide.
        ImGui::SameLine();
        const int later = P / 3;
        LinePlotSpec profile = plot_spec("pos_sin_profile",
                                            "cos(PE_p, PE_p+k) against the distance k",
                                            vs.xs,
                                            "distance k", true);
        profile.y_max = 1.05f;
        const float* row0 = s.similarity.row(0).data();
        const float* row_later = s.similarity.row(later).data() + later;  // from the diagonal on
        profile.series.push_back({"from p = 0", std::span<const float>(row0, static_cast<std::size_t>(P)),
                                  series_colour(0), 5.0f, false});
        profile.series.push_back({"from p = " + std::to_string(later),
                                  std::span<const float>(row_later, static_cast<std::size_t>(P - later)),
                                  series_colour(1), 1.5f, false});
        ImGui::BeginGroup();
        draw_line_plot(profile, ImVec2(w_profile, top_h - ImGui::GetTextLineHeightWithSpacing() * 2.0f));
        caption("The same curve from every p: the similarity depends only on |p − q|, so each diagonal of the "
                "matrix is constant.");
        ImGui::EndGroup();
    }

    // The dims offered as curves; each keeps its colour whichever others are on.
    const std::vector<int> choices = pe_curve_dims(d);
    if (vs.dims_d_model != d) {
        vs.dims_d_model = d;
        vs.dims_on = 0;
        for (std::size_t k = 0; k < choices.size(); ++k) {
            const int v = choices[k];
            if (v == 0 || v == (d / 8) - (d / 8) % 2 || v == (d / 4) - (d / 4) % 2 || v == (d / 2) - (d / 2) % 2)
                vs.dims_on |= 1u << k;
        }
    }
    ImGui::TextUnformatted("curves for dims:");
    for (std::size_t k = 0; k < choices.size(); ++k) {
        ImGui::SameLine();
        bool on = (vs.dims_on >> k) & 1u;
        ImGui::PushStyleColor(ImGuiCol_Text, on ? ImGui::ColorConvertU32ToFloat4(series_colour(static_cast<int>(k)))
                                                : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        if (ImGui::Checkbox((std::to_string(choices[k]) + "##dim").c_str(), &on)) vs.dims_on ^= 1u << k;
        ImGui::PopStyleColor();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("  wavelength λ = 2π·10000^(2i/d) positions: low dims repeat fast, high dims barely move");

    LinePlotSpec plot = plot_spec("pos_sin_curves", "PE(p, dim) against position p", vs.xs, "position p", true);
    plot.y_min = -1.1f;
    plot.y_max = 1.1f;
    for (std::size_t k = 0; k < choices.size(); ++k) {
        if (!((vs.dims_on >> k) & 1u)) continue;
        const int dim = choices[k];
        PlotSeries series;
        series.label = "dim " + std::to_string(dim) + (dim % 2 ? " cos" : " sin") + "  λ = 2π·10000^(" +
                       std::to_string(dim - dim % 2) + "/" + std::to_string(d) + ") = " +
                       num(sinusoidal_wavelength(dim, d), "%.4g");
        series.y = std::span<const float>(s.pe_by_dim.row(dim).data(), static_cast<std::size_t>(P));
        series.colour = series_colour(static_cast<int>(k));
        series.thickness = 2.0f;
        plot.series.push_back(std::move(series));
    }
    draw_line_plot(plot, ImVec2(w, remaining_height()));
}

// ---- RoPE ---------------------------------------------------------------------------------

void draw_rope(UiContext& ctx, PositionalViewState& vs, int P) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const Config& c = t.config;
    refresh_rope(vs.rope, st, P);
    const RopeData& r = vs.rope;
    const std::string pairs = c.rope_style == RopeStyle::Interleaved ? "(2i, 2i+1)" : "(i, i + d_k/2)";
    caption("RoPE adds nothing to X: it rotates each pair " + pairs +
            " of q and k by the angle p·θ_i, θ_i = base^(−2i/d_k), just before QKᵀ. Fast pairs (small i) turn about a radian per position, slow pairs barely move.");
    // The base is a model setting: edit the configuration, the plots follow the recompute.
    float base = static_cast<float>(st.config.rope_base);
    ImGui::SetNextItemWidth(160);
    if (ImGui::DragFloat("RoPE base", &base, 100.0f, static_cast<float>(Limits::min_rope_base), 1e7f, "%.0f",
                         ImGuiSliderFlags_Logarithmic)) {
        Config next = st.config;
        next.rope_base = base;
        st.edit(next);
    }
    ImGui::SameLine(0, 20);
    ImGui::TextDisabled("d_k = %d, %s pairs.  colour:", c.d_k, std::string(to_string(c.rope_style)).c_str());
    ImGui::SameLine();
    if (ImGui::RadioButton("cos(p·θ_i)", !vs.rope_angle)) vs.rope_angle = false;
    ImGui::SameLine();
    if (ImGui::RadioButton("angle mod 2π", vs.rope_angle)) vs.rope_angle = true;
    if (r.d_k == 0) {
        note(kWarn, "d_k = " + std::to_string(c.d_k) + " has no pair of dimensions to rotate.");
        return;
    }
    if (r.d_k != c.d_k)
        note(kWarn, "d_k is odd: RoPE needs pairs, so these plots use the first " + std::to_string(r.d_k) + " dims.");

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    // Square cells over [pairs, P]: ask only for the height the matrix can use.
    const float cell = std::max(2.0f, (w - 170.0f) / static_cast<float>(P));
    const float table_h = std::min(remaining_height() * 0.36f, cell * static_cast<float>(r.d_k / 2) + 80.0f);
    const MatRM& shown = vs.rope_angle ? r.angle : r.cosine;
    HeatmapSpec angles = position_spec(vs, "pos_rope_angles",
                                       (vs.rope_angle ? "rotation angle p·θ_i mod 2π" : "cos(p·θ_i)") +
                                           std::string("  [pair i × position p]  base ") + num(c.rope_base, "%g"),
                                       shown, key_of({r.key, vs.rope_angle ? 1u : 0u}));
    angles.row_labels = &r.pairs;
    angles.row_axis = "pair i";
    angles.col_axis = "position p";
    angles.look = vs.rope_angle ? HeatmapLook{ColorMap::Viridis, 0.0f, static_cast<float>(kTwoPi)}
                                : HeatmapLook{ColorMap::Diverging, -1.0f, 1.0f};
    const int d_k = r.d_k;
    const double rope_base = c.rope_base;
    const RopeStyle style = c.rope_style;
    angles.explain = [d_k, rope_base, style](int i, int p) {
        const double theta = rope_theta(i, d_k, rope_base);
        const auto [da, db] = rope_pair(i, d_k, style);
        return "dims (" + std::to_string(da) + ", " + std::to_string(db) + "):  θ_" + std::to_string(i) + " = " +
               num(theta, "%.4g") + " rad per position\nangle = " + std::to_string(p) + "·θ = " + num(p * theta, "%.4g") +
               " rad (" + num(std::fmod(p * theta, kTwoPi), "%.3f") + " mod 2π)\none full turn every " +
               num(kTwoPi / theta, "%.4g") + " positions";
    };
    draw_heatmap(ctx, angles, ImVec2(w, table_h));

    const std::string q_of = t.tokens[static_cast<std::size_t>(r.query_token)];
    const std::string k_of = (c.cross() ? t.source_tokens : t.tokens)[static_cast<std::size_t>(r.key_token)];
    caption("q = q('" + q_of + "') of head " + std::to_string(st.detail_head) + " and k = k('" + k_of +
            "'): this input's vectors before rotation, placed at any positions m and n.");
    const float bottom_h = remaining_height();
    LinePlotSpec plot = plot_spec("pos_rope_offset",
                                     "RoPE(q, m)·RoPE(k, n) against the offset m − n: the curves coincide — it depends only on the offset",
                                     vs.xs,
                                     "offset m − n", true);
    const float thickness[] = {7.0f, 3.5f, 1.5f};
    for (std::size_t s = 0; s < kRopeKeyPositions.size(); ++s) {
        PlotSeries series;
        series.label = "key at n = " + std::to_string(kRopeKeyPositions[s]) + ", query at m = " +
                       std::to_string(kRopeKeyPositions[s]) + " + offset";
        series.y = std::span<const float>(r.curves.row(static_cast<Eigen::Index>(s)).data(), static_cast<std::size_t>(P));
        series.colour = series_colour(static_cast<int>(s));
        series.thickness = thickness[s];
        plot.series.push_back(std::move(series));
    }
    PlotSeries flat;
    flat.label = "without RoPE: q·k, the same at every position";
    flat.y = r.unrotated;
    flat.colour = kUnrotated;
    flat.thickness = 1.5f;
    plot.series.push_back(std::move(flat));
    draw_line_plot(plot, ImVec2(w * 0.55f - gap, bottom_h));
    ImGui::SameLine();
    HeatmapSpec table = position_spec(vs, "pos_rope_scores", "RoPE(q, m)·RoPE(k, n)  [" + dims(r.scores) +
                                                                "]: constant along each diagonal",
                                      r.scores, r.key);
    table.row_axis = "query position m";
    table.col_axis = "key position n";
    table.look = r.scores_look;
    table.explain = [](int m, int n) { return "m − n = " + std::to_string(m - n); };
    draw_heatmap(ctx, table, ImVec2(w * 0.45f, bottom_h));
}

// ---- learned ------------------------------------------------------------------------------

void draw_learned(UiContext& ctx, PositionalViewState& vs, int P) {
    const Trace& t = ctx.state.trace;
    const Config& c = t.config;
    constexpr int L = Limits::learned_length;
    refresh_learned(vs.learned, c, P);
    const LearnedData& l = vs.learned;
    caption(format("A table with one trained row per position up to its length %d, added to X. Past it there is no row: "
                   "PE = 0, and those positions all look alike. (This toy model's table is seeded noise, not trained, "
                   "so it has no distance structure; a trained one learns some.)", L));
    if (t.untrained_positions > 0)
        note(kWarn, "This input: " + std::to_string(t.untrained_positions) + " of its " + std::to_string(t.n) +
                        " positions are past the trained length (no trained position).");
    if (P <= L) note(kNote, "Raise positions above " + std::to_string(L) + " to see where the table ends.");

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float top_h = remaining_height() * 0.6f;
    HeatmapSpec table = position_spec(vs, "pos_learned",
                                      "learned PE  [" + dims(l.table) + "]" + shown_note(c.d_model) + ": trained length " +
                                          std::to_string(L) + ", hatched = no trained position",
                                      l.table_shown, l.key);
    table.mask = &l.mask;
    table.look = l.table_look;
    table.explain = [](int p, int) {
        return p < L ? "row " + std::to_string(p) + " of the table" : std::string("past the trained length: PE = 0");
    };
    const float w_table = std::clamp(heatmap_width(P, static_cast<int>(l.table_shown.cols()), top_h), 300.0f, w * 0.5f);
    draw_heatmap(ctx, table, ImVec2(w_table, top_h));
    ImGui::SameLine();
    HeatmapSpec sim = similarity_spec(vs, "pos_learned_sim", "cos(PE_p, PE_q)  [" + dims(l.similarity) +
                                                                "]: no diagonal bands, nothing about |p − q|",
                                      l.similarity, l.key);
    sim.mask = &l.similarity_mask;
    draw_heatmap(ctx, sim, ImVec2(w - w_table - gap, top_h));

    LinePlotSpec plot = plot_spec("pos_learned_norm",
                                     "‖PE_p‖ against position: the learned table stops at its trained length, the sinusoids never do",
                                     vs.xs,
                                     "position p", true);
    plot.y_min = 0.0f;
    plot.y_max = l.norm_max * 1.2f;  // room for the marker's label above the curves
    plot.series.push_back({"learned ‖PE_p‖", l.learned_norm, series_colour(0), 2.5f, false});
    plot.series.push_back({"sinusoidal ‖PE_p‖ = √(d/2)", l.sinusoidal_norm, series_colour(1), 2.0f, false});
    plot.markers.push_back({static_cast<float>(L), "trained length " + std::to_string(L), IM_COL32(255, 120, 100, 255)});
    draw_line_plot(plot, ImVec2(w, remaining_height()));
}

// ---- ALiBi --------------------------------------------------------------------------------

void draw_alibi(UiContext& ctx, PositionalViewState& vs, int P) {
    AppState& st = ctx.state;
    const Config& c = st.trace.config;
    const int h = c.n_heads, a = st.detail_head;
    refresh_alibi(vs.alibi, c, a, P);
    const AlibiData& al = vs.alibi;
    caption("ALiBi adds nothing to X: it subtracts m_a·|i − j| from head a's scaled scores, with a fixed slope "
            "m_a = 2^(−8(a+1)/h) per head. Each step of distance multiplies a key's weight by e^(−m_a) before "
            "normalising: steep heads look close by, shallow heads far.");
    if (h > 1) {
        ImGui::SetNextItemWidth(160);
        int head = a;
        if (ImGui::SliderInt("head", &head, 0, h - 1)) st.select_head(head);
        ImGui::SameLine();
    }
    ImGui::TextDisabled("m_%d = 2^(−8·%d/%d) = %.4g", a, a + 1, h, static_cast<double>(alibi_slope(a, h)));

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const float top_h = remaining_height() * 0.55f;
    const float m = alibi_slope(a, h);
    HeatmapSpec bias = position_spec(vs, "pos_alibi_bias", "bias −m_" + std::to_string(a) + "·|i − j|  head " +
                                                             std::to_string(a) + "  [" + dims(al.bias) + "]",
                                     al.bias, al.key);
    bias.row_axis = "query i";
    bias.col_axis = "key j";
    bias.look = {ColorMap::Viridis, -m * static_cast<float>(P - 1), 0.0f};
    bias.explain = [m](int i, int j) {
        return "−" + num(m, "%.4g") + "·" + std::to_string(std::abs(i - j)) + "  (weight × " +
               num(std::exp(-static_cast<double>(m) * std::abs(i - j)), "%.3g") + " before normalising)";
    };
    const float w_bias = std::clamp(heatmap_width(P, P, top_h), 300.0f, w * 0.6f);
    draw_heatmap(ctx, bias, ImVec2(w_bias, top_h));
    ImGui::SameLine();
    LinePlotSpec slopes = plot_spec("pos_alibi_slopes",
                                       "slope m_a per head: a geometric sequence",
                                       al.heads,
                                       "head a", true);
    slopes.y_min = 0.0f;
    slopes.series.push_back({"m_a = 2^(−8(a+1)/h)", al.slopes, series_colour(0), 2.0f, true});
    if (h > 1) draw_line_plot(slopes, ImVec2(w - w_bias - gap, top_h));
    else ImGui::TextDisabled("one head: a single slope");

    LinePlotSpec lines = plot_spec("pos_alibi_lines",
                                      "bias against distance |i − j| for every head (detail head thick)",
                                      vs.xs,
                                      "distance |i − j|", true);
    for (int k = 0; k < h; ++k) {
        const float mk = al.slopes[static_cast<std::size_t>(k)];
        PlotSeries series;
        series.label = "head " + std::to_string(k) + ": m = " + num(mk, "%.3g") + " (× " + num(std::exp(-mk), "%.3g") +
                       " per step)";
        series.y = std::span<const float>(al.lines.row(k).data(), static_cast<std::size_t>(P));
        series.colour = series_colour(k);
        series.thickness = k == a ? 4.0f : 1.5f;
        lines.series.push_back(std::move(series));
    }
    draw_line_plot(lines, ImVec2(w, remaining_height()));
}

// ---- with vs without position -----------------------------------------------------------

// What position changes in this scheme's pipeline, one line for the comparison's header.
std::string what_position_changes(Positional p) {
    switch (p) {
        case Positional::Sinusoidal:
        case Positional::Learned:
            return "PE is added to X before the projections, so q, k and v all change; Z and A change through them.";
        case Positional::Rope: return "Only q and k are rotated (v is untouched): the scores S = QKᵀ change, and A with them.";
        case Positional::Alibi:
            return "S = QKᵀ is untouched: the difference in Z is exactly the bias −m·|i − j|, then softmax.";
        default: return "";
    }
}

void draw_comparison(UiContext& ctx, PositionalViewState& vs) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const Config& c = t.config;
    const int a = st.detail_head;
    const std::string scheme(to_string(c.positional));
    ImGui::PushFont(ctx.fonts.title);
    if (c.positional == Positional::None) ImGui::TextUnformatted("This input with vs without position");
    else ImGui::Text("What %s does to this input: head %d with vs without position", scheme.c_str(), a);
    ImGui::PopFont();
    if (c.positional == Positional::None) {
        note(kNote, "The current run has no position, so with and without are the same. Pick a scheme under Position "
                    "in the controls to see what it changes.");
        return;
    }
    if (t.n > kMaxCompareTokens || t.m > kMaxCompareTokens) {
        note(kNote, "The comparison reruns the block without position, so it is limited to " +
                        std::to_string(kMaxCompareTokens) + " tokens; this input has " + std::to_string(std::max(t.n, t.m)) + ".");
        return;
    }
    ImGui::SetNextItemWidth(160);
    int head = a;
    if (ImGui::SliderInt("head", &head, 0, c.n_heads - 1)) st.select_head(head);
    ImGui::SameLine(0, 16);
    ImGui::TextDisabled("%s", what_position_changes(c.positional).c_str());
    Comparison& cmp = vs.comparison;
    refresh_comparison(cmp, st);
    if (!cmp.error.empty()) {
        note(kWarn, "Without position the run fails: " + cmp.error);
        return;
    }
    const std::vector<std::string>& keys = c.cross() ? t.source_tokens : t.tokens;
    const WeightsChange& ch = cmp.change;
    std::string summary = "Removing position moves head " + std::to_string(a) + "'s weights by up to " + num(ch.max_abs, "%.3f");
    if (ch.max_row >= 0)
        summary += " ('" + t.tokens[static_cast<std::size_t>(ch.max_row)] + "' → '" +
                   keys[static_cast<std::size_t>(ch.max_col)] + "')";
    summary += ", " + num(ch.mean_abs, "%.3f") + " on average; the most-attended key changes for " +
               std::to_string(ch.argmax_changed) + " of " + std::to_string(ch.rows_compared) + " queries.";
    if (cmp.duplicate_a >= 0 && !c.cross())
        summary += " Without position the two '" + t.tokens[static_cast<std::size_t>(cmp.duplicate_a)] + "' (tokens " +
                   std::to_string(cmp.duplicate_a) + " and " + std::to_string(cmp.duplicate_b) +
                   ") have the same q and k: only a mask can tell them apart.";
    note(kNote, summary);

    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const ImVec2 size(ImGui::GetContentRegionAvail().x / 3.0f - gap,
                      remaining_height() * 0.5f - ImGui::GetStyle().ItemSpacing.y);
    const std::string head_s = "  head " + std::to_string(a);
    auto spec = [&](std::string id, std::string title, const MatRM& m, const Trace& from, const HeatmapLook& look) {
        HeatmapSpec s{std::move(id), std::move(title), m};
        s.mask = &t.mask;
        s.look = look;
        s.row_labels = &t.tokens;
        s.col_labels = &keys;
        s.data_key = cmp.key;
        s.explain = [trace = &from, a](int i, int j) { return explain_score(*trace, a, i, j); };
        return s;
    };
    // How a difference cell was made, from the two matrices it subtracts.
    auto explain_diff = [](const char* what, const MatRM* with, const MatRM* without) {
        return [what, with, without](int i, int j) {
            return std::string(what) + " with = " + num((*with)(i, j), "%.4g") + ",  without = " +
                   num((*without)(i, j), "%.4g");
        };
    };
    const auto ua = static_cast<std::size_t>(a);
    draw_heatmap(ctx, spec("pos_cmp_z_with", "Z with " + scheme + head_s, cmp.z_with, t, cmp.z_look), size);
    ImGui::SameLine();
    draw_heatmap(ctx, spec("pos_cmp_z_without", "Z without position" + head_s, cmp.z_without, cmp.without, cmp.z_look), size);
    ImGui::SameLine();
    HeatmapSpec z_diff = spec("pos_cmp_z_diff", "Z(with) − Z(without)", cmp.z_diff, t,
                              cmp.z_diff_look);
    z_diff.explain = explain_diff("Z", &cmp.z_with, &cmp.z_without);
    draw_heatmap(ctx, z_diff, size);

    draw_heatmap(ctx, spec("pos_cmp_a_with", "A with " + scheme + head_s, t.weights[ua], t, weights_look()), size);
    ImGui::SameLine();
    draw_heatmap(ctx, spec("pos_cmp_a_without", "A without position" + head_s, cmp.without.weights[ua], cmp.without,
                           weights_look()),
                 size);
    ImGui::SameLine();
    HeatmapSpec a_diff = spec("pos_cmp_a_diff", "A(with) − A(without)", cmp.a_diff, t, cmp.a_diff_look);
    a_diff.explain = explain_diff("A", &t.weights[ua], &cmp.without.weights[ua]);
    draw_heatmap(ctx, a_diff, size);
}

}  // namespace

void draw_positional_view(UiContext& ctx) {
    AppState& st = ctx.state;
    const Trace& t = st.trace;
    const Config& c = t.config;
    if (!ctx.positional) ctx.positional = std::make_shared<PositionalViewState>();
    PositionalViewState& vs = *static_cast<PositionalViewState*>(ctx.positional.get());

    ImGui::Checkbox("effect on this input's scores (with vs without position)", &vs.compare);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Reruns this input with positional = none and shows head %d's Z and A side by side.", st.detail_head);
    if (vs.compare) {
        ImGui::Separator();
        draw_comparison(ctx, vs);
        return;
    }
    int P = vs.positions > 0 ? vs.positions : std::clamp(std::max(kDefaultPositions, t.n), kMinPositions, kMaxPositions);
    ImGui::SameLine(0, 24);
    ImGui::SetNextItemWidth(200);
    if (ImGui::SliderInt("positions", &P, kMinPositions, kMaxPositions)) vs.positions = P;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("How many positions the tables and curves cover (this input has %d tokens).", t.n);
    ImGui::SameLine(0, 24);
    ImGui::TextDisabled("current scheme: %s   d_model = %d   d_k = %d   n = %d", std::string(to_string(c.positional)).c_str(),
                        c.d_model, c.d_k, t.n);
    if (c.positional == Positional::None)
        note(kWarn, "The current run has no position (positional = none): attention cannot tell token order, and "
                    "the two copies of a repeated token get the same q, k and v. Sinusoidal PE is shown for reference.");
    refresh_axis(vs, P);

    // The tabs follow the configured scheme whenever it changes (and on first show).
    int select = -1;
    if (vs.followed != static_cast<int>(c.positional)) {
        vs.followed = static_cast<int>(c.positional);
        select = static_cast<int>(tab_of(c.positional));
    }
    if (!ImGui::BeginTabBar("schemes")) return;
    for (Tab tab : kTabs) {
        const bool current = c.positional != Positional::None && tab_of(c.positional) == tab;
        const std::string label = std::string(tab_name(tab)) + (current ? "  (current)" : "") + "###" + tab_name(tab);
        const ImGuiTabItemFlags flags = select == static_cast<int>(tab) ? ImGuiTabItemFlags_SetSelected : 0;
        if (!ImGui::BeginTabItem(label.c_str(), nullptr, flags)) continue;
        if (ImGui::BeginChild("scheme", ImVec2(0, 0), false)) {
            switch (tab) {
                case Tab::Sinusoidal: draw_sinusoidal(ctx, vs, P); break;
                case Tab::Rope: draw_rope(ctx, vs, P); break;
                case Tab::Learned: draw_learned(ctx, vs, P); break;
                case Tab::Alibi: draw_alibi(ctx, vs, P); break;
            }
        }
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
}

}  // namespace attnviz
