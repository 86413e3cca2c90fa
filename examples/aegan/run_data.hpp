#pragma once
// The images a run trains on and scores against, for each dataset the tool knows: MNIST and
// Fashion-MNIST (IDX folders, with their test split), the emoji showcase and any folder of images
// (no split: scores compare with two disjoint seeded subsets of the folder).
#include <aegan/aegan.hpp>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "run_config.hpp"

namespace aegan_cli {

/// `train` is what the model learns from. `reference` is what samples are scored against and
/// `floor_set` the real images scored against it for the floor (MNIST: the test split and training
/// images; a folder: two disjoint subsets of it), each at most kScoredImages.
struct RunData {
  aegan::data::ImageDataset train, reference, floor_set;
};

inline constexpr Index kScoredImages = 1000;

inline bool is_mnist_family(const std::string& dataset) { return dataset == "mnist" || dataset == "fashion"; }

inline fs::path default_data_folder(const std::string& dataset) {
  if (dataset == "mnist") return "data/mnist";
  if (dataset == "fashion") return "/usr/share/datasets/fashion-mnist";
  if (dataset == "emoji") return "data/emoji";
  return {};
}

/// `count` indices of a seeded permutation of [0, n), starting at `first`.
inline std::vector<Index> seeded_indices(Index n, Index first, Index count, std::uint64_t seed) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  aegan::Rng rng(seed);
  rng.shuffle(order.begin(), order.end());
  return {order.begin() + first, order.begin() + std::min(n, first + count)};
}

inline aegan::data::ImageDataset load_folder(const RunConfig& config, bool skip_bad_images) {
  const auto options = aegan::data::ImageFolderOptions(config.size)
                           .channels(config.channels)
                           .background(parse_colour(config.background))
                           .fit(config.fit == "pad" ? aegan::data::ImageFit::Pad : aegan::data::ImageFit::CenterCrop)
                           .skip_bad_images(skip_bad_images);
  aegan::data::ImageFolder folder = aegan::data::load_image_folder(config.data, options);
  for (const auto& bad : folder.skipped) std::fprintf(stderr, "skipped %s: %s\n", bad.path.c_str(), bad.reason.c_str());
  if (!folder.skipped.empty()) std::fprintf(stderr, "skipped %zu bad image files\n", folder.skipped.size());
  return std::move(folder.dataset);
}

/// Loads the data `config` names (filling in its default folder); MNIST-family data fixes the
/// image size and channels at 28 and 1.
inline RunData load_run_data(RunConfig& config, bool skip_bad_images) {
  if (config.data.empty()) config.data = default_data_folder(config.dataset);
  RunData d;
  if (is_mnist_family(config.dataset)) {
    const auto names = config.dataset == "fashion" ? aegan::data::fashion_class_names() : aegan::data::digit_class_names();
    d.train = aegan::data::load_mnist(config.data, aegan::data::Split::Train, names);
    const auto test = aegan::data::load_mnist(config.data, aegan::data::Split::Test, names);
    config.size = d.train.height;
    config.channels = 1;
    d.reference = test.subset(seeded_indices(test.size(), 0, kScoredImages, config.seed));
    d.floor_set = d.train.subset(seeded_indices(d.train.size(), 0, kScoredImages, config.seed));
    return d;
  }
  d.train = load_folder(config, skip_bad_images);
  const Index half = std::min(kScoredImages, d.train.size() / 2);
  d.reference = d.train.subset(seeded_indices(d.train.size(), 0, half, config.seed));
  d.floor_set = d.train.subset(seeded_indices(d.train.size(), half, half, config.seed));
  return d;
}

}  // namespace aegan_cli
