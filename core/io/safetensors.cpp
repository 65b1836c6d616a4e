#include "core/io/safetensors.hpp"

#include "core/io/json_read.hpp"
#include "core/unicode.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace attnviz {

// Tensor bytes are the file's little-endian bytes, memcpy'd as they are.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559, "float must be IEEE binary32");

// ---- dtypes ----------------------------------------------------------------------------------------

namespace {

struct DtypeRow {
    Dtype dtype;
    std::string_view name;
    std::size_t size;
};
constexpr std::array<DtypeRow, 10> kDtypes{{{Dtype::F64, "F64", 8},
                                            {Dtype::F32, "F32", 4},
                                            {Dtype::F16, "F16", 2},
                                            {Dtype::BF16, "BF16", 2},
                                            {Dtype::I64, "I64", 8},
                                            {Dtype::I32, "I32", 4},
                                            {Dtype::I16, "I16", 2},
                                            {Dtype::I8, "I8", 1},
                                            {Dtype::U8, "U8", 1},
                                            {Dtype::BOOL, "BOOL", 1}}};

const DtypeRow& row_of(Dtype d) {
    for (const DtypeRow& r : kDtypes)
        if (r.dtype == d) return r;
    ATTNVIZ_ASSERT(false && "unknown Dtype enumerator");
    return kDtypes[0];
}

std::string dtype_list() {
    std::string s;
    for (const DtypeRow& r : kDtypes) s += (s.empty() ? "" : ", ") + std::string(r.name);
    return s;
}

}  // namespace

std::string_view to_string(Dtype dtype) { return row_of(dtype).name; }
std::size_t dtype_size(Dtype dtype) { return row_of(dtype).size; }

std::optional<Dtype> parse_dtype(std::string_view s) {
    for (const DtypeRow& r : kDtypes)
        if (r.name == s) return r.dtype;
    return std::nullopt;
}

// ---- scalar conversions --------------------------------------------------------------------------

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu;
    const std::uint32_t mant = h & 0x3ffu;
    if (exp == 0) {
        // Zero or subnormal: mant · 2^-24, exact in float (10 bits times a normal power of two).
        const float f = static_cast<float>(mant) * 0x1p-24f;
        return sign ? -f : f;
    }
    if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));  // ±inf, NaN keeps payload
    // Rebias the exponent from 15 to 127.
    return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

std::uint16_t float_to_half(float f) {
    std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) {  // inf, or NaN: keep the top payload bits and force quiet so it stays NaN
        return static_cast<std::uint16_t>(sign | 0x7c00u | (x > 0x7f800000u ? 0x200u | ((x >> 13) & 0x3ffu) : 0u));
    }
    // 65520 = 0x477ff000 is halfway between 65504 (the largest half) and 65536: ties to even → inf.
    if (x >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (x < 0x38800000u) {
        // Below 2^-14, the smallest normal half: the half is round(|f| · 2^24) subnormal steps. The
        // product is exact (power-of-two scale, no underflow), nearbyint rounds ties to even, and a
        // result of 1024 is exactly the encoding of 2^-14.
        const float scaled = std::bit_cast<float>(x) * 0x1p24f;
        return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(scaled)));
    }
    // Normal: drop 13 mantissa bits with round-to-nearest-even (a carry may bump the exponent,
    // which is the right answer), then rebias the exponent from 127 to 15.
    x += 0xfffu + ((x >> 13) & 1u);
    x -= 112u << 23;
    return static_cast<std::uint16_t>(sign | (x >> 13));
}

float bf16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

std::uint16_t float_to_bf16(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    // Rounding a NaN could carry it into inf: truncate instead and set the quiet bit.
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x0040u);
    return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// ---- shared helpers ------------------------------------------------------------------------------

namespace {

// Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
// or npos when `s` is valid.
std::size_t utf8_error(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = valid_utf8_length(s, i);
        if (len == 0) return i;
        i += len;
    }
    return std::string_view::npos;
}

