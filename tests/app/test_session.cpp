// Sessions: the text and every option saved as JSON, loaded back exactly, and a broken file refused
// with a message naming the file and the problem.
#include "core/io/session.hpp"

#include "core/io/runtime_files.hpp"

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
  "edits": [],
  "view": "pipeline",
  "stage": "embed",
  "head": 0,
  "query": 0
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
    // A row past int's range once wrapped into a valid row, and a value past float's range was
    // narrowed (undefined behaviour): both are refused (tests/fuzz/corpus/session/regress_edit_*).
    for (const auto& [bad, part] : {std::pair<std::string, std::string>{R"({"target":"W_Q","row":4294967296,"col":0,"value":1}]})",
                                                                        R"(edits[0]: "row" = 4294967296 is outside the int range)"},
                                    {R"({"target":"W_Q","row":0,"col":-2147483649,"value":1}]})",
                                     R"(edits[0]: "col" = -2147483649 is outside the int range)"},
                                    {R"({"target":"W_Q","row":0,"col":0,"value":1e300}]})",
                                     R"(edits[0]: "value" = 1e+300 is outside the float range)"}}) {
        SCOPED_TRACE(bad);
        test::write_text(p, base + bad);
        EXPECT_TRUE(test::throws_config_error([&] { load_session(p); }, "edit", {p.string(), part}));
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

TEST(Session, StackSettingsRoundTripAndBadOnesAreRefusedNamingTheField) {
    TempDir dir;
    Session s;
    s.arch.layers = 3;
    s.arch.mlp = MlpKind::SwiGlu;
    s.arch.norm = NormKind::Rms;
    s.arch.placement = NormPlacement::Post;
    s.ablate = {Ablation{1, 2, AblationMode::Mean}, Ablation{2, Ablation::kMlp, AblationMode::Mean}};
    s.layer = 2;
    const fs::path p = dir / "session.json";
    save_session(p, s);
    EXPECT_EQ(load_session(p), s);
    EXPECT_EQ(session_to_json(Session{}).find("stack"), std::string::npos) << "a single block writes what it always did";
    Session ind;
    ind.model_preset = ModelPreset::Induction;
    ind.layer = 1;
    EXPECT_EQ(session_from_json(session_to_json(ind)), ind);

    const std::string base = R"({"format":"attnviz-session","version":1,"config":{},"stack":)";
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"({"layers":0})", "layers"},       {R"({"layers":"2"})", "layers"},
        {R"({"mlp":"relu"})", "mlp"},        {R"({"norm":"batch"})", "norm"},
        {R"({"ln":"mid"})", "ln"},           {R"({"model_preset":"gpt"})", "model-preset"},
        {R"({"ablate":"7.0"})", "ablate"},   {R"({"ablate":"x"})", "ablate"},
        {R"({"layers":2,"layer":2})", "layer"}, {R"({"depth":2})", "depth"},
        {R"([1])", "stack"},                  {R"({"layers":99999999999999999999})", "layers"}};
    for (const auto& [json, field] : bad) {
        SCOPED_TRACE(json);
        test::write_text(p, base + json + "}");
        EXPECT_TRUE(test::throws_config_error([&] { load_session(p); }, field, {p.string()}));
    }
}

// A loaded model's session names its folder and ids; the folder is not opened on reading (the app
// loads it), so the selection is checked against attnviz's limits only.
TEST(Session, AModelsFolderAndIdsRoundTripAndBadOnesAreRefused) {
    TempDir dir;
    Session s;
    s.model_dir = dir / "models--gpt2" / "snapshots" / "abc";
    s.ids = {15496, 995, 50256};
    s.view = View::Model;
    s.layer = 11;
    s.head = 7;
    s.query = 2;
    const fs::path p = dir / "session.json";
    save_session(p, s);
    EXPECT_EQ(load_session(p), s);
    Session on_text;
    on_text.model_dir = "/somewhere/qwen";
    EXPECT_EQ(session_to_json(on_text).find("\"ids\""), std::string::npos) << "a model on the text writes no ids";
    EXPECT_EQ(session_from_json(session_to_json(on_text)), on_text);

    const std::string base = R"({"format":"attnviz-session","version":1,"config":{},)";
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"("model":[1])", "model"},
        {R"("model":{})", "model"},
        {R"("model":{"path":""})", "model"},
        {R"("model":{"path":"m","dtype":"F32"})", "model"},
        {R"("model":{"path":"m","ids":[1,-2]})", "ids"},
        {R"("model":{"path":"m","ids":[99999999]})", "ids"},
        {R"("model":{"path":"m","ids":"1,2"})", "ids"},
        {R"("model":{"path":"m"},"head":64)", "head"},
        {R"("model":{"path":"m"},"edits":[{"target":"W_Q","row":0,"col":0,"value":1}])", "edit"}};
    for (const auto& [json, field] : bad) {
        SCOPED_TRACE(json);
        test::write_text(p, base + json + "}");
        EXPECT_TRUE(test::throws_config_error([&] { load_session(p); }, field, {p.string()}));
    }
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
        {with_config(R"("colour":"red")"), "unknown config key \"colour\""},
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

