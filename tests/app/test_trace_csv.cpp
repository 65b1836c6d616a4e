// CSV export: a "# NAME shape=[...]" header, one line per row of the last dimension, masked cells
// empty, numbers in the same shortest round-trip form as trace.json.
#include "core/io/trace_csv.hpp"

#include "core/attention.hpp"
#include "core/io/trace_json.hpp"
#include "tests/app/app_test_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <sstream>

namespace attnviz {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(s);
    while (std::getline(in, item, sep)) out.push_back(item);
    if (!s.empty() && s.back() == sep && sep == ',') out.push_back("");  // a trailing empty cell
    return out;
}

const NamedTensor& find_tensor(const std::vector<NamedTensor>& tensors, const std::string& name) {
    const auto it = std::find_if(tensors.begin(), tensors.end(), [&](const NamedTensor& nt) { return nt.name == name; });
    if (it == tensors.end()) throw std::runtime_error("no tensor " + name);
    return *it;
}

TEST(TraceCsv, HandBuiltStackGivesHeaderThenRowsOfTheLastDimension) {
    const float ninf = kNegInf, nan = std::numeric_limits<float>::quiet_NaN();
    // [2, 2, 3]: 4 rows of 3; −∞ and NaN are "masked" and written as empty cells.
    const NamedTensor t{"logits", "Z = ...", {2, 2, 3}, {1.0f, ninf, 0.5f, 0.1f, 2.0f, ninf, 3.0f, ninf, ninf, 1e-5f, -2.5f, nan}};
    EXPECT_EQ(tensor_to_csv(t), "# logits shape=[2,2,3]\n"
                                "1,,0.5\n"
                                "0.1,2,\n"
                                "3,,\n"
                                "1e-05,-2.5,\n");
}

TEST(TraceCsv, VectorIsOneLineAndEmptyTensorIsOnlyTheHeader) {
    const NamedTensor slopes{"alibi_slopes", "", {4}, {0.25f, 0.0625f, 0.015625f, 0.00390625f}};
    EXPECT_EQ(tensor_to_csv(slopes), "# alibi_slopes shape=[4]\n0.25,0.0625,0.015625,0.00390625\n");
    const NamedTensor empty{"X_source", "", {0, 3}, {}};
    EXPECT_EQ(tensor_to_csv(empty), "# X_source shape=[0,3]\n");
}

TEST(TraceCsv, RealTraceWeightsReadBackExactly) {
    const Trace t = run(test::self_config());  // h = 8, n = m = 7
    const std::vector<std::string> lines = split(tensor_to_csv(find_tensor(named_tensors(t), "weights")), '\n');
    ASSERT_EQ(lines.size(), 1u + 8 * 7);
    EXPECT_EQ(lines[0], "# weights shape=[8,7,7]");
    for (int a = 0; a < 8; ++a)
        for (int i = 0; i < 7; ++i) {
            const std::vector<std::string> cells = split(lines[static_cast<std::size_t>(1 + a * 7 + i)], ',');
            ASSERT_EQ(cells.size(), 7u);
            for (int j = 0; j < 7; ++j) {
                const float v = std::strtof(cells[static_cast<std::size_t>(j)].c_str(), nullptr);
                EXPECT_EQ(test::bits(v), test::bits(t.weights[static_cast<std::size_t>(a)](i, j)))
                    << "head " << a << " (" << i << ", " << j << "): " << cells[static_cast<std::size_t>(j)];
            }
        }
}

TEST(TraceCsv, MaskedLogitsAreEmptyCellsExactlyWhereTheMaskIsZero) {
    const Trace t = run(test::self_config());
    for (const NamedTensor& nt : named_tensors(t)) {
        if (nt.name != "logits" && nt.name != "additive_mask") continue;
        SCOPED_TRACE(nt.name);
        const std::vector<std::string> lines = split(tensor_to_csv(nt), '\n');
        const int heads = nt.name == "logits" ? 8 : 1;
        ASSERT_EQ(lines.size(), 1u + static_cast<std::size_t>(heads) * 7);
        int empty = 0;
        for (int a = 0; a < heads; ++a)
            for (int i = 0; i < 7; ++i) {
                const std::vector<std::string> cells = split(lines[static_cast<std::size_t>(1 + a * 7 + i)], ',');
                ASSERT_EQ(cells.size(), 7u) << lines[static_cast<std::size_t>(1 + a * 7 + i)];
                for (int j = 0; j < 7; ++j) {
                    EXPECT_EQ(cells[static_cast<std::size_t>(j)].empty(), !t.visible(i, j)) << a << " " << i << " " << j;
                    empty += cells[static_cast<std::size_t>(j)].empty();
                }
            }
        EXPECT_EQ(empty, 37 * heads);  // 49 cells - 12 visible per head (see test_trace_json)
    }
    // Row 0 sees no key: a line of six commas and nothing else.
    EXPECT_EQ(split(tensor_to_csv(find_tensor(named_tensors(t), "additive_mask")), '\n')[1], ",,,,,,");
}

TEST(TraceCsv, TokensAreIndexedAndQuoted) {
    EXPECT_EQ(tokens_to_csv({"the", "say \"hi\"", ",", "<pad>"}),
              "index,token\n"
              "0,\"the\"\n"
              "1,\"say \"\"hi\"\"\"\n"
              "2,\",\"\n"
              "3,\"<pad>\"\n");
    EXPECT_EQ(tokens_to_csv({}), "index,token\n");
}

// tensor_to_csv as it was before it streamed, over a copy of the tensor.
std::string csv_the_old_way(const NamedTensor& t) {
    std::string out = "# " + t.name + " shape=[";
    for (std::size_t k = 0; k < t.shape.size(); ++k) out += (k ? "," : "") + std::to_string(t.shape[k]);
    out += "]\n";
    const std::size_t cols = t.shape.empty() ? 1 : static_cast<std::size_t>(t.shape.back());
    for (std::size_t k = 0; k < t.data.size(); ++k) {
        if (std::isfinite(t.data[k])) append_number(out, t.data[k]);
        out += (k + 1) % cols == 0 ? '\n' : ',';
    }
    return out;
}

TEST(TraceCsv, StreamedViewsEqualTheInMemoryWriterAndTheEstimate) {
    // n = 300: computed tensors arrive in blocks of 218 rows, a row never split across them, but
    // the text passes the 64 KiB flush mid-row.
    Config c;
    std::string text;
    for (int i = 0; i < 300; ++i) text += (i ? " w" : "w") + std::to_string(i % 37);
    c.text = text;
    c.d_model = 16;
    c.n_heads = 2;
    c.causal = true;
    for (const Config& config : {test::self_config(), test::cross_config(), c}) {
        const Trace t = run(config);
        const std::vector<NamedTensor> copies = named_tensors(t);
        const std::vector<TensorView> views = tensor_views(t);
        ASSERT_EQ(copies.size(), views.size());
        for (std::size_t k = 0; k < views.size(); ++k) {
            SCOPED_TRACE(views[k].name);
            std::ostringstream out;
            write_tensor_csv(out, views[k]);
            const std::string expected = csv_the_old_way(copies[k]);
            EXPECT_TRUE(out.str() == expected);
            const double estimate = static_cast<double>(estimate_tensor_csv_bytes(views[k]));
            if (views[k].numel() <= (1u << 16)) EXPECT_EQ(estimate, static_cast<double>(expected.size()));
            else EXPECT_NEAR(estimate / static_cast<double>(expected.size()), 1.0, 0.01);
        }
    }
}

}  // namespace
}  // namespace attnviz