// "[3, 4]"; past 8 dims "[1, 1, 1, 1, 1, 1, 1, 1, … (1000 dims)]" so a hostile rank stays short.
template <typename Int>
std::string fmt_shape(const std::vector<Int>& shape) {
    constexpr std::size_t kShown = 8;
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size() && i < kShown; ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() > kShown) s += ", … (" + std::to_string(shape.size()) + " dims)";
    return s + "]";
}

// Bytes of `numel` elements of `dtype`, or nullopt past 64 bits.
std::optional<std::uint64_t> checked_bytes(std::uint64_t numel, Dtype dtype) {
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(numel, static_cast<std::uint64_t>(dtype_size(dtype)), &bytes)) return std::nullopt;
    return bytes;
}

}  // namespace

// ---- writer --------------------------------------------------------------------------------------

namespace {

[[noreturn]] void writer_bad(const std::string& what) { throw std::invalid_argument("safetensors writer: " + what); }
[[noreturn]] void writer_misuse(const std::string& what) { throw std::logic_error("safetensors writer: " + what); }

}  // namespace

void SafetensorsWriter::set_metadata(std::string key, std::string value) {
    if (out_) writer_misuse("set_metadata(" + quote(key) + ") after begin()");
    if (utf8_error(key) != std::string_view::npos) writer_bad("metadata key " + quote(key) + " is not valid UTF-8");
    if (utf8_error(value) != std::string_view::npos)
        writer_bad("metadata " + quote(key) + ": value is not valid UTF-8");
    metadata_[std::move(key)] = std::move(value);
    header_.clear();
}

void SafetensorsWriter::declare(std::string name, Dtype dtype, std::vector<std::int64_t> shape) {
    if (out_) writer_misuse("declare(" + quote(name) + ") after begin()");
    if (name.empty()) writer_bad("tensor names must not be empty");
    if (name == "__metadata__") writer_bad("\"__metadata__\" is reserved for the metadata and cannot name a tensor");
    if (utf8_error(name) != std::string_view::npos) writer_bad("tensor name " + quote(name) + " is not valid UTF-8");
    if (index_.contains(name)) writer_bad("tensor " + quote(name) + " is declared twice");
    std::uint64_t numel = 1;
    for (std::int64_t d : shape) {
        if (d < 0) writer_bad("tensor " + quote(name) + ": shape " + fmt_shape(shape) + " has a negative dim");
        if (__builtin_mul_overflow(numel, static_cast<std::uint64_t>(d), &numel))
            writer_bad("tensor " + quote(name) + ": shape " + fmt_shape(shape) + " has more elements than fit in 64 bits");
    }
    const std::optional<std::uint64_t> bytes = checked_bytes(numel, dtype);
    std::uint64_t total = 0;
    if (!bytes || __builtin_add_overflow(data_bytes_, *bytes, &total))
        writer_bad("tensor " + quote(name) + ": shape " + fmt_shape(shape) + " of " + std::string(to_string(dtype)) +
                   " takes the file past 2^64 bytes");
    data_bytes_ = total;
    index_.emplace(name, decls_.size());
    decls_.push_back({std::move(name), dtype, std::move(shape), *bytes});
    header_.clear();
}

const std::string& SafetensorsWriter::header() const {
    if (!header_.empty()) return header_;
    // ordered_json keeps insertion order (readers accept any order; this one is easy to read). Its
    // linear key search makes this O(tensors²), harmless for the hundreds of tensors written here.
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!metadata_.empty()) j["__metadata__"] = metadata_;
    std::uint64_t offset = 0;
    for (const Decl& d : decls_) {
        nlohmann::ordered_json entry = nlohmann::ordered_json::object();
        entry["dtype"] = std::string(to_string(d.dtype));
        entry["shape"] = d.shape;
        entry["data_offsets"] = {offset, offset + d.bytes};
        j[d.name] = std::move(entry);
        offset += d.bytes;
    }
    header_ = j.dump();
    // Spaces up to a multiple of 8, as the reference writer pads, so the data buffer starts aligned.
    header_.append((8 - header_.size() % 8) % 8, ' ');
    return header_;
}

