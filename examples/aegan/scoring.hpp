#pragma once
// The numbers a run reports: SWD for every dataset (no labels needed), and FID, class coverage
// and class-histogram KL when the data is labelled and a scoring classifier for it exists, each
// next to its real-vs-real floor, as JSON for metrics.json and as lines for the terminal.
#include <aegan/aegan.hpp>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "run_data.hpp"

namespace aegan_cli {

using T = float;
using Tensor = aegan::Tensor<T>;

inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// [-1, 1] -> [0, 1]
inline Tensor to_unit_range(const Tensor& x) {
  Tensor y = x;
  y.array() = (y.array() + T(1)) * T(0.5);
  return y;
}

inline std::string swd_json(const aegan::train::SwdResult& r) {
  std::string levels;
  for (std::size_t i = 0; i < r.per_level.size(); ++i) levels += (i ? ", " : "") + json_number(r.per_level[i]);
  return "{\"mean\": " + json_number(r.mean) + ", \"per_level\": [" + levels + "]}";
}

/// Scores generated images (in [0, 1]) against a run's real images.
class Scorer {
 public:
  /// `classifier`: a file written by `aegan classifier` (or examples/mnist_classifier) for this
  /// data; scored by FID only when it exists and the data is labelled.
  Scorer(const RunData& data, const fs::path& classifier) : data_(data) {
    reference_ = data.reference.images<T>(aegan::data::PixelRange::ZeroOne);
    floor_set_ = data.floor_set.images<T>(aegan::data::PixelRange::ZeroOne);
    if (reference_.dim(0) >= 2) swd_floor_ = aegan::train::sliced_wasserstein(floor_set_, reference_);
    if (data.reference.labelled() && !classifier.empty() && fs::exists(classifier))
      evaluator_.emplace(classifier);
  }

  Index sample_count() const { return reference_.dim(0); }
  bool has_fid() const { return evaluator_.has_value(); }

  /// One JSON object for these samples; prints one line.
  std::string score(const std::string& name, const Tensor& samples01) {
    std::string json = "{";
    std::string line = name + ":";
    if (swd_floor_) {
      const auto swd = aegan::train::sliced_wasserstein(samples01, reference_);
      json += "\"swd\": " + swd_json(swd);
      line += " SWD " + json_number(swd.mean) + " (floor " + json_number(swd_floor_->mean) + ")";
    }
    if (evaluator_) {
      const auto s = evaluator_->score(samples01, reference_, data_.reference.labels, floor_set_);
      const auto classes = evaluator_->classifier().classes();
      json += std::string(swd_floor_ ? ", " : "") + "\"fid\": " + json_number(s.fid) + ", \"fid_floor\": " + json_number(s.fid_floor) +
              ", \"coverage\": " + std::to_string(s.coverage) + ", \"classes\": " + std::to_string(classes) +
              ", \"class_kl\": " + json_number(s.class_kl);
      line += "  FID " + json_number(s.fid) + " (floor " + json_number(s.fid_floor) + ")  coverage " + std::to_string(s.coverage) +
              "/" + std::to_string(classes) + "  class KL " + json_number(s.class_kl);
    }
    std::printf("%s\n", line.c_str());
    return json + "}";
  }

  std::string floor_json() const { return swd_floor_ ? swd_json(*swd_floor_) : "null"; }

 private:
  const RunData& data_;
  Tensor reference_, floor_set_;
  std::optional<aegan::train::SwdResult> swd_floor_;
  std::optional<aegan::train::ImageEvaluator<T>> evaluator_;
};

}  // namespace aegan_cli
