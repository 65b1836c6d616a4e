// The training lab (core/train.hpp): the spec's refusals name the flag; each task's samples have
// the structure the task promises; the training forward is run_stack's forward; a short run lowers
// the loss and is the same twice; the saved folder reloads bit for bit and gives the same trace.
#include "core/train.hpp"

#include "core/hf_model.hpp"
#include "core/rng.hpp"
#include "tests/model_folder_fixture.hpp"
#include "tests/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace attnviz::test {
namespace {

namespace fs = std::filesystem;

TrainSpec small(TaskKind task = TaskKind::Induction) {
    TrainSpec s;
    s.task = task;
    s.layers = 2;
    s.heads = 2;
    s.d_model = 16;
    s.symbols = 16;
    s.context = 16;
    s.batch = 8;
    s.steps = 40;
    s.log_every = 10;
    s.checkpoint_every = 20;
    return s;
}

std::string refusal_field(const TrainSpec& s) {
    try {
        resolve_train_spec(s);
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(e.field()), std::string::npos) << e.what();
        return e.field();
    }
    return "(accepted)";
}

TEST(TrainSpec, RefusalsNameTheFlag) {
    TrainSpec s = small();
    s.layers = 5;
    EXPECT_EQ(refusal_field(s), "layers");
    s = small();
    s.heads = 3;
    EXPECT_EQ(refusal_field(s), "heads");
    s = small();
    s.d_model = 512;
    EXPECT_EQ(refusal_field(s), "d-model");
    s = small();
    s.symbols = 8;  // not more than context/2
    EXPECT_EQ(refusal_field(s), "symbols");
    s = small();
    s.positional = Positional::Alibi;
    EXPECT_EQ(refusal_field(s), "positional");
    s = small();
    s.mlp = MlpKind::SwiGlu;
    EXPECT_EQ(refusal_field(s), "mlp");
    s = small();
    s.lr = std::nan("");
    EXPECT_EQ(refusal_field(s), "lr");
    s = small(TaskKind::Text);
    EXPECT_EQ(refusal_field(s), "text");
    s = small();
    s.steps = 0;
    EXPECT_EQ(refusal_field(s), "steps");
    EXPECT_EQ(refusal_field(small()), "(accepted)");
    EXPECT_EQ(resolve_train_spec([] {
                  TrainSpec t = small();
                  t.mlp = MlpKind::GeluTanh;
                  return t;
              }()).d_ff,
              64);
}

TEST(TrainTasks, InductionSamplesRepeatASegmentOfRandomLength) {
    const TrainSpec s = resolve_train_spec(small());
    const TaskData task(s);
    ASSERT_EQ(task.seq_len(), 16);
    ASSERT_EQ(task.vocab().size(), 16);
    const Batch b = task.sample(64, 7);
    std::set<int> lengths, starts;
    for (int k = 0; k < b.B; ++k) {
        const int* ids = b.ids.data() + k * b.S;
        const char* scored = b.scored.data() + k * b.S;
        const int first = static_cast<int>(std::find(scored, scored + b.S, 1) - scored);  // the second copy's start
        const int len = static_cast<int>(std::count(scored, scored + b.S, 1)) + 1;
        lengths.insert(len);
        starts.insert(first - len);
        ASSERT_LE(first + len, b.S);
        ASSERT_GE(first - len, 0);
        for (int p = 0; p < len; ++p) EXPECT_EQ(ids[first + p], ids[first - len + p]);
        const std::set<int> seg(ids + first, ids + first + len);
        EXPECT_EQ(static_cast<int>(seg.size()), len) << "the segment's tokens are distinct";
        for (int p = 0; p < b.S; ++p)
            if (p < first - len || p >= first + len) EXPECT_FALSE(seg.count(ids[p])) << "the filler avoids the segment";
        for (int p = 0; p + 1 < b.S; ++p) EXPECT_EQ(b.targets[static_cast<std::size_t>(k * b.S + p)], ids[p + 1]);
        EXPECT_EQ(b.targets[static_cast<std::size_t>(k * b.S + b.S - 1)], -1);
    }
    EXPECT_GE(lengths.size(), 4u) << "the segment's length varies";
    EXPECT_GE(starts.size(), 4u) << "and where the copies sit";
    const Batch again = task.sample(64, 7);
    EXPECT_EQ(again.ids, b.ids) << "a seed gives the same samples";
    EXPECT_NE(task.sample(64, 8).ids, b.ids);
}