std::uint64_t SafetensorsWriter::header_bytes() const { return header().size(); }
std::uint64_t SafetensorsWriter::total_bytes() const { return 8 + header_bytes() + data_bytes_; }

void SafetensorsWriter::begin(std::ostream& out) {
    if (out_) writer_misuse("begin() called twice");
    const std::string& h = header();
    out_ = &out;
    std::array<unsigned char, 8> prefix{};
    std::uint64_t n = h.size();
    for (unsigned char& b : prefix) {  // little-endian u64
        b = static_cast<unsigned char>(n & 0xffu);
        n >>= 8;
    }
    emit(prefix.data(), prefix.size());
    emit(h.data(), h.size());
}

void SafetensorsWriter::emit(const void* data, std::size_t bytes) {
    if (bytes == 0) return;
    out_->write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    if (!*out_) throw std::runtime_error("safetensors writer: the output stream failed");
}

const SafetensorsWriter::Decl& SafetensorsWriter::take(std::string_view name, std::size_t count,
                                                       std::initializer_list<Dtype> accepted, const char* type) {
    if (!out_) writer_misuse("write(" + quote(name) + ") before begin()");
    if (finished_) writer_misuse("write(" + quote(name) + ") after finish()");
    // Step past finished tensors (zero-byte ones need no write) until `name` or an unfinished one.
    while (current_ < decls_.size() && decls_[current_].name != name) {
        const Decl& d = decls_[current_];
        if (written_ != d.bytes) {
            if (!index_.contains(name)) writer_misuse("write(" + quote(name) + "): no tensor of that name was declared");
            writer_misuse("write(" + quote(name) + ") while tensor " + quote(d.name) + " has " +
                          std::to_string(written_) + " of its " + std::to_string(d.bytes) +
                          " bytes: tensors are written whole, in declaration order");
        }
        ++current_;
        written_ = 0;
    }
    if (current_ == decls_.size()) {
        if (!index_.contains(name)) writer_misuse("write(" + quote(name) + "): no tensor of that name was declared");
        writer_misuse("write(" + quote(name) + "): that tensor is already complete (tensors are written once, in "
                      "declaration order)");
    }
    const Decl& d = decls_[current_];
    if (std::find(accepted.begin(), accepted.end(), d.dtype) == accepted.end())
        writer_misuse("write(" + quote(name) + ") with " + type + " data, but the tensor is declared " +
                      std::string(to_string(d.dtype)));
    const std::optional<std::uint64_t> bytes = checked_bytes(count, d.dtype);
    if (!bytes || *bytes > d.bytes - written_)
        writer_misuse("write(" + quote(name) + ") of " + std::to_string(count) + " elements: the tensor has " +
                      std::to_string((d.bytes - written_) / dtype_size(d.dtype)) + " left of " +
                      std::to_string(d.bytes / dtype_size(d.dtype)));
    written_ += *bytes;
    return d;
}

void SafetensorsWriter::write(std::string_view name, const float* data, std::size_t count) {
    const Decl& d = take(name, count, {Dtype::F32, Dtype::F64, Dtype::F16, Dtype::BF16}, "float");
    if (d.dtype == Dtype::F32) {
        emit(data, count * sizeof(float));
        return;
    }
    // Convert through a small buffer so memory stays bounded whatever the tensor size.
    constexpr std::size_t kChunk = 2048;
    for (std::size_t i = 0; i < count; i += kChunk) {
        const std::size_t k = std::min(kChunk, count - i);
        if (d.dtype == Dtype::F64) {
            std::array<double, kChunk> buf;
            for (std::size_t e = 0; e < k; ++e) buf[e] = data[i + e];
            emit(buf.data(), k * sizeof(double));
        } else {
            std::array<std::uint16_t, kChunk> buf;
            for (std::size_t e = 0; e < k; ++e)
                buf[e] = d.dtype == Dtype::F16 ? float_to_half(data[i + e]) : float_to_bf16(data[i + e]);
            emit(buf.data(), k * sizeof(std::uint16_t));
        }
    }
}

