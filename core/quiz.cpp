#include "core/quiz.hpp"

#include "core/cost_model.hpp"
#include "core/rng.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attnviz {

namespace {

std::string fmt(double v, const char* f = "%.4g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string shape(std::initializer_list<int> dims) {
    std::string s = "[";
    for (int d : dims) s += (s.size() > 1 ? ", " : "") + std::to_string(d);
    return s + "]";
}

std::string token(const std::vector<std::string>& tokens, int i) {
    return std::to_string(i) + " ('" + tokens[static_cast<std::size_t>(i)] + "')";
}

std::string list(const std::vector<int>& v) {
    if (v.empty()) return "none";
    std::string s;
    for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
    return s;
}

// Picks in [0, count) from the question's own stream.
int pick(Rng& rng, int count) { return count <= 1 ? 0 : static_cast<int>(rng.next_u64() % static_cast<std::uint64_t>(count)); }

std::vector<int> visible_keys(const Trace& t, int i) {
    std::vector<int> v;
    for (int j = 0; j < t.m; ++j)
        if (t.visible(i, j)) v.push_back(j);
    return v;
}

std::string mask_rules(const Trace& t) {
    const Config& c = t.config;
    std::string r;
    if (c.causal) r += "causal: j ≤ i. ";
    if (c.window > 0) r += "window " + std::to_string(c.window) + ": |i − j| < " + std::to_string(c.window) + ". ";
    if (!c.padding.empty()) r += "padded keys " + list(c.padding) + " are hidden from every query. ";
    return r.empty() ? "No mask is on: every query sees every key. " : r;
}

std::string scale_words(const Config& c) {
    const std::string by = c.scale == ScaleMode::Sqrt     ? "√d_k = √" + std::to_string(c.d_k)
                           : c.scale == ScaleMode::Linear ? "d_k = " + std::to_string(c.d_k)
                                                          : "1 (no scaling)";
    return "divide by " + by + (c.temperature != 1.0 ? " and by the temperature T = " + fmt(c.temperature) : "");
}

Question scores_shape(const Trace& t, Rng& rng) {
    const Config& c = t.config;
    const int a = pick(rng, c.n_heads), g = t.kv_head(a);
    Question q;
    q.kind = QuestionKind::ScoresShape;
    q.form = AnswerForm::Shape;
    q.prompt = "What is the shape of the raw scores Q Kᵀ of head " + std::to_string(a) + "?";
    q.answer_hint = "rows × cols, e.g. 3x5";
    q.expected = {static_cast<double>(t.n), static_cast<double>(t.m)};
    q.worked = "Q_" + std::to_string(a) + " is " + shape({t.n, c.d_k}) + " (one row per query token) and K_" +
               std::to_string(g) + " is " + shape({t.m, c.d_k}) + " (one row per key token), so Q Kᵀ is " +
               shape({t.n, c.d_k}) + " · " + shape({c.d_k, t.m}) + " = " + shape({t.n, t.m}) +
               ": one score per (query, key) pair. All heads together: " + shape({c.n_heads, t.n, t.m}) + ".";
    q.focus = {{QuizTensor::Q, a}, {QuizTensor::K, g}};
    q.revealed = {{QuizTensor::Q, a}, {QuizTensor::K, g}, {QuizTensor::Scores, a}};
    return q;
}

Question query_shape(const Trace& t) {
    const Config& c = t.config;
    Question q;
    q.kind = QuestionKind::QueryShape;
    q.form = AnswerForm::Shape;
    q.prompt = "X has shape " + shape({t.n, c.d_model}) + " and there are " + std::to_string(c.n_heads) +
               " heads with d_k = " + std::to_string(c.d_k) + ". What is the shape of Q for one head?";
    q.answer_hint = "rows × cols";
    q.expected = {static_cast<double>(t.n), static_cast<double>(c.d_k)};
    q.worked = "X W_Q is " + shape({t.n, c.d_model}) + " · " + shape({c.d_model, c.n_heads * c.d_k}) + " = " +
               shape({t.n, c.n_heads * c.d_k}) + "; splitting the columns into " + std::to_string(c.n_heads) +
               " heads gives " + shape({c.n_heads, t.n, c.d_k}) + ", so each head's Q is " + shape({t.n, c.d_k}) + ".";
    q.focus = {{QuizTensor::X, 0}, {QuizTensor::W_Q, 0}};
    q.revealed = {{QuizTensor::X, 0}, {QuizTensor::Q, 0}};
    return q;
}

Question visible(const Trace& t, Rng& rng) {
    const int i = pick(rng, t.n);
    const std::vector<int> keys = visible_keys(t, i);
    Question q;
    q.kind = QuestionKind::VisibleKeys;
    q.form = AnswerForm::IndexSet;
    q.prompt = "Under the current mask, which keys can query " + token(t.tokens, i) + " attend to?";
    q.answer_hint = "key indices, e.g. 0, 1, 2 (or none)";
    q.expected.assign(keys.begin(), keys.end());
    q.worked = mask_rules(t) + "For i = " + std::to_string(i) + " that leaves keys " + list(keys) +
               (keys.empty() ? ": the row is fully masked and its weights are all zero." : ".");
    // Raw scores exist for every pair; the weights' hatching is the answer.
    q.focus = {{QuizTensor::Scores, 0}};
    q.revealed = {{QuizTensor::Weights, 0}};
    q.focus_query = i;
    return q;
}

Question weight_from_scores(const Trace& t, Rng& rng) {
    const int a = pick(rng, t.config.n_heads);
    // A query with at least three visible keys; otherwise the first query with any.
    int i = -1;
    for (int tries = 0; tries < 4 * t.n && i < 0; ++tries) {
        const int cand = pick(rng, t.n);
        if (visible_keys(t, cand).size() >= 3) i = cand;
    }
    for (int cand = 0; cand < t.n && i < 0; ++cand)
        if (visible_keys(t, cand).size() >= 3) i = cand;
    Question q;
    q.kind = QuestionKind::WeightFromScores;
    q.form = AnswerForm::Real;
    q.tolerance = 0.005;
    q.answer_hint = "a number, 2 or 3 decimals";
    std::vector<int> keys;
    std::vector<double> z;
    if (i >= 0) {
        std::vector<int> vis = visible_keys(t, i);
        for (int k = 0; k < 3; ++k) {
            const int at = pick(rng, static_cast<int>(vis.size()));
            keys.push_back(vis[static_cast<std::size_t>(at)]);
            vis.erase(vis.begin() + at);
        }
        std::sort(keys.begin(), keys.end());
        for (int j : keys) z.push_back(std::round(static_cast<double>(t.logit(a, i, j)) * 100.0) / 100.0);
    } else {
        z = {1.0, 0.0, -1.0};  // too few visible keys anywhere: a generic row
    }
    const double mx = *std::max_element(z.begin(), z.end());
    double sum = 0.0;
    std::vector<double> e;
    for (double v : z) {
        e.push_back(std::exp(v - mx));
        sum += e.back();
    }
    q.expected = {e[0] / sum};
    const std::string zs = fmt(z[0], "%.2f") + ", " + fmt(z[1], "%.2f") + ", " + fmt(z[2], "%.2f");
    q.prompt = i >= 0 ? "Head " + std::to_string(a) + ", query " + token(t.tokens, i) + ": keys " + list(keys) +
                            " have logits (scaled scores) " + zs +
                            ". If the query could see only these three keys, what weight would key " +
                            std::to_string(keys[0]) + " get?"
                      : "Three keys have logits " + zs + ". What softmax weight does the first get?";
    q.worked = "Subtract the max (" + fmt(mx, "%.2f") + ") for stability: exponentials " + fmt(e[0], "%.4f") + ", " +
               fmt(e[1], "%.4f") + ", " + fmt(e[2], "%.4f") + ", sum " + fmt(sum, "%.4f") + ". Weight = " +
               fmt(e[0], "%.4f") + " / " + fmt(sum, "%.4f") + " = " + fmt(q.expected[0], "%.4f") + ".";
    q.focus = {{QuizTensor::Logits, a}};
    q.revealed = {{QuizTensor::Logits, a}, {QuizTensor::Weights, a}};
    if (i >= 0) {
        q.focus_query = i;
        q.focus_keys = keys;
    }
    return q;
}

Question scaled_score(const Trace& t, Rng& rng) {
    const Config& c = t.config;
    const int a = pick(rng, c.n_heads), i = pick(rng, t.n), j = pick(rng, t.m);
    const double raw = std::round(static_cast<double>(t.scores[static_cast<std::size_t>(a)](i, j)) * 1000.0) / 1000.0;
    Question q;
    q.kind = QuestionKind::ScaledScore;
    q.form = AnswerForm::Real;
    q.expected = {raw * t.multiplier};
    q.tolerance = std::max(0.005, std::abs(q.expected[0]) * 0.01);
    q.answer_hint = "a number, 2 or 3 decimals";
    q.prompt = "Head " + std::to_string(a) + ": the raw score q_" + std::to_string(i) + "·k_" + std::to_string(j) +
               " is " + fmt(raw, "%.3f") + ", d_k = " + std::to_string(c.d_k) + ", scale mode " +
               std::string(to_string(c.scale)) + ", temperature " + fmt(c.temperature) +
               ". What value goes into the softmax before the mask (and any ALiBi bias)?";
    q.worked = "The scale stage multiplies by " + fmt(t.multiplier, "%.5g") + " (" + scale_words(c) + "): " +
               fmt(raw, "%.3f") + " × " + fmt(t.multiplier, "%.5g") + " = " + fmt(q.expected[0], "%.4f") +
               ". With unit-variance q and k entries Var(q·k) = d_k, so ÷√d_k brings the scores back to unit "
               "variance and keeps the softmax out of its saturated, near one-hot regime.";
    q.focus = {{QuizTensor::Scores, a}};
    q.revealed = {{QuizTensor::Scores, a}, {QuizTensor::Logits, a}};
    q.focus_query = i;
    q.focus_keys = {j};
    return q;
}

Question shared_kv(const Trace& t, Rng& rng) {
    const Config& c = t.config;
    const int a = pick(rng, c.n_heads), g = t.kv_head(a);
    std::vector<int> heads;
    for (int b = 0; b < c.n_heads; ++b)
        if (t.kv_head(b) == g) heads.push_back(b);
    Question q;
    q.kind = QuestionKind::SharedKvHeads;
    q.form = AnswerForm::IndexSet;
    q.expected.assign(heads.begin(), heads.end());
    q.answer_hint = "query head indices, e.g. 0, 1";
    q.prompt = "With " + std::to_string(c.n_heads) + " query heads and " + std::to_string(c.n_kv_heads) +
               " K/V heads, which query heads read the same K and V as head " + std::to_string(a) +
               " (include " + std::to_string(a) + ")?";
    const int group = c.n_heads / c.n_kv_heads;
    q.worked = "Each K/V head serves h / kv = " + std::to_string(c.n_heads) + " / " + std::to_string(c.n_kv_heads) +
               " = " + std::to_string(group) + " consecutive query heads; head " + std::to_string(a) +
               " reads K/V head ⌊" + std::to_string(a) + " / " + std::to_string(group) + "⌋ = " + std::to_string(g) +
               ", shared by heads " + list(heads) + "." +
               (c.n_kv_heads == c.n_heads  ? " This is plain multi-head attention: nothing is shared."
                : c.n_kv_heads == 1        ? " This is multi-query attention: one K/V head for all."
                                           : " This is grouped-query attention: the KV cache is " +
                                                 std::to_string(group) + "× smaller than with MHA.");
    q.focus = {{QuizTensor::K, g}, {QuizTensor::V, g}};
    q.revealed = q.focus;
    return q;
}

Question projection_params(const Trace& t) {
    const Config& c = t.config;
    const long long d = c.d_model, h = c.n_heads, kv = c.n_kv_heads, dk = c.d_k, dv = c.d_v;
    const long long wq = d * h * dk, wk = d * kv * dk, wv = d * kv * dv, wo = h * dv * d;
    Question q;
    q.kind = QuestionKind::ProjectionParams;
    q.form = AnswerForm::Integer;
    q.expected = {static_cast<double>(wq + wk + wv + wo)};
    q.answer_hint = "an integer";
    q.prompt = "d_model = " + std::to_string(d) + ", " + std::to_string(h) + " query heads, " + std::to_string(kv) +
               " K/V heads, d_k = " + std::to_string(dk) + ", d_v = " + std::to_string(dv) +
               ". How many weights do W_Q, W_K, W_V and W_O hold together (no biases)?";
    q.worked = "W_Q " + shape({c.d_model, c.n_heads * c.d_k}) + " = " + std::to_string(wq) + ", W_K " +
               shape({c.d_model, c.n_kv_heads * c.d_k}) + " = " + std::to_string(wk) + ", W_V " +
               shape({c.d_model, c.n_kv_heads * c.d_v}) + " = " + std::to_string(wv) + ", W_O " +
               shape({c.n_heads * c.d_v, c.d_model}) + " = " + std::to_string(wo) + "; total " +
               std::to_string(wq + wk + wv + wo) + ".";
    q.focus = {{QuizTensor::W_Q, 0}};
    q.revealed = q.focus;
    return q;
}

Question argmax_key(const Trace& t, Rng& rng) {
    const int a = pick(rng, t.config.n_heads);
    int i = pick(rng, t.n);
    const auto& dg = t.diagnostics[static_cast<std::size_t>(a)];
    for (int k = 0; k < t.n && dg.argmax[static_cast<std::size_t>(i)] < 0; ++k) i = (i + 1) % t.n;
    const int j = dg.argmax[static_cast<std::size_t>(i)];
    if (j < 0) return scores_shape(t, rng);  // every row fully masked
    Question q;
    q.kind = QuestionKind::ArgmaxKey;
    q.form = AnswerForm::IndexSet;
    q.expected = {static_cast<double>(j)};
    q.answer_hint = "one key index (look at the heads grid)";
    q.prompt = "In head " + std::to_string(a) + ", which key does query " + token(t.tokens, i) + " attend to most?";
    const std::vector<std::string>& keys = t.config.cross() ? t.source_tokens : t.tokens;
    q.worked = "Row " + std::to_string(i) + " of A_" + std::to_string(a) + " peaks at key " + token(keys, j) +
               " with weight " + fmt(dg.max_weight[static_cast<std::size_t>(i)], "%.3f") +
               ": its logit is the largest in the row, and softmax keeps the order of the logits.";
    // Reading the head is the exercise: its weights are on show from the start.
    q.focus = {{QuizTensor::Weights, a}};
    q.revealed = q.focus;
    q.focus_query = i;
    return q;
}

Question kv_cache_bytes_question(Rng& rng) {
    static constexpr long long kContexts[] = {2048, 4096, 8192};
    const std::vector<ModelShape>& models = model_presets();
    const ModelShape& s = models[static_cast<std::size_t>(pick(rng, static_cast<int>(models.size())))];
    const long long T = kContexts[pick(rng, 3)];
    const double bytes = cost(Workload{s, T, 1, Precision::Fp16}).kv_cache_bytes;
    Question q;
    q.kind = QuestionKind::KvCacheBytes;
    q.form = AnswerForm::Integer;
    q.expected = {bytes};
    q.answer_hint = "bytes, or with a unit: 512 MiB, 2 GiB";
    q.prompt = s.name + ": " + std::to_string(s.layers) + " layers, " + std::to_string(s.kv_heads) +
               " K/V heads of d_head = " + std::to_string(s.d_head) + ", fp16, batch 1. How many bytes of KV cache at " +
               std::to_string(T) + " tokens of context?";
    q.worked = "2 (K and V) · L · B · T · kv_heads · d_head · bytes = 2 · " + std::to_string(s.layers) + " · 1 · " +
               std::to_string(T) + " · " + std::to_string(s.kv_heads) + " · " + std::to_string(s.d_head) + " · 2 = " +
               fmt(bytes, "%.0f") + " bytes = " + fmt(bytes / (1024.0 * 1024.0), "%.0f") +
               " MiB. Only K and V are cached: a past query is never needed again.";
    // What one layer's cache holds, for the toy model on screen.
    q.focus = {{QuizTensor::K, 0}, {QuizTensor::V, 0}};
    q.revealed = q.focus;
    return q;
}

}  // namespace

