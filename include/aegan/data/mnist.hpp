#pragma once
// MNIST-family datasets (MNIST, Fashion-MNIST, KMNIST, ...) from a folder holding the four
// standard IDX files, raw or gzip: what the original site, Debian's dataset-fashion-mnist
// (/usr/share/datasets/fashion-mnist, *.gz) and scripts/fetch_data.sh all produce.
#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "aegan/data/idx.hpp"
#include "aegan/data/image_dataset.hpp"
#include "aegan/error.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::data {

enum class Split { Train, Test };

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

/// The class names of MNIST (the digits) and Fashion-MNIST, in label order.
inline std::vector<std::string> digit_class_names() { return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; }
inline std::vector<std::string> fashion_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

/// Loads one split of an MNIST-style dataset from `dir`: 8-bit images [N, 1, H, W] with one label
/// per image, each naming one of `class_names` (a label past the last name is refused at load,
/// naming the file and the image, rather than surfacing after training in the metrics).
/// Throws IoError for a missing folder or file, a malformed file, image/label counts that
/// disagree, or a label out of range.
inline ImageDataset load_mnist(const std::filesystem::path& dir, Split split, std::vector<std::string> class_names = digit_class_names()) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw IoError("load_mnist: folder '" + dir.string() + "' " +
                  (std::filesystem::exists(dir, ec) ? "is not a folder" : "does not exist") +
                  ", expected a folder with the MNIST IDX files");
  if (class_names.empty() || class_names.size() > 256)
    throw ValueError("load_mnist: " + std::to_string(class_names.size()) + " class names, expected 1 to 256 (labels are bytes)");

  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string what = detail::split_name(split);
  const auto image_file = detail::find_mnist_file(dir, prefix, "images", "idx3-ubyte", what + " images");
  const auto label_file = detail::find_mnist_file(dir, prefix, "labels", "idx1-ubyte", what + " labels");

  IdxArray img = read_idx(image_file, kIdxImagesMagic);
  IdxArray lab = read_idx(label_file, kIdxLabelsMagic);
  // The magic numbers fix the dimension counts: images [N, H, W], labels [N].
  const Index n = img.dims[0];
  if (lab.dims[0] != n)
    throw IoError("load_mnist: '" + image_file.string() + "' holds " + std::to_string(n) + " images but '" +
                  label_file.string() + "' holds " + std::to_string(lab.dims[0]) +
                  " labels, expected equal counts");
  const auto bad = std::find_if(lab.values.begin(), lab.values.end(), [&](std::uint8_t l) { return l >= class_names.size(); });
  if (bad != lab.values.end())
    throw IoError("load_mnist: '" + label_file.string() + "' gives image " + std::to_string(bad - lab.values.begin()) + " the label " +
                  std::to_string(*bad) + ", expected 0.." + std::to_string(class_names.size() - 1) + " (" +
                  std::to_string(class_names.size()) + " classes)");

  ImageDataset ds;
  ds.channels = 1;
  ds.height = img.dims[1];
  ds.width = img.dims[2];
  ds.pixels = std::move(img.values);
  ds.labels = std::move(lab.values);
  ds.class_names = std::move(class_names);
  return ds;
}

}  // namespace aegan::data
