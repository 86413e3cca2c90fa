#pragma once
// Archive: named tensors, integer lists and text in one versioned binary file with a CRC-32 over
// its payload, written atomically (temporary file + rename). The trainer's checkpoints are archives
// (train::Checkpoint); a model file can be one too. The loader treats the file as untrusted: it
// checks magic, version, sizes and checksum before it allocates or parses, and every refusal is an
// IoError naming the file and the problem. Messages call the file what the caller loads it as
// ("checkpoint" unless told, "model file" for models/generator_model.hpp).
//
// Layout (little-endian):
//   "AEGANCKP" | u32 version | u64 payload_bytes | u32 crc32(payload) | payload
//   payload  = u32 entry_count, entries...
//   entry    = u8 kind | u32 name_length | name | body
//   body     = tensor: u8 rank, rank × u64 dims, data (f32 or f64) | ints: u64 count, count × i64
//            | text: u64 length, bytes
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <zlib.h>

#include "aegan/io/atomic_file.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::io {

static_assert(std::endian::native == std::endian::little, "aegan archives assume a little-endian host");

class Archive {
 public:
  static constexpr char kMagic[8] = {'A', 'E', 'G', 'A', 'N', 'C', 'K', 'P'};
  static constexpr std::uint32_t kVersion = 1;
  static constexpr std::uint64_t kMaxPayload = std::uint64_t(4) << 30;  // 4 GiB: far above any model here
  static constexpr std::size_t kHeaderBytes = 8 + 4 + 8 + 4;

  using Ints = std::vector<std::int64_t>;
  using Entry = std::variant<Tensor<float>, Tensor<double>, Ints, std::string>;

  template <Scalar T>
  void put(const std::string& name, const Tensor<T>& t) { entries_[name] = t; }
  void put_ints(const std::string& name, Ints v) { entries_[name] = std::move(v); }
  void put_text(const std::string& name, std::string v) { entries_[name] = std::move(v); }

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const std::map<std::string, Entry>& entries() const { return entries_; }

  /// The tensor `name`, which must have element type T and, when given, shape `expected`.
  template <Scalar T>
  const Tensor<T>& tensor(const std::string& name, const Shape* expected = nullptr) const {
    const auto* t = std::get_if<Tensor<T>>(&find(name));
    if (!t) throw IoError(where() + ": entry '" + name + "' is not a " + (std::is_same_v<T, float> ? "float" : "double") + " tensor");
    if (expected && !(t->shape() == *expected))
      throw ShapeError(where() + ": tensor '" + name + "' has shape " + t->shape().to_string() + ", the model expects " +
                       expected->to_string());
    return *t;
  }
  const Ints& ints(const std::string& name) const {
    const auto* v = std::get_if<Ints>(&find(name));
    if (!v) throw IoError(where() + ": entry '" + name + "' is not an integer list");
    return *v;
  }
  const std::string& text(const std::string& name) const {
    const auto* v = std::get_if<std::string>(&find(name));
    if (!v) throw IoError(where() + ": entry '" + name + "' is not text");
    return *v;
  }

  /// Serializes and writes atomically: an existing file at `path` survives any failure intact.
  void save(const std::filesystem::path& path) const {
    std::string payload;
    append_pod(payload, static_cast<std::uint32_t>(entries_.size()));
    for (const auto& [name, entry] : entries_) {
      append_pod(payload, static_cast<std::uint8_t>(entry.index()));
      append_pod(payload, static_cast<std::uint32_t>(name.size()));
      payload += name;
      std::visit([&](const auto& v) { append_body(payload, v); }, entry);
    }
    std::string header(kMagic, 8);
    append_pod(header, kVersion);
    append_pod(header, static_cast<std::uint64_t>(payload.size()));
    append_pod(header, crc(payload));
    io::AtomicFile file(path);
    file.write(header);
    file.write(payload);
    file.commit();
  }

