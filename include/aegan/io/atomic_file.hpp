#pragma once
// Writes a file so that readers see either the old complete file or the new complete one, never
// a half-written mix: write next to the target under a temporary name, check every write, then
// rename over the target (atomic on POSIX file systems).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

#include "aegan/error.hpp"

namespace aegan::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target)
      : target_(std::move(target)), temp_(target_.string() + ".tmp" + std::to_string(::getpid())) {
    const auto dir = target_.parent_path();
    std::error_code ec;  // the error_code overloads: a filesystem_error is not an aegan::Error
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
      throw IoError("cannot write " + target_.string() + ": " +
                    (std::filesystem::exists(dir, ec) ? dir.string() + " is not a folder" : "folder " + dir.string() + " does not exist"));
    file_ = std::fopen(temp_.c_str(), "wb");
    if (!file_) throw IoError("cannot write " + target_.string() + ": cannot create " + temp_.string() + " (" + std::strerror(errno) + ")");
  }
  ~AtomicFile() {
    if (file_) std::fclose(file_);
    if (!committed_) {
      std::error_code ignored;
      std::filesystem::remove(temp_, ignored);
    }
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t bytes) {
    if (bytes && std::fwrite(data, 1, bytes, file_) != bytes)
      throw IoError("cannot write " + target_.string() + ": write failed after " + std::to_string(written_) + " bytes (" +
                    std::strerror(errno) + ")");
    written_ += bytes;
  }
  void write(std::string_view text) { write(text.data(), text.size()); }

  /// Flushes to disk and renames over the target. Without commit() the target is left untouched.
  void commit() {
    const bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    const int err = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok || !closed) throw IoError("cannot write " + target_.string() + ": flush failed (" + std::strerror(err) + ")");
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) throw IoError("cannot write " + target_.string() + ": rename from " + temp_.string() + " failed (" + ec.message() + ")");
    committed_ = true;
  }

  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  std::filesystem::path target_, temp_;
  std::FILE* file_ = nullptr;
  std::size_t written_ = 0;
  bool committed_ = false;
};

/// Writes `bytes` to `path` atomically.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

}  // namespace aegan::io
