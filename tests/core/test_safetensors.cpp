// safetensors: hand-worked half and bfloat16 values, a byte-exact golden file, writer → reader
// round trips, writer misuse, and every rule the reader enforces on an untrusted file.
//
// Key: N = header length (the u64 prefix), data = the buffer after the header.
#include "core/io/safetensors.hpp"

#include "test_helpers.hpp"
#include "tests/temp_dir.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <sstream>

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using test::all_close;
using test::mat;
using test::TempDir;

// ---- helpers ------------------------------------------------------------------------------------

fs::path put(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good()) << path;
    return path;
}

std::string u64le(std::uint64_t n) {
    std::string s(8, '\0');
    for (char& c : s) {
        c = static_cast<char>(n & 0xffu);
        n >>= 8;
    }
    return s;
}

// A file as the reader sees it: length prefix (N = header.size() unless given), header, data.
std::string st_file(const std::string& header, const std::string& data = "") {
    return u64le(header.size()) + header + data;
}

std::string floats(std::initializer_list<float> v) {
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), std::data(v), s.size());
    return s;
}

// Passes when opening a file of `bytes` throws FormatError whose message holds every part and stays
// short (no hostile value echoed whole); the message is printed with the verdict.
::testing::AssertionResult refused(const std::string& bytes, std::initializer_list<std::string> parts,
                                   const std::string& field = "") {
    TempDir dir;
    const fs::path path = put(dir / "model.safetensors", bytes);
    try {
        open_safetensors(path);
    } catch (const FormatError& e) {
        const std::string msg = e.what();
        if (msg.rfind(path.string() + ": ", 0) != 0)
            return ::testing::AssertionFailure() << "message does not start with the path: " << msg;
        for (const std::string& part : parts)
            if (msg.find(part) == std::string::npos)
                return ::testing::AssertionFailure() << "message '" << msg << "' lacks '" << part << "'";
        if (!field.empty() && e.field() != field)
            return ::testing::AssertionFailure() << "field() = '" << e.field() << "', expected '" << field << "'";
        if (e.file() != path) return ::testing::AssertionFailure() << "file() = " << e.file();
        if (msg.size() > path.string().size() + 260)
            return ::testing::AssertionFailure() << "message is " << msg.size() << " bytes: " << msg;
        return ::testing::AssertionSuccess() << msg;
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << "threw something other than FormatError: " << e.what();
    }
    return ::testing::AssertionFailure() << "opened without complaint";
}

// One valid F32 entry: {"name":{"dtype":"F32","shape":[...],"data_offsets":[b,e]}}-style pieces.
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape, std::uint64_t b,
                  std::uint64_t e) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(b) + "," + std::to_string(e) + "]}";
}

std::string written(SafetensorsWriter& w, const std::function<void(SafetensorsWriter&)>& fill) {
    std::ostringstream out(std::ios::binary);
    w.begin(out);
    fill(w);
    w.finish();
    return out.str();
}

// ---- dtypes and scalar conversions ------------------------------------------------------------------

TEST(SafetensorsDtype, NamesSizesAndParsing) {
    const std::vector<std::pair<Dtype, std::size_t>> all{{Dtype::F64, 8}, {Dtype::F32, 4}, {Dtype::F16, 2},
                                                         {Dtype::BF16, 2}, {Dtype::I64, 8}, {Dtype::I32, 4},
                                                         {Dtype::I16, 2}, {Dtype::I8, 1},  {Dtype::U8, 1},
                                                         {Dtype::BOOL, 1}};
    for (const auto& [d, size] : all) {
        EXPECT_EQ(dtype_size(d), size) << to_string(d);
        EXPECT_EQ(parse_dtype(to_string(d)), d);
    }
    EXPECT_EQ(to_string(Dtype::BF16), "BF16");
    EXPECT_FALSE(parse_dtype("f32"));  // case-sensitive, as the format is
    EXPECT_FALSE(parse_dtype("F8_E4M3"));
}

