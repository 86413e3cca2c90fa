#pragma once
// IDX files (the MNIST container format): a big-endian header — magic 0x0000TTNN (type code TT,
// NN dimensions), then NN uint32 sizes — followed by the raw values. Only unsigned bytes (type
// 0x08, what every MNIST-family dataset uses) are supported. Files may be raw or gzip; zlib tells
// the two apart by the gzip magic bytes, never by the file name.
//
// A header is untrusted input: every size it claims is checked against a limit and, for raw files,
// against the real file size before anything is allocated, so a corrupt or hostile file fails
// with an IoError instead of an out-of-memory kill.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "aegan/error.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::data {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;  // 2051: ubyte, 3 dims [N, rows, cols]
inline constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;  // 2049: ubyte, 1 dim [N]
inline constexpr std::uint8_t kIdxUnsignedByte = 0x08;
/// Larger than any MNIST-family file (EMNIST ByClass train is ~550 MB), small enough that a
/// corrupt header cannot ask for the machine's whole memory.
inline constexpr std::uint64_t kIdxDefaultMaxBytes = std::uint64_t(1) << 30;

/// An unsigned-byte IDX array: row-major values of shape `dims`.
struct IdxArray {
  std::vector<Index> dims;
  std::vector<std::uint8_t> values;
};

namespace detail {

inline std::string describe_magic(std::uint32_t magic) {
  std::string s = std::to_string(magic);
  if (magic == kIdxImagesMagic) return s + " (images)";
  if (magic == kIdxLabelsMagic) return s + " (labels)";
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(magic));
  return s + " (" + hex + ")";
}

inline std::string idx_type_name(unsigned code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "not an IDX type";
  }
}

