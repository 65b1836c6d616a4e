// Files written whole or not at all: write_file_atomic, read_file and StagedDir.
#include "core/io/atomic_file.hpp"

#include "tests/app/app_test_helpers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>

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

const StagedDir::NameFilter kAnyName = [](std::string_view) { return true; };

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

TEST(StagedDir, ExistingDirIsReplacedWholeByTheNewSet) {
    TempDir dir;
    const fs::path out = dir / "export";
    fs::create_directory(out);
    test::write_text(out / "trace.json", "old");
    test::write_text(out / "weights_head9.png", "from a 10-head export");
    struct stat before {};
    ASSERT_EQ(::stat(out.c_str(), &before), 0);
    {
        StagedDir staged(out, kAnyName);
        staged.add("trace.json", "new");
        // Staged beside it; the old set is untouched until commit.
        const auto names = entries(dir.path());
        ASSERT_EQ(names.size(), 2u);
        EXPECT_TRUE(starts_with(names[1], "export.attnviz-staging-")) << names[1];
        EXPECT_EQ(read_file(out / "trace.json"), "old");
        staged.commit();
    }
    // Only the new set: the old export's extra file went with the old directory.
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"export"}));
    EXPECT_EQ(entries(out), (std::vector<std::string>{"trace.json"}));
    EXPECT_EQ(read_file(out / "trace.json"), "new");
    struct stat after {};
    ASSERT_EQ(::stat(out.c_str(), &after), 0);
    EXPECT_NE(after.st_ino, before.st_ino);  // a different directory took its place, not new files in the old one
}

TEST(StagedDir, AnEntryTheFilterDoesNotAcceptIsRefusedAndNothingIsWritten) {
    TempDir dir;
    test::write_text(dir / "trace.json", "old");
    test::write_text(dir / "notes.txt", "mine");
    const auto only_trace = [](std::string_view n) { return n == "trace.json"; };
    EXPECT_EQ(io_error([&] { StagedDir s(dir.path(), only_trace); }),
              "cannot replace " + dir.path().string() +
                  ": it holds notes.txt, which is not an export file; move it away or choose another --out");
    // Without a filter nothing is replaceable: only a new or empty directory can be written.
    EXPECT_TRUE(starts_with(io_error([&] { StagedDir s(dir.path()); }), "cannot replace ")) << "no filter";
    fs::remove(dir / "notes.txt");
    fs::create_directory(dir / "sub");
    EXPECT_EQ(io_error([&] { StagedDir s(dir.path(), only_trace); }),
              "cannot replace " + dir.path().string() +
                  ": it holds sub, which is not an export file; move it away or choose another --out");
    fs::remove(dir / "sub");
    EXPECT_EQ(test::snapshot(dir.path()), (std::map<std::string, std::string>{{"trace.json", "old"}}));

    // A foreign file that appears while the export runs stops the commit, too.
    {
        StagedDir staged(dir.path(), only_trace);
        staged.add("trace.json", "new");
        test::write_text(dir / "late.txt", "mine");
        EXPECT_EQ(io_error([&] { staged.commit(); }),
                  "cannot replace " + dir.path().string() +
                      ": it holds late.txt, which is not an export file; move it away or choose another --out");
    }
    EXPECT_EQ(test::snapshot(dir.path()),
              (std::map<std::string, std::string>{{"late.txt", "mine"}, {"trace.json", "old"}}));
}

TEST(StagedDir, EmptyExistingDirIsReplacedWithoutAFilter) {
    TempDir dir;
    fs::create_directory(dir / "empty");
    {
        StagedDir staged(dir / "empty");
        staged.add("trace.json", "{}");
        staged.commit();
    }
    EXPECT_EQ(entries(dir / "empty"), (std::vector<std::string>{"trace.json"}));
}