// binary16: sign 1 bit, exponent 5 bits (bias 15), mantissa 10 bits.
//   1.0     = 0 01111 0000000000 = 0x3c00
//   -2.0    = 1 10000 0000000000 = 0xc000
//   65504   = 0 11110 1111111111 = (2 − 2^-10)·2^15, the largest finite half = 0x7bff
//   0x0001  = 2^-14 · 2^-10 = 2^-24 = 5.9604645e-8, the smallest subnormal
//   0x03ff  = 1023 · 2^-24, the largest subnormal; 0x0400 = 2^-14, the smallest normal
//   0x7c00 = +inf, 0xfc00 = −inf, 0x7e00 = a quiet NaN, 0x8000 = −0
TEST(SafetensorsHalf, HandWorkedValuesToFloat) {
    EXPECT_EQ(half_to_float(0x3c00), 1.0f);
    EXPECT_EQ(half_to_float(0xc000), -2.0f);
    EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
    EXPECT_EQ(half_to_float(0x8001), -std::ldexp(1.0f, -24));
    EXPECT_EQ(half_to_float(0x03ff), 1023.0f * std::ldexp(1.0f, -24));
    EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));
    EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);  // 0x155 = 341: (1 + 341/1024)·2^-2
    EXPECT_EQ(half_to_float(0x7c00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
    EXPECT_TRUE(std::isnan(half_to_float(0x7c01)));  // signalling payload: still NaN, not inf
    EXPECT_EQ(half_to_float(0x0000), 0.0f);
    EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
}

TEST(SafetensorsHalf, FromFloatRoundsToNearestEven) {
    EXPECT_EQ(float_to_half(1.0f), 0x3c00);
    EXPECT_EQ(float_to_half(-2.0f), 0xc000);
    EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
    EXPECT_EQ(float_to_half(65519.0f), 0x7bff);  // below the halfway point 65520
    EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // the tie goes to the even neighbour: 65536 = inf
    EXPECT_EQ(float_to_half(1e10f), 0x7c00);
    EXPECT_EQ(float_to_half(-1e10f), 0xfc00);
    EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
    // 1 + 2^-11 is halfway between 0x3c00 and 0x3c01: ties to even 0x3c00;
    // 1 + 3·2^-11 is halfway between 0x3c01 and 0x3c02: ties to even 0x3c02.
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
    EXPECT_EQ(float_to_half(1.0f + 3.0f * std::ldexp(1.0f, -11)), 0x3c02);
    // Subnormals: 2^-24 → 0x0001; 2^-25 is halfway between 0 and 0x0001: ties to even 0;
    // 1.5·2^-24 is halfway between 0x0001 and 0x0002: ties to even 0x0002.
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);
    EXPECT_EQ(float_to_half(1.5f * std::ldexp(1.0f, -24)), 0x0002);
    EXPECT_EQ(float_to_half(-std::ldexp(1.0f, -24)), 0x8001);
    // Just below 2^-14 rounds up into the smallest normal.
    EXPECT_EQ(float_to_half(std::nextafter(std::ldexp(1.0f, -14), 0.0f)), 0x0400);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -30)), 0x0000);
    EXPECT_EQ(float_to_half(-0.0f), 0x8000);
    // A NaN whose payload sits only in the low 13 bits must not become inf.
    const std::uint16_t nan = float_to_half(std::bit_cast<float>(0x7f800001u));
    EXPECT_EQ(nan & 0x7c00, 0x7c00);
    EXPECT_NE(nan & 0x03ff, 0);
}

TEST(SafetensorsHalf, EveryHalfSurvivesTheRoundTrip) {
    int mismatches = 0;
    for (std::uint32_t h = 0; h <= 0xffff; ++h) {
        const float f = half_to_float(static_cast<std::uint16_t>(h));
        if (std::isnan(f)) {
            mismatches += !std::isnan(half_to_float(float_to_half(f)));
            continue;
        }
        mismatches += float_to_half(f) != h;
    }
    EXPECT_EQ(mismatches, 0);
}

// bfloat16 = the upper 16 bits of a float32.
//   1.0 = 0x3f800000 → 0x3f80;  −2.0 = 0xc0000000 → 0xc000
//   65504 = 0x477fe000: the low half 0xe000 > 0x8000 rounds up to 0x4780 = 65536;
//   0x477f is 65280 (bfloat16 keeps 8 significant bits)
//   0x0001 = float 0x00010000 = 2^16 · 2^-149 = 2^-133, the smallest subnormal
//   0x7f80 = +inf, 0x7fc0 = a quiet NaN
TEST(SafetensorsBf16, HandWorkedValues) {
    EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
    EXPECT_EQ(bf16_to_float(0xc000), -2.0f);
    EXPECT_EQ(bf16_to_float(0x477f), 65280.0f);
    EXPECT_EQ(bf16_to_float(0x4780), 65536.0f);
    EXPECT_EQ(bf16_to_float(0x0001), std::ldexp(1.0f, -133));
    EXPECT_EQ(bf16_to_float(0x7f80), std::numeric_limits<float>::infinity());
    EXPECT_EQ(bf16_to_float(0xff80), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(bf16_to_float(0x7fc0)));

    EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(float_to_bf16(-2.0f), 0xc000);
    EXPECT_EQ(float_to_bf16(65504.0f), 0x4780);
    EXPECT_EQ(float_to_bf16(std::ldexp(1.0f, -133)), 0x0001);
    // 1 + 2^-8 (0x3f808000) is a tie: even 0x3f80; 1 + 3·2^-8 (0x3f818000) is a tie: even 0x3f82.
    EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
    EXPECT_EQ(float_to_bf16(1.0f + 3.0f * std::ldexp(1.0f, -8)), 0x3f82);
    EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds past the range: inf
    EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
    // A NaN with payload only in the low 16 bits would truncate (or round) to inf: it must stay NaN.
    EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::bit_cast<float>(0x7f800001u)))));
    EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::bit_cast<float>(0x7fffffffu)))));
}

