// Sessions: the text and every option saved as JSON, loaded back exactly, and a broken file refused
// with a message naming the file and the problem.
#include "core/io/session.hpp"

#include "tests/app/app_test_helpers.hpp"
#include "tests/core/test_helpers.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string with_config(const std::string& config_body) {
    return R"({"format":"attnviz-session","version":1,"config":{)" + config_body + "}}";
}

TEST(Session, DefaultSessionTextIsPinned) {
    EXPECT_EQ(session_to_json(Session{}), R"({
  "format": "attnviz-session",
  "version": 1,
  "config": {
    "text": "the cat sat on the mat",
    "tokenize": "word",
    "d_model": 64,
    "n_heads": 4,
    "n_kv_heads": 0,
    "d_k": 0,
    "d_v": 0,
    "seed": 42,
    "positional": "sinusoidal",
    "rope_base": 10000.0,
    "rope_style": "interleaved",
    "scale": "sqrt",
    "temperature": 1.0,
    "causal": false,
    "window": 0,
    "padding": [],
    "source": ""
  },
  "preset": "random",
  "edits": []
}
)");
}

TEST(Session, PresetAndEditsRoundTripAndBadEditsAreRefused) {
    TempDir dir;
    Session s;
    s.preset = Preset::Mixed;
    s.edits = {{EditTarget::W_V, 2, 3, "", -0.5f}, {EditTarget::Embedding, 0, 5, "cat", 1.25f}};
    const fs::path p = dir / "session.json";
    save_session(p, s);
    EXPECT_EQ(load_session(p), s);
    // A cell outside its matrix or a non-number value: refused, naming the problem and the file.
    const std::string base = R"({"format":"attnviz-session","version":1,"config":{},"edits":[)";
    for (const std::string& bad : {std::string(R"({"target":"W_Q","row":999,"col":0,"value":1}]})"),
                                   std::string(R"({"target":"W_Q","row":0,"col":0,"value":"x"}]})"),
                                   std::string(R"({"target":"embedding","col":0,"value":1}]})"),
                                   std::string(R"({"target":"W_Z","row":0,"col":0,"value":1}]})")}) {
        SCOPED_TRACE(bad);
        test::write_text(p, base + bad);
        EXPECT_TRUE(test::throws_config_error([&] { load_session(p); }, "edit", {p.string()}));
    }
    test::write_text(p, R"({"format":"attnviz-session","version":1,"config":{},"preset":"clever"})");
    EXPECT_TRUE(test::throws_config_error([&] { load_session(p); }, "preset", {"clever"}));
}

TEST(Session, SaveAndLoadRoundTripEveryOption) {
    TempDir dir;
    for (const Config& c : {test::self_config(), test::cross_config(), Config{}}) {
        const Session s{c};
        const fs::path p = dir / "session.json";
        save_session(p, s);
        const Session back = load_session(p);
        EXPECT_EQ(back, s);
        // Kept as the user set it, not resolved: <pad> is not folded into padding, 0 stays 0.
        EXPECT_EQ(back.config.padding, c.padding);
        EXPECT_EQ(back.config.n_kv_heads, c.n_kv_heads);
        EXPECT_EQ(session_from_json(session_to_json(s)), s);
    }
    EXPECT_EQ(test::entries(dir.path()), (std::vector<std::string>{"session.json"}));  // no temp left
}

TEST(Session, SaveIntoAMissingDirectoryThrowsNamingThePath) {
    TempDir dir;
    const fs::path p = dir / "missing" / "session.json";
    try {
        save_session(p, Session{});
        FAIL() << "saved";
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot write " + p.string() + ": No such file or directory");
    }
    EXPECT_TRUE(test::entries(dir.path()).empty());
}

TEST(Session, LoadingAMissingFileIsAnIoError) {
    TempDir dir;
    try {
        load_session(dir / "none.json");
        FAIL() << "loaded";
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot read " + (dir / "none.json").string() + ": No such file or directory");
    }
}

TEST(Session, BrokenFilesAreRefusedNamingFileAndProblem) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"this is not json", "not valid JSON: "},
        {"", "not valid JSON: "},
        {R"({"format":"attnviz-trace","version":1,"config":{}})",
         "not an attnviz session (\"format\" must be \"attnviz-session\")"},
        {"[]", "not an attnviz session (\"format\" must be \"attnviz-session\")"},
        {R"({"format":"attnviz-session","version":2,"config":{}})", "unsupported session version 2"},
        {R"({"format":"attnviz-session","config":{}})", "unsupported session version (none)"},
        {R"({"format":"attnviz-session","version":1})", "session has no \"config\""},
        {with_config(R"("colour":"red")"), "unknown config key 'colour'"},
        {with_config(R"("n_heads":"four")"), "n_heads must be an integer (got \"four\")"},
        {with_config(R"("seed":-1)"), "seed must be an unsigned integer (got -1)"},
        {with_config(R"("n_heads":8,"n_kv_heads":3)"), "n_kv_heads=3 must divide n_heads=8"},
        {with_config(R"("positional":"foo")"), "positional=foo must be one of none|sinusoidal|learned|rope|alibi"},
        {with_config(R"("padding":[9])"), "padding=9 is past the last token (index 5)"},
        {with_config(R"("text":"  ")"), "text is empty: type at least one token"},
        {with_config(R"("source":"le chat","causal":true)"), "causal=true cannot be combined with a source text"},
        {with_config(R"("d_model":30,"n_heads":4)"),
         "d_k defaults to d_model / n_heads, but d_model=30 is not divisible by n_heads=4; set d_k explicitly"},
    };
    TempDir dir;
    const fs::path p = dir / "broken.json";
    for (const auto& [text, problem] : cases) {
        SCOPED_TRACE(text);
        test::write_text(p, text);
        try {
            load_session(p);
            ADD_FAILURE() << "loaded";
        } catch (const IoError& e) {
            ADD_FAILURE() << "IoError: " << e.what();
        } catch (const std::exception& e) {  // runtime_error, or ConfigError keeping its field
            const std::string msg = e.what();
            EXPECT_EQ(msg.rfind(p.string() + ": " + problem, 0), 0u) << msg;
        }
        EXPECT_EQ(read_file(p), text);  // the file is only read
    }
}

TEST(Session, ConfigProblemsAreConfigErrorsNamingTheField) {
    EXPECT_TRUE(test::throws_config_error([] { session_from_json(with_config(R"("colour":"red")")); }, "colour"));
    EXPECT_TRUE(test::throws_config_error([] { session_from_json(with_config(R"("n_heads":"four")")); }, "n_heads"));
    EXPECT_TRUE(test::throws_config_error([] { session_from_json(with_config(R"("n_heads":8,"n_kv_heads":3)")); },
                                          "n_kv_heads", {"n_kv_heads=3", "n_heads=8", "must divide"}));
    EXPECT_TRUE(test::throws_config_error([] { session_from_json(with_config(R"("padding":[9])")); }, "padding",
                                          {"padding=9"}));
    EXPECT_TRUE(test::throws_config_error([] { session_from_json(R"({"format":"attnviz-session","version":1,"config":[]})"); },
                                          "config", {"config must be a JSON object"}));
}

TEST(Session, AValidMinimalFileKeepsDefaultsForMissingKeys) {
    const Session s = session_from_json(with_config(R"("text":"a b c","n_heads":2)"));
    Config expected;
    expected.text = "a b c";
    expected.n_heads = 2;
    EXPECT_EQ(s.config, expected);
}

}  // namespace
}  // namespace attnviz
