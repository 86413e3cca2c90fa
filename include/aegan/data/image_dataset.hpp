#pragma once
// ImageDataset: images kept as 8-bit pixels, what the image-folder and MNIST loaders return.
// A folder of 100k 64×64 RGB images costs 1.2 GB this way instead of 4.9 GB as floats; batches
// (data/loader.hpp) and metric subsets are converted to floats when they are drawn.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "aegan/data/dataset.hpp"
#include "aegan/error.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::data {

/// ZeroOne suits sigmoid outputs and BCE; MinusOneOne suits tanh outputs (DCGAN convention).
enum class PixelRange { ZeroOne, MinusOneOne };

/// The value of each 8-bit level in `range`: one table lookup per pixel is exact, and the same
/// bits on every platform and for every path that converts pixels.
template <Scalar T>
std::array<T, 256> pixel_table(PixelRange range) {
  std::array<T, 256> lut{};
  for (int v = 0; v < 256; ++v)
    lut[static_cast<std::size_t>(v)] = static_cast<T>(range == PixelRange::ZeroOne ? v / 255.0 : v / 127.5 - 1.0);
  return lut;
}

/// Images [N, C, H, W] as 8-bit pixels (planar per image, C = 1 grey or 3 RGB), either one label
/// per image or none, and the names of the classes the labels index (empty when the labels have no
/// names, as in a plain IDX file).
struct ImageDataset {
  Index channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // N · C · H · W
  std::vector<std::uint8_t> labels;  // empty: unlabelled
  std::vector<std::string> class_names;

  Index image_size() const { return channels * height * width; }
  /// The number of images.
  Index size() const { return image_size() == 0 ? 0 : static_cast<Index>(pixels.size()) / image_size(); }
  bool labelled() const { return !labels.empty(); }
  /// [N, C, H, W]
  Shape shape() const { return Shape{size(), channels, height, width}; }
  /// The pixels of image i, C·H·W bytes.
  const std::uint8_t* image(Index i) const { return pixels.data() + i * image_size(); }

  /// Throws ShapeError when the pixel count is not a whole number of images or the labels are
  /// neither absent nor one per image, ValueError when a label has no class name.
  void validate(const std::string& who = "ImageDataset") const {
    if (channels < 1 || height < 1 || width < 1 || pixels.size() % static_cast<std::size_t>(image_size()) != 0)
      throw ShapeError(who + ": " + std::to_string(pixels.size()) + " pixels do not make whole images of " + std::to_string(channels) +
                       "x" + std::to_string(height) + "x" + std::to_string(width));
    if (!labels.empty() && static_cast<Index>(labels.size()) != size())
      throw ShapeError(who + ": " + std::to_string(size()) + " images but " + std::to_string(labels.size()) +
                       " labels, expected one label per image or none (unlabelled data)");
    if (class_names.empty()) return;
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= class_names.size())
        throw ValueError(who + ": label " + std::to_string(labels[i]) + " of image " + std::to_string(i) + " has no class name, expected 0.." +
                         std::to_string(class_names.size() - 1));
  }

  /// The images at `indices` (in that order), with their labels and the same class names.
  ImageDataset subset(const std::vector<Index>& indices) const {
    ImageDataset out;
    out.channels = channels;
    out.height = height;
    out.width = width;
    out.class_names = class_names;
    out.pixels.reserve(indices.size() * static_cast<std::size_t>(image_size()));
    for (const Index i : indices) {
      if (i < 0 || i >= size())
        throw ShapeError("ImageDataset::subset: index " + std::to_string(i) + " out of range for " + std::to_string(size()) + " images");
      out.pixels.insert(out.pixels.end(), image(i), image(i) + image_size());
      if (labelled()) out.labels.push_back(labels[static_cast<std::size_t>(i)]);
    }
    return out;
  }

  /// Images [count, C, H, W] from `first` on, with pixels mapped to `range`.
  template <Scalar T>
  Tensor<T> images(PixelRange range, Index first = 0, Index count = -1) const {
    if (count < 0) count = size() - first;
    if (first < 0 || first + count > size())
      throw ShapeError("ImageDataset::images: images [" + std::to_string(first) + ", " + std::to_string(first + count) + ") of " +
                       std::to_string(size()));
    const auto lut = pixel_table<T>(range);
    Tensor<T> out = Tensor<T>::uninitialized(Shape{count, channels, height, width});
    const std::uint8_t* src = image(first);
    T* dst = out.data();
    const Index n = count * image_size();
    for (Index i = 0; i < n; ++i) dst[i] = lut[src[i]];
    return out;
  }
};

/// The whole dataset as a float or double Dataset<T>: for small sets (MNIST) and for code that
/// works on tensors; the loader and the trainer take an ImageDataset directly.
template <Scalar T>
Dataset<T> to_dataset(const ImageDataset& images, PixelRange range) {
  images.validate("to_dataset");
  return Dataset<T>{images.images<T>(range), images.labels};
}

}  // namespace aegan::data