TEST(SafetensorsBf16, EveryBf16SurvivesTheRoundTrip) {
    int mismatches = 0;
    for (std::uint32_t b = 0; b <= 0xffff; ++b) {
        const float f = bf16_to_float(static_cast<std::uint16_t>(b));
        if (std::isnan(f)) {
            mismatches += !std::isnan(bf16_to_float(float_to_bf16(f)));
            continue;
        }
        mismatches += float_to_bf16(f) != b;
    }
    EXPECT_EQ(mismatches, 0);
}

// ---- writer: golden bytes ---------------------------------------------------------------------------

// Tensor "a", F32, shape [2], values [1, -2], no metadata.
//   header = {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
//            1 + 3 + 1 + 1 + 7 + 1 + 5 + 1 + 7 + 1 + 3 + 1 + 14 + 1 + 5 + 1 + 1 = 54 bytes
//            padded with 2 spaces to 56 (the next multiple of 8), so N = 56 = 0x38
//   prefix = 38 00 00 00 00 00 00 00 (u64 little-endian)
//   data   = 1.0f = 0x3f800000 → 00 00 80 3f;  −2.0f = 0xc0000000 → 00 00 00 c0
//   total  = 8 + 56 + 8 = 72 bytes
TEST(SafetensorsWriter, GoldenBytesForATinyTensor) {
    SafetensorsWriter w;
    w.declare("a", Dtype::F32, {2});
    EXPECT_EQ(w.header_bytes(), 56u);
    EXPECT_EQ(w.total_bytes(), 72u);
    const float v[] = {1.0f, -2.0f};
    const std::string bytes = written(w, [&](SafetensorsWriter& s) { s.write("a", v, 2); });

    const std::string expected = std::string("\x38\0\0\0\0\0\0\0", 8) +
                                 R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})" + "  " +
                                 std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
    ASSERT_EQ(expected.size(), 72u);
    EXPECT_EQ(bytes, expected);
}

// The same tensor with __metadata__ {"format": "attnviz"} first:
//   {"__metadata__":{"format":"attnviz"},"a":{...}} = 36 more bytes than above = 90,
//   padded with 6 spaces to 96 = 0x60.
TEST(SafetensorsWriter, GoldenBytesWithMetadata) {
    SafetensorsWriter w;
    w.set_metadata("format", "attnviz");
    w.declare("a", Dtype::F32, {2});
    const float v[] = {1.0f, -2.0f};
    const std::string bytes = written(w, [&](SafetensorsWriter& s) { s.write("a", v, 2); });
    const std::string expected =
        std::string("\x60\0\0\0\0\0\0\0", 8) +
        R"({"__metadata__":{"format":"attnviz"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})" +
        std::string(6, ' ') + std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
    EXPECT_EQ(bytes, expected);
    EXPECT_EQ(bytes.size(), w.total_bytes());
}

// A loader releases each tensor's pages once converted: the values read afterwards are the file's
// own (the pages come back from the file), whatever the alignment of the tensor's bytes.
TEST(SafetensorsReader, ReleasedTensorsReadTheSameAgain) {
    std::vector<float> big(300000), odd(7);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i) * 0.5f - 7.0f;
    for (std::size_t i = 0; i < odd.size(); ++i) odd[i] = static_cast<float>(i) + 0.25f;
    SafetensorsWriter w;
    w.declare("odd", Dtype::F32, {7});
    w.declare("big", Dtype::F32, {300000});
    TempDir dir;
    const fs::path path = dir / "m.safetensors";
    {
        std::ofstream out(path, std::ios::binary);
        w.begin(out);
        w.write("odd", odd.data(), odd.size());
        w.write("big", big.data(), big.size());
        w.finish();
    }
    const SafetensorsFile file = open_safetensors(path);
    for (const char* name : {"big", "odd"}) {
        const std::vector<float> before = file.to_float(file.at(name));
        file.release(file.at(name));
        EXPECT_EQ(file.to_float(file.at(name)), before) << name;
    }
    EXPECT_EQ(file.to_float(file.at("big")), big);
}

// ---- writer → reader ------------------------------------------------------------------------------

