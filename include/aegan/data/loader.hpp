#pragma once
// BatchLoader: mini-batches over a Dataset, labelled or not, optionally shuffled. The order of an epoch is a pure
// function of (seed, epoch), never of how many batches were drawn before, so a run resumed from
// a checkpoint at epoch e sees exactly the batches the uninterrupted run would have seen.
#include <algorithm>
#include <cstring>
#include <iterator>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "aegan/data/dataset.hpp"
#include "aegan/error.hpp"
#include "aegan/tensor/rng.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::data {

/// Options in the PyTorch C++ style: LoaderOptions(64).shuffle(true).drop_last(true).seed(42).
/// Defaults follow torch.utils.data.DataLoader: no shuffling, keep the last partial batch.
struct LoaderOptions {
  explicit LoaderOptions(Index batch_size) : batch_size_(batch_size) {}
  LoaderOptions& batch_size(Index n) { batch_size_ = n; return *this; }
  LoaderOptions& shuffle(bool on) { shuffle_ = on; return *this; }
  LoaderOptions& drop_last(bool on) { drop_last_ = on; return *this; }
  LoaderOptions& seed(std::uint64_t s) { seed_ = s; return *this; }
  Index batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  std::uint64_t seed() const { return seed_; }

 private:
  Index batch_size_;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::uint64_t seed_ = 0;
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
  BatchLoader(const Dataset<T>& dataset, const LoaderOptions& options) : dataset_(&dataset), options_(options) {
    if (options.batch_size() <= 0)
      throw ValueError("BatchLoader: batch_size must be positive, got " + std::to_string(options.batch_size()));
    const Tensor<T>& images = dataset.images;
    if (dataset.size() == 0 || images.numel() == 0)
      throw ValueError("BatchLoader: the dataset is empty, expected at least one sample");
    if (images.rank() < 2)
      throw ShapeError("BatchLoader: images " + images.shape().to_string() + ", expected [N, ...] with a sample per row");
    dataset.validate("BatchLoader");
    start_epoch(0);
  }
  /// The loader keeps a reference: a temporary dataset would dangle after this statement.
  BatchLoader(Dataset<T>&&, const LoaderOptions&) = delete;

  /// Fixes the sample order for `epoch`; depends only on the seed and `epoch`.
  void start_epoch(long epoch) {
    epoch_ = epoch;
    order_.resize(static_cast<std::size_t>(dataset_->size()));
    std::iota(order_.begin(), order_.end(), Index(0));
    if (options_.shuffle()) {
      // Hash the seed first so that (seed, epoch + 1) and (seed + 1, epoch) give unrelated orders.
      const std::uint64_t base = Rng(options_.seed()).next_u64();
      Rng rng(base + static_cast<std::uint64_t>(epoch));
      rng.shuffle(order_.begin(), order_.end());
    }
  }
  long epoch() const { return epoch_; }

  Index num_batches() const {
    const Index n = dataset_->size(), b = options_.batch_size();
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
    const Index count = std::min(b, dataset_->size() - first);
    const Tensor<T>& src = dataset_->images;
    Shape shape = src.shape();
    shape[0] = count;
    if (!(out.images.shape() == shape) || out.images.data() == nullptr)
      out.images = Tensor<T>::uninitialized(shape);
    const bool labelled = dataset_->labelled();
    out.labels.resize(labelled ? static_cast<std::size_t>(count) : 0);

    const Index row = src.shape().numel_from(1);
    const std::size_t row_bytes = static_cast<std::size_t>(row) * sizeof(T);
    for (Index k = 0; k < count; ++k) {
      const Index s = order_[static_cast<std::size_t>(first + k)];
      std::memcpy(out.images.data() + k * row, src.data() + s * row, row_bytes);
      if (labelled) out.labels[static_cast<std::size_t>(k)] = dataset_->labels[static_cast<std::size_t>(s)];
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
  const Dataset<T>* dataset_;
  LoaderOptions options_;
  long epoch_ = 0;
  std::vector<Index> order_;
};

}  // namespace aegan::data
