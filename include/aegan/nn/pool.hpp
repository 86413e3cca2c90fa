#pragma once
// MaxPool2d and AvgPool2d layers over [N, C, H, W] (floor mode; stride defaults to the kernel).
#include <optional>
#include <string>

#include "aegan/autograd/ops/pool.hpp"
#include "aegan/nn/layer_registry.hpp"

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
  static constexpr const char* kKind = "MaxPool2d";
  LayerSpec spec() const override {
    const auto& o = options_;
    return LayerSpec(kKind).set("kernel_size", o.kernel_size()).set("stride", o.stride()).set("padding", o.padding());
  }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    return std::make_shared<MaxPool2d>(
        MaxPool2dOptions(spec.size2("kernel_size")).stride(spec.size2("stride")).padding(spec.size2("padding", 0)));
  }

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
  static constexpr const char* kKind = "AvgPool2d";
  LayerSpec spec() const override {
    const auto& o = options_;
    return LayerSpec(kKind).set("kernel_size", o.kernel_size()).set("stride", o.stride()).set("padding", o.padding())
        .set_flag("count_include_pad", o.count_include_pad());
  }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    return std::make_shared<AvgPool2d>(AvgPool2dOptions(spec.size2("kernel_size"))
                                           .stride(spec.size2("stride"))
                                           .padding(spec.size2("padding", 0))
                                           .count_include_pad(spec.flag("count_include_pad")));
  }

 private:
  AvgPool2dOptions options_;
};

inline const LayerRegistration<MaxPool2d> max_pool2d_registration;
inline const LayerRegistration<AvgPool2d> avg_pool2d_registration;

}  // namespace aegan::nn