TEST(SafetensorsRoundTrip, EveryWritableDtypeMetadataAndShapes) {
    // X: [3, 4] F32 written as a strided block of a [3, 6] matrix; H: [2, 2] F16; B: [3] BF16 in two
    // chunks; D: [5] F64 from doubles; F: [2] F64 from floats; I: [3] I64; J: [2] I32; E: [0, 5];
    // S: [] a scalar; U: [4] U8 raw.
    const MatRM wide = mat({{0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11}, {12, 13, 14, 15, 16, 17}});
    const MatRM X = wide.block(0, 1, 3, 4);
    const float h[] = {1.0f, -2.0f, 65504.0f, 0.5f};
    const float b[] = {1.0f, -2.0f, 3.0f};
    // Narrowing past the float range: FLT_MAX stays, just above it rounds back to FLT_MAX, the
    // halfway point (2 − 2^-24)·2^127 is a tie that goes to even (inf), −1e300 is −inf.
    const double d[] = {0.1, -1e300, std::numeric_limits<float>::max(), 0x1.fffffe8p127, 0x1.ffffffp127};
    const float f[] = {0.25f, -8.0f};
    const std::int64_t i64[] = {-1, 0, std::numeric_limits<std::int64_t>::max()};
    const std::int32_t i32[] = {7, -7};
    const float s = 42.0f;
    const std::byte u8[] = {std::byte{0}, std::byte{1}, std::byte{254}, std::byte{255}};

    SafetensorsWriter w;
    w.set_metadata("format", "attnviz-trace");
    w.set_metadata("config", R"({"d_model": 4, "text": "ünïcödé \"quoted\""})");
    w.declare("X", Dtype::F32, {3, 4});
    w.declare("H", Dtype::F16, {2, 2});
    w.declare("B", Dtype::BF16, {3});
    w.declare("D", Dtype::F64, {5});
    w.declare("F", Dtype::F64, {2});
    w.declare("I", Dtype::I64, {3});
    w.declare("J", Dtype::I32, {2});
    w.declare("E", Dtype::F32, {0, 5});
    w.declare("S", Dtype::F32, {});
    w.declare("U", Dtype::U8, {4});
    const std::uint64_t expected_size = w.total_bytes();

    TempDir dir;
    const fs::path path = dir / "trace.safetensors";
    {
        std::ofstream out(path, std::ios::binary);
        w.begin(out);
        w.write("X", X);  // a Ref with outer stride 6: written row by row
        w.write("H", h, 4);
        w.write("B", b, 2);
        w.write("B", b + 2, 1);
        w.write("D", d, 5);
        w.write("F", f, 2);
        w.write("I", i64, 3);
        w.write("J", i32, 2);
        // E (zero bytes) needs no call
        w.write("S", &s, 1);
        w.write_raw("U", u8);
        w.finish();
    }
    EXPECT_EQ(fs::file_size(path), expected_size);

    const SafetensorsFile file = open_safetensors(path);
    EXPECT_EQ(file.metadata().at("format"), "attnviz-trace");
    EXPECT_EQ(file.metadata().at("config"), R"({"d_model": 4, "text": "ünïcödé \"quoted\""})");
    ASSERT_EQ(file.tensors().size(), 10u);
    // Data order is declaration order.
    std::vector<std::string> names;
    for (const TensorInfo& t : file.tensors()) names.push_back(t.name);
    // E is empty, so it shares its begin with S: the shorter span sorts first.
    EXPECT_EQ(names, (std::vector<std::string>{"X", "H", "B", "D", "F", "I", "J", "E", "S", "U"}));

    EXPECT_TRUE(all_close(file.to_matrix(file.at("X")), X, 0.0f));
    EXPECT_EQ(file.at("X").shape, (std::vector<std::int64_t>{3, 4}));
    EXPECT_EQ(file.at("X").begin, 0u);
    EXPECT_EQ(file.at("X").end, 48u);
    EXPECT_EQ(file.to_float(file.at("H")), (std::vector<float>{1.0f, -2.0f, 65504.0f, 0.5f}));
    EXPECT_EQ(file.to_float(file.at("B")), (std::vector<float>{1.0f, -2.0f, 3.0f}));
    constexpr float kInf = std::numeric_limits<float>::infinity(), kMax = std::numeric_limits<float>::max();
    EXPECT_EQ(file.to_float(file.at("D")), (std::vector<float>{0.1f, -kInf, kMax, kMax, kInf}));
    EXPECT_EQ(file.to_float(file.at("F")), (std::vector<float>{0.25f, -8.0f}));
    std::int64_t back64[3];
    std::memcpy(back64, file.at("I").bytes.data(), sizeof back64);
    EXPECT_EQ(back64[2], std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(file.at("J").bytes.size(), 8u);
    EXPECT_EQ(file.at("E").numel, 0u);
    EXPECT_EQ(file.to_matrix(file.at("E")).rows(), 0);
    EXPECT_EQ(file.to_matrix(file.at("E")).cols(), 5);
    EXPECT_EQ(file.at("S").numel, 1u);
    EXPECT_EQ(file.to_matrix(file.at("S"))(0, 0), 42.0f);
    EXPECT_EQ(file.at("U").bytes[2], std::byte{254});
    EXPECT_EQ(file.find("nope"), nullptr);
}

