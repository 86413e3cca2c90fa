#pragma once
// MaxPool2d and AvgPool2d layers over [N, C, H, W] (floor mode; stride defaults to the kernel).
#include <optional>
#include <string>

#include "aegan/autograd/ops/pool.hpp"
#include "aegan/nn/module.hpp"

namespace aegan::nn {

/// nn::MaxPool2dOptions(2).stride(2).padding(0)
struct MaxPool2dOptions {
  MaxPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: as PyTorch's
  MaxPool2dOptions& stride(Size2 s) { stride_ = s; return *this; }
  MaxPool2dOptions& padding(Size2 p) { padding_ = p; return *this; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_.value_or(kernel_size_); }
  Size2 padding() const { return padding_; }

 private:
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_ = 0;
};

/// nn::AvgPool2dOptions(2).stride(2).padding(0).count_include_pad(true)
struct AvgPool2dOptions {
  AvgPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: as PyTorch's
  AvgPool2dOptions& stride(Size2 s) { stride_ = s; return *this; }
  AvgPool2dOptions& padding(Size2 p) { padding_ = p; return *this; }
  AvgPool2dOptions& count_include_pad(bool on) { count_include_pad_ = on; return *this; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_.value_or(kernel_size_); }
  Size2 padding() const { return padding_; }
  bool count_include_pad() const { return count_include_pad_; }

 private:
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_ = 0;
  bool count_include_pad_ = true;
};


template <Scalar T>
class MaxPool2d : public Module<T> {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options) : options_(options) {
    autograd::check_pool_window([this] { return type_name(); }, options.kernel_size(), options.stride(), options.padding());
  }
  explicit MaxPool2d(Size2 kernel_size) : MaxPool2d(MaxPool2dOptions(kernel_size)) {}
  Var<T> forward(const Var<T>& x) override {
    return autograd::max_pool2d_impl([this] { return type_name(); }, x, options_.kernel_size(), options_.stride(),
                                     options_.padding());
  }
  std::string type_name() const override {
    return "MaxPool2d(" + autograd::window_options(options_.kernel_size(), options_.stride(), options_.padding()) + ")";
  }
  const MaxPool2dOptions& options() const { return options_; }

 private:
  MaxPool2dOptions options_;
};

template <Scalar T>
class AvgPool2d : public Module<T> {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options) : options_(options) {
    autograd::check_pool_window([this] { return type_name(); }, options.kernel_size(), options.stride(), options.padding());
  }
  explicit AvgPool2d(Size2 kernel_size) : AvgPool2d(AvgPool2dOptions(kernel_size)) {}
  Var<T> forward(const Var<T>& x) override {
    return autograd::avg_pool2d_impl([this] { return type_name(); }, x, options_.kernel_size(), options_.stride(),
                                     options_.padding(), options_.count_include_pad());
  }
  std::string type_name() const override {
    return "AvgPool2d(" + autograd::window_options(options_.kernel_size(), options_.stride(), options_.padding()) +
           ", count_include_pad=" + (options_.count_include_pad() ? "true" : "false") + ")";
  }
  const AvgPool2dOptions& options() const { return options_; }

 private:
  AvgPool2dOptions options_;
};

}  // namespace aegan::nn
