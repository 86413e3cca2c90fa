#pragma once
// Exponential moving average of a model's weights (Polyak averaging), the standard trick for
// GAN generators: train the live weights, sample from the smoothed copy.
#include <utility>
#include <vector>

#include "aegan/nn/module.hpp"
#include "aegan/tensor/kernels/optim.hpp"

namespace aegan::optim {

template <Scalar T>
class EMA {
 public:
  /// Tracks every parameter of `module` (buffers such as running statistics are copied as they
  /// are, since averaging them is not meaningful).
  EMA(const nn::Module<T>& module, double decay = 0.999) : decay_(decay) {
    if (!(decay >= 0.0 && decay < 1.0)) throw ValueError("EMA: decay must be in [0, 1), got " + std::to_string(decay));
    for (auto& p : module.named_parameters()) entries_.push_back({p.var, p.var.value()});
    for (auto& b : module.named_buffers()) buffers_.push_back({b.var, b.var.value()});
  }

  /// Folds the current weights into the average; call after each optimizer step.
  void update() {
    for (auto& e : entries_) kernels::ema_update(e.shadow, e.live.value(), decay_);
    for (auto& b : buffers_) b.shadow = b.live.value();
  }

  /// Writes the averaged weights into the tracked module.
  void copy_to_model() {
    for (auto& e : entries_) e.live.mutable_value() = e.shadow;
    for (auto& b : buffers_) b.live.mutable_value() = b.shadow;
  }

  /// Exchanges live and averaged weights; calling it twice restores the original state. Use it
  /// around sampling: swap(), generate, swap().
  void swap() {
    for (auto& e : entries_) std::swap(e.live.mutable_value(), e.shadow);
    for (auto& b : buffers_) std::swap(b.live.mutable_value(), b.shadow);
  }

  double decay() const { return decay_; }
  struct Entry {
    Var<T> live;
    Tensor<T> shadow;
  };
  std::vector<Entry>& entries() { return entries_; }
  std::vector<Entry>& buffer_entries() { return buffers_; }

 private:
  double decay_;
  std::vector<Entry> entries_;
  std::vector<Entry> buffers_;
};

}  // namespace aegan::optim