// One consistent look at `dir`: names and bytes, all read through one handle of the directory, so a
// swap in the middle of the look cannot mix two versions into it (a path lookup per file could).
std::map<std::string, std::string> look(const fs::path& dir) {
    std::map<std::string, std::string> out;
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd < 0) return {{"<missing>", ""}};
    DIR* d = ::fdopendir(::dup(dfd));
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const int fd = ::openat(dfd, name.c_str(), O_RDONLY);
        if (fd < 0) continue;  // removed since readdir: the old directory going away
        std::string bytes;
        char buf[256];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) bytes.append(buf, static_cast<std::size_t>(n));
        ::close(fd);
        out[name] = bytes;
    }
    ::closedir(d);
    ::close(dfd);
    return out;
}

TEST(StagedDir, AReaderNeverSeesAMixOfTheOldAndTheNewSet) {
    TempDir dir;
    const fs::path out = dir / "export";
    // Set A has ten files, set B three of the same names; each file says which set it is from.
    std::map<std::string, std::string> set_a, set_b;
    for (int k = 0; k < 10; ++k) set_a["weights_head" + std::to_string(k) + ".png"] = "A";
    set_a["trace.json"] = "A";
    for (int k = 0; k < 3; ++k) set_b["weights_head" + std::to_string(k) + ".png"] = "B";
    set_b["trace.json"] = "B";
    const auto publish = [&](const std::map<std::string, std::string>& set) {
        StagedDir staged(out, kAnyName);
        for (const auto& [name, bytes] : set) staged.add(name, bytes);
        staged.commit();
    };
    publish(set_a);
    // A look must come from one set: every file from the same set, no name the set lacks. It may
    // see fewer files: a reader holding the old directory open watches it being removed.
    const auto from_one_set = [&](const std::map<std::string, std::string>& seen) {
        if (seen.empty()) return true;
        const std::string letter = seen.begin()->second;
        const auto& set = letter == "A" ? set_a : set_b;
        return std::all_of(seen.begin(), seen.end(), [&](const auto& kv) {
            return kv.second == letter && set.count(kv.first) > 0;
        });
    };
    std::atomic<bool> done{false};
    std::atomic<int> looks{0}, mixed{0}, whole{0};
    std::thread reader([&] {
        while (!done) {
            const auto seen = look(out);
            mixed += !from_one_set(seen);
            whole += seen == set_a || seen == set_b;
            ++looks;
        }
    });
    for (int round = 0; round < 40; ++round) publish(round % 2 ? set_a : set_b);
    done = true;
    reader.join();
    EXPECT_EQ(mixed, 0) << "of " << looks << " looks";
    EXPECT_GT(whole, 0);
    EXPECT_EQ(look(out), set_a);
}

