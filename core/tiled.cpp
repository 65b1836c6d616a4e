#include "core/tiled.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace attnviz {

namespace {

constexpr long long kMaxReplayFloats = 64LL << 20;  // 256 MiB of tile records

void check_blocks(int block_q, int block_k) {
    if (block_q < 1) throw ConfigError("block_q", "block_q=" + std::to_string(block_q) + " must be >= 1");
    if (block_k < 1) throw ConfigError("block_k", "block_k=" + std::to_string(block_k) + " must be >= 1");
}

// The tiled pass over one head; `record` (may be null) receives every tile.
MatRM run_tiles(const Trace& t, int a, int block_q, int block_k, std::vector<TileRecord>* record) {
    check_blocks(block_q, block_k);
    ATTNVIZ_ASSERT(a >= 0 && a < t.config.n_heads);
    const auto ua = static_cast<std::size_t>(a);
    const MatRM& Q = t.Q[ua];                                    // [n, d_k]
    const MatRM& K = t.K[static_cast<std::size_t>(t.kv_head(a))];  // [m, d_k]
    const MatRM& V = t.V[static_cast<std::size_t>(t.kv_head(a))];  // [m, d_v]
    const int n = t.n, m = t.m, d_v = static_cast<int>(V.cols());
    const float neg_inf = kNegInf;
    MatRM out = MatRM::Zero(n, d_v);                             // [n, d_v]
    // Blocks larger than the sequence cost only what the sequence needs.
    block_q = std::min(block_q, std::max(n, 1));
    block_k = std::min(block_k, std::max(m, 1));
    MatRM S(block_q, block_k);                                   // one tile of logits: [Br, Bc]
    MatRM O(block_q, d_v);                                       // accumulator: [Br, d_v]
    std::vector<float> row_max(static_cast<std::size_t>(block_q)), row_sum(static_cast<std::size_t>(block_q));

    for (int q0 = 0; q0 < n; q0 += block_q) {
        const int br = std::min(block_q, n - q0);
        std::fill(row_max.begin(), row_max.end(), neg_inf);
        std::fill(row_sum.begin(), row_sum.end(), 0.0f);
        O.topRows(br).setZero();
        for (int k0 = 0; k0 < m; k0 += block_k) {
            const int bc = std::min(block_k, m - k0);
            const auto vis = t.mask.block(q0, k0, br, bc);
            TileRecord* rec = nullptr;
            if (record) {
                record->push_back(TileRecord{});
                rec = &record->back();
                rec->q0 = q0;
                rec->q1 = q0 + br;
                rec->k0 = k0;
                rec->k1 = k0 + bc;
                rec->m_before.assign(row_max.begin(), row_max.begin() + br);
                rec->l_before.assign(row_sum.begin(), row_sum.begin() + br);
                rec->rescale.assign(static_cast<std::size_t>(br), 1.0f);
            }
            // A tile with nothing visible (above the causal diagonal, outside a window) is never
            // computed: that skip is where causal FlashAttention saves half its work.
            if ((vis.array() > 0.5f).count() == 0) {
                if (rec) {
                    rec->skipped = true;
                    rec->m_after = rec->m_before;
                    rec->l_after = rec->l_before;
                    rec->O_after = O.topRows(br);
                }
                continue;
            }
            auto tile = S.topLeftCorner(br, bc);
            tile.noalias() = Q.middleRows(q0, br) * K.middleRows(k0, bc).transpose();
            tile *= t.multiplier;
            for (int i = 0; i < br; ++i) {
                const auto ui = static_cast<std::size_t>(i);
                float tile_max = neg_inf;
                for (int j = 0; j < bc; ++j) {
                    if (vis(i, j) < 0.5f) continue;
                    tile(i, j) += t.bias(a, q0 + i, k0 + j);
                    tile_max = std::max(tile_max, tile(i, j));
                }
                if (tile_max == neg_inf) {  // this row sees nothing in this tile
                    tile.row(i).setZero();
                    continue;
                }
                const float m_new = std::max(row_max[ui], tile_max);
                // exp(−∞ − m_new) = 0 on the row's first visible tile: nothing to rescale yet.
                const float scale = std::exp(row_max[ui] - m_new);
                float sum = 0.0f;
                for (int j = 0; j < bc; ++j) {
                    const float p = vis(i, j) < 0.5f ? 0.0f : std::exp(tile(i, j) - m_new);
                    tile(i, j) = p;
                    sum += p;
                }
                row_sum[ui] = row_sum[ui] * scale + sum;
                row_max[ui] = m_new;
                O.row(i) *= scale;
                if (rec) rec->rescale[ui] = scale;
            }
            O.topRows(br).noalias() += tile * V.middleRows(k0, bc);  // [Br, d_v] += [Br, Bc]·[Bc, d_v]
            if (rec) {
                rec->m_after.assign(row_max.begin(), row_max.begin() + br);
                rec->l_after.assign(row_sum.begin(), row_sum.begin() + br);
                rec->O_after = O.topRows(br);
            }
        }
        for (int i = 0; i < br; ++i) {
            const float l = row_sum[static_cast<std::size_t>(i)];
            if (l > 0.0f) out.row(q0 + i) = O.row(i) / l;  // a row that saw no key stays zero
        }
    }
    return out;
}

}  // namespace