inline std::string dims_to_string(const std::vector<Index>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

inline std::string errno_message(int err) { return std::generic_category().message(err); }

/// Owns a zlib file handle. zlib reads raw files transparently, so one reader serves both kinds.
class GzFile {
 public:
  GzFile(const std::filesystem::path& path, const char* mode) : file_(gzopen(path.c_str(), mode)) {}
  ~GzFile() {
    if (file_) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  explicit operator bool() const { return file_ != nullptr; }
  gzFile get() const { return file_; }
  /// Closes now so the caller sees the error of the final flush; returns zlib's status.
  int close() {
    const int rc = gzclose(file_);
    file_ = nullptr;
    return rc;
  }

 private:
  gzFile file_;
};

/// Reads up to `n` bytes; returns how many arrived (fewer only at end of data). Throws on a
/// read or decompression error. A gzip stream cut short is reported as end of data, so the
/// caller's "expected N bytes, found M" message covers both kinds of truncation.
inline std::size_t gz_read_some(gzFile f, std::uint8_t* dst, std::size_t n, const std::filesystem::path& path) {
  constexpr std::size_t kChunk = std::size_t(1) << 24;  // gzread takes an unsigned int length
  std::size_t got = 0;
  while (got < n) {
    const unsigned want = static_cast<unsigned>(std::min(kChunk, n - got));
    const int r = gzread(f, dst + got, want);
    if (r < 0) {
      int zerr = Z_OK;
      const char* msg = gzerror(f, &zerr);
      if (zerr == Z_BUF_ERROR) return got;  // "unexpected end of file": a truncated gzip stream
      throw IoError("read_idx: '" + path.string() + "': " +
                    (zerr == Z_ERRNO ? errno_message(errno) : std::string("gzip data is corrupt: ") + msg));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace detail

/// Reads an unsigned-byte IDX file, raw or gzip. With `expected_magic` (kIdxImagesMagic,
/// kIdxLabelsMagic) a file of the other kind is rejected. Data larger than `max_bytes` is
/// rejected before allocation. Every failure is an IoError naming the file, what was expected
/// and what was found.
inline IdxArray read_idx(const std::filesystem::path& file, std::optional<std::uint32_t> expected_magic = {},
                         std::uint64_t max_bytes = kIdxDefaultMaxBytes) {
  const std::string where = "read_idx: '" + file.string() + "': ";
  auto fail = [&](const std::string& what) -> IoError { return IoError(where + what); };

  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) throw fail("file does not exist");
  if (ec) throw fail("cannot access: " + ec.message());
  if (std::filesystem::is_directory(status)) throw fail("is a folder, expected an IDX file");

  errno = 0;
  detail::GzFile f(file, "rb");
  if (!f) throw fail("cannot open: " + (errno ? detail::errno_message(errno) : std::string("out of memory")));
  gzbuffer(f.get(), 1u << 17);  // zlib's 8 KiB default makes large raw files slow to read
  const bool compressed = gzdirect(f.get()) == 0;

  std::array<std::uint8_t, 4> word{};
  std::size_t got = detail::gz_read_some(f.get(), word.data(), 4, file);
  if (got < 4)
    throw fail("ends after " + std::to_string(got) + " bytes, expected a 4-byte IDX magic number");
  const std::uint32_t magic = detail::load_be32(word.data());
  if ((magic >> 16) != 0) {
    char found[16];
    std::snprintf(found, sizeof found, "0x%08X", static_cast<unsigned>(magic));
    throw fail(std::string("not an IDX file: expected a magic number 0x0000TTNN, found ") + found);
  }
  const unsigned type = (magic >> 8) & 0xFF;
  const unsigned ndims = magic & 0xFF;
  if (type != kIdxUnsignedByte) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", type);
    throw fail("unsupported IDX type code " + std::string(code) + " (" + detail::idx_type_name(type) +
               "), expected 0x08 (unsigned byte)");
  }
  if (ndims == 0) throw fail("IDX header declares 0 dimensions, expected at least 1");
  if (expected_magic && magic != *expected_magic)
    throw fail("expected magic " + detail::describe_magic(*expected_magic) + ", found " +
               detail::describe_magic(magic));

  IdxArray out;
  out.dims.reserve(ndims);
  std::uint64_t total = 1;    // exact while within the limit
  std::uint64_t claimed = 1;  // for the message: saturates at 2^64 - 1
  bool over_limit = false;
  for (unsigned i = 0; i < ndims; ++i) {
    got = detail::gz_read_some(f.get(), word.data(), 4, file);
    if (got < 4)
      throw fail("header ends inside dimension " + std::to_string(i) + " of " + std::to_string(ndims) +
                 ", expected " + std::to_string(4 + 4 * ndims) + " header bytes");
    const std::uint32_t d = detail::load_be32(word.data());
    if (d == 0) throw fail("dimension " + std::to_string(i) + " is 0, expected a positive size");
    out.dims.push_back(static_cast<Index>(d));
    // Never overflow: 255 dimensions of 2^32 - 1 do not fit any integer type.
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    claimed = claimed > kMax / d ? kMax : claimed * d;
    if (total > max_bytes / d) over_limit = true;
    else total *= d;
  }
  if (over_limit)
    throw fail("header dims " + detail::dims_to_string(out.dims) + " claim " +
               (claimed == std::numeric_limits<std::uint64_t>::max() ? "over 2^64" : std::to_string(claimed)) +
               " data bytes, more than the limit of " + std::to_string(max_bytes));

  const std::uint64_t header_bytes = 4 + 4 * std::uint64_t(ndims);
  if (!compressed) {
    const std::uintmax_t file_bytes = std::filesystem::file_size(file, ec);
    if (ec) throw fail("cannot get the file size: " + ec.message());
    const std::uint64_t data_bytes = file_bytes - header_bytes;  // >= 0: the header was read
    if (data_bytes != total)
      throw fail("header dims " + detail::dims_to_string(out.dims) + " need " + std::to_string(total) +
                 " data bytes, found " + std::to_string(data_bytes) +
                 (data_bytes < total ? " (file is truncated)" : " (trailing bytes after the data)"));
  }

  // gzip: the decompressed size is unknown until read, so grow the buffer as data actually
  // arrives; a header claiming far more than the stream holds never causes a large allocation.
  constexpr std::uint64_t kFirstChunk = std::uint64_t(1) << 20;
  std::uint64_t have = 0;
  while (have < total) {
    const std::uint64_t target = compressed ? std::min(total, std::max(kFirstChunk, 2 * have)) : total;
    out.values.reserve(static_cast<std::size_t>(target));  // exactly: resize alone may overshoot 2x
    out.values.resize(static_cast<std::size_t>(target));
    const std::size_t n = static_cast<std::size_t>(target - have);
    const std::size_t r = detail::gz_read_some(f.get(), out.values.data() + have, n, file);
    have += r;
    if (r < n)
      throw fail("header dims " + detail::dims_to_string(out.dims) + " need " + std::to_string(total) +
                 " data bytes, found " + std::to_string(have) + " (" + (compressed ? "gzip data" : "file") +
                 " is truncated)");
  }
  std::uint8_t extra = 0;
  if (detail::gz_read_some(f.get(), &extra, 1, file) != 0)
    throw fail("header dims " + detail::dims_to_string(out.dims) + " need " + std::to_string(total) +
               " data bytes, found more (trailing bytes after the data)");
  return out;
}

/// Writes `a` as an unsigned-byte IDX file, gzip-compressed when `gzip`. Atomic: the data goes
/// to `file` + ".tmp" and is renamed over `file` only once every write and the close succeeded,
/// so an existing file is either replaced whole or left untouched.
inline void write_idx(const std::filesystem::path& file, const IdxArray& a, bool gzip = false) {
  const std::string where = "write_idx: '" + file.string() + "': ";
  if (a.dims.empty() || a.dims.size() > 255)
    throw ValueError(where + "an IDX array needs 1 to 255 dimensions, got " + std::to_string(a.dims.size()));
  std::uint64_t total = 1;
  bool overflow = false;
  for (std::size_t i = 0; i < a.dims.size(); ++i) {
    const Index d = a.dims[i];
    if (d <= 0 || d > Index(std::numeric_limits<std::uint32_t>::max()))
      throw ValueError(where + "dimension " + std::to_string(i) + " is " + std::to_string(d) +
                       ", expected 1 to 4294967295");
    const auto ud = static_cast<std::uint64_t>(d);
    if (total > std::numeric_limits<std::uint64_t>::max() / ud) overflow = true;
    else total *= ud;
  }
  if (overflow || total != a.values.size())
    throw ShapeError(where + "dims " + detail::dims_to_string(a.dims) + " hold " +
                     (overflow ? std::string("more than 2^64") : std::to_string(total)) + " values, got " +
                     std::to_string(a.values.size()));

  std::vector<std::uint8_t> header(4 + 4 * a.dims.size());
  detail::store_be32(header.data(), 0x00000800u | static_cast<std::uint32_t>(a.dims.size()));
  for (std::size_t i = 0; i < a.dims.size(); ++i)
    detail::store_be32(header.data() + 4 + 4 * i, static_cast<std::uint32_t>(a.dims[i]));

  std::filesystem::path tmp = file;
  tmp += ".tmp";
  errno = 0;
  // "T" asks zlib for plain, uncompressed output, so both kinds share one checked write path.
  detail::GzFile f(tmp, gzip ? "wb" : "wbT");
  if (!f)  // nothing was created, so there is nothing to clean up (tmp may be someone's folder)
    throw IoError(where + "cannot create '" + tmp.string() + "': " +
                  (errno ? detail::errno_message(errno) : std::string("out of memory")));

  auto abandon = [&](const std::string& what) -> IoError {
    if (f) f.close();
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return IoError(where + what + "; '" + file.string() + "' was left unchanged");
  };
  auto write_all = [&](const std::uint8_t* p, std::size_t n) {
    constexpr std::size_t kChunk = std::size_t(1) << 24;
    while (n > 0) {
      const unsigned len = static_cast<unsigned>(std::min(kChunk, n));
      errno = 0;
      if (gzwrite(f.get(), p, len) != static_cast<int>(len)) {
        int zerr = Z_OK;
        const char* msg = gzerror(f.get(), &zerr);
        throw abandon("writing '" + tmp.string() + "' failed: " +
                      (zerr == Z_ERRNO ? detail::errno_message(errno) : std::string(msg)));
      }
      p += len;
      n -= len;
    }
  };
  write_all(header.data(), header.size());
  write_all(a.values.data(), a.values.size());
  errno = 0;
  if (const int rc = f.close(); rc != Z_OK)  // the final flush of buffered data happens here
    throw abandon("closing '" + tmp.string() + "' failed: " +
                  (rc == Z_ERRNO ? detail::errno_message(errno) : "zlib error " + std::to_string(rc)));

  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw abandon("cannot rename '" + tmp.string() + "' over it: " + ec.message());
}

}  // namespace aegan::data