void SafetensorsWriter::write(std::string_view name, const double* data, std::size_t count) {
    take(name, count, {Dtype::F64}, "double");
    emit(data, count * sizeof(double));
}

void SafetensorsWriter::write(std::string_view name, const std::int64_t* data, std::size_t count) {
    take(name, count, {Dtype::I64}, "int64");
    emit(data, count * sizeof(std::int64_t));
}

void SafetensorsWriter::write(std::string_view name, const std::int32_t* data, std::size_t count) {
    take(name, count, {Dtype::I32}, "int32");
    emit(data, count * sizeof(std::int32_t));
}

void SafetensorsWriter::write(std::string_view name, const Eigen::Ref<const MatRM>& m) {
    // A Ref may view a block of a wider matrix (outer stride > cols): then rows are not adjacent.
    if (m.rows() <= 1 || m.outerStride() == m.cols()) {
        write(name, m.data(), static_cast<std::size_t>(m.size()));
        return;
    }
    for (Eigen::Index r = 0; r < m.rows(); ++r) write(name, m.row(r).data(), static_cast<std::size_t>(m.cols()));
}

void SafetensorsWriter::write_raw(std::string_view name, std::span<const std::byte> bytes) {
    // Any dtype: the element count follows from the size of the next tensor's dtype.
    if (!out_) writer_misuse("write_raw(" + quote(name) + ") before begin()");
    const auto it = index_.find(name);
    if (it == index_.end()) writer_misuse("write_raw(" + quote(name) + "): no tensor of that name was declared");
    const std::size_t size = dtype_size(decls_[it->second].dtype);
    if (bytes.size() % size != 0)
        writer_misuse("write_raw(" + quote(name) + ") of " + std::to_string(bytes.size()) +
                      " bytes: not a whole number of " + std::string(to_string(decls_[it->second].dtype)) +
                      " elements");
    take(name, bytes.size() / size,
         {Dtype::F64, Dtype::F32, Dtype::F16, Dtype::BF16, Dtype::I64, Dtype::I32, Dtype::I16, Dtype::I8, Dtype::U8,
          Dtype::BOOL},
         "raw");
    emit(bytes.data(), bytes.size());
}

void SafetensorsWriter::finish() {
    if (!out_) writer_misuse("finish() before begin()");
    if (finished_) writer_misuse("finish() called twice");
    for (; current_ < decls_.size(); ++current_, written_ = 0) {
        const Decl& d = decls_[current_];
        if (written_ != d.bytes)
            writer_misuse("finish() while tensor " + quote(d.name) + " has " + std::to_string(written_) + " of its " +
                          std::to_string(d.bytes) + " bytes");
    }
    finished_ = true;
    out_->flush();
    if (!*out_) throw std::runtime_error("safetensors writer: the output stream failed");
}

// ---- reader --------------------------------------------------------------------------------------

