#pragma once
// BatchLoader: mini-batches over a Dataset<T> (tensors) or an ImageDataset (8-bit pixels, converted
// to T as each batch is drawn), labelled or not, optionally shuffled and mirrored. The order and the
// mirroring of an epoch are a pure function of (seed, epoch), never of how many batches were drawn
// before, so a run resumed from a checkpoint at epoch e sees exactly the batches the uninterrupted
// run would have seen.
#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "aegan/data/dataset.hpp"
#include "aegan/data/image_dataset.hpp"
#include "aegan/error.hpp"
#include "aegan/tensor/rng.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::data {

/// Options in the PyTorch C++ style: LoaderOptions(64).shuffle(true).drop_last(true).seed(42).
/// Defaults follow torch.utils.data.DataLoader: no shuffling, keep the last partial batch. The pixel
/// range applies to an ImageDataset's 8-bit pixels; horizontal flips mirror a random half of the
/// images [N, C, H, W] each epoch (a common augmentation for GANs on small image sets).
struct LoaderOptions {
  explicit LoaderOptions(Index batch_size) : batch_size_(batch_size) {}
  LoaderOptions& batch_size(Index n) { batch_size_ = n; return *this; }
  LoaderOptions& shuffle(bool on) { shuffle_ = on; return *this; }
  LoaderOptions& drop_last(bool on) { drop_last_ = on; return *this; }
  LoaderOptions& seed(std::uint64_t s) { seed_ = s; return *this; }
  LoaderOptions& pixel_range(PixelRange r) { pixel_range_ = r; return *this; }
  LoaderOptions& horizontal_flips(bool on) { horizontal_flips_ = on; return *this; }
  Index batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  std::uint64_t seed() const { return seed_; }
  PixelRange pixel_range() const { return pixel_range_; }
  bool horizontal_flips() const { return horizontal_flips_; }

 private:
  Index batch_size_;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::uint64_t seed_ = 0;
  PixelRange pixel_range_ = PixelRange::ZeroOne;
  bool horizontal_flips_ = false;
};

/// Images [B, ...] and their labels, row i of one belonging to entry i of the other; the labels
/// are empty when the dataset is unlabelled.
template <Scalar T>
struct Batch {
  Tensor<T> images;
  std::vector<std::uint8_t> labels;

  /// The number of images.
  Index size() const { return images.rank() == 0 ? 0 : images.dim(0); }
};

/// Iterates one epoch at a time: start_epoch(e), then `for (auto& batch : loader)` or batch(i).
/// Holds a reference to the dataset, which must outlive the loader and stay unchanged.
template <Scalar T>
class BatchLoader {
 public:
  BatchLoader(const Dataset<T>& dataset, const LoaderOptions& options)
      : tensors_(&dataset), options_(options), size_(dataset.size()), labels_(&dataset.labels) {
    const Tensor<T>& images = dataset.images;
    if (dataset.size() == 0 || images.numel() == 0)
      throw ValueError("BatchLoader: the dataset is empty, expected at least one sample");
    if (images.rank() < 2)
      throw ShapeError("BatchLoader: images " + images.shape().to_string() + ", expected [N, ...] with a sample per row");
    if (options.horizontal_flips() && images.rank() != 4)
      throw ShapeError("BatchLoader: horizontal flips need images [N, C, H, W], got " + images.shape().to_string());
    dataset.validate("BatchLoader");
    sample_shape_ = images.shape();
    start(options);
  }
  BatchLoader(const ImageDataset& dataset, const LoaderOptions& options)
      : pixels_(&dataset), options_(options), size_(dataset.size()), labels_(&dataset.labels), lut_(pixel_table<T>(options.pixel_range())) {
    if (dataset.pixels.empty()) throw ValueError("BatchLoader: the dataset is empty, expected at least one image");
    dataset.validate("BatchLoader");
    sample_shape_ = dataset.shape();
    start(options);
  }
  /// The loader keeps a reference: a temporary dataset would dangle after this statement.
  BatchLoader(Dataset<T>&&, const LoaderOptions&) = delete;
  BatchLoader(ImageDataset&&, const LoaderOptions&) = delete;

