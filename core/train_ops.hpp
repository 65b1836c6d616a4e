// The training lab's operations: each a forward and its hand-written backward, in llm.c's shape
// (train_gpt2.c: one function per operation, flat row-major buffers, the shapes in a comment).
// T is float for training and double for the gradient checks (tests/core/test_train_ops.cpp).
//
// Key: B sequences of S positions, N = B·S rows, C = d_model, V vocabulary, P learned positions,
// h heads of width dh, A = h·dh, f MLP width.
//
// Every backward *adds* into the gradients it is given (parameters and inputs alike), as llm.c's
// do: a tensor read twice (the residual stream) collects both gradients, and one zeroing per step
// serves them all. The forwards compute what core/stack.cpp computes, so that a trained model run
// through run_stack gives the training forward's numbers to float precision.
#pragma once

#include <cstdint>

namespace attnviz::train {

// out[b, s] = wte[ids[b, s]] + wpe[s] (wpe null: no learned positions).   out: [N, C]
template <class T> void encoder_forward(T* out, const int* ids, const T* wte, const T* wpe, int B, int S, int C);
template <class T> void encoder_backward(T* dwte, T* dwpe, const T* dout, const int* ids, int B, int S, int C);

// LayerNorm per row with biased variance (torch.nn.LayerNorm); keeps mean and 1/σ for backward.
// out, inp: [N, C]; gamma, beta: [C]; mean, rstd: [N].
template <class T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* inp, const T* gamma, const T* beta, int N, int C, T eps);
template <class T>
void layernorm_backward(T* dinp, T* dgamma, T* dbeta, const T* dout, const T* inp, const T* gamma, const T* mean,
                        const T* rstd, int N, int C);

// RMSNorm per row: out = inp / sqrt(mean(inp²) + ε) · γ.   out, inp: [N, C]; rstd: [N].
template <class T> void rmsnorm_forward(T* out, T* rstd, const T* inp, const T* gamma, int N, int C, T eps);
template <class T>
void rmsnorm_backward(T* dinp, T* dgamma, const T* dout, const T* inp, const T* gamma, const T* rstd, int N, int C);

// out = inp·W + b (b null: none).   inp: [N, Ci], W: [Ci, Co] (GPT-2's Conv1D layout), out: [N, Co].
template <class T> void matmul_forward(T* out, const T* inp, const T* W, const T* b, int N, int Ci, int Co);
// dW and db may be null (a frozen or absent parameter).
template <class T>
void matmul_backward(T* dinp, T* dW, T* db, const T* dout, const T* inp, const T* W, int N, int Ci, int Co);

// RoPE in place on the Q and K thirds of qkv [N, 3A], each head's pairs (i, i + dh/2) (rotate-half,
// Llama's and attnviz's RopeStyle::Half) turned by s·θ_i, θ_i = base^(−2i/dh), at position s.
// sign = +1 rotates; −1 rotates back, which is the backward: the rotation is orthogonal, so the
// gradient of the rotated vectors, turned back, is the gradient of the unrotated ones.
template <class T> void rope_forward(T* qkv, int B, int S, int h, int dh, double base, int sign);

// Causal multi-head attention over qkv [N, 3A] = [Q | K | V] per row, scores scaled by 1/√dh;
// query s sees keys max(0, s − window + 1) … s (window 0: all of 0 … s).
// out: [N, A] heads side by side; att: [B, h, S, S] the softmax weights (0 where masked).
template <class T> void attention_forward(T* out, T* att, const T* qkv, int B, int S, int h, int dh, int window);
// scratch: [S]. dqkv gets the gradients of the (rotated) Q, K and V.
template <class T>
void attention_backward(T* dqkv, T* scratch, const T* dout, const T* qkv, const T* att, int B, int S, int h, int dh,
                        int window);

// GELU, tanh form (GPT-2's gelu_new) or exact (x·Φ(x), erf).   out, inp: [n]
template <class T> void gelu_forward(T* out, const T* inp, std::int64_t n, bool tanh_form);
template <class T> void gelu_backward(T* dinp, const T* inp, const T* dout, std::int64_t n, bool tanh_form);

// Row softmax of logits [N, V] into probs and, where targets[r] ≥ 0, losses[r] = −log p(target)
// (0 elsewhere). Accumulates in double, as softmax_rows does.
template <class T> void crossentropy_forward(T* losses, T* probs, const T* logits, const int* targets, int N, int V);
// dlogits[r] += (probs[r] − onehot(target)) · dloss[r] for rows with a target.
template <class T>
void crossentropy_backward(T* dlogits, const T* dloss, const T* probs, const int* targets, int N, int V);

}  // namespace attnviz::train
