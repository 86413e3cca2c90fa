#pragma once
// File helpers shared by the tests that write real files: a per-process scratch folder and
// whole-file reads and writes.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace aegan::test {

/// `name` inside a scratch folder for `suite`, unique to this process (created on first use).
inline std::filesystem::path scratch_path(const std::string& suite, const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("aegan_test_" + suite + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

}  // namespace aegan::test