std::string_view to_string(QuestionKind k) {
    switch (k) {
        case QuestionKind::ScoresShape: return "scores shape";
        case QuestionKind::QueryShape: return "Q shape";
        case QuestionKind::VisibleKeys: return "visible keys";
        case QuestionKind::WeightFromScores: return "softmax by hand";
        case QuestionKind::ScaledScore: return "scaling";
        case QuestionKind::SharedKvHeads: return "GQA / MQA sharing";
        case QuestionKind::ProjectionParams: return "parameter count";
        case QuestionKind::ArgmaxKey: return "read a head";
        case QuestionKind::KvCacheBytes: return "KV-cache size";
    }
    return "question";
}

Question make_question(const Trace& t, QuestionKind kind, std::uint64_t seed) {
    ATTNVIZ_ASSERT(t.n >= 1 && t.m >= 1 && t.config.n_heads >= 1);
    Rng rng(stream_seed(seed, "quiz", static_cast<std::uint64_t>(kind)));
    switch (kind) {
        case QuestionKind::ScoresShape: return scores_shape(t, rng);
        case QuestionKind::QueryShape: return query_shape(t);
        case QuestionKind::VisibleKeys: return visible(t, rng);
        case QuestionKind::WeightFromScores: return weight_from_scores(t, rng);
        case QuestionKind::ScaledScore: return scaled_score(t, rng);
        case QuestionKind::SharedKvHeads: return shared_kv(t, rng);
        case QuestionKind::ProjectionParams: return projection_params(t);
        case QuestionKind::ArgmaxKey: return argmax_key(t, rng);
        case QuestionKind::KvCacheBytes: return kv_cache_bytes_question(rng);
    }
    return scores_shape(t, rng);
}

