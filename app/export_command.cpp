#include "app/export_command.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/config_json.hpp"
#include "core/io/inference_json.hpp"
#include "core/io/png_writer.hpp"
#include "core/io/stack_json.hpp"
#include "core/io/trace_csv.hpp"
#include "core/io/trace_json.hpp"
#include "core/io/trace_safetensors.hpp"
#include "core/model_setup.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

namespace attnviz {

ExportFormat parse_export_format(const std::string& s) {
    if (s == "json") return ExportFormat::Json;
    if (s == "csv") return ExportFormat::Csv;
    if (s == "safetensors") return ExportFormat::Safetensors;
    throw ConfigError("format", "format=" + s + " must be one of json|csv|safetensors");
}

LogitsExport parse_logits_export(const std::string& s) {
    if (s == "none") return LogitsExport::None;
    if (s == "top-k") return LogitsExport::TopK;
    if (s == "full") return LogitsExport::Full;
    throw ConfigError("logits", "logits=" + clip(s) + " must be one of none|top-k|full");
}

std::vector<int> parse_layers_out(const std::string& s) {
    if (s == "all") return {};
    std::vector<int> out;
    std::size_t at = 0;
    do {
        const std::size_t comma = std::min(s.find(',', at), s.size());
        const std::string item = s.substr(at, comma - at);
        const bool digits = !item.empty() && item.size() <= 4 &&
                            std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) {
            throw ConfigError("layers-out", "layers-out item '" + clip(item) +
                                                "' must be a layer index: all, or a list such as 0,5,11");
        }
        const int l = std::stoi(item);
        if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
        at = comma + 1;
    } while (at <= s.size());
    return out;
}

std::uint64_t parse_byte_size(const std::string& s, const std::string& field) {
    const auto refuse = [&] {
        return ConfigError(field, field + "=" + clip(s) + " must be a size in bytes, e.g. 4G, 512M or 1000000");
    };
    std::size_t k = 0;
    while (k < s.size() && (std::isdigit(static_cast<unsigned char>(s[k])) || s[k] == '.')) ++k;
    if (k == 0 || std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(k), '.') > 1 || s[0] == '.') throw refuse();
    std::string unit = s.substr(k);
    for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    int shift = 0;
    if (!unit.empty() && std::string("KMGT").find(unit[0]) != std::string::npos) {
        shift = 10 * (1 + static_cast<int>(std::string("KMGT").find(unit[0])));
        unit.erase(0, 1);
        if (unit == "IB" || unit == "B") unit.clear();
    } else if (unit == "B") {
        unit.clear();
    }
    if (!unit.empty()) throw refuse();
    const double v = std::stod(s.substr(0, k)) * std::ldexp(1.0, shift);
    if (!(v < 1.8e19)) throw refuse();
    return static_cast<std::uint64_t>(v);
}

std::string format_bytes(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " bytes";
    static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, kUnits[u]);
    return buf;
}

std::uint64_t estimate_export_bytes(const Trace& t, ExportFormat format, const nlohmann::json& extra,
                                    const StackTensors* stack) {
    switch (format) {
        case ExportFormat::Json: return estimate_trace_json_bytes(t, extra, stack);
        case ExportFormat::Safetensors:
            return trace_safetensors_bytes(t, stack) + trace_summary_json(t, "trace.safetensors", extra, stack).size();
        case ExportFormat::Csv: break;
    }
    std::uint64_t bytes = config_to_json(t.config).dump(2).size() + 1 + tokens_to_csv(t.tokens).size();
    if (t.config.cross()) bytes += tokens_to_csv(t.source_tokens).size();
    for (const TensorView& v : tensor_views(t)) bytes += estimate_tensor_csv_bytes(v);
    return bytes;
}

int export_cell_px(int rows, int cols) { return std::clamp(480 / std::max({rows, cols, 1}), 2, 24); }

bool is_export_file(std::string_view name) {
    static const std::set<std::string, std::less<>> kNames = {
        "trace.json", "trace.safetensors", "config.json", "tokens.csv", "source_tokens.csv",
        // Every tensor any configuration exports (cross-attention and ALiBi add theirs), as CSV.
        "X.csv", "PE.csv", "X_in.csv", "X_source.csv", "X_in_source.csv", "W_Q.csv", "W_K.csv", "W_V.csv",
        "W_O.csv", "Q_proj.csv", "K_proj.csv", "Q.csv", "K.csv", "V.csv", "scores.csv", "scores_scaled.csv",
        "mask.csv", "additive_mask.csv", "alibi_slopes.csv", "logits.csv", "weights.csv", "head_outputs.csv",
        "concat.csv", "output.csv"};
    if (kNames.count(name)) return true;
    for (std::string_view stem : {"weights_head", "scores_head"}) {
        if (name.size() <= stem.size() + 4 || name.substr(0, stem.size()) != stem ||
            name.substr(name.size() - 4) != ".png")
            continue;
        const std::string_view digits = name.substr(stem.size(), name.size() - stem.size() - 4);
        if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
    }
    return false;
}

