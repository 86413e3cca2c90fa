#pragma once
// MNIST-family datasets (MNIST, Fashion-MNIST, KMNIST, ...) from a folder holding the four
// standard IDX files, raw or gzip: what the original site, Debian's dataset-fashion-mnist
// (/usr/share/datasets/fashion-mnist, *.gz) and scripts/fetch_data.sh all produce.
#include <array>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "aegan/data/dataset.hpp"
#include "aegan/data/idx.hpp"
#include "aegan/error.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::data {

enum class Split { Train, Test };
/// ZeroOne suits sigmoid outputs and BCE; MinusOneOne suits tanh outputs (DCGAN convention).
enum class PixelRange { ZeroOne, MinusOneOne };

namespace detail {

inline const char* split_name(Split split) { return split == Split::Train ? "train" : "test"; }

/// The first existing file among the spellings in use: the original names, Kaggle's dotted
/// variant, each optionally gzipped. Throws IoError listing every name tried.
inline std::filesystem::path find_mnist_file(const std::filesystem::path& dir, const std::string& prefix,
                                             const std::string& kind, const std::string& idx,
                                             const std::string& what) {
  const std::string original = prefix + "-" + kind + "-" + idx;  // train-images-idx3-ubyte
  const std::string kaggle = prefix + "-" + kind + "." + idx;     // train-images.idx3-ubyte
  const std::array<std::string, 4> names = {original, original + ".gz", kaggle, kaggle + ".gz"};
  std::string tried;
  for (const auto& name : names) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / name, ec)) return dir / name;
    tried += (tried.empty() ? "" : ", ") + name;
  }
  throw IoError("load_mnist: no " + what + " in '" + dir.string() + "': looked for " + tried +
                " (scripts/fetch_data.sh downloads a copy)");
}

}  // namespace detail

/// Loads one split of an MNIST-style dataset from `dir`: images [N, 1, H, W] with pixels scaled to
/// `range`, and one label per image.
/// Throws IoError for a missing folder or file, a malformed file, or image/label counts that
/// disagree.
template <Scalar T>
Dataset<T> load_mnist(const std::filesystem::path& dir, Split split, PixelRange range = PixelRange::ZeroOne) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw IoError("load_mnist: folder '" + dir.string() + "' " +
                  (std::filesystem::exists(dir, ec) ? "is not a folder" : "does not exist") +
                  ", expected a folder with the MNIST IDX files");

  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string what = detail::split_name(split);
  const auto image_file = detail::find_mnist_file(dir, prefix, "images", "idx3-ubyte", what + " images");
  const auto label_file = detail::find_mnist_file(dir, prefix, "labels", "idx1-ubyte", what + " labels");

  IdxArray img = read_idx(image_file, kIdxImagesMagic);
  IdxArray lab = read_idx(label_file, kIdxLabelsMagic);
  // The magic numbers fix the dimension counts: images [N, H, W], labels [N].
  const Index n = img.dims[0], h = img.dims[1], w = img.dims[2];
  if (lab.dims[0] != n)
    throw IoError("load_mnist: '" + image_file.string() + "' holds " + std::to_string(n) + " images but '" +
                  label_file.string() + "' holds " + std::to_string(lab.dims[0]) +
                  " labels, expected equal counts");

  // One table lookup per pixel: exact, and the same bits on every platform.
  std::array<T, 256> lut{};
  for (int v = 0; v < 256; ++v)
    lut[static_cast<std::size_t>(v)] = static_cast<T>(range == PixelRange::ZeroOne ? v / 255.0 : v / 127.5 - 1.0);

  Dataset<T> ds;
  ds.images = Tensor<T>::uninitialized(Shape{n, 1, h, w});
  T* out = ds.images.data();
  const std::size_t count = img.values.size();
  for (std::size_t i = 0; i < count; ++i) out[i] = lut[img.values[i]];
  ds.labels = std::move(lab.values);
  return ds;
}

}  // namespace aegan::data