namespace {

using json = nlohmann::json;  // std::map objects: ordered_json's linear key search would let a header
                              // of a million keys cost 10^12 comparisons

class Refuse {
public:
    explicit Refuse(const fs::path& file) : file_(file), prefix_(file.string() + ": ") {}
    [[noreturn]] void header(const std::string& rule) const { throw FormatError(file_, "header", prefix_ + rule); }
    // `rule` follows "__metadata__" directly: " is ..." or ": "key" is ...".
    [[noreturn]] void metadata(const std::string& rule) const {
        throw FormatError(file_, "__metadata__", prefix_ + "__metadata__" + rule);
    }
    [[noreturn]] void tensor(std::string_view name, const std::string& rule) const {
        const std::string q = quote(name);
        throw FormatError(file_, q.substr(1, q.rfind('"') - 1), prefix_ + "tensor " + q + ": " + rule);
    }

private:
    const fs::path& file_;
    std::string prefix_;
};

// Parse callback: refuses nesting past kMaxSafetensorsDepth before the parser goes deeper (the
// parser itself is iterative, but nothing needs more than 3 levels), and any key repeated in one
// object (nlohmann keeps the last silently; the reference reader refuses).
class HeaderGuard {
public:
    explicit HeaderGuard(const Refuse& refuse) : refuse_(refuse) {}

    bool operator()(int depth, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            // depth = containers already open; this one makes depth + 1.
            if (depth + 1 > kMaxSafetensorsDepth)
                refuse_.header("the JSON nests deeper than " + std::to_string(kMaxSafetensorsDepth) + " levels");
            if (event == json::parse_event_t::object_start) keys_.emplace_back();
            break;
        case json::parse_event_t::object_end:
            keys_.pop_back();
            break;
        case json::parse_event_t::key: {
            const std::string& key = parsed.get_ref<const std::string&>();
            const bool fresh = keys_.back().insert(key).second;
            if (depth == 1) {
                if (!fresh) {
                    if (key == "__metadata__") refuse_.header("__metadata__ appears twice");
                    refuse_.tensor(key, "the name appears twice in the header");
                }
                top_key_ = key;
            } else if (!fresh) {
                const std::string where = top_key_ == "__metadata__" ? "__metadata__: " : "tensor " + quote(top_key_) + ": ";
                refuse_.header(where + "key " + quote(key) + " appears twice in one object");
            }
            break;
        }
        default:
            break;
        }
        return true;
    }

private:
    const Refuse& refuse_;
    std::vector<std::set<std::string>> keys_;  // one per open object, innermost last
    std::string top_key_;                      // the entry being parsed
};

// A non-negative JSON integer, or nullopt.
std::optional<std::uint64_t> as_uint(const json& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    return std::nullopt;
}

