#pragma once
// Conv2d and ConvTranspose2d layers (NCHW), with PyTorch's options, weight layouts and
// initialization (kaiming_uniform with a = sqrt(5): U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight
// and bias).
#include <cmath>

#include "aegan/autograd/ops/conv.hpp"
#include "aegan/nn/init.hpp"
#include "aegan/nn/module.hpp"

namespace aegan::nn {

/// nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false)
struct Conv2dOptions {
  Conv2dOptions(Index in_channels, Index out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions& stride(Size2 s) { stride_ = s; return *this; }
  Conv2dOptions& padding(Size2 p) { padding_ = p; return *this; }
  Conv2dOptions& bias(bool on) { bias_ = on; return *this; }
  Index in_channels() const { return in_channels_; }
  Index out_channels() const { return out_channels_; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  bool bias() const { return bias_; }

 private:
  Index in_channels_, out_channels_;
  Size2 kernel_size_, stride_ = 1, padding_ = 0;
  bool bias_ = true;
};

/// nn::ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1).output_padding(0).bias(false)
struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(Index in_channels, Index out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose2dOptions& stride(Size2 s) { stride_ = s; return *this; }
  ConvTranspose2dOptions& padding(Size2 p) { padding_ = p; return *this; }
  ConvTranspose2dOptions& output_padding(Size2 p) { output_padding_ = p; return *this; }
  ConvTranspose2dOptions& bias(bool on) { bias_ = on; return *this; }
  Index in_channels() const { return in_channels_; }
  Index out_channels() const { return out_channels_; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  Size2 output_padding() const { return output_padding_; }
  bool bias() const { return bias_; }

 private:
  Index in_channels_, out_channels_;
  Size2 kernel_size_, stride_ = 1, padding_ = 0, output_padding_ = 0;
  bool bias_ = true;
};

namespace detail {
/// Throws for options no input could satisfy, naming the layer with its options.
inline void check_conv_options(const std::string& who, Index in, Index out, Size2 kernel, Size2 stride, Size2 padding) {
  if (in <= 0 || out <= 0) throw ValueError(who + ": channel counts must be positive");
  if (kernel.h <= 0 || kernel.w <= 0) throw ValueError(who + ": kernel size must be positive");
  if (stride.h <= 0 || stride.w <= 0) throw ValueError(who + ": stride must be positive");
  if (padding.h < 0 || padding.w < 0) throw ValueError(who + ": padding must be non-negative");
}

template <Scalar T>
void init_conv(Var<T>& weight, Var<T>& bias, Rng& rng) {
  init::kaiming_uniform(weight.mutable_value(), std::sqrt(5.0), rng);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(init::fans(weight.value()).in);
    init::uniform(bias.mutable_value(), -bound, bound, rng);
  }
}
}  // namespace detail

/// 2-D convolution over [N, in, H, W]: weight [out, in, kh, kw], bias [out].
template <Scalar T>
class Conv2d : public Module<T> {
 public:
  explicit Conv2d(const Conv2dOptions& options, Rng& rng = default_rng()) : options_(options) {
    const auto& o = options;
    detail::check_conv_options(type_name(), o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding());
    weight = this->register_parameter(
        "weight", Tensor<T>::uninitialized({o.out_channels(), o.in_channels(), o.kernel_size().h, o.kernel_size().w}));
    if (o.bias()) bias = this->register_parameter("bias", Tensor<T>::uninitialized({o.out_channels()}));
    detail::init_conv(weight, bias, rng);
  }

  Var<T> forward(const Var<T>& x) override {
    check_input(x);
    return conv2d(x, weight, bias, options_.stride(), options_.padding());
  }
  std::optional<Var<T>> forward_rectified(const Var<T>& x, T negative_slope) override {
    check_input(x);
    return conv2d_rectified(x, weight, bias, options_.stride(), options_.padding(), negative_slope);
  }
  std::string type_name() const override {
    const auto& o = options_;
    return "Conv2d(" + std::to_string(o.in_channels()) + " -> " + std::to_string(o.out_channels()) + ", " +
           autograd::window_options(o.kernel_size(), o.stride(), o.padding()) + ", bias=" + (o.bias() ? "true" : "false") +
           ")";
  }
  const Conv2dOptions& options() const { return options_; }

  Var<T> weight;
  Var<T> bias;  // undefined when options.bias(false)

 private:
  // Errors name this layer ("Conv2d(1 -> 64, kernel=4, ...)") rather than the functional op.
  void check_input(const Var<T>& x) const {
    const auto& o = options_;
    autograd::conv_geometry(type_name(), x.shape(), o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(),
                            o.padding());
  }

  Conv2dOptions options_;
};

/// 2-D transposed convolution over [N, in, H, W]: weight [in, out, kh, kw], bias [out]; output
/// [N, out, (H-1)·stride - 2·padding + kh + output_padding, ...].
template <Scalar T>
class ConvTranspose2d : public Module<T> {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options, Rng& rng = default_rng()) : options_(options) {
    const auto& o = options;
    detail::check_conv_options(type_name(), o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding());
    const Size2 op = o.output_padding();
    if (op.h < 0 || op.w < 0 || op.h >= o.stride().h || op.w >= o.stride().w)
      throw ValueError(type_name() + ": output_padding must be non-negative and smaller than the stride");
    weight = this->register_parameter(
        "weight", Tensor<T>::uninitialized({o.in_channels(), o.out_channels(), o.kernel_size().h, o.kernel_size().w}));
    if (o.bias()) bias = this->register_parameter("bias", Tensor<T>::uninitialized({o.out_channels()}));
    detail::init_conv(weight, bias, rng);
  }

  Var<T> forward(const Var<T>& x) override {
    const auto& o = options_;
    autograd::conv_transpose_geometry(type_name(), x.shape(), o.in_channels(), o.out_channels(), o.kernel_size(),
                                      o.stride(), o.padding(), o.output_padding());
    return conv_transpose2d(x, weight, bias, o.stride(), o.padding(), o.output_padding());
  }
  std::string type_name() const override {
    const auto& o = options_;
    return "ConvTranspose2d(" + std::to_string(o.in_channels()) + " -> " + std::to_string(o.out_channels()) + ", " +
           autograd::window_options(o.kernel_size(), o.stride(), o.padding()) +
           ", output_padding=" + o.output_padding().to_string() + ", bias=" + (o.bias() ? "true" : "false") + ")";
  }
  const ConvTranspose2dOptions& options() const { return options_; }

  Var<T> weight;
  Var<T> bias;  // undefined when options.bias(false)

 private:
  ConvTranspose2dOptions options_;
};

}  // namespace aegan::nn