MatRM tiled_head_output(const Trace& t, int head, int block_q, int block_k) {
    return run_tiles(t, head, block_q, block_k, nullptr);
}

Stack tiled_head_outputs(const Trace& t, int block_q, int block_k) {
    Stack out;
    for (int a = 0; a < t.config.n_heads; ++a) out.push_back(run_tiles(t, a, block_q, block_k, nullptr));
    return out;
}

TiledReplay tiled_replay(const Trace& t, int head, int block_q, int block_k) {
    check_blocks(block_q, block_k);
    // Each tile records Br rows of m, ℓ, rescale and the accumulator: bound the whole record.
    const long long br = std::min(block_q, std::max(t.n, 1)), bc = std::min(block_k, std::max(t.m, 1));
    const long long tiles = ((t.n + br - 1) / br) * ((t.m + bc - 1) / bc);
    const long long floats = tiles * br * (t.config.d_v + 5);
    if (floats > kMaxReplayFloats) {
        throw ConfigError("block_q", "block_q=" + std::to_string(block_q) + " and block_k=" + std::to_string(block_k) +
                                         " give " + std::to_string(tiles) + " tiles for n=" + std::to_string(t.n) +
                                         ", m=" + std::to_string(t.m) + ": too many to record; use larger blocks");
    }
    TiledReplay r;
    r.head = head;
    r.block_q = block_q;
    r.block_k = block_k;
    r.output = run_tiles(t, head, block_q, block_k, &r.tiles);
    return r;
}

ExtraMemory attention_extra_memory(int n, int m, int d_v, int block_q, int block_k) {
    const std::size_t f = sizeof(float);
    const auto br = static_cast<std::size_t>(std::min(block_q, n));
    const auto bc = static_cast<std::size_t>(std::min(block_k, m));
    ExtraMemory e;
    e.exact_bytes = 2 * static_cast<std::size_t>(n) * static_cast<std::size_t>(m) * f;
    e.tiled_bytes = (br * bc + br * static_cast<std::size_t>(d_v) + 2 * br) * f;
    return e;
}

TilesReport tiles_report(const Trace& trace, int block_q, int block_k) {
    TilesReport r;
    r.block_q = block_q;
    r.block_k = block_k;
    for (int a = 0; a < trace.config.n_heads; ++a) {
        TiledReplay replay = tiled_replay(trace, a, block_q, block_k);
        const float err = (replay.output - trace.head_outputs[static_cast<std::size_t>(a)]).cwiseAbs().maxCoeff();
        r.max_abs_error_vs_exact = std::max(r.max_abs_error_vs_exact, err);
        r.heads.push_back(std::move(replay));
    }
    r.memory = attention_extra_memory(trace.n, trace.m, trace.config.d_v, block_q, block_k);
    return r;
}

}  // namespace attnviz