TEST(SafetensorsRoundTrip, EmptyFileAndNoMetadata) {
    SafetensorsWriter w;
    EXPECT_EQ(w.total_bytes(), 16u);  // "{}" padded to 8
    TempDir dir;
    const std::string bytes = written(w, [](SafetensorsWriter&) {});
    EXPECT_EQ(bytes, std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
    const SafetensorsFile file = open_safetensors(put(dir / "empty.safetensors", bytes));
    EXPECT_TRUE(file.tensors().empty());
    EXPECT_TRUE(file.metadata().empty());
}

// Real files need not pad their header: data_offsets are then not aligned to the element size,
// and the reader must still read them (through memcpy; the sanitizer job checks alignment).
TEST(SafetensorsReader, UnalignedDataIsReadCorrectly) {
    const std::string header = "{" + entry("a", "F32", "[3]", 0, 12) + "," + entry("b", "F64", "[1]", 12, 20) + "}";
    ASSERT_NE((8 + header.size()) % 4, 0u);
    double dv = -0.5;
    std::string d(8, '\0');
    std::memcpy(d.data(), &dv, 8);
    TempDir dir;
    const SafetensorsFile file = open_safetensors(put(dir / "u.safetensors", st_file(header, floats({1, 2, 3}) + d)));
    EXPECT_EQ(file.to_float(file.at("a")), (std::vector<float>{1, 2, 3}));
    EXPECT_EQ(file.to_float(file.at("b")), (std::vector<float>{-0.5f}));
}

TEST(SafetensorsReader, MovedFileKeepsItsSpans) {
    SafetensorsWriter w;
    w.declare("a", Dtype::F32, {2});
    const float v[] = {3.0f, 4.0f};
    TempDir dir;
    const fs::path path = put(dir / "m.safetensors", written(w, [&](SafetensorsWriter& s) { s.write("a", v, 2); }));
    SafetensorsFile first = open_safetensors(path);
    SafetensorsFile second = std::move(first);
    EXPECT_EQ(second.to_float(second.at("a")), (std::vector<float>{3.0f, 4.0f}));
    SafetensorsFile third = open_safetensors(path);
    third = std::move(second);  // unmaps third's own mapping, takes second's
    EXPECT_EQ(third.to_float(third.at("a")), (std::vector<float>{3.0f, 4.0f}));
}

TEST(SafetensorsReader, ConversionRefusals) {
    const std::string header = "{" + entry("ids", "I64", "[1]", 0, 8) + "," + entry("t", "F32", "[1,1,2]", 8, 16) + "}";
    TempDir dir;
    const SafetensorsFile file =
        open_safetensors(put(dir / "c.safetensors", st_file(header, std::string(8, '\0') + floats({1, 2}))));
    try {
        file.to_float(file.at("ids"));
        ADD_FAILURE() << "I64 converted to float";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find(R"(tensor "ids": dtype I64 cannot be read as float32)"), std::string::npos)
            << e.what();
        EXPECT_EQ(e.field(), "ids");
    }
    EXPECT_THROW(file.to_matrix(file.at("t")), FormatError);  // rank 3
    std::vector<float> small(1);
    EXPECT_THROW(file.to_float(file.at("t"), small), std::invalid_argument);
    try {
        file.at("missing");
        ADD_FAILURE() << "at() found a missing tensor";
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find(R"(tensor "missing": no tensor of that name)"), std::string::npos);
    }
}

// ---- writer misuse -------------------------------------------------------------------------------

TEST(SafetensorsWriter, RefusesBadDeclarations) {
    SafetensorsWriter w;
    w.declare("a", Dtype::F32, {2});
    EXPECT_THROW(w.declare("a", Dtype::F32, {2}), std::invalid_argument);
    EXPECT_THROW(w.declare("", Dtype::F32, {2}), std::invalid_argument);
    EXPECT_THROW(w.declare("__metadata__", Dtype::F32, {2}), std::invalid_argument);
    EXPECT_THROW(w.declare("neg", Dtype::F32, {2, -1}), std::invalid_argument);
    EXPECT_THROW(w.declare("bad\xff", Dtype::F32, {1}), std::invalid_argument);
    EXPECT_THROW(w.declare("huge", Dtype::F32, {std::int64_t{1} << 62, 8}), std::invalid_argument);
    EXPECT_THROW(w.declare("huge2", Dtype::F64, {std::int64_t{1} << 62}), std::invalid_argument);  // 2^65 bytes
    EXPECT_THROW(w.set_metadata("k", "\xc0\x80"), std::invalid_argument);  // overlong NUL
    EXPECT_EQ(w.total_bytes(), 72u);  // the refused declarations left no trace
}

