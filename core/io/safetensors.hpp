// safetensors: a streaming writer (trace export) and a validating, memory-mapped reader
// (Hugging Face checkpoints from untrusted files).
//
// Layout: 8 bytes little-endian u64 N, then N bytes of UTF-8 JSON (padded with spaces so 8 + N is a
// multiple of 8), then one data buffer; every tensor's data_offsets [begin, end) is relative to it.
//   {"__metadata__": {string: string}, NAME: {"dtype": "F32", "shape": [d0, ...], "data_offsets": [b, e]}, ...}
// Tensor data is row-major (C order), little-endian, with no padding between tensors.
//
// [SECTION] dtypes
// [SECTION] errors
// [SECTION] writer
// [SECTION] reader
// [SECTION] scalar conversions
#pragma once

#include "core/types.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz {

// ---- [SECTION] dtypes ----------------------------------------------------------------------------

enum class Dtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::string_view to_string(Dtype dtype);          // "F32", "BF16", ... as written in the header
std::optional<Dtype> parse_dtype(std::string_view s);  // exact, case-sensitive; nullopt if unknown
std::size_t dtype_size(Dtype dtype);              // bytes per element (BOOL: 1)

// ---- [SECTION] errors ----------------------------------------------------------------------------

// A safetensors file the reader refuses, or a tensor it cannot convert. The message names the file,
// the tensor or field and the rule broken, e.g.
//   model.safetensors: tensor "h.0.attn.c_attn.weight": data_offsets [0, 96] hold 96 bytes but shape
//   [3, 4] of F32 needs 48
// Strings taken from the file are quoted, escaped and cut to at most 60 bytes.
class FormatError : public std::runtime_error {
public:
    FormatError(std::filesystem::path file, std::string field, const std::string& message)
        : std::runtime_error(message), file_(std::move(file)), field_(std::move(field)) {}
    const std::filesystem::path& file() const { return file_; }
    // The tensor name (cut to 60 bytes), "__metadata__", or "header" for the file layout and JSON.
    const std::string& field() const { return field_; }

private:
    std::filesystem::path file_;
    std::string field_;
};

// ---- [SECTION] writer ----------------------------------------------------------------------------

// Writes one safetensors file in three phases, holding at most one conversion chunk of data:
//   1. set_metadata() and declare() every tensor; total_bytes() is then the exact file size;
//   2. begin(out) writes the length prefix and the header;
//   3. write() each tensor's elements in declaration order (one call or several chunks per tensor),
//      then finish().
// Tensors are laid out in declaration order; the header lists __metadata__ (omitted when empty)
// first, then the tensors in declaration order, as compact JSON padded with spaces to 8 bytes.
// Errors: bad names, shapes or metadata throw std::invalid_argument; calls out of phase, out of
// order, with the wrong element type for the dtype, or with more or fewer elements than declared
// throw std::logic_error; a failing stream throws std::runtime_error. The writer does not close,
// rename or remove anything: atomic replacement of a file is the caller's.
class SafetensorsWriter {
public:
    // Phase 1. Keys and values must be valid UTF-8.
    void set_metadata(std::string key, std::string value);
    // name: non-empty valid UTF-8, unique, not "__metadata__"; shape: every dim >= 0 ([] is a scalar).
    void declare(std::string name, Dtype dtype, std::vector<std::int64_t> shape);

    // Exact size of the file: 8 + padded header + data. Declarations after this call are still
    // allowed before begin(), and change it.
    std::uint64_t total_bytes() const;
    std::uint64_t header_bytes() const;  // the padded N written in the length prefix

    // Phase 2. `out` must outlive the writer's use of it (until finish()); opened in binary mode.
    void begin(std::ostream& out);

    // Phase 3. `count` elements of the next tensor (or the rest of the current one).
    // float: the tensor's dtype may be F32 (verbatim), F64 (widened), F16 or BF16 (rounded to nearest
    // even; NaN stays NaN, magnitudes that round past the largest finite value become ±inf).
    void write(std::string_view name, const float* data, std::size_t count);
    void write(std::string_view name, const double* data, std::size_t count);        // F64 only
    void write(std::string_view name, const std::int64_t* data, std::size_t count);  // I64 only
    void write(std::string_view name, const std::int32_t* data, std::size_t count);  // I32 only
    // A whole matrix or a block of rows, row-major element order whatever its strides.
    void write(std::string_view name, const Eigen::Ref<const MatRM>& m);
    // Raw little-endian element bytes for any dtype; `bytes.size()` must be a multiple of the size.
    void write_raw(std::string_view name, std::span<const std::byte> bytes);

    // Checks that every tensor got all its bytes, then flushes the stream.
    void finish();

private:
    struct Decl {
        std::string name;
        Dtype dtype;
        std::vector<std::int64_t> shape;
        std::uint64_t bytes = 0;
    };
    const std::string& header() const;  // padded JSON, built on demand
    // Checks phase, order, dtype and count for `count` elements of `name`, then books their bytes.
    const Decl& take(std::string_view name, std::size_t count, std::initializer_list<Dtype> accepted,
                     const char* type);
    void emit(const void* data, std::size_t bytes);