  /// Reads and validates an archive file.
  static Archive load(const std::filesystem::path& path, const std::string& label = "checkpoint") {
    // Only regular files: a folder would "open" and report a nonsense size, a FIFO would block.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::is_directory(status)) throw IoError(label + " " + path.string() + ": is a folder, expected a " + label + " file");
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
      throw IoError(label + " " + path.string() + ": not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(label + " " + path.string() + ": cannot open (" + (std::filesystem::exists(status) ? "unreadable" : "no such file") + ")");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    std::string header(kHeaderBytes, '\0');
    if (size < kHeaderBytes || !in.read(header.data(), static_cast<std::streamsize>(kHeaderBytes)))
      throw IoError(label + " " + path.string() + ": truncated header (" + std::to_string(size) + " bytes, expected at least " +
                    std::to_string(kHeaderBytes) + ")");
    return parse(header, in, size, path.string(), label);
  }

  /// Parses archive bytes already in memory (the fuzzer's entry point); `origin` names them in errors.
  static Archive from_bytes(const std::string& bytes, const std::string& origin = "<memory>", const std::string& label = "checkpoint") {
    if (bytes.size() < kHeaderBytes)
      throw IoError(label + " " + origin + ": truncated header (" + std::to_string(bytes.size()) + " bytes, expected at least " +
                    std::to_string(kHeaderBytes) + ")");
    std::istringstream in(bytes.substr(kHeaderBytes));
    return parse(bytes.substr(0, kHeaderBytes), in, bytes.size(), origin, label);
  }

  const std::string& origin() const { return origin_; }
  /// What the file was loaded as: "checkpoint", "model file".
  const std::string& label() const { return label_; }

 private:
  const Entry& find(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw IoError(where() + ": missing entry '" + name + "'");
    return it->second;
  }
  std::string where() const { return label_ + " " + (origin_.empty() ? std::string("<unsaved>") : origin_); }

  static std::uint32_t crc(const std::string& s) {
    uLong c = crc32(0L, Z_NULL, 0);
    std::size_t done = 0;
    while (done < s.size()) {  // crc32 takes a uInt length
      const auto n = static_cast<uInt>(std::min<std::size_t>(s.size() - done, 1u << 30));
      c = crc32(c, reinterpret_cast<const Bytef*>(s.data() + done), n);
      done += n;
    }
    return static_cast<std::uint32_t>(c);
  }
  template <class P>
  static void append_pod(std::string& out, P v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <Scalar T>
  static void append_body(std::string& out, const Tensor<T>& t) {
    append_pod(out, static_cast<std::uint8_t>(t.rank()));
    for (Index d : t.shape()) append_pod(out, static_cast<std::uint64_t>(d));
    out.append(reinterpret_cast<const char*>(t.data()), static_cast<std::size_t>(t.numel()) * sizeof(T));
  }
  static void append_body(std::string& out, const Ints& v) {
    append_pod(out, static_cast<std::uint64_t>(v.size()));
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(std::int64_t));
  }
  static void append_body(std::string& out, const std::string& v) {
    append_pod(out, static_cast<std::uint64_t>(v.size()));
    out += v;
  }

  /// Bounds-checked reading of the payload: every read states what it was reading.
  struct Reader {
    const std::string& bytes;
    std::size_t at;
    const std::string& origin;
    void need(std::uint64_t n, const char* what) const {
      if (n > bytes.size() - at)
        throw IoError(origin + ": truncated payload reading " + what + " (needs " + std::to_string(n) +
                      " bytes at offset " + std::to_string(at) + ", " + std::to_string(bytes.size() - at) + " left)");
    }
    template <class P>
    P pod(const char* what) {
      need(sizeof(P), what);
      P v;
      std::memcpy(&v, bytes.data() + at, sizeof v);
      at += sizeof v;
      return v;
    }
    std::string str(std::uint64_t n, const char* what) {
      need(n, what);
      std::string s = bytes.substr(at, static_cast<std::size_t>(n));
      at += static_cast<std::size_t>(n);
      return s;
    }
  };

  template <Scalar T>
  static Tensor<T> read_tensor(Reader& r, const std::string& name) {
    const auto rank = r.pod<std::uint8_t>("tensor rank");
    if (rank > Shape::kMaxRank)
      throw IoError(r.origin + ": tensor '" + name + "' claims rank " + std::to_string(rank) + " (max " +
                    std::to_string(Shape::kMaxRank) + ")");
    std::vector<Index> dims;
    std::uint64_t count = 1;
    std::uint64_t extent = 1;  // product of the non-zero dims: bounded even when a 0 makes count 0
    for (int i = 0; i < rank; ++i) {
      const auto d = r.pod<std::uint64_t>("tensor dimension");
      // Reject before multiplying past the bytes actually present (no overflow, no huge allocation).
      if (d != 0 && count > (r.bytes.size() - r.at) / sizeof(T) / d)
        throw IoError(r.origin + ": tensor '" + name + "' claims more elements than the file holds");
      // An empty tensor ([0, d...]) holds no bytes, but its other dims must still be sane sizes
      // whose products (numel_from, strides) cannot overflow an Index.
      if (d != 0 && extent > kMaxPayload / d)
        throw IoError(r.origin + ": tensor '" + name + "' claims dimension " + std::to_string(d) +
                      ", beyond any tensor a checkpoint can hold");
      count *= d;
      if (d != 0) extent *= d;
      dims.push_back(static_cast<Index>(d));
    }
    r.need(count * sizeof(T), "tensor data");
    Tensor<T> t = Tensor<T>::uninitialized(Shape(std::span<const Index>(dims)));
    if (count) std::memcpy(t.data(), r.bytes.data() + r.at, count * sizeof(T));
    r.at += count * sizeof(T);
    return t;
  }

  static Archive parse(const std::string& header, std::istream& in, std::uint64_t file_size, const std::string& origin,
                       const std::string& label) {
    const std::string who = label + " " + origin;
    auto fail = [&](const std::string& what) { return IoError(who + ": " + what); };
    if (std::memcmp(header.data(), kMagic, 8) != 0) throw fail("not an aegan checkpoint (bad magic)");
    std::uint32_t version, stored_crc;
    std::uint64_t payload_bytes;
    std::memcpy(&version, header.data() + 8, 4);
    std::memcpy(&payload_bytes, header.data() + 12, 8);
    std::memcpy(&stored_crc, header.data() + 20, 4);
    if (version != kVersion)
      throw fail("format version " + std::to_string(version) + ", this build reads version " + std::to_string(kVersion));
    if (payload_bytes > kMaxPayload || payload_bytes != file_size - kHeaderBytes)
      throw fail("header claims " + std::to_string(payload_bytes) + " payload bytes, the file has " +
                 std::to_string(file_size - kHeaderBytes) + " (truncated or corrupted)");
    std::string payload(static_cast<std::size_t>(payload_bytes), '\0');
    if (!in.read(payload.data(), static_cast<std::streamsize>(payload_bytes))) throw fail("read error in payload");
    if (crc(payload) != stored_crc) throw fail("checksum mismatch (the file is corrupted)");

    Archive ck;
    ck.origin_ = origin;
    ck.label_ = label;
    Reader r{payload, 0, who};
    const auto n = r.pod<std::uint32_t>("entry count");
    for (std::uint32_t e = 0; e < n; ++e) {
      const auto kind = r.pod<std::uint8_t>("entry kind");
      const auto name_len = r.pod<std::uint32_t>("entry name length");
      if (name_len == 0 || name_len > 4096) throw fail("entry name length " + std::to_string(name_len) + " out of range");
      std::string name = r.str(name_len, "entry name");
      if (ck.entries_.count(name)) throw fail("duplicate entry '" + name + "'");
      switch (kind) {
        case 0: ck.entries_[name] = read_tensor<float>(r, name); break;
        case 1: ck.entries_[name] = read_tensor<double>(r, name); break;
        case 2: {
          const auto count = r.pod<std::uint64_t>("integer count");
          if (count > (payload.size() - r.at) / sizeof(std::int64_t)) throw fail("integer list '" + name + "' is longer than the file");
          Ints v(static_cast<std::size_t>(count));
          if (count) std::memcpy(v.data(), payload.data() + r.at, v.size() * sizeof(std::int64_t));
          r.at += v.size() * sizeof(std::int64_t);
          ck.entries_[name] = std::move(v);
          break;
        }
        case 3: {
          const auto len = r.pod<std::uint64_t>("text length");
          ck.entries_[name] = r.str(len, "text");
          break;
        }
        default: throw fail("entry '" + name + "' has unknown kind " + std::to_string(kind));
      }
    }
    if (r.at != payload.size()) throw fail(std::to_string(payload.size() - r.at) + " unexpected bytes after the last entry");
    return ck;
  }

  std::map<std::string, Entry> entries_;
  std::string origin_;
  std::string label_ = "checkpoint";
};

}  // namespace aegan::io
