// FlashAttention's algorithm: attention computed in tiles of Br queries × Bc keys with a running
// max, a running sum and a rescaled accumulator, never forming the n × m score matrix.
//
// Key: n = queries, m = keys, d_k / d_v = head widths, Br = block_q, Bc = block_k,
// m_i = running max of row i's logits, ℓ_i = running sum of exp(logit − m_i),
// O_i = running Σ exp(logit − m_i)·v_j (unnormalised); the output row is O_i / ℓ_i.
//
// When a tile raises the max from m to m', everything accumulated so far was exponentiated
// against the old max, so ℓ and O are multiplied by exp(m − m') before the tile's terms are
// added: the result is exactly softmax(row)·V, computed one tile at a time.
#pragma once

#include "core/trace.hpp"

#include <cstddef>
#include <vector>

namespace attnviz {

// One tile's effect on its block of query rows, for the step-by-step replay.
struct TileRecord {
    int q0 = 0, q1 = 0;                // query rows [q0, q1)
    int k0 = 0, k1 = 0;                // key columns [k0, k1)
    bool skipped = false;              // every pair masked (e.g. above the causal diagonal)
    std::vector<float> m_before, m_after;  // [q1 − q0] running max (−∞ before any visible key)
    std::vector<float> l_before, l_after;  // [q1 − q0] running sum
    std::vector<float> rescale;            // [q1 − q0] exp(m_before − m_after), 0 for the first visible tile
    MatRM O_after;                     // [q1 − q0, d_v] unnormalised accumulator after the tile
};

struct TiledReplay {
    int head = 0, block_q = 0, block_k = 0;
    std::vector<TileRecord> tiles;     // in execution order: query block outer, key block inner
    MatRM output;                      // [n, d_v] final O / ℓ (zero rows where nothing is visible)
};

// Head a's output A·V computed tile by tile from the trace's Q, K, V, mask, multiplier and ALiBi
// bias; equal to trace.head_outputs[a] to float precision. Scratch is O(Br·Bc + Br·d_v).
// Throws ConfigError("block_q" / "block_k", ...) for a block size < 1.
MatRM tiled_head_output(const Trace& trace, int head, int block_q, int block_k);
// Every head, as the exact path's trace.head_outputs.
Stack tiled_head_outputs(const Trace& trace, int block_q, int block_k);
// The same for one head, recording every tile for the UI's replay. Throws ConfigError("block_q", ...)
// when the record would exceed 256 MiB (e.g. 1 × 1 tiles at n = 4096).
TiledReplay tiled_replay(const Trace& trace, int head, int block_q, int block_k);

// Extra memory, beyond Q, K, V and the output, that each path needs for one head at a time.
struct ExtraMemory {
    std::size_t exact_bytes = 0;   // the n × m scores and the n × m weights
    std::size_t tiled_bytes = 0;   // one Br × Bc tile, the Br × d_v accumulator, m and ℓ for Br rows
};
ExtraMemory attention_extra_memory(int n, int m, int d_v, int block_q, int block_k);

// Every head's replay with blocks Br × Bc, the worst |exact − tiled| over all heads and both
// paths' extra memory: what the export's "tiles" section reports.
struct TilesReport {
    int block_q = 0, block_k = 0;
    std::vector<TiledReplay> heads;  // [h]
    float max_abs_error_vs_exact = 0.0f;
    ExtraMemory memory;
};
TilesReport tiles_report(const Trace& trace, int block_q, int block_k);

}  // namespace attnviz
