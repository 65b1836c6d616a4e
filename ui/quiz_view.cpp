#include "ui/trace_panels.hpp"
#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace attnviz {

namespace {

// One tensor a question is about, as the other views draw it, with the row or cell it names framed.
HeatmapSpec focus_spec(UiContext& ctx, const QuizFocus& f, const Question& question) {
    const AppState& st = ctx.state;
    const Trace& t = st.trace;
    const auto a = static_cast<std::size_t>(f.head);
    const std::vector<std::string>& keys = t.config.cross() ? t.source_tokens : t.tokens;
    const std::uint64_t salt = 200 + 16 * static_cast<std::uint64_t>(f.tensor) + a;
    const std::string head = std::to_string(f.head);
    auto spec = [&]() -> HeatmapSpec {
        switch (f.tensor) {
            case QuizTensor::X: return features_spec(st, "quiz_X", "X_in = X + PE", t.X_in, &t.tokens, salt);
            case QuizTensor::W_Q: {
                HeatmapSpec s = features_spec(st, "quiz_WQ", "W_Q", t.W_Q, nullptr, salt);
                s.row_axis = "d_model row";
                s.col_axis = "head·d_k + k";
                return s;
            }
            case QuizTensor::Q: return features_spec(st, "quiz_Q" + head, "Q  head " + head, t.Q[a], &t.tokens, salt);
            case QuizTensor::K: return features_spec(st, "quiz_K" + head, "K  K/V head " + head, t.K[a], &keys, salt);
            case QuizTensor::V: return features_spec(st, "quiz_V" + head, "V  K/V head " + head, t.V[a], &keys, salt);
            case QuizTensor::Scores: return scores_spec(st, f.head, "_quiz");
            case QuizTensor::Logits: return logits_spec(st, f.head, ctx.logits[a], "_quiz");
            case QuizTensor::Weights: return weights_spec(st, f.head, "_quiz");
        }
        return scores_spec(st, f.head, "_quiz");
    };
    HeatmapSpec s = spec();
    const int i = question.focus_query;
    const bool pairs = f.tensor == QuizTensor::Scores || f.tensor == QuizTensor::Logits || f.tensor == QuizTensor::Weights;
    const bool token_rows = pairs || f.tensor == QuizTensor::X || f.tensor == QuizTensor::Q;
    if (i >= 0 && token_rows) {
        const int cols = static_cast<int>(s.values.cols());
        s.outline = CellRect{i, i + 1, 0, cols};
        if (pairs && question.focus_keys.size() == 1) s.outline = CellRect{i, i + 1, question.focus_keys[0], question.focus_keys[0] + 1};
    }
    return s;
}

// The tensors of the open question (or, once answered, the ones that show the answer).
void tensor_pane(UiContext& ctx) {
    const QuizViewState& q = ctx.quiz;
    const std::vector<QuizFocus>& shown = q.answered ? q.question.revealed : q.question.focus;
    if (shown.empty()) return;
    ctx.refresh_derived();
    std::string where = q.answered ? "The live tensors, now with the answer in them." : "The live tensors this question is about.";
    if (q.question.focus_query >= 0) where += " Framed: the row (or cell) the question names.";
    caption(where);
    PanelGrid grid(static_cast<int>(shown.size()), 240.0f);
    for (std::size_t k = 0; k < shown.size(); ++k) {
        if (k > 0) grid.next();
        draw_heatmap(ctx, focus_spec(ctx, shown[k], q.question), grid.cell);
    }
}

void question_pane(UiContext& ctx);

}  // namespace

// Interview practice on the live configuration: a question, a typed answer, the verdict and
// the worked solution with this input's numbers, beside the live tensors it is about.
void draw_quiz_view(UiContext& ctx) {
    AppState& st = ctx.state;
    QuizViewState& q = ctx.quiz;
    if (q.generation != st.generation) {
        // A new trace: the question is asked again about the new numbers.
        q.generation = st.generation;
        q.question = quiz_question(st.trace, q.index, q.seed);
        q.answered = false;
        if (!q.check_requested) q.answer.clear();
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    if (avail.x >= 640.0f) {
        // Side by side: the question on the left, its tensors filling the rest.
        ImGui::BeginChild("quiz_question", ImVec2(std::clamp(avail.x * 0.42f, 300.0f, 540.0f), 0), false);
        question_pane(ctx);
        ImGui::EndChild();
        ImGui::SameLine();
        ImGui::BeginChild("quiz_tensors", ImVec2(0, 0), false);
        tensor_pane(ctx);
        ImGui::EndChild();
    } else {
        question_pane(ctx);
        ImGui::Separator();
        tensor_pane(ctx);
    }
}

namespace {

void question_pane(UiContext& ctx) {
    AppState& st = ctx.state;
    QuizViewState& q = ctx.quiz;
    caption("Questions of the kind asked in interviews, about the configuration on screen. Change the text, the "
            "heads or the mask and the numbers in the questions change with it.");
    ImGui::Text("question %d · %s · score %d / %d", q.index + 1, std::string(to_string(q.question.kind)).c_str(), q.correct,
                q.asked);
    ImGui::Separator();
    ImGui::PushFont(ctx.fonts.title);
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(q.question.prompt.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::TextDisabled("answer as %s", q.question.answer_hint.c_str());
    ImGui::SetNextItemWidth(std::min(320.0f, ImGui::GetContentRegionAvail().x));
    const bool entered = ImGui::InputText("##answer", &q.answer, ImGuiInputTextFlags_EnterReturnsTrue);
    flow(button_width("Check"));
    const bool requested = q.check_requested;
    q.check_requested = false;
    if ((ImGui::Button("Check") || entered || requested) && !q.answer.empty()) {
        const Grade g = grade(q.question, q.answer);
        if (g.understood) {
            if (!q.answered) {
                ++q.asked;
                if (g.correct) ++q.correct;
            }
            q.answered = true;
        }
        q.grade = g;
    }
    flow(button_width("Show answer"));
    if (ImGui::Button("Show answer")) {
        if (!q.answered) ++q.asked;
        q.answered = true;
        q.grade = Grade{true, false, "shown"};
    }
    flow(button_width("Next question"));
    if (ImGui::Button("Next question")) {
        ++q.index;
        q.question = quiz_question(st.trace, q.index, q.seed);
        q.answered = false;
        q.answer.clear();
        q.grade = Grade{};
    }
    if (!q.grade.feedback.empty() && !q.grade.understood) note(kWarnColour, q.grade.feedback);
    if (q.answered) {
        if (q.grade.correct) note(ImVec4(0.5f, 0.9f, 0.5f, 1), "Correct.");
        else if (q.grade.feedback != "shown") note(kWarnColour, "Not quite.");
        ImGui::Spacing();
        ImGui::TextUnformatted("Worked answer:");
        note(kNoteColour, q.question.worked);
    }
}

}  // namespace
}  // namespace attnviz