TEST(StagedDir, StagingLeftByDeadProcessesIsRemovedAndLiveOnesAreKept) {
    // A pid that surely ran and is gone: a child that exited and was reaped.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    const std::string dead = std::to_string(child), live = "1";  // pid 1 always runs
    TempDir dir;
    const fs::path out = dir / "export";
    fs::create_directory(out);
    test::write_text(out / "trace.json", "old");
    const std::vector<fs::path> stale = {dir / ("export.attnviz-staging-" + dead + "-0"),
                                         dir / ("export.attnviz-staging-" + dead + "-17"),
                                         out / (".attnviz-staging-" + dead + "-3")};  // where older versions staged
    const std::vector<fs::path> kept = {dir / ("export.attnviz-staging-" + live + "-0"),
                                        dir / ("other.attnviz-staging-" + dead + "-0"),  // another dir's
                                        dir / ("export.attnviz-staging-" + dead + "-x")};  // not our pattern
    for (const fs::path& p : stale) {
        fs::create_directory(p);
        test::write_text(p / "weights.csv", "half written");
    }
    for (const fs::path& p : kept) fs::create_directory(p);
    {
        StagedDir staged(out, kAnyName);
        for (const fs::path& p : stale) EXPECT_FALSE(fs::exists(p)) << p;
        for (const fs::path& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
    }
    // A new directory's leftovers go too.
    const fs::path leftover = dir / ("fresh.attnviz-staging-" + dead + "-0");
    fs::create_directory(leftover);
    { StagedDir staged(dir / "fresh"); }
    EXPECT_FALSE(fs::exists(leftover));
    EXPECT_EQ(entries(out), (std::vector<std::string>{"trace.json"}));
}

TEST(StagedDir, AddStreamWritesWhatTheCallbackStreamsAndReportsProgress) {
    TempDir dir;
    std::vector<std::uint64_t> reported;
    {
        StagedDir staged(dir / "out");
        staged.on_progress([&](std::uint64_t bytes) { reported.push_back(bytes); });
        const std::string block(1000, 'x');
        staged.add_stream("big.txt", [&](std::ostream& os) {
            for (int k = 0; k < 3000; ++k) os << block;  // 3 MB through a 1 MiB buffer
        });
        staged.add("small.txt", "abc");
        EXPECT_EQ(staged.bytes_written(), 3000003u);
        // An exception from the writer propagates and leaves no partial file.
        EXPECT_THROW(staged.add_stream("broken.txt", [](std::ostream& os) {
            os << "part";
            throw std::runtime_error("stop");
        }), std::runtime_error);
        staged.commit();
        EXPECT_EQ(staged.names(), (std::vector<std::string>{"big.txt", "small.txt"}));
    }
    EXPECT_EQ(entries(dir / "out"), (std::vector<std::string>{"big.txt", "small.txt"}));
    EXPECT_EQ(fs::file_size(dir / "out" / "big.txt"), 3000000u);
    ASSERT_GE(reported.size(), 3u);  // after each full buffer, not only at the end
    EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
    EXPECT_EQ(reported[0], 1u << 20);
    EXPECT_EQ(reported.back(), 3000003u);
}

TEST(StagedDir, DestructorWithoutCommitRemovesStagingAndLeavesDirUntouched) {
    TempDir dir;
    const fs::path existing = dir / "existing";
    fs::create_directory(existing);
    test::write_text(existing / "trace.json", "old");
    test::write_text(existing / "sentinel", "keep me");
    const auto before = test::snapshot(dir.path());
    {
        StagedDir into_existing(existing, kAnyName);
        into_existing.add("trace.json", "new");
        into_existing.add("weights_head0.png", "png");
        StagedDir into_new(dir / "fresh");
        into_new.add("trace.json", "new");
    }
    EXPECT_EQ(test::snapshot(dir.path()), before);
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"existing"}));
}

TEST(StagedDir, ADirectoryInTheWayIsRefusedBeforeAnythingIsWritten) {
    TempDir dir;
    test::write_text(dir / "trace.json", "old");
    fs::create_directory(dir / "scores_head0.png");
    test::write_text(dir / "scores_head0.png" / "inner", "x");
    const auto before = test::snapshot(dir.path());
    EXPECT_EQ(io_error([&] { StagedDir staged(dir.path(), kAnyName); }),
              "cannot write " + (dir / "scores_head0.png").string() + ": a directory of that name is in the way");
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
        StagedDir staged(fs::path((dir / "new").string() + "//"), kAnyName);  // existing, doubled slash
        staged.add("config.json", "{}");
        staged.commit();
    }
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"new"}));
    EXPECT_EQ(entries(dir / "new"), (std::vector<std::string>{"config.json"}));  // replaced whole
}

TEST(StagedDir, FailedAddNamesTheTargetAndTheDestructorCleansUp) {
    TempDir dir;
    test::write_text(dir / "sentinel", "keep");
    const auto before = test::snapshot(dir.path());
    {
        StagedDir staged(dir.path(), kAnyName);
        staged.add("ok.txt", "fine");
        EXPECT_EQ(io_error([&] { staged.add("sub/x.txt", "y"); }),
                  "cannot write " + (dir / "sub/x.txt").string() + ": No such file or directory");
        EXPECT_EQ(staged.names(), (std::vector<std::string>{"ok.txt"}));
    }
    EXPECT_EQ(test::snapshot(dir.path()), before);
}

}  // namespace
}  // namespace attnviz