TensorInfo parse_entry(const Refuse& refuse, const std::string& name, const json& e, std::uint64_t data_size) {
    if (!e.is_object()) refuse.tensor(name, "the entry is " + describe(e) + ", not an object");
    TensorInfo t;
    t.name = name;

    const auto dt = e.find("dtype");
    if (dt == e.end()) refuse.tensor(name, "no dtype");
    if (!dt->is_string()) refuse.tensor(name, "dtype is " + describe(*dt) + ", not a string");
    const std::optional<Dtype> dtype = parse_dtype(dt->get_ref<const std::string&>());
    if (!dtype) refuse.tensor(name, "dtype " + quote(dt->get_ref<const std::string&>()) + " is not one of " + dtype_list());
    t.dtype = *dtype;

    const auto sh = e.find("shape");
    if (sh == e.end()) refuse.tensor(name, "no shape");
    if (!sh->is_array()) refuse.tensor(name, "shape is " + describe(*sh) + ", not an array");
    std::vector<std::uint64_t> dims;
    dims.reserve(sh->size());
    for (std::size_t i = 0; i < sh->size(); ++i) {
        const std::optional<std::uint64_t> d = as_uint((*sh)[i]);
        const std::string at = "shape[" + std::to_string(i) + "] is " + describe((*sh)[i]);
        if (!d) refuse.tensor(name, at + ", not a non-negative integer");
        if (*d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            refuse.tensor(name, at + ", past the int64 range");
        dims.push_back(*d);
    }
    t.numel = 1;
    for (std::uint64_t d : dims)
        if (__builtin_mul_overflow(t.numel, d, &t.numel))
            refuse.tensor(name, "shape " + fmt_shape(dims) + " has more elements than fit in 64 bits");
    const std::optional<std::uint64_t> needed = checked_bytes(t.numel, t.dtype);
    const std::string shape_of = "shape " + fmt_shape(dims) + " of " + std::string(to_string(t.dtype));
    if (!needed) refuse.tensor(name, shape_of + " needs more bytes than fit in 64 bits");
    t.shape.assign(dims.begin(), dims.end());

    const auto off = e.find("data_offsets");
    if (off == e.end()) refuse.tensor(name, "no data_offsets");
    if (!off->is_array()) refuse.tensor(name, "data_offsets is " + describe(*off) + ", not an array [begin, end]");
    if (off->size() != 2)
        refuse.tensor(name, "data_offsets has " + std::to_string(off->size()) + " elements, not 2 [begin, end]");
    const std::optional<std::uint64_t> b = as_uint((*off)[0]), en = as_uint((*off)[1]);
    if (!b || !en)
        refuse.tensor(name, "data_offsets [" + describe((*off)[0]) + ", " + describe((*off)[1]) +
                                "] are not two non-negative integers");
    const std::string offsets = "data_offsets [" + std::to_string(*b) + ", " + std::to_string(*en) + "]";
    if (*b > *en) refuse.tensor(name, offsets + " end before they begin");
    if (*en > data_size)
        refuse.tensor(name, offsets + " run past the " + std::to_string(data_size) + "-byte data buffer");
    if (*en - *b != *needed)
        refuse.tensor(name, offsets + " hold " + std::to_string(*en - *b) + " bytes but " + shape_of + " needs " +
                                std::to_string(*needed));
    t.begin = *b;
    t.end = *en;
    return t;
}

// Closes a descriptor on every path out of open_safetensors (the mapping outlives it).
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)),
      map_(std::exchange(o.map_, nullptr)),
      map_size_(std::exchange(o.map_size_, 0)),
      tensors_(std::move(o.tensors_)),
      by_name_(std::move(o.by_name_)),
      metadata_(std::move(o.metadata_)) {}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
    if (this != &o) {
        unmap();
        path_ = std::move(o.path_);
        map_ = std::exchange(o.map_, nullptr);
        map_size_ = std::exchange(o.map_size_, 0);
        tensors_ = std::move(o.tensors_);
        by_name_ = std::move(o.by_name_);
        metadata_ = std::move(o.metadata_);
    }
    return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() noexcept {
    if (map_) ::munmap(map_, map_size_);
    map_ = nullptr;
    map_size_ = 0;
}