TEST(Session, ViewStageHeadAndQueryRoundTrip) {
    TempDir dir;
    Session s{test::self_config()};  // 8 heads, 7 tokens
    s.view = View::Decode;
    s.stage = Stage::Softmax;
    s.head = 7;
    s.query = 6;
    s.title = "GQA";
    s.description = "eight heads read two";
    const fs::path p = dir / "session.json";
    save_session(p, s);
    EXPECT_EQ(load_session(p), s);
    const std::string text = read_file(p);
    for (const char* part : {R"("view": "decode")", R"("stage": "softmax")", R"("head": 7)", R"("query": 6)", R"("title": "GQA")"})
        EXPECT_NE(text.find(part), std::string::npos) << part;
}

TEST(Session, AVersionOneFileWithoutTheNewKeysLoadsWithDefaults) {
    // Written by attnviz before sessions kept the view: no view, stage, head, query, title.
    const Session s = session_from_json(R"({"format":"attnviz-session","version":1,"config":{"causal":true},
                                            "preset":"random","edits":[]})");
    EXPECT_EQ(s.view, View::Pipeline);
    EXPECT_EQ(s.stage, Stage::Embed);
    EXPECT_EQ(s.head, 0);
    EXPECT_EQ(s.query, 0);
    EXPECT_TRUE(s.title.empty());
    EXPECT_TRUE(s.config.causal);
}

TEST(Session, BadViewStageHeadOrQueryIsRefusedNamingFileFieldAndRule) {
    TempDir dir;
    const fs::path p = dir / "s.json";
    const std::string head = R"({"format":"attnviz-session","version":1,"config":{"n_heads":4},)";  // 6 tokens
    const std::string long_key(5000, 'k');
    const struct {
        std::string body, field;
        std::vector<std::string> parts;
    } cases[] = {
        {R"("view":"sideways"})", "view", {R"(view="sideways" must be one of pipeline|heads|)", "|quiz"}},
        {R"("view":3})", "view", {R"(session "view" must be a string, one of pipeline|)"}},
        {R"("stage":"dessert"})", "stage", {R"(stage="dessert" must be one of embed|pe|qkv|scores|scale|mask|softmax|av|concat|output)"}},
        {R"("head":4})", "head", {"head=4 must be below n_heads=4"}},
        {R"("head":-1})", "head", {"head=-1 must not be negative"}},
        {R"("head":1.5})", "head", {R"(session "head" must be an integer)"}},
        {R"("head":99999999999999999999})", "head", {R"(session "head" must be an integer)"}},
        {R"("query":6})", "query", {"query=6 must be below the token count n=6"}},
        {R"("query":"0"})", "query", {R"(session "query" must be an integer)"}},
        {R"("title":")" + std::string(81, 'x') + R"("})", "title", {R"(session "title" must be a string of at most 80 bytes)"}},
        {R"("description":[]})", "description", {"at most 1000 bytes"}},
        {R"("colour":"red"})", "colour", {R"(unknown session key "colour" (known: format, version)"}},
        {"\"" + long_key + "\":1}", long_key.substr(0, 40), {"unknown session key \"" + long_key.substr(0, 60) + "\"…"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body.substr(0, 80));
        test::write_text(p, head + c.body);
        std::vector<std::string> parts = c.parts;
        parts.push_back(p.string() + ": ");
        try {
            load_session(p);
            ADD_FAILURE() << "loaded";
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.field(), c.field);
            const std::string msg = e.what();
            for (const std::string& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << msg << "\nlacks " << part;
            EXPECT_LT(msg.size(), 400u);  // a long key is quoted by its prefix, never whole
        }
    }
    // The head is checked against the heads of the configuration in the same file.
    test::write_text(p, R"({"format":"attnviz-session","version":1,"config":{"n_heads":8},"head":7})");
    EXPECT_EQ(load_session(p).head, 7);
}

TEST(Session, EveryExampleLoadsWithItsTitleDescriptionAndView) {
    const std::vector<ExampleSession> examples = list_example_sessions(runtime_root() / "assets" / "examples");
    ASSERT_EQ(examples.size(), 6u);
    const char* titles[] = {"Causal mask vs padding", "GQA: query heads share K/V heads", "RoPE: scores depend on the offset",
                            "Designed heads", "An induction head, by hand", "A whole pre-LN Transformer"};
    const View views_shown[] = {View::Pipeline, View::Heads, View::Positional, View::Heads, View::Model, View::Block};
    for (std::size_t k = 0; k < examples.size(); ++k) {
        const ExampleSession& e = examples[k];
        SCOPED_TRACE(e.path.string());
        EXPECT_EQ(e.error, "");
        EXPECT_EQ(e.title, titles[k]);
        EXPECT_GT(e.description.size(), 40u);
        const Session s = load_session(e.path);
        EXPECT_EQ(s.view, views_shown[k]);
        // Saved in the app's own layout: writing the loaded session back gives the same bytes.
        EXPECT_EQ(session_to_json(s), read_file(e.path));
    }
}

TEST(Session, ABrokenExampleIsListedWithItsError) {
    TempDir dir;
    test::write_text(dir / "b-good.json", R"({"format":"attnviz-session","version":1,"config":{},"title":"Good"})");
    test::write_text(dir / "a-bad.json", R"({"format":"attnviz-session","version":1,"config":{},"view":"nope"})");
    test::write_text(dir / "notes.txt", "not listed");
    const std::vector<ExampleSession> examples = list_example_sessions(dir.path());
    ASSERT_EQ(examples.size(), 2u);
    EXPECT_EQ(examples[0].title, "a-bad");
    EXPECT_NE(examples[0].error.find((dir / "a-bad.json").string() + ": view=\"nope\" must be one of"), std::string::npos)
        << examples[0].error;
    EXPECT_EQ(examples[1].title, "Good");
    EXPECT_EQ(examples[1].error, "");
    EXPECT_TRUE(list_example_sessions(dir / "missing").empty());
}

TEST(Session, AValidMinimalFileKeepsDefaultsForMissingKeys) {
    const Session s = session_from_json(with_config(R"("text":"a b c","n_heads":2)"));
    Config expected;
    expected.text = "a b c";
    expected.n_heads = 2;
    EXPECT_EQ(s.config, expected);
}

// A value nested 100,000 levels deep overflowed the stack: the message dumped it whole.
TEST(Session, DeeplyNestedValuesAreRefusedByDepthNotByStackOverflow) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const std::vector<std::string> files = {
        R"({"format":"attnviz-session","version":)" + deep + R"(,"config":{}})",
        R"({"format":"attnviz-session","version":1,"config":{},"edits":[)" + deep + "]}",
        R"({"format":"attnviz-session","version":1,"config":{"text":)" + deep + "}}",
    };
    for (const std::string& text : files) {
        try {
            session_from_json(text);
            ADD_FAILURE() << "loaded";
        } catch (const std::exception& e) {
            EXPECT_EQ(std::string(e.what()), "not valid JSON: it nests deeper than 64 levels");
        }
    }
}