  /// Fixes the sample order (and which samples are mirrored) for `epoch`; depends only on the
  /// seed and `epoch`.
  void start_epoch(long epoch) {
    epoch_ = epoch;
    order_.resize(static_cast<std::size_t>(size_));
    std::iota(order_.begin(), order_.end(), Index(0));
    // Hash the seed first so that (seed, epoch + 1) and (seed + 1, epoch) give unrelated orders.
    const std::uint64_t base = Rng(options_.seed()).next_u64();
    Rng rng(base + static_cast<std::uint64_t>(epoch));
    if (options_.shuffle()) rng.shuffle(order_.begin(), order_.end());
    flips_.assign(options_.horizontal_flips() ? order_.size() : 0, false);
    for (std::size_t i = 0; i < flips_.size(); ++i) flips_[i] = (rng.next_u64() >> 63) != 0;
  }
  long epoch() const { return epoch_; }

  Index num_batches() const {
    const Index n = size_, b = options_.batch_size();
    return options_.drop_last() ? n / b : (n + b - 1) / b;
  }
  /// The dataset indices of the current epoch, in the order batches visit them.
  std::span<const Index> order() const { return order_; }
  const LoaderOptions& options() const { return options_; }

  /// The i-th batch of the current epoch.
  Batch<T> batch(Index i) const {
    Batch<T> out;
    batch_into(i, out);
    return out;
  }

  /// Fills `out` with the i-th batch, reusing its buffers when they already have the right size,
  /// so a training loop that keeps one Batch allocates only for the last, partial batch.
  void batch_into(Index i, Batch<T>& out) const {
    if (i < 0 || i >= num_batches())
      throw ValueError("BatchLoader::batch: index " + std::to_string(i) + " out of range, epoch " +
                       std::to_string(epoch_) + " has " + std::to_string(num_batches()) + " batches");
    const Index b = options_.batch_size();
    const Index first = i * b;
    const Index count = std::min(b, size_ - first);
    Shape shape = sample_shape_;
    shape[0] = count;
    if (!(out.images.shape() == shape) || out.images.data() == nullptr)
      out.images = Tensor<T>::uninitialized(shape);
    const bool labelled = !labels_->empty();
    out.labels.resize(labelled ? static_cast<std::size_t>(count) : 0);

    const Index row = sample_shape_.numel_from(1);
    for (Index k = 0; k < count; ++k) {
      const auto position = static_cast<std::size_t>(first + k);
      const Index s = order_[position];
      T* dst = out.images.data() + k * row;
      if (tensors_) std::memcpy(dst, tensors_->images.data() + s * row, static_cast<std::size_t>(row) * sizeof(T));
      else std::transform(pixels_->image(s), pixels_->image(s) + row, dst, [&](std::uint8_t v) { return lut_[v]; });
      if (!flips_.empty() && flips_[position]) mirror(dst);
      if (labelled) out.labels[static_cast<std::size_t>(k)] = (*labels_)[static_cast<std::size_t>(s)];
    }
  }

  /// An input iterator over the current epoch's batches. The batch it refers to lives in the
  /// iterator and is overwritten by the next increment, as with any input iterator.
  class iterator {
   public:
    using iterator_concept = std::input_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch<T>;
    using difference_type = std::ptrdiff_t;
    using reference = Batch<T>&;

    iterator() = default;
    iterator(const BatchLoader* loader, Index i) : loader_(loader), i_(i) {}

    reference operator*() const {
      if (!loaded_) {
        loader_->batch_into(i_, current_);
        loaded_ = true;
      }
      return current_;
    }
    Batch<T>* operator->() const { return &**this; }
    iterator& operator++() {
      ++i_;
      loaded_ = false;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.i_ == b.i_; }

   private:
    const BatchLoader* loader_ = nullptr;
    Index i_ = 0;
    mutable Batch<T> current_;  // reused across increments: no allocation per full batch
    mutable bool loaded_ = false;
  };

  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, num_batches()); }

 private:
  void start(const LoaderOptions& options) {
    if (options.batch_size() <= 0)
      throw ValueError("BatchLoader: batch_size must be positive, got " + std::to_string(options.batch_size()));
    start_epoch(0);
  }

  /// Reverses every row of one sample [C, H, W] in place.
  void mirror(T* sample) const {
    const Index w = sample_shape_[3], rows = sample_shape_[1] * sample_shape_[2];
    for (Index r = 0; r < rows; ++r) std::reverse(sample + r * w, sample + (r + 1) * w);
  }

  // Exactly one of the two sources is set.
  const Dataset<T>* tensors_ = nullptr;
  const ImageDataset* pixels_ = nullptr;
  LoaderOptions options_;
  Index size_ = 0;
  const std::vector<std::uint8_t>* labels_;
  std::array<T, 256> lut_{};
  Shape sample_shape_;
  long epoch_ = 0;
  std::vector<Index> order_;
  std::vector<bool> flips_;  // per position in order_; empty without flips
};

}  // namespace aegan::data
