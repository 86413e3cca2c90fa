#pragma once
// A training progress bar: a redrawn single line with ETA and running values on a terminal, and
// plain occasional lines when the output is a file or a pipe (CI logs stay readable).
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "aegan/tensor/shape.hpp"

namespace aegan::io {

inline std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

class ProgressBar {
 public:
  /// `total` steps; `label` leads the line. Redraws in place only when `out` is a terminal.
  ProgressBar(Index total, std::string label, std::FILE* out = stderr)
      : total_(total), label_(std::move(label)), out_(out), tty_(::isatty(::fileno(out)) != 0),
        start_(std::chrono::steady_clock::now()) {}

  /// Reports that `done` of `total` steps are finished, with named running values.
  void update(Index done, const std::vector<std::pair<std::string, double>>& values = {}) {
    const double elapsed = seconds_since_start();
    const double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0.0;
    std::string stats;
    char buf[64];
    for (auto& [name, v] : values) {
      std::snprintf(buf, sizeof buf, " %s %.4g", name.c_str(), v);
      stats += buf;
    }
    if (tty_) {
      const int width = 24;
      const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
      std::fprintf(out_, "\r%s [%s%s] %lld/%lld %s<%s%s\033[K", label_.c_str(), std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total_), format_duration(elapsed).c_str(), format_duration(eta).c_str(), stats.c_str());
      std::fflush(out_);
      return;
    }
    // Plain mode: about every 10% and at the end.
    const Index bucket = total_ > 0 ? done * 10 / total_ : 10;
    if (bucket == last_bucket_ && done != total_) return;
    last_bucket_ = bucket;
    std::fprintf(out_, "%s %lld/%lld elapsed %s eta %s%s\n", label_.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total_), format_duration(elapsed).c_str(), format_duration(eta).c_str(), stats.c_str());
  }

  /// Ends the redrawn line so the next output starts on a fresh one.
  void finish() {
    if (tty_) std::fputc('\n', out_);
  }

  double seconds_since_start() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  Index total_;
  std::string label_;
  std::FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  Index last_bucket_ = -1;
};

}  // namespace aegan::io