SafetensorsLayout parse_safetensors(std::span<const std::byte> file_bytes, const fs::path& file) {
    const Refuse refuse(file);
    const std::uint64_t file_size = file_bytes.size();
    const std::byte* base = file_bytes.data();
    if (file_size < 8)
        refuse.header("the file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length");

    // 1. The header length: within the limit and within the file.
    std::uint64_t n = 0;
    std::memcpy(&n, base, 8);  // little-endian host (static_assert above)
    if (n > kMaxSafetensorsHeader)
        refuse.header("header length " + std::to_string(n) + " exceeds the " +
                      std::to_string(kMaxSafetensorsHeader >> 20) + " MiB limit");
    if (n > file_size - 8)
        refuse.header("header length " + std::to_string(n) + " runs past the end of the file (" +
                      std::to_string(file_size - 8) + " bytes follow the length)");
    const std::string_view text(reinterpret_cast<const char*>(base + 8), static_cast<std::size_t>(n));
    const std::uint64_t data_size = file_size - 8 - n;

    // 2. The header text: starts with '{' (as the reference requires; also refuses a BOM, which
    // nlohmann would skip), UTF-8 throughout, one JSON object within the depth limit, no repeated key.
    if (text.empty() || text.front() != '{') refuse.header("the header does not start with '{'");
    if (const std::size_t bad = utf8_error(text); bad != std::string_view::npos)
        refuse.header("the header is not valid UTF-8 (at byte " + std::to_string(8 + bad) + " of the file)");
    // nlohmann's lexer takes a NUL for the end of input and would ignore whatever follows it.
    if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
        refuse.header("the header holds a NUL byte (at byte " + std::to_string(8 + nul) + " of the file)");
    json root;
    try {
        HeaderGuard guard(refuse);
        root = json::parse(text.begin(), text.end(), std::ref(guard));
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
        refuse.header("the header is not valid JSON: " + json_reason(e));
    }
    if (!root.is_object()) refuse.header("the header is not a JSON object");

    // 3. Every entry.
    SafetensorsLayout out;
    for (const auto& [name, value] : root.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) refuse.metadata(" is " + describe(value) + ", not an object of string → string");
            for (const auto& [key, v] : value.items()) {
                if (!v.is_string()) refuse.metadata(": " + quote(key) + " is " + describe(v) + ", not a string");
                out.metadata.emplace(key, v.get<std::string>());
            }
            continue;
        }
        out.tensors.push_back(parse_entry(refuse, name, value, data_size));
    }

    // 4. The spans tile the data buffer: sorted by begin, each starts where the last ended.
    std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    std::uint64_t cursor = 0;
    const TensorInfo* last = nullptr;
    for (const TensorInfo& t : out.tensors) {
        const std::string offsets = "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "]";
        if (t.begin < cursor)
            refuse.tensor(t.name, offsets + " overlap tensor " + quote(last->name) + " [" +
                                      std::to_string(last->begin) + ", " + std::to_string(last->end) + "]");
        if (t.begin > cursor)
            refuse.tensor(t.name, offsets + " leave bytes [" + std::to_string(cursor) + ", " +
                                      std::to_string(t.begin) + ") of the data buffer unused" +
                                      (last ? " after tensor " + quote(last->name) : std::string()));
        cursor = t.end;
        last = &t;
    }
    if (cursor != data_size)
        refuse.header("the tensors cover " + std::to_string(cursor) + " of the " + std::to_string(data_size) +
                      "-byte data buffer (" + std::to_string(data_size - cursor) + " trailing bytes)");

    const std::byte* data = base + 8 + n;
    for (TensorInfo& t : out.tensors)
        t.bytes = std::span<const std::byte>(data + t.begin, static_cast<std::size_t>(t.end - t.begin));
    return out;
}

SafetensorsFile open_safetensors(const fs::path& path) {
    SafetensorsFile f;
    f.path_ = path;

    // Map the file (read-only, private), then validate the mapped bytes.
    const Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0) throw std::system_error(errno, std::generic_category(), "cannot stat " + path.string());
    if (!S_ISREG(st.st_mode)) Refuse(f.path_).header("not a regular file");
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    if (file_size > std::numeric_limits<std::size_t>::max()) Refuse(f.path_).header("the file is too large to map");
    // mmap refuses a length of 0; parse_safetensors refuses the empty file with its reason.
    if (file_size > 0) {
        void* map = ::mmap(nullptr, static_cast<std::size_t>(file_size), PROT_READ, MAP_PRIVATE, fd.fd, 0);
        if (map == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "cannot map " + path.string());
        f.map_ = map;  // from here the destructor unmaps, whatever is thrown
        f.map_size_ = static_cast<std::size_t>(file_size);
    }
    SafetensorsLayout layout =
        parse_safetensors(std::span<const std::byte>(static_cast<const std::byte*>(f.map_), f.map_size_), f.path_);
    f.tensors_ = std::move(layout.tensors);
    f.metadata_ = std::move(layout.metadata);
    for (std::size_t i = 0; i < f.tensors_.size(); ++i) f.by_name_.emplace(f.tensors_[i].name, i);
    return f;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafetensorsFile::at(std::string_view name) const {
    if (const TensorInfo* t = find(name)) return *t;
    Refuse(path_).tensor(name, "no tensor of that name in the file");
}

