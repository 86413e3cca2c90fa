#pragma once
// An append-only CSV log (one row per step or epoch). Each row is flushed as it is written, so a
// crash loses at most the row in flight and never corrupts earlier ones.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "aegan/error.hpp"

namespace aegan::io {

class CsvWriter {
 public:
  /// Creates (truncates) `path` and writes the header row.
  CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& columns) : path_(path), columns_(columns.size()) {
    if (columns.empty()) throw ValueError("CsvWriter(" + path.string() + "): no columns");
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) throw IoError("cannot write " + path.string() + ": " + std::strerror(errno));
    std::string header;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) header += ',';
      header += columns[i];
    }
    put(header);
  }
  ~CsvWriter() {
    if (file_) std::fclose(file_);
  }
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  void row(const std::vector<double>& values) {
    if (values.size() != columns_)
      throw ValueError("CsvWriter(" + path_.string() + "): row of " + std::to_string(values.size()) + " values for " +
                       std::to_string(columns_) + " columns");
    std::string line;
    char buf[32];
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.9g", values[i]);
      if (i) line += ',';
      line += buf;
    }
    put(line);
  }

 private:
  void put(const std::string& line) {
    if (std::fprintf(file_, "%s\n", line.c_str()) < 0 || std::fflush(file_) != 0)
      throw IoError("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
  std::filesystem::path path_;
  std::size_t columns_;
  std::FILE* file_ = nullptr;
};

}  // namespace aegan::io
