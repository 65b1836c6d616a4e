// Files written whole or not at all: write_file_atomic, read_file and StagedDir.
#include "core/io/atomic_file.hpp"

#include "tests/app/app_test_helpers.hpp"

#include <gtest/gtest.h>

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using test::entries;
using test::TempDir;

// what() of the IoError f throws; "<no throw>" or "<other: ...>" otherwise.
template <typename F>
std::string io_error(F&& f) {
    try {
        f();
    } catch (const IoError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("<other: ") + e.what() + ">";
    }
    return "<no throw>";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(AtomicFile, WriteCreatesThenReplacesTheWholeContentAndLeavesNoTemp) {
    TempDir dir;
    const fs::path p = dir / "trace.json";
    write_file_atomic(p, "first version, longer than the second");
    EXPECT_EQ(read_file(p), "first version, longer than the second");
    const std::string binary("second\0\r\n\xff", 10);
    write_file_atomic(p, binary);
    EXPECT_EQ(read_file(p), binary);
    EXPECT_EQ(fs::file_size(p), 10u);
    write_file_atomic(dir / "empty", "");
    EXPECT_EQ(fs::file_size(dir / "empty"), 0u);
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"empty", "trace.json"}));  // no *.tmp-*
}

TEST(AtomicFile, MissingParentThrowsNamingThePathAndLeavesNoTemp) {
    TempDir dir;
    const fs::path p = dir / "missing" / "out.json";
    EXPECT_EQ(io_error([&] { write_file_atomic(p, "x"); }),
              "cannot write " + p.string() + ": No such file or directory");
    EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(AtomicFile, ADirectoryInTheWayIsKeptAndNoTempIsLeft) {
    TempDir dir;
    const fs::path target = dir / "target";
    fs::create_directory(target);
    test::write_text(target / "inner", "mine");
    const std::string msg = io_error([&] { write_file_atomic(target, "x"); });
    EXPECT_TRUE(starts_with(msg, "cannot write " + target.string() + ": ")) << msg;
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"target"}));
    EXPECT_EQ(read_file(target / "inner"), "mine");
}

TEST(AtomicFile, ReadFileNamesTheMissingPath) {
    TempDir dir;
    EXPECT_EQ(io_error([&] { read_file(dir / "nope.json"); }),
              "cannot read " + (dir / "nope.json").string() + ": No such file or directory");
}

TEST(StagedDir, NewDirAppearsOnlyOnCommit) {
    TempDir dir;
    const fs::path out = dir / "export";
    {
        StagedDir staged(out);
        staged.add("trace.json", "{}");
        staged.add("weights_head0.png", "png");
        // Staged beside the target, under a hidden-ish sibling name; the target does not exist yet.
        EXPECT_FALSE(fs::exists(out));
        const auto names = entries(dir.path());
        ASSERT_EQ(names.size(), 1u);
        EXPECT_TRUE(starts_with(names[0], "export.attnviz-staging-")) << names[0];
        staged.commit();
        EXPECT_EQ(staged.names(), (std::vector<std::string>{"trace.json", "weights_head0.png"}));
    }
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"export"}));
    EXPECT_EQ(entries(out), (std::vector<std::string>{"trace.json", "weights_head0.png"}));
    EXPECT_EQ(read_file(out / "trace.json"), "{}");
}

TEST(StagedDir, ExistingDirGetsNewFilesAndKeepsUnrelatedOnes) {
    TempDir dir;
    test::write_text(dir / "trace.json", "old");
    test::write_text(dir / "notes.txt", "mine");
    {
        StagedDir staged(dir.path());
        staged.add("trace.json", "new");
        const auto names = entries(dir.path());
        ASSERT_EQ(names.size(), 3u);
        EXPECT_TRUE(starts_with(names[0], ".attnviz-staging-")) << names[0];  // staged inside
        EXPECT_EQ(read_file(dir / "trace.json"), "old");
        staged.commit();
    }
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"notes.txt", "trace.json"}));
    EXPECT_EQ(read_file(dir / "trace.json"), "new");
    EXPECT_EQ(read_file(dir / "notes.txt"), "mine");
}