TEST(SafetensorsWriter, RefusesWritesOutOfOrderOrOfTheWrongSize) {
    const float v[8] = {};
    const double dv[2] = {};
    auto fresh = [] {
        auto w = std::make_unique<SafetensorsWriter>();
        w->declare("a", Dtype::F32, {2});
        w->declare("b", Dtype::F16, {2});
        w->declare("c", Dtype::I32, {1});
        return w;
    };
    std::ostringstream out;
    {
        auto w = fresh();
        EXPECT_THROW(w->write("a", v, 2), std::logic_error);  // before begin()
        w->begin(out);
        EXPECT_THROW(w->declare("d", Dtype::F32, {1}), std::logic_error);
        EXPECT_THROW(w->set_metadata("k", "v"), std::logic_error);
        EXPECT_THROW(w->begin(out), std::logic_error);
        EXPECT_THROW(w->write("b", v, 2), std::logic_error);   // a comes first
        EXPECT_THROW(w->write("a", v, 3), std::logic_error);   // a has 2 elements
        EXPECT_THROW(w->write("a", dv, 2), std::logic_error);  // double into F32
        EXPECT_THROW(w->write("zz", v, 2), std::logic_error);  // never declared
        w->write("a", v, 1);
        EXPECT_THROW(w->write("b", v, 2), std::logic_error);   // a is half written
        w->write("a", v, 1);
        EXPECT_THROW(w->write("a", v, 1), std::logic_error);   // a is complete
    }
    {
        auto w = fresh();
        w->begin(out);
        w->write("a", v, 2);
        w->write("b", v, 2);
        try {
            w->finish();
            ADD_FAILURE() << "finish() with c unwritten";
        } catch (const std::logic_error& e) {
            EXPECT_NE(std::string(e.what()).find(R"(tensor "c" has 0 of its 4 bytes)"), std::string::npos) << e.what();
        }
    }
    {
        auto w = fresh();
        w->begin(out);
        w->write("a", v, 2);
        const std::byte raw[3] = {};
        EXPECT_THROW(w->write_raw("b", raw), std::logic_error);  // 3 bytes is not a whole number of F16
    }
}

TEST(SafetensorsWriter, AFailingStreamThrows) {
    SafetensorsWriter w;
    w.declare("a", Dtype::F32, {2});
    std::ostringstream out;
    out.setstate(std::ios::badbit);
    EXPECT_THROW(w.begin(out), std::runtime_error);
}

// ---- reader: every rule ---------------------------------------------------------------------------

TEST(SafetensorsReader, RefusesTruncatedFiles) {
    EXPECT_TRUE(refused("", {"the file is 0 bytes, too short for the 8-byte header length"}, "header"));
    EXPECT_TRUE(refused(std::string("\x08\0\0\0\0", 5), {"the file is 5 bytes"}));
}

TEST(SafetensorsReader, RefusesHeaderLengthsPastTheEndOrTheLimit) {
    EXPECT_TRUE(refused(u64le(1000) + "{}", {"header length 1000 runs past the end of the file (2 bytes follow"}));
    EXPECT_TRUE(refused(u64le(9) + "{}      ", {"header length 9 runs past the end of the file (8 bytes follow"}));
    EXPECT_TRUE(refused(u64le(std::uint64_t{1} << 63) + "{}", {"header length 9223372036854775808 exceeds the 100 MiB limit"}));
    EXPECT_TRUE(refused(u64le(~std::uint64_t{0}) + "{}", {"exceeds the 100 MiB limit"}));
    EXPECT_TRUE(refused(u64le(kMaxSafetensorsHeader + 1) + "{}", {"header length 104857601 exceeds the 100 MiB limit"}));
}

TEST(SafetensorsReader, RefusesHeadersThatAreNotOneUtf8JsonObject) {
    EXPECT_TRUE(refused(st_file(""), {"does not start with '{'"}));
    EXPECT_TRUE(refused(st_file("[]"), {"does not start with '{'"}));
    EXPECT_TRUE(refused(st_file(" {}"), {"does not start with '{'"}));
    EXPECT_TRUE(refused(st_file("\xef\xbb\xbf{}"), {"does not start with '{'"}));  // a BOM
    EXPECT_TRUE(refused(st_file("{\"a\xff\":1}"), {"not valid UTF-8 (at byte 11 of the file)"}));
    EXPECT_TRUE(refused(st_file("{\"\xed\xa0\x80\":1}"), {"not valid UTF-8"}));  // a UTF-16 surrogate
    EXPECT_TRUE(refused(st_file("{\"a\":"), {"the header is not valid JSON: "}));
    EXPECT_TRUE(refused(st_file("{} {}"), {"not valid JSON"}));
    // nlohmann would stop at a NUL and ignore the rest; NUL padding is not JSON whitespace either.
    EXPECT_TRUE(refused(st_file(std::string("{}\0\0\0\0\0\0", 8)), {"the header holds a NUL byte (at byte 10 of the file)"}));
    EXPECT_TRUE(refused(st_file(std::string("{}\0{\"junk\":1}", 13)), {"NUL byte"}));
    // A number token of a million digits overflows: the message must not echo it.
    EXPECT_TRUE(refused(st_file("{\"a\":1" + std::string(1'000'000, '0') + "}"), {"not valid JSON", "number overflow"}));
    EXPECT_TRUE(refused(st_file("{\"a\":\"" + std::string(1'000'000, 'x') + "\\q\"}"), {"not valid JSON"}));
}