namespace {

// Layer l's tensors for trace.json "layers" (StackTensors::visit_layer). A layer whose n×n stacks
// the forward pass dropped is recomputed for `exact`, and otherwise stands in with layer 0's stacks
// (same names and shapes) for the header and the size estimate.
void visit_layer(const StackModel& m, const StackTrace& st, int l, bool exact, const StackTensors::LayerSink& sink) {
    const LayerTrace& L = st.layers[static_cast<std::size_t>(l)];
    if (L.attn_full) return sink(layer_tensor_views(L.attn, L));
    if (exact) {
        const Trace attn = layer_attention(m.inputs, m.weights(), st, l);
        return sink(layer_tensor_views(attn, L));
    }
    std::vector<TensorView> views = layer_tensor_views(L.attn, L);
    const std::vector<TensorView> first = tensor_views(st.layers.front().attn);
    for (std::size_t k = 0; k < first.size(); ++k) {
        ATTNVIZ_ASSERT(views[k].name == first[k].name);
        const std::string& name = first[k].name;
        if (name == "scores" || name == "scores_scaled" || name == "logits" || name == "weights") views[k] = first[k];
    }
    sink(views);
}

}  // namespace

std::vector<std::string> export_trace(const ExportRequest& req) {
    // Everything is computed, and bad options throw, before anything touches the disk.
    if (req.top_k < 1 || req.top_k > kMaxTopK) {
        throw ConfigError("top-k", "top-k=" + std::to_string(req.top_k) + " must be between 1 and " + std::to_string(kMaxTopK));
    }
    const ModelSpec spec{req.config, req.preset, {}, req.arch, req.model, req.ablate, req.pretrained, req.ids};
    StackRunOptions options;
    options.attention_budget = req.attention_budget;
    options.keep_layer = 0;
    const ModelRun run = run_model(spec, options);
    const StackModel& model = *run.model;
    const StackTrace& st = run.stack;
    const int layers = static_cast<int>(st.layers.size());
    if (req.format == ExportFormat::Csv && layers > 1) {
        throw ConfigError("format", "format=csv holds one attention layer, not a stack of " + std::to_string(layers) +
                                        ": use --format json or safetensors (or --layers 1)");
    }
    for (int l : req.layers_out) {
        if (l >= layers) {
            throw ConfigError("layers-out", "layers-out " + std::to_string(l) + " must be below layers=" + std::to_string(layers));
        }
    }
    const Inputs& in = model.inputs;
    const Weights w = layer_weights(model.weights(), 0);
    const Trace& t = run.trace();
    nlohmann::json extra = nlohmann::json::object();
    if (req.preset != Preset::Random) {
        nlohmann::json kinds = nlohmann::json::array();
        for (HeadKind k : run.head_kinds) kinds.push_back(std::string(to_string(k)));
        extra["preset"] = {{"name", std::string(to_string(req.preset))}, {"summary", run.summary}, {"heads", kinds}};
    }
    if ((req.decode || req.tiles) && req.format == ExportFormat::Csv) {
        throw ConfigError("format", "format=csv cannot hold decode steps or tiles: use --format json or safetensors");
    }
    if (req.decode) {
        const int n = static_cast<int>(in.tokens.size());
        const int steps = req.decode->steps.value_or(std::max(0, n - req.decode->prefill));
        extra["decode"] = decode_to_json(run_decode(in, w, req.decode->prefill, steps), in.tokens);
    }
    if (req.tiles) extra["tiles"] = tiles_to_json(tiles_report(t, req.tiles->block_q, req.tiles->block_k));

    // Version 2: the stack around layer 0's attention.
    StackTensors stack;
    if (req.format != ExportFormat::Csv) {
        extra["stack"] = stack_arch_to_json(model.arch, spec.model, spec.ablate);
        extra["vocab_size"] = model.vocab().size();
        if (spec.pretrained) {
            const HfModel& hf = *spec.pretrained;
            extra["model"] = {{"path", hf.dir.string()},       {"name", hf.name()},
                              {"model_type", hf.config.model_type}, {"n_layers", hf.config.layers},
                              {"n_heads", hf.config.heads},     {"n_kv_heads", hf.config.kv_heads},
                              {"d_model", hf.config.d_model},   {"head_dim", hf.config.head_dim},
                              {"vocab_size", hf.config.vocab},  {"dtype", hf.dtype}};
            extra["token_ids"] = model.token_ids;
        }
        std::vector<std::vector<TopToken>> next(static_cast<std::size_t>(t.n));
        for (int i = 0; i < t.n; ++i) next[static_cast<std::size_t>(i)] = top_k(st.probs.row(i), model.vocab(), req.top_k);
        extra["next_token"] = next_token_to_json(next);
        if (req.logits == LogitsExport::TopK) extra["logits"] = top_logits_to_json(st.logits, next);
        if (req.logits == LogitsExport::Full) {
            extra["vocab"] = model.vocab().tokens;
            stack.logits = view_of("logits", "logits = norm_f(resid_L)·Uᵀ", st.logits);
        }
        extra["logit_lens"] = logit_lens_to_json(logit_lens(st, model.weights(), model.vocab()));
        extra["head_scores"] = head_scores_to_json(st.scores);
        stack.layers = req.layers_out;
        if (stack.layers.empty())
            for (int l = 0; l < layers; ++l) stack.layers.push_back(l);
        stack.visit_layer = [&](int l, bool exact, const StackTensors::LayerSink& sink) {
            visit_layer(model, st, l, exact, sink);
        };
    }
    const StackTensors* with_stack = req.format == ExportFormat::Csv ? nullptr : &stack;
    const std::uint64_t estimate = estimate_export_bytes(t, req.format, extra, with_stack);
    if (estimate > req.max_output) {
        std::string msg = "the export would write about " + format_bytes(estimate) + ", above --max-output " +
                          format_bytes(req.max_output) + ": pass a larger --max-output";
        if (req.format != ExportFormat::Safetensors) {
            msg += " or use --format safetensors (" +
                   format_bytes(estimate_export_bytes(t, ExportFormat::Safetensors, extra, &stack)) + ")";
        }
        throw ConfigError("max_output", msg);
    }
    StagedDir dir(req.out, is_export_file);
    if (req.on_progress) {
        req.on_progress(0, estimate);
        dir.on_progress([&](std::uint64_t written) { req.on_progress(written, estimate); });
    }
    if (req.format == ExportFormat::Json) {
        dir.add_stream("trace.json", [&](std::ostream& os) { write_trace_json(os, t, extra, &stack); });
    } else if (req.format == ExportFormat::Safetensors) {
        dir.add_stream("trace.safetensors", [&](std::ostream& os) { write_trace_safetensors(os, t, &stack); });
        dir.add("trace.json", trace_summary_json(t, "trace.safetensors", extra, &stack));
    } else {
        dir.add("config.json", config_to_json(t.config).dump(2) + "\n");
        dir.add("tokens.csv", tokens_to_csv(t.tokens));
        if (t.config.cross()) dir.add("source_tokens.csv", tokens_to_csv(t.source_tokens));
        for (const TensorView& v : tensor_views(t))
            dir.add_stream(v.name + ".csv", [&](std::ostream& os) { write_tensor_csv(os, v); });
    }
    HeatmapStyle style;
    for (int a = 0; a < (req.heatmaps ? t.config.n_heads : 0); ++a) {
        const auto ua = static_cast<std::size_t>(a);
        const PooledMap weights = pool_for_image(t.weights[ua], t.mask, kHeatmapMaxSide);
        const PooledMap scores = pool_for_image(t.scores[ua], t.mask, kHeatmapMaxSide);
        // A pooled map is already kHeatmapMaxSide cells wide: one pixel each.
        style.cell_px = weights.factor > 1 ? 1 : export_cell_px(t.n, t.m);
        style.map = ColorMap::Viridis;
        style.lo = 0.0f;
        style.hi = 1.0f;
        dir.add("weights_head" + std::to_string(a) + ".png", encode_png(render_heatmap(weights.values, &weights.mask, style)));
        style.map = ColorMap::Diverging;
        std::tie(style.lo, style.hi) = symmetric_range(scores.values, &scores.mask);
        dir.add("scores_head" + std::to_string(a) + ".png", encode_png(render_heatmap(scores.values, &scores.mask, style)));
    }
    dir.commit();
    return dir.names();
}

}  // namespace attnviz