TEST(StagedDir, DestructorWithoutCommitRemovesStagingAndLeavesDirUntouched) {
    TempDir dir;
    const fs::path existing = dir / "existing";
    fs::create_directory(existing);
    test::write_text(existing / "trace.json", "old");
    test::write_text(existing / "sentinel", "keep me");
    const auto before = test::snapshot(dir.path());
    {
        StagedDir into_existing(existing);
        into_existing.add("trace.json", "new");
        into_existing.add("weights_head0.png", "png");
        StagedDir into_new(dir / "fresh");
        into_new.add("trace.json", "new");
    }
    EXPECT_EQ(test::snapshot(dir.path()), before);
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"existing"}));
}

TEST(StagedDir, CommitRefusesBeforeMovingAnythingWhenADirectoryIsInTheWay) {
    TempDir dir;
    test::write_text(dir / "trace.json", "old");
    fs::create_directory(dir / "scores_head0.png");
    test::write_text(dir / "scores_head0.png" / "inner", "x");
    const auto before = test::snapshot(dir.path());
    {
        StagedDir staged(dir.path());
        staged.add("trace.json", "new");  // would be moved first
        staged.add("scores_head0.png", "png");
        EXPECT_EQ(io_error([&] { staged.commit(); }),
                  "cannot write " + (dir / "scores_head0.png").string() + ": a directory of that name is in the way");
    }
    EXPECT_EQ(test::snapshot(dir.path()), before);
}

TEST(StagedDir, ConstructionFailuresNameThePathAndCreateNothing) {
    TempDir dir;
    test::write_text(dir / "file", "x");
    EXPECT_EQ(io_error([] { StagedDir s(""); }), "output directory is empty: pass --out DIR");
    EXPECT_EQ(io_error([&] { StagedDir s(dir / "file"); }),
              "cannot write into " + (dir / "file").string() + ": it exists and is not a directory");
    EXPECT_EQ(io_error([&] { StagedDir s(dir / "file" / "sub"); }),
              "cannot create " + (dir / "file" / "sub").string() + ": parent " + (dir / "file").string() +
                  " is not a directory");
    EXPECT_EQ(io_error([&] { StagedDir s(dir / "no" / "sub"); }),
              "cannot create " + (dir / "no" / "sub").string() + ": parent " + (dir / "no").string() +
                  " does not exist");
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"file"}));
    EXPECT_EQ(read_file(dir / "file"), "x");
}

TEST(StagedDir, TrailingSlashNamesTheSameDirectory) {
    TempDir dir;
    {
        StagedDir staged(dir.path() / "new" / "");  // "…/new/"
        staged.add("trace.json", "{}");
        staged.commit();
    }
    {
        StagedDir staged(fs::path((dir / "new").string() + "//"));  // existing, doubled slash
        staged.add("config.json", "{}");
        staged.commit();
    }
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"new"}));
    EXPECT_EQ(entries(dir / "new"), (std::vector<std::string>{"config.json", "trace.json"}));
}

TEST(StagedDir, FailedAddNamesTheTargetAndTheDestructorCleansUp) {
    TempDir dir;
    test::write_text(dir / "sentinel", "keep");
    const auto before = test::snapshot(dir.path());
    {
        StagedDir staged(dir.path());
        staged.add("ok.txt", "fine");
        EXPECT_EQ(io_error([&] { staged.add("sub/x.txt", "y"); }),
                  "cannot write " + (dir / "sub/x.txt").string() + ": No such file or directory");
        EXPECT_EQ(staged.names(), (std::vector<std::string>{"ok.txt"}));
    }
    EXPECT_EQ(test::snapshot(dir.path()), before);
}

}  // namespace
}  // namespace attnviz