// 100000 levels must be refused at level 65, without the recursion that would overflow the stack.
TEST(SafetensorsReader, RefusesDeepNestingWithoutCrashing) {
    constexpr int kDeep = 100000;
    EXPECT_TRUE(refused(st_file("{\"a\":" + std::string(kDeep, '[') + std::string(kDeep, ']') + "}"),
                        {"the JSON nests deeper than 64 levels"}, "header"));
    std::string objects;
    for (int i = 0; i < kDeep; ++i) objects += "{\"a\":";
    objects += "1" + std::string(kDeep, '}');
    EXPECT_TRUE(refused(st_file(objects), {"the JSON nests deeper than 64 levels"}));
    // Unterminated: the refusal comes before the parser reaches the end.
    EXPECT_TRUE(refused(st_file("{\"a\":" + std::string(kDeep, '[')), {"nests deeper than 64 levels"}));

    // The boundary: the root object plus 63 arrays is 64 levels (refused for its content, not its
    // depth); one more array is 65.
    EXPECT_TRUE(refused(st_file("{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}"),
                        {"tensor \"a\": the entry is an array, not an object"}));
    EXPECT_TRUE(refused(st_file("{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}"),
                        {"nests deeper than 64 levels"}));
}

TEST(SafetensorsReader, RefusesRepeatedKeys) {
    const std::string a = entry("a", "F32", "[1]", 0, 4);
    EXPECT_TRUE(refused(st_file("{" + a + "," + a + "}", floats({1})),
                        {R"(tensor "a": the name appears twice in the header)"}, "a"));
    EXPECT_TRUE(refused(st_file(R"({"__metadata__":{},"__metadata__":{}})"), {"__metadata__ appears twice"}));
    EXPECT_TRUE(refused(st_file(R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})", floats({1})),
                        {R"(tensor "a": key "dtype" appears twice in one object)"}));
    EXPECT_TRUE(refused(st_file(R"({"__metadata__":{"k":"1","k":"2"}})"), {R"(__metadata__: key "k" appears twice)"}));
}

TEST(SafetensorsReader, RefusesBadDtypes) {
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F8_E4M3", "[1]", 0, 1) + "}", "x"),
                        {R"(tensor "w": dtype "F8_E4M3" is not one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", floats({1})),
                        {R"(tensor "w": dtype is 32, not a string)"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", floats({1})), {R"(tensor "w": no dtype)"}));
}

TEST(SafetensorsReader, RefusesBadShapes) {
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[2,-1]", 0, 0) + "}"),
                        {R"(tensor "w": shape[1] is -1, not a non-negative integer)"}));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[2.0]", 0, 8) + "}", floats({1, 2})),
                        {"shape[0] is 2.0, not a non-negative integer"}));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[\"2\"]", 0, 8) + "}", floats({1, 2})),
                        {R"(shape[0] is the string "2", not a non-negative integer)"}));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "3", 0, 12) + "}", floats({1, 2, 3})),
                        {"shape is 3, not an array"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", floats({1})), {"no shape"}));
    // 2^32 · 2^32 = 2^64 does not fit; nor does a dim past int64.
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[4294967296,4294967296]", 0, 4) + "}", floats({1})),
                        {R"(tensor "w": shape [4294967296, 4294967296] has more elements than fit in 64 bits)"}));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "U8", "[9223372036854775808]", 0, 1) + "}", "x"),
                        {"shape[0] is 9223372036854775808, past the int64 range"}));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "U8", "[1e400]", 0, 1) + "}", "x"), {"not valid JSON"}));
    // 2^62 elements fit, but 2^62 · 4 bytes does not.
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[4611686018427387904]", 0, 4) + "}", floats({1})),
                        {"shape [4611686018427387904] of F32 needs more bytes than fit in 64 bits"}));
    // A hostile rank is printed short.
    std::string ones = "[1";
    for (int i = 0; i < 100000; ++i) ones += ",1";
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", ones + "]", 0, 8) + "}", floats({1, 2})),
                        {"shape [1, 1, 1, 1, 1, 1, 1, 1, … (100001 dims)] of F32 needs 4"}));
}

TEST(SafetensorsReader, RefusesBadDataOffsets) {
    // The example from the issue, byte for byte.
    EXPECT_TRUE(refused(st_file("{" + entry("h.0.attn.c_attn.weight", "F32", "[3,4]", 0, 96) + "}", std::string(96, '\0')),
                        {R"(model.safetensors: tensor "h.0.attn.c_attn.weight": data_offsets [0, 96] hold 96 bytes )"
                         R"(but shape [3, 4] of F32 needs 48)"},
                        "h.0.attn.c_attn.weight"));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[2]", 8, 0) + "}", floats({1, 2})),
                        {"data_offsets [8, 0] end before they begin"}));
    EXPECT_TRUE(refused(st_file("{" + entry("w", "F32", "[2]", 0, 8) + "}", floats({1})),
                        {"data_offsets [0, 8] run past the 4-byte data buffer"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", floats({1})),
                        {"data_offsets has 1 elements, not 2 [begin, end]"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":{"b":0}}})", floats({1})),
                        {"data_offsets is an object, not an array [begin, end]"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})", floats({1})),
                        {"data_offsets [0, -4] are not two non-negative integers"}));
    EXPECT_TRUE(refused(st_file(R"({"w":{"dtype":"F32","shape":[1]}})", floats({1})), {"no data_offsets"}));
    EXPECT_TRUE(refused(st_file(R"({"w":[1,2]})"), {R"(tensor "w": the entry is an array, not an object)"}));
}

