#include "ui/view_text.hpp"
#include "ui/views.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace attnviz {

// Interview practice on the live configuration: a question, a typed answer, the verdict and
// the worked solution with this input's numbers.
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
    ImGui::SetNextItemWidth(320);
    const bool entered = ImGui::InputText("##answer", &q.answer, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
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
    ImGui::SameLine();
    if (ImGui::Button("Show answer")) {
        if (!q.answered) ++q.asked;
        q.answered = true;
        q.grade = Grade{true, false, "shown"};
    }
    ImGui::SameLine();
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

}  // namespace attnviz
