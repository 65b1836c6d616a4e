#include "app/lab_command.hpp"

#include "app_test_helpers.hpp"

namespace attnviz::test {
namespace {

TEST(LabCli, SqrtDkCsvHasAHeaderAndOneRowPerWidth) {
    const CliRun r = run_cli("lab sqrt-dk --csv --samples 2000");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string first = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(first.rfind("d_k,var_raw,var_scaled,entropy_sqrt", 0), 0u) << first;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 12);  // header + d_k = 1 … 1024
}

TEST(LabCli, ExtrapolationWritesItsFileAtomically) {
    TempDir dir;
    const fs::path out = dir / "extrapolation.csv";
    const CliRun r = run_cli("lab extrapolation --csv --trained-length 8 --max-length 20 --out '" + out.string() + "'");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = read_file(out);
    EXPECT_EQ(text.rfind("position,learned_trained,sinusoidal,rope,rope_long_base,learned,alibi\n", 0), 0u);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 20);  // header + t = 1 … 19
    EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"extrapolation.csv"}));
}

TEST(LabCli, BadLabsAndArgumentsExitTwoNamingTheProblem) {
    for (const std::string args : {"lab nope", "lab sqrt-dk --samples 3", "lab extrapolation --trained-length 1",
                                   "lab extrapolation --rope-base 0"}) {
        SCOPED_TRACE(args);
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.code, 2);
        EXPECT_NE(r.err.find("attnviz lab: "), std::string::npos) << r.err;
    }
}

TEST(LabCsv, NumbersReadBackExactly) {
    Table t{{"a", "b"}, {{0.1, -2.5e-7}, {3, 1e300}}};
    EXPECT_EQ(table_to_csv(t), "a,b\n0.1,-2.5e-07\n3,1e+300\n");
}

}  // namespace
}  // namespace attnviz::test