TEST(SafetensorsReader, RefusesOverlapsGapsAndTrailingBytes) {
    const std::string data = floats({1, 2, 3, 4});
    EXPECT_TRUE(refused(st_file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", data),
                        {R"(tensor "b": data_offsets [4, 12] overlap tensor "a" [0, 8])"}, "b"));
    // The same bytes twice: identical spans overlap too.
    EXPECT_TRUE(refused(st_file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 0, 8) + "}",
                                floats({1, 2})),
                        {R"(tensor "b": data_offsets [0, 8] overlap tensor "a" [0, 8])"}));
    // An empty tensor inside another's span.
    EXPECT_TRUE(refused(st_file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("e", "F32", "[0]", 4, 4) + "}",
                                floats({1, 2})),
                        {R"(tensor "e": data_offsets [4, 4] overlap tensor "a" [0, 8])"}));
    EXPECT_TRUE(refused(st_file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[2]", 8, 16) + "}", data),
                        {R"(tensor "b": data_offsets [8, 16] leave bytes [4, 8) of the data buffer unused after tensor "a")"}));
    EXPECT_TRUE(refused(st_file("{" + entry("a", "F32", "[1]", 4, 8) + "}", floats({1, 2})),
                        {R"(tensor "a": data_offsets [4, 8] leave bytes [0, 4) of the data buffer unused)"}));
    EXPECT_TRUE(refused(st_file("{" + entry("a", "F32", "[2]", 0, 8) + "}", data),
                        {"the tensors cover 8 of the 16-byte data buffer (8 trailing bytes)"}, "header"));
    EXPECT_TRUE(refused(st_file("{}", "x"), {"the tensors cover 0 of the 1-byte data buffer"}));
}

TEST(SafetensorsReader, RefusesBadMetadata) {
    EXPECT_TRUE(refused(st_file(R"({"__metadata__":"pt"})"),
                        {R"(__metadata__ is the string "pt", not an object of string → string)"}, "__metadata__"));
    EXPECT_TRUE(refused(st_file(R"({"__metadata__":{"format":"pt","n":3}})"), {R"(__metadata__: "n" is 3, not a string)"}));
    EXPECT_TRUE(refused(st_file(R"({"__metadata__":{"nested":{}}})"), {R"("nested" is an object, not a string)"}));
}

TEST(SafetensorsReader, QuotesHostileStringsShortAndEscaped) {
    const std::string long_name(10000, 'n');
    EXPECT_TRUE(refused(st_file("{" + entry(long_name, "F99", "[1]", 0, 4) + "}", floats({1})),
                        {"tensor \"" + std::string(60, 'n') + "\"…: dtype \"F99\""}));
    const std::string long_dtype(10000, 'D');
    EXPECT_TRUE(refused(st_file("{" + entry("w", long_dtype, "[1]", 0, 4) + "}", floats({1})),
                        {"dtype \"" + std::string(60, 'D') + "\"… is not one of"}));
    // Control characters and quotes come out escaped (JSON \u001b is a raw ESC once parsed).
    EXPECT_TRUE(refused(st_file(R"({"a\u001b[31m\"b":{"dtype":"X"}})"), {R"(tensor "a\x1b[31m\"b": dtype "X")"}));
    // A cut never splits a UTF-8 sequence: 59 ASCII bytes then "é" (2 bytes) cuts before the é.
    EXPECT_TRUE(refused(st_file("{" + entry(std::string(59, 'x') + "\xc3\xa9tail", "F99", "[1]", 0, 4) + "}", floats({1})),
                        {"tensor \"" + std::string(59, 'x') + "\"…: dtype"}));
}

TEST(SafetensorsReader, AcceptsUnknownFieldsAndAnyKeyOrder) {
    // The reference reader ignores fields it does not know, and JSON key order carries no meaning.
    const std::string header =
        R"({"b":{"data_offsets":[4,8],"shape":[1],"dtype":"F32","extra":[1,{"x":null}]},)"
        R"("__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    TempDir dir;
    const SafetensorsFile file = open_safetensors(put(dir / "k.safetensors", st_file(header, floats({5, 6}))));
    EXPECT_EQ(file.to_float(file.at("a")), (std::vector<float>{5}));
    EXPECT_EQ(file.to_float(file.at("b")), (std::vector<float>{6}));
    EXPECT_EQ(file.metadata().at("format"), "pt");
    EXPECT_EQ(file.tensors().front().name, "a");  // data order
}

TEST(SafetensorsReader, RefusesWhatIsNotARegularFile) {
    TempDir dir;
    fs::create_directories(dir / "d.safetensors");
    EXPECT_THROW(open_safetensors(dir / "d.safetensors"), FormatError);
    EXPECT_THROW(open_safetensors(dir / "absent.safetensors"), std::system_error);
}

}  // namespace
}  // namespace attnviz