namespace {

bool float_readable(Dtype d) { return d == Dtype::F32 || d == Dtype::F16 || d == Dtype::BF16 || d == Dtype::F64; }

// double → float, round to nearest. A static_cast of a finite double past the float range is
// undefined behaviour, so that range is spelled out: from the halfway point between FLT_MAX and
// 2^128 (a tie, which goes to the even neighbour: inf) the result is ±inf, below it ±FLT_MAX.
float narrow(double v) {
    constexpr double kMax = std::numeric_limits<float>::max();  // (2 − 2^-23)·2^127
    constexpr double kToInf = 0x1.ffffffp127;                    // (2 − 2^-24)·2^127
    if (!(std::abs(v) > kMax)) return static_cast<float>(v);      // in range, or NaN
    const float mag = std::abs(v) >= kToInf ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::max();
    return v < 0 ? -mag : mag;
}

}  // namespace

void SafetensorsFile::release(const TensorInfo& t) const noexcept {
    if (t.bytes.empty()) return;
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto first = reinterpret_cast<std::uintptr_t>(t.bytes.data());
    const std::uintptr_t begin = (first + page - 1) / page * page, end = (first + t.bytes.size()) / page * page;
    // Clean pages of a read-only private file mapping: dropping them loses nothing. A failure only
    // leaves them resident.
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void SafetensorsFile::to_float(const TensorInfo& t, std::span<float> dst) const {
    if (!float_readable(t.dtype))
        Refuse(path_).tensor(t.name, "dtype " + std::string(to_string(t.dtype)) +
                                         " cannot be read as float32 (F32, F16, BF16 and F64 can)");
    if (dst.size() != t.numel)
        throw std::invalid_argument("to_float(" + quote(t.name) + "): destination holds " +
                                    std::to_string(dst.size()) + " floats, the tensor " + std::to_string(t.numel));
    const std::byte* src = t.bytes.data();
    // memcpy per element: data_offsets need not be aligned to the element size.
    switch (t.dtype) {
    case Dtype::F32:
        if (!dst.empty()) std::memcpy(dst.data(), src, dst.size() * sizeof(float));
        return;
    case Dtype::F16:
    case Dtype::BF16: {
        const bool half = t.dtype == Dtype::F16;
        for (std::size_t i = 0; i < dst.size(); ++i) {
            std::uint16_t v;
            std::memcpy(&v, src + 2 * i, 2);
            dst[i] = half ? half_to_float(v) : bf16_to_float(v);
        }
        return;
    }
    case Dtype::F64:
        for (std::size_t i = 0; i < dst.size(); ++i) {
            double v;
            std::memcpy(&v, src + 8 * i, 8);
            dst[i] = narrow(v);
        }
        return;
    default:
        ATTNVIZ_ASSERT(false && "float_readable() and this switch disagree");
    }
}

std::vector<float> SafetensorsFile::to_float(const TensorInfo& t) const {
    if (!float_readable(t.dtype)) to_float(t, std::span<float>());  // refuses before allocating
    std::vector<float> out(static_cast<std::size_t>(t.numel));
    to_float(t, out);
    return out;
}

MatRM SafetensorsFile::to_matrix(const TensorInfo& t) const {
    if (t.shape.size() > 2)
        Refuse(path_).tensor(t.name, "shape " + fmt_shape(t.shape) + " is not a matrix (rank " +
                                         std::to_string(t.shape.size()) + ")");
    const auto rows = static_cast<Eigen::Index>(t.shape.size() == 2 ? t.shape[0] : 1);
    const auto cols = static_cast<Eigen::Index>(t.shape.empty() ? 1 : t.shape.back());
    MatRM m(rows, cols);  // [rows, cols], row-major like the file
    to_float(t, std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
    return m;
}

}  // namespace attnviz