TEST(TrainTasks, CopyReverseSortAnswerAfterTheSeparator) {
    for (TaskKind kind : {TaskKind::Copy, TaskKind::Reverse, TaskKind::Sort}) {
        SCOPED_TRACE(std::string(to_string(kind)));
        const TaskData task(resolve_train_spec(small(kind)));
        ASSERT_EQ(task.seq_len(), 15);
        const int sep = task.vocab().id("|");
        ASSERT_EQ(sep, 16);
        const Batch b = task.sample(8, 3);
        for (int k = 0; k < b.B; ++k) {
            std::vector<int> in(b.ids.begin() + k * 15, b.ids.begin() + k * 15 + 7);
            const std::vector<int> out(b.ids.begin() + k * 15 + 8, b.ids.begin() + k * 15 + 15);
            EXPECT_EQ(b.ids[static_cast<std::size_t>(k * 15 + 7)], sep);
            if (kind == TaskKind::Reverse) std::reverse(in.begin(), in.end());
            if (kind == TaskKind::Sort) std::sort(in.begin(), in.end());
            EXPECT_EQ(in, out);
            EXPECT_EQ(std::count(b.scored.begin() + k * 15, b.scored.begin() + k * 15 + 15, 1), 7);
        }
    }
}

TEST(TrainTasks, TextWindowsFollowTheText) {
    TrainSpec s = small(TaskKind::Text);
    s.text = "the cat sat on the mat and the dog sat on the cat";
    const TaskData task(resolve_train_spec(s));
    EXPECT_EQ(task.vocab().size(), 7);
    EXPECT_EQ(task.seq_len(), 12) << "a text shorter than the context: windows of all but one token";
    const Batch b = task.sample(4, 1);
    for (int k = 0; k < b.B; ++k)
        for (int p = 0; p < b.S; ++p) EXPECT_GE(b.targets[static_cast<std::size_t>(k * b.S + p)], 0) << "every position has a next token";
    s.tokenization = Tokenization::Char;
    s.text = "abcabd";
    const TaskData chars(resolve_train_spec(s));
    EXPECT_EQ(chars.vocab().size(), 4);
    s.text = " \n ";
    EXPECT_THROW(TaskData{resolve_train_spec(s)}, ConfigError);
}

TEST(TrainTasks, ALongTextIsTokenizedPastOneInputsLimit) {
    TrainSpec s = small(TaskKind::Text);
    std::string text;
    for (int i = 0; i < 3000; ++i) text += "alpha beta gamma delta ";
    s.text = text;
    const TaskData task(resolve_train_spec(s));
    EXPECT_EQ(task.vocab().size(), 4);
    EXPECT_EQ(task.seq_len(), 16);
}

// The training forward's loss against the same loss from run_stack's logits: the model trained is
// the model every view shows.
TEST(Train, TrainingForwardIsTheStacksForward) {
    struct V {
        NormKind norm;
        MlpKind mlp;
        Positional pos;
        int window;
        bool tied, bias;
    };
    for (const V v : {V{NormKind::Layer, MlpKind::GeluTanh, Positional::Learned, 0, false, true},
                      V{NormKind::Rms, MlpKind::Gelu, Positional::Rope, 5, true, false},
                      V{NormKind::None, MlpKind::None, Positional::None, 0, false, true}}) {
        TrainSpec s = small(TaskKind::Copy);
        s.norm = v.norm;
        s.mlp = v.mlp;
        s.positional = v.pos;
        s.window = v.window;
        s.tied = v.tied;
        s.bias = v.bias;
        s = resolve_train_spec(s);
        const TaskData task(s);
        const ParamLayout layout = param_layout(s, task.vocab().size());
        std::vector<float> p = init_params(s, layout);
        Rng rng(5);
        for (float& x : p) x += static_cast<float>(0.2 * rng.normal());
        const Batch b = task.sample(3, 11);
        const double loss = loss_and_grad<float>(s, layout, p, b, nullptr);
        const auto w = std::make_shared<const StackWeights>(to_stack_weights(s, layout, p));
        double sum = 0;
        int count = 0;
        for (int k = 0; k < b.B; ++k) {
            const std::vector<int> ids(b.ids.begin() + k * b.S, b.ids.begin() + (k + 1) * b.S);
            const StackModel m = trained_model(s, task.vocab_ptr(), w, ids);
            const StackTrace t = run_stack(m.inputs, m.arch, m.weights(), m.vocab());
            for (int p2 = 0; p2 + 1 < b.S; ++p2) {
                const auto z = t.logits.row(p2).cast<double>();
                sum += std::log((z.array() - z.maxCoeff()).exp().sum()) + z.maxCoeff() - z(ids[static_cast<std::size_t>(p2) + 1]);
                ++count;
            }
        }
        EXPECT_NEAR(loss, sum / count, 1e-5 * loss);
    }
}