// Within the depth limit, a wrong value is still named by its type or a short prefix: never the
// whole of it.
TEST(Session, MessagesQuoteAtMostAShortPrefixOfAValue) {
    const std::string nested = std::string(60, '[') + std::string(60, ']');
    const std::string huge(1 << 20, 'x');
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"format":"attnviz-session","version":)" + nested + R"(,"config":{}})",
         "unsupported session version an array (this attnviz reads version 1)"},
        {R"({"format":"attnviz-session","version":")" + huge + R"(","config":{}})",
         "unsupported session version the string \"" + std::string(60, 'x') + "\"… (this attnviz reads version 1)"},
        {R"({"format":"attnviz-session","version":1,"config":{},"edits":[)" + nested + "]}",
         "edits[0] needs a string \"target\""},
        {R"({"format":"attnviz-session","version":1,"config":{},"edits":[{"target":"W_Q","row":")" + huge + R"("}]})",
         "edits[0] needs a number \"row\""},
        {R"({"format":"attnviz-session","version":1,"config":{"text":)" + nested + "}}",
         "text must be a string (got an array)"},
        {R"({"format":"attnviz-session","version":1,"config":{"d_model":")" + huge + R"("}})",
         "d_model must be an integer (got \"" + std::string(60, 'x') + "\"…)"},
        {R"({"format":"attnviz-session","version":1,"config":{},"edits":[{"target":"embedding","token":")" + huge +
             R"(","col":500,"value":1}]})",
         "edit embedding['" + std::string(40, 'x') + "…'][500] is outside the embedding's 64 dims"},
    };
    for (const auto& [text, message] : cases) {
        try {
            session_from_json(text);
            ADD_FAILURE() << "loaded: " << message;
        } catch (const std::exception& e) {
            EXPECT_EQ(std::string(e.what()), message);
        }
    }
}

}  // namespace
}  // namespace attnviz
