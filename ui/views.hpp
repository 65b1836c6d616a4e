// One function per panel; each reads the state through the context and records intents.
#pragma once

#include "ui/ui_context.hpp"

namespace attnviz {

void draw_controls(UiContext& ctx);        // ui/controls_panel.cpp: every core option + session + export
void draw_examples_menu(UiContext& ctx);  // ui/examples_menu.cpp: the Examples button and its list
void draw_token_strip(UiContext& ctx);     // ui/token_strip.cpp: token chips, padding toggles, hover
void draw_pipeline_view(UiContext& ctx);   // ui/pipeline_view.cpp: the stage stepper
void draw_heads_view(UiContext& ctx);      // ui/heads_view.cpp: every head side by side, diffs
void draw_model_view(UiContext& ctx);     // ui/model_view.cpp: layers × heads, detectors, ablation
void draw_block_view(UiContext& ctx);     // ui/block_view.cpp: one layer's block diagram and residual writes
void draw_next_token_view(UiContext& ctx);  // ui/next_token_view.cpp: top-k next tokens and the logit lens
void draw_positional_view(UiContext& ctx); // ui/positional_view.cpp: PE / RoPE / ALiBi plots
void draw_query_view(UiContext& ctx);      // ui/query_view.cpp: one query's arithmetic
void draw_decode_view(UiContext& ctx);    // ui/decode_view.cpp: KV-cache decoding step by step
void draw_cost_view(UiContext& ctx);      // ui/cost_view.cpp: prefill vs decode cost calculator
void draw_tiling_view(UiContext& ctx);    // ui/tiling_view.cpp: FlashAttention tile replay
void draw_sparse_view(UiContext& ctx);    // ui/sparse_view.cpp: window / strided / global patterns
void draw_recurrence_view(UiContext& ctx);  // ui/recurrence_view.cpp: toy RNN next to attention
void draw_sqrt_dk_view(UiContext& ctx);   // ui/sqrt_dk_view.cpp: why scores are divided by √d_k
void draw_length_view(UiContext& ctx);    // ui/length_view.cpp: positions past the trained length
void draw_edit_view(UiContext& ctx);      // ui/edit_view.cpp: edit any weight or embedding cell
void draw_quiz_view(UiContext& ctx);      // ui/quiz_view.cpp: questions on the live numbers
void draw_status_bar(UiContext& ctx, float fps);  // ui/status_bar.cpp
void draw_open_model_dialog(UiContext& ctx);  // ui/open_model_dialog.cpp: the cache's models, a folder, loading
void draw_help(bool* open);                // ui/help_window.cpp: shortcuts and a glossary

}  // namespace attnviz