TEST(Train, AShortRunLowersTheLossAndIsTheSameTwice) {
    TrainSpec s = small(TaskKind::Copy);
    s.lr = 3e-3;
    s.steps = 60;
    Trainer a(s), b(s);
    while (!a.done()) a.step_once();
    for (int i = 0; i < 60; ++i) b.step_once();
    EXPECT_FALSE(b.step_once()) << "no step past the last";
    EXPECT_EQ(a.params(), b.params()) << "deterministic for a seed";
    ASSERT_EQ(a.history().size(), 7u) << "steps 0, 10, …, 60";
    EXPECT_EQ(a.history().front().step, 0);
    EXPECT_EQ(a.history().back().step, 60);
    EXPECT_LT(a.history().back().eval.loss, a.history().front().eval.loss - 0.3);
    EXPECT_LT(a.history().back().train_loss, a.history().front().train_loss);
    ASSERT_EQ(a.checkpoints().size(), 4u) << "steps 0, 20, 40, 60";
    EXPECT_EQ(a.checkpoints()[1].step, 20);
    const auto& sc = a.history().back().scores;
    ASSERT_EQ(sc.induction.size(), 2u);
    ASSERT_EQ(sc.induction[1].size(), 2u);
    // The logged evaluation is evaluate() of the weights at that step.
    const Evaluation e = a.evaluate(*a.checkpoints().back().weights);
    EXPECT_EQ(e.loss, a.history().back().eval.loss);
    EXPECT_NE(a.evaluate(*a.checkpoints().back().weights, {Ablation{1, 0}}).loss, e.loss) << "an ablated head changes the loss";
    TrainSpec other = s;
    other.seed = 2;
    Trainer c(other);
    c.step_once();
    b = Trainer(s);
    b.step_once();
    EXPECT_NE(c.params(), b.params());
}

TEST(Train, CheckpointsAreThinnedUnderTheMemoryCap) {
    TrainSpec s = small(TaskKind::Copy);
    s.d_model = 256;
    s.heads = 4;
    s.symbols = 1000;
    s.context = 4;
    s.batch = 1;
    s.steps = 8;
    s.log_every = 1;
    s.checkpoint_every = 1;
    s.checkpoint_bytes = 3u << 20;  // each checkpoint is over 2 MiB: two at most
    Trainer t(s);
    while (!t.done()) t.step_once();
    ASSERT_LE(t.checkpoints().size(), 2u);
    EXPECT_EQ(t.checkpoints().front().step, 0);
    EXPECT_EQ(t.checkpoints().back().step, 8);
    EXPECT_EQ(t.history().size(), 9u) << "the metrics are all kept";
}

TEST(Train, SavedFolderReloadsBitForBitAndGivesTheSameTrace) {
    TempDir tmp;
    TrainSpec s = small();
    s.mlp = MlpKind::GeluTanh;
    s.positional = Positional::Rope;
    Trainer t(s);
    while (!t.done()) t.step_once();
    const fs::path dir = tmp / "model";
    t.save(dir);
    for (const char* f : {"config.json", "model.safetensors", "tokens.json", "metrics.csv", "metrics.json"})
        EXPECT_TRUE(fs::is_regular_file(dir / f)) << f;
    std::ifstream csv(dir / "metrics.csv");
    std::string header, line;
    std::getline(csv, header);
    EXPECT_EQ(header.rfind("step,lr,train_loss,loss,second_half_loss,accuracy", 0), 0u) << header;
    EXPECT_NE(header.find("induction_L1H1"), std::string::npos);
    int rows = 0;
    while (std::getline(csv, line)) ++rows;
    EXPECT_EQ(rows, 5);

    const auto loaded = std::make_shared<const HfModel>(load_hf_model(dir));
    EXPECT_EQ(loaded->config.model_type, "attnviz");
    const auto w = t.weights();
    expect_same_weights(*w, loaded->weights, false);

    const std::vector<int> ids = t.task().repeated_probe(4);
    const StackModel ours = trained_model(t.spec(), t.task().vocab_ptr(), w, ids);
    const StackModel theirs = pretrained_model(loaded, "", ids);
    const StackTrace a = run_stack(ours.inputs, ours.arch, ours.weights(), ours.vocab());
    const StackTrace b = run_stack(theirs.inputs, theirs.arch, theirs.weights(), theirs.vocab());
    EXPECT_TRUE(same_bits(a.logits, b.logits));
    for (std::size_t l = 0; l < a.layers.size(); ++l)
        for (std::size_t h = 0; h < a.layers[l].attn.weights.size(); ++h)
            EXPECT_TRUE(same_bits(a.layers[l].attn.weights[h], b.layers[l].attn.weights[h])) << l << "." << h;
    EXPECT_EQ(ours.inputs.tokens, theirs.inputs.tokens) << "the words read back from tokens.json";

    // Text through the folder's tokenizer, and a second save over the first.
    EXPECT_EQ(encode_text(*loaded, "the of and"), (std::vector<int>{0, 1, 2}));
    t.save(dir);
    EXPECT_TRUE(fs::is_regular_file(dir / "metrics.json"));
}

TEST(Train, LearningRateWarmsUpThenDecaysToATenth) {
    TrainSpec s = resolve_train_spec(small());
    s.steps = 1000;
    s.warmup = 100;
    EXPECT_DOUBLE_EQ(learning_rate(s, 0), s.lr / 100);
    EXPECT_DOUBLE_EQ(learning_rate(s, 99), s.lr);
    EXPECT_DOUBLE_EQ(learning_rate(s, 100), s.lr);
    EXPECT_NEAR(learning_rate(s, 999), 0.1 * s.lr, 1e-3 * s.lr);
    EXPECT_GT(learning_rate(s, 500), learning_rate(s, 700));
}

}  // namespace
}  // namespace attnviz::test
