#pragma once
// Dataset: images with optional labels, what loaders produce and BatchLoader and the trainer
// consume. An empty label list means unlabelled data (a GAN needs no labels); otherwise there is
// one label per image.
#include <cstdint>
#include <string>
#include <vector>

#include "aegan/error.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::data {

/// Whether a consumer of images and labels accepts unlabelled data.
enum class Labels { Optional, Required };

/// Checks `labels` against `images` [N, ...]: one label per image, or (when `need` is Optional)
/// none at all. `who` starts the message. A wrong count is a ShapeError naming both counts;
/// missing labels where they are required is a ValueError.
template <Scalar T>
void check_labels(const Tensor<T>& images, const std::vector<std::uint8_t>& labels, const std::string& who,
                  Labels need = Labels::Optional) {
  const Index n = images.rank() == 0 ? 0 : images.dim(0);
  if (labels.empty() && need == Labels::Optional) return;
  if (labels.empty())
    throw ValueError(who + ": needs labelled data, got " + std::to_string(n) + " images without labels");
  if (static_cast<Index>(labels.size()) != n)
    throw ShapeError(who + ": images " + images.shape().to_string() + " hold " + std::to_string(n) + " images but there are " +
                     std::to_string(labels.size()) + " labels, expected one label per image" +
                     (need == Labels::Optional ? " or none (unlabelled data)" : ""));
}

/// Images [N, C, H, W] (or any [N, ...]) and either one label per image or none. Labels are kept
/// as stored: MNIST uses 0..9, but other IDX datasets (EMNIST letters: 1..26) do not, so no range
/// is imposed here.
template <Scalar T>
struct Dataset {
  Tensor<T> images;
  std::vector<std::uint8_t> labels;  // empty: unlabelled

  /// The number of images.
  Index size() const { return images.rank() == 0 ? 0 : images.dim(0); }
  bool labelled() const { return !labels.empty(); }
  /// Throws ShapeError unless the labels are absent or one per image (see check_labels).
  void validate(const std::string& who = "Dataset") const { check_labels(images, labels, who); }
};

}  // namespace aegan::data