Question quiz_question(const Trace& t, int k, std::uint64_t seed) {
    const int kind = ((k % kQuestionKindCount) + kQuestionKindCount) % kQuestionKindCount;
    return make_question(t, static_cast<QuestionKind>(kind), mix64(seed + static_cast<std::uint64_t>(k)));
}

std::vector<double> parse_numbers(std::string_view s) {
    std::vector<double> out;
    std::size_t i = 0;
    auto lower_at = [&](std::size_t k) { return k < s.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(s[k]))) : '\0'; };
    while (i < s.size()) {
        const bool sign = (s[i] == '-' || s[i] == '+') && i + 1 < s.size() &&
                          (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.');
        if (!sign && !std::isdigit(static_cast<unsigned char>(s[i])) &&
            !(s[i] == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            ++i;
            continue;
        }
        // "0x6" is a 0-row shape to a learner, not hexadecimal to strtod.
        std::string rest(s.substr(i));
        const std::size_t x = rest.find_first_of("xX");
        if (x != std::string::npos) rest.resize(x);
        char* end = nullptr;
        double v = std::strtod(rest.c_str(), &end);
        std::size_t used = static_cast<std::size_t>(end - rest.c_str());
        if (used == 0) {
            ++i;
            continue;
        }
        i += used;
        std::size_t k = i;
        while (k < s.size() && s[k] == ' ') ++k;
        const char p = lower_at(k);
        const int power = p == 'k' ? 1 : p == 'm' ? 2 : p == 'g' ? 3 : p == 't' ? 4 : 0;
        if (power > 0) {
            const bool binary = lower_at(k + 1) == 'i' && lower_at(k + 2) == 'b';
            const bool decimal = lower_at(k + 1) == 'b';
            if (binary || decimal) {
                v *= std::pow(binary ? 1024.0 : 1000.0, power);
                i = k + (binary ? 3 : 2);
            }
        }
        out.push_back(v);
    }
    return out;
}

Grade grade(const Question& q, std::string_view answer) {
    Grade g;
    std::string lower(answer);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::vector<double> got = parse_numbers(answer);
    const bool says_none = lower.find("none") != std::string::npos || lower.find("empty") != std::string::npos;
    if (got.empty() && !(q.form == AnswerForm::IndexSet && says_none)) {
        g.feedback = "no number found in \"" + std::string(answer) + "\": answer as " + q.answer_hint;
        return g;
    }
    g.understood = true;
    switch (q.form) {
        case AnswerForm::Shape: g.correct = got == q.expected; break;
        case AnswerForm::IndexSet:
            std::sort(got.begin(), got.end());
            got.erase(std::unique(got.begin(), got.end()), got.end());
            g.correct = got == q.expected;
            break;
        case AnswerForm::Integer:
            // A unit answer ("2 GiB") is exact only when it names the whole number: allow ½ % for
            // rounded decimal units but not for plain integers.
            g.correct = got.size() == 1 && (got[0] == q.expected[0] ||
                                            (lower.find('b') != std::string::npos &&
                                             std::abs(got[0] - q.expected[0]) <= 0.005 * q.expected[0]));
            break;
        case AnswerForm::Real:
            g.correct = got.size() == 1 && std::abs(got[0] - q.expected[0]) <= q.tolerance;
            break;
    }
    g.feedback = g.correct ? "correct" : "not quite";
    return g;
}

}  // namespace attnviz
