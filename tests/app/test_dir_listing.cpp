#include "core/io/dir_listing.hpp"

#include "app_test_helpers.hpp"

namespace attnviz::test {
namespace {

void touch(const fs::path& p) { std::ofstream(p) << "{}"; }

TEST(DirListing, FoldersFirstSortedFilesFilteredHiddenSkipped) {
    TempDir tmp;
    fs::create_directories(tmp / "b_dir");
    fs::create_directories(tmp / "a_dir");
    fs::create_directories(tmp / ".hidden_dir");
    touch(tmp / "z.json");
    touch(tmp / "m.json");
    touch(tmp / "notes.txt");
    touch(tmp / ".secret.json");
    touch(tmp / ".json");
    const DirListing l = list_directory(tmp.path(), ".json");
    EXPECT_TRUE(l.error.empty()) << l.error;
    EXPECT_EQ(l.folders, (std::vector<std::string>{"a_dir", "b_dir"}));
    EXPECT_EQ(l.files, (std::vector<std::string>{"m.json", "z.json"}));
    EXPECT_TRUE(l.dir.is_absolute());
}

TEST(DirListing, NoExtensionListsFoldersOnly) {
    TempDir tmp;
    fs::create_directories(tmp / "sub");
    touch(tmp / "x.json");
    const DirListing l = list_directory(tmp.path(), "");
    EXPECT_EQ(l.folders, (std::vector<std::string>{"sub"}));
    EXPECT_TRUE(l.files.empty());
}

TEST(DirListing, ParentReferencesAreNormalised) {
    TempDir tmp;
    fs::create_directories(tmp / "sub");
    const DirListing l = list_directory(tmp.path() / "sub" / "..", "");
    EXPECT_EQ(l.dir, fs::weakly_canonical(tmp.path()));
}

TEST(DirListing, MissingDirectoryIsAnErrorNotAThrow) {
    TempDir tmp;
    const DirListing l = list_directory(tmp / "does-not-exist", ".json");
    EXPECT_NE(l.error.find("does-not-exist"), std::string::npos) << l.error;
    EXPECT_TRUE(l.folders.empty());
    EXPECT_TRUE(l.files.empty());
}

TEST(DirListing, AFileIsNotADirectory) {
    TempDir tmp;
    touch(tmp / "plain.json");
    const DirListing l = list_directory(tmp / "plain.json", ".json");
    EXPECT_FALSE(l.error.empty());
}

}  // namespace
}  // namespace attnviz::test