    std::map<std::string, std::string> metadata_;
    std::vector<Decl> decls_;
    std::map<std::string, std::size_t, std::less<>> index_;  // name → index in decls_
    std::uint64_t data_bytes_ = 0;
    mutable std::string header_;       // cache; empty when stale
    std::ostream* out_ = nullptr;      // set by begin()
    std::size_t current_ = 0;          // index of the tensor being written
    std::uint64_t written_ = 0;        // bytes of decls_[current_] written so far
    bool finished_ = false;
};

// ---- [SECTION] reader ----------------------------------------------------------------------------

inline constexpr std::uint64_t kMaxSafetensorsHeader = 100ull << 20;  // 100 MiB of header JSON
inline constexpr int kMaxSafetensorsDepth = 64;                         // JSON nesting levels

struct TensorInfo {
    std::string name;
    Dtype dtype = Dtype::F32;
    std::vector<std::int64_t> shape;   // row-major; [] is a scalar
    std::uint64_t numel = 0;           // product of shape (1 for a scalar)
    std::uint64_t begin = 0, end = 0;  // data_offsets, relative to the data buffer
    // end - begin bytes inside the mapping, valid while the SafetensorsFile (or what it was moved
    // into) lives. Not necessarily aligned to the element size: read through memcpy or to_float().
    std::span<const std::byte> bytes;
};

// A validated, read-only memory-mapped safetensors file. Move-only; unmaps on destruction.
// The mapping is MAP_PRIVATE: if another process truncates the file while it is open, touching the
// lost pages raises SIGBUS (no portable way around that with mmap).
class SafetensorsFile {
public:
    SafetensorsFile(SafetensorsFile&& other) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;
    ~SafetensorsFile();

    const std::filesystem::path& path() const { return path_; }
    // Every tensor, in data order (ascending begin; empty tensors sharing a begin: by end, then name).
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    // nullptr when absent.
    const TensorInfo* find(std::string_view name) const;
    // Throws FormatError (`tensor "x": no tensor of that name in the file`) when absent.
    const TensorInfo& at(std::string_view name) const;
    // __metadata__ (empty when the header has none).
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // Conversion to float32, one tensor at a time (the file is never copied whole).
    // F32 verbatim, F16 and BF16 exactly, F64 rounded to nearest (|v| from (2 − 2^-24)·2^127 up → ±inf).
    // Other dtypes throw FormatError naming the tensor.
    std::vector<float> to_float(const TensorInfo& t) const;
    // Into caller memory; dst.size() must equal t.numel (else std::invalid_argument).
    void to_float(const TensorInfo& t, std::span<float> dst) const;
    // Rank 2 [r, c] → [r, c]; rank 1 [n] → [1, n]; rank 0 → [1, 1]; higher ranks throw FormatError.
    MatRM to_matrix(const TensorInfo& t) const;
    // Gives the whole pages inside t's bytes back to the kernel (a loader done with a tensor): they
    // leave this process's resident memory, and reading t again faults them back in from the file.
    void release(const TensorInfo& t) const noexcept;

private:
    friend SafetensorsFile open_safetensors(const std::filesystem::path& path);
    SafetensorsFile() = default;
    void unmap() noexcept;

    std::filesystem::path path_;
    void* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::size_t, std::less<>> by_name_;  // name → index in tensors_
    std::map<std::string, std::string> metadata_;
};

// A whole safetensors file's bytes, validated: what open_safetensors checks (see there) once the
// file is mapped, without touching the file system. `file` only names the bytes in messages.
struct SafetensorsLayout {
    // In data order, as SafetensorsFile::tensors(); each `bytes` points into the span parsed,
    // valid while it is.
    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;
};
// Throws FormatError.
SafetensorsLayout parse_safetensors(std::span<const std::byte> file_bytes, const std::filesystem::path& file);

// Maps `path` and validates all of it before any tensor byte is read:
//   - a regular file of at least 8 bytes; header length N <= file size - 8 and <= 100 MiB;
//   - the header starts with '{', is valid UTF-8 without NUL bytes and a JSON object nested at most
//     64 levels deep, with no key repeated in any object;
//   - __metadata__, when present, is an object of string → string;
//   - every other entry is {"dtype": one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL,
//     "shape": [non-negative integers whose product × dtype size fits in 64 bits],
//     "data_offsets": [begin, end] with begin <= end <= data size and end - begin == bytes needed}
//     (other fields are ignored, as the reference reader does);
//   - the spans tile the data buffer exactly: sorted by begin, each starts where the previous ended
//     (no overlap, no gap), from 0 to the end of the file (no trailing bytes).
// Throws FormatError (file content) or std::system_error (cannot open, stat or map).
SafetensorsFile open_safetensors(const std::filesystem::path& path);

// ---- [SECTION] scalar conversions ----------------------------------------------------------------

// IEEE 754 binary16 ↔ binary32. half_to_float is exact (subnormals, ±inf, NaN kept);
// float_to_half rounds to nearest even, overflows to ±inf, keeps NaN a NaN.
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
// bfloat16 is the upper 16 bits of a float32. bf16_to_float is exact; float_to_bf16 rounds to
// nearest even and keeps NaN a (quiet) NaN.
float bf16_to_float(std::uint16_t b);
std::uint16_t float_to_bf16(float f);

}  // namespace attnviz
