#include "core/io/inference_json.hpp"

#include <cmath>

namespace attnviz {

using nlohmann::json;

namespace {

json floats(const float* p, std::size_t count) {
    json a = json::array();
    for (std::size_t k = 0; k < count; ++k) a.push_back(std::isfinite(p[k]) ? json(p[k]) : json(nullptr));
    return a;
}

json floats(const std::vector<float>& v) { return floats(v.data(), v.size()); }

}  // namespace

json matrix_to_json(const MatRM& m) {
    return {{"shape", {m.rows(), m.cols()}}, {"data", floats(m.data(), static_cast<std::size_t>(m.size()))}};
}

json stack_to_json(const Stack& s) {
    json data = json::array();
    Eigen::Index rows = 0, cols = 0;
    for (const MatRM& m : s) {
        rows = m.rows();
        cols = m.cols();
        for (const auto& v : floats(m.data(), static_cast<std::size_t>(m.size()))) data.push_back(v);
    }
    const auto count = static_cast<long long>(s.size());
    json shape = rows == 1 ? json{count, cols} : json{count, rows, cols};
    return {{"shape", shape}, {"data", data}};
}

json decode_to_json(const DecodeTrace& d, const std::vector<std::string>& tokens) {
    json steps = json::array();
    for (const DecodeStep& s : d.steps) {
        steps.push_back({{"position", s.position},
                         {"token", tokens[static_cast<std::size_t>(s.position)]},
                         {"cache_positions", s.cache_positions},
                         {"q", stack_to_json(s.q)},
                         {"k_new", stack_to_json(s.k_new)},
                         {"v_new", stack_to_json(s.v_new)},
                         {"K_cache", stack_to_json(s.K_cache)},
                         {"V_cache", stack_to_json(s.V_cache)},
                         {"weights", stack_to_json(s.weights)},
                         {"head_outputs", stack_to_json(s.head_outputs)},
                         {"output", matrix_to_json(s.output)},
                         {"pairs_scored", s.pairs_scored},
                         {"macs_cached", s.macs_cached},
                         {"macs_recompute", s.macs_recompute},
                         {"cache_bytes", s.cache_bytes}});
    }
    return {{"prefill", d.prefill},
            {"prefill_output", matrix_to_json(d.prefill_trace.output)},
            {"steps", steps}};
}

json tiles_to_json(const TilesReport& r) {
    json heads = json::array();
    for (const TiledReplay& replay : r.heads) {
        json tiles = json::array();
        for (const TileRecord& tile : replay.tiles) {
            tiles.push_back({{"q", {tile.q0, tile.q1}},
                             {"k", {tile.k0, tile.k1}},
                             {"skipped", tile.skipped},
                             {"m_before", floats(tile.m_before)},
                             {"m_after", floats(tile.m_after)},
                             {"l_before", floats(tile.l_before)},
                             {"l_after", floats(tile.l_after)},
                             {"rescale", floats(tile.rescale)},
                             {"O_after", matrix_to_json(tile.O_after)}});
        }
        heads.push_back({{"head", replay.head}, {"output", matrix_to_json(replay.output)}, {"tiles", tiles}});
    }
    return {{"block_q", r.block_q},
            {"block_k", r.block_k},
            {"max_abs_error_vs_exact", r.max_abs_error_vs_exact},
            {"extra_memory_bytes", {{"exact", r.memory.exact_bytes}, {"tiled", r.memory.tiled_bytes}}},
            {"heads", heads}};
}

}  // namespace attnviz
