#pragma once
// Conv2d and ConvTranspose2d layers (NCHW), with PyTorch's options, weight layouts and
// initialization (kaiming_uniform with a = sqrt(5): U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight
// and bias), plus the algorithm that runs them (kernels/conv_settings.hpp), chosen per layer.
#include <cmath>

#include "aegan/autograd/ops/conv.hpp"
#include "aegan/nn/init.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

using kernels::ConvAlgorithm;

/// nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false).algorithm(ConvAlgorithm::Direct)
struct Conv2dOptions {
  Conv2dOptions(Index in_channels, Index out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions& stride(Size2 s) { stride_ = s; return *this; }
  Conv2dOptions& padding(Size2 p) { padding_ = p; return *this; }
  Conv2dOptions& bias(bool on) { bias_ = on; return *this; }
  /// Which algorithm runs this layer (kernels/conv_settings.hpp); Auto by default.
  Conv2dOptions& algorithm(ConvAlgorithm a) { algorithm_ = a; return *this; }
  Index in_channels() const { return in_channels_; }
  Index out_channels() const { return out_channels_; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  bool bias() const { return bias_; }
  ConvAlgorithm algorithm() const { return algorithm_; }

 private:
  Index in_channels_, out_channels_;
  Size2 kernel_size_, stride_ = 1, padding_ = 0;
  bool bias_ = true;
  ConvAlgorithm algorithm_ = ConvAlgorithm::Auto;
};

/// nn::ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1).output_padding(0).bias(false)
struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(Index in_channels, Index out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose2dOptions& stride(Size2 s) { stride_ = s; return *this; }
  ConvTranspose2dOptions& padding(Size2 p) { padding_ = p; return *this; }
  ConvTranspose2dOptions& output_padding(Size2 p) { output_padding_ = p; return *this; }
  ConvTranspose2dOptions& bias(bool on) { bias_ = on; return *this; }
  /// Which algorithm runs this layer (kernels/conv_settings.hpp); Auto by default.
  ConvTranspose2dOptions& algorithm(ConvAlgorithm a) { algorithm_ = a; return *this; }
  Index in_channels() const { return in_channels_; }
  Index out_channels() const { return out_channels_; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  Size2 output_padding() const { return output_padding_; }
  bool bias() const { return bias_; }
  ConvAlgorithm algorithm() const { return algorithm_; }

 private:
  Index in_channels_, out_channels_;
  Size2 kernel_size_, stride_ = 1, padding_ = 0, output_padding_ = 0;
  bool bias_ = true;
  ConvAlgorithm algorithm_ = ConvAlgorithm::Auto;
};

namespace detail {
/// Throws ValueError for options no input could satisfy, naming the layer with its options.
template <class Options, class Who>
void check_conv_options(const Who& who, const Options& o, const autograd::ConvWindow& window, bool transposed) {
  if (o.in_channels() <= 0 || o.out_channels() <= 0)
    throw ValueError(who() + ": channel counts must be positive, got " + std::to_string(o.in_channels()) + " -> " +
                     std::to_string(o.out_channels()));
  autograd::check_window(who, window, transposed);
}

/// ", algorithm=direct" for a layer that does not leave the choice to Auto.
inline std::string algorithm_suffix(ConvAlgorithm a) {
  return a == ConvAlgorithm::Auto ? std::string() : std::string(", algorithm=") + kernels::algorithm_name(a);
}

/// The options both convolutions share, as a spec and back.
template <class Options>
LayerSpec conv_spec(const char* kind, const Options& o) {
  return LayerSpec(kind)
      .set("in_channels", o.in_channels())
      .set("out_channels", o.out_channels())
      .set("kernel_size", o.kernel_size())
      .set("stride", o.stride())
      .set("padding", o.padding())
      .set_flag("bias", o.bias())
      .set_text("algorithm", kernels::algorithm_name(o.algorithm()));
}
template <class Options>
Options conv_options_from(const LayerSpec& spec) {
  ConvAlgorithm algorithm;
  try {
    algorithm = kernels::parse_conv_algorithm(spec.text("algorithm"));
  } catch (const ValueError& e) {
    throw spec.fail(e.what());
  }
  return Options(spec.size("in_channels"), spec.size("out_channels"), spec.size2("kernel_size"))
      .stride(spec.size2("stride"))
      .padding(spec.size2("padding", 0))
      .bias(spec.flag("bias"))
      .algorithm(algorithm);
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
    detail::check_conv_options(who(), o, window(), false);
    weight = this->register_parameter(
        "weight", Tensor<T>::uninitialized({o.out_channels(), o.in_channels(), o.kernel_size().h, o.kernel_size().w}));
    if (o.bias()) bias = this->register_parameter("bias", Tensor<T>::uninitialized({o.out_channels()}));
    detail::init_conv(weight, bias, rng);
  }

  Var<T> forward(const Var<T>& x) override {
    return autograd::conv2d_impl<T>(who(), x, weight, bias, options_.stride(), options_.padding(), std::nullopt, settings());
  }
  std::optional<Var<T>> forward_rectified(const Var<T>& x, T negative_slope) override {
    return autograd::conv2d_impl<T>(who(), x, weight, bias, options_.stride(), options_.padding(),
                                 kernels::Rectifier<T>{negative_slope}, settings());
  }
  std::string type_name() const override {
    const auto& o = options_;
    return "Conv2d(" + std::to_string(o.in_channels()) + " -> " + std::to_string(o.out_channels()) + ", " +
           autograd::window_options(o.kernel_size(), o.stride(), o.padding()) + ", bias=" + (o.bias() ? "true" : "false") +
           detail::algorithm_suffix(o.algorithm()) + ")";
  }
  const Conv2dOptions& options() const { return options_; }
  void set_algorithm(ConvAlgorithm a) { options_.algorithm(a); }

  static constexpr const char* kKind = "Conv2d";
  LayerSpec spec() const override { return detail::conv_spec(kKind, options_); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    auto o = detail::conv_options_from<Conv2dOptions>(spec);
    spec.check_stored("weight", {o.out_channels(), o.in_channels(), o.kernel_size().h, o.kernel_size().w});
    if (o.bias()) spec.check_stored("bias", {o.out_channels()});
    Rng unused_init(0);  // the weights are read after
    return std::make_shared<Conv2d>(o, unused_init);
  }

  Var<T> weight;
  Var<T> bias;  // undefined when options.bias(false)

 private:
  // Errors name this layer ("Conv2d(1 -> 64, kernel=4, ...)") rather than the functional op.
  auto who() const {
    return [this] { return type_name(); };
  }
  autograd::ConvWindow window() const { return {options_.kernel_size(), options_.stride(), options_.padding()}; }
  kernels::ConvSettings settings() const { return {.algorithm = options_.algorithm()}; }

  Conv2dOptions options_;
};

/// 2-D transposed convolution over [N, in, H, W]: weight [in, out, kh, kw], bias [out]; output
/// [N, out, (H-1)·stride - 2·padding + kh + output_padding, ...].
template <Scalar T>
class ConvTranspose2d : public Module<T> {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options, Rng& rng = default_rng()) : options_(options) {
    const auto& o = options;
    detail::check_conv_options(who(), o, window(), true);
    weight = this->register_parameter(
        "weight", Tensor<T>::uninitialized({o.in_channels(), o.out_channels(), o.kernel_size().h, o.kernel_size().w}));
    if (o.bias()) bias = this->register_parameter("bias", Tensor<T>::uninitialized({o.out_channels()}));
    detail::init_conv(weight, bias, rng);
  }

  Var<T> forward(const Var<T>& x) override {
    const auto& o = options_;
    return autograd::conv_transpose2d_impl<T>(who(), x, weight, bias, o.stride(), o.padding(), o.output_padding(),
                                           kernels::ConvSettings{.algorithm = o.algorithm()});
  }
  std::string type_name() const override {
    const auto& o = options_;
    return "ConvTranspose2d(" + std::to_string(o.in_channels()) + " -> " + std::to_string(o.out_channels()) + ", " +
           autograd::window_options(o.kernel_size(), o.stride(), o.padding()) +
           ", output_padding=" + o.output_padding().to_string() + ", bias=" + (o.bias() ? "true" : "false") +
           detail::algorithm_suffix(o.algorithm()) + ")";
  }
  const ConvTranspose2dOptions& options() const { return options_; }
  void set_algorithm(ConvAlgorithm a) { options_.algorithm(a); }

  static constexpr const char* kKind = "ConvTranspose2d";
  LayerSpec spec() const override { return detail::conv_spec(kKind, options_).set("output_padding", options_.output_padding()); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    auto o = detail::conv_options_from<ConvTranspose2dOptions>(spec).output_padding(spec.size2("output_padding", 0));
    spec.check_stored("weight", {o.in_channels(), o.out_channels(), o.kernel_size().h, o.kernel_size().w});
    if (o.bias()) spec.check_stored("bias", {o.out_channels()});
    Rng unused_init(0);
    return std::make_shared<ConvTranspose2d>(o, unused_init);
  }

  Var<T> weight;
  Var<T> bias;  // undefined when options.bias(false)

 private:
  auto who() const {
    return [this] { return type_name(); };
  }
  autograd::ConvWindow window() const {
    return {options_.kernel_size(), options_.stride(), options_.padding(), options_.output_padding()};
  }

  ConvTranspose2dOptions options_;
};

inline const LayerRegistration<Conv2d> conv2d_registration;
inline const LayerRegistration<ConvTranspose2d> conv_transpose2d_registration;

/// Sets the algorithm of every Conv2d and ConvTranspose2d in `network` and its descendants: the
/// way to run a whole network (a preset's, say) with ConvAlgorithm::Direct for an A/B comparison.
template <Scalar T>
void set_conv_algorithm(Module<T>& network, ConvAlgorithm algorithm) {
  network.apply([&](Module<T>& m) {
    if (auto* conv = dynamic_cast<Conv2d<T>*>(&m)) conv->set_algorithm(algorithm);
    if (auto* conv = dynamic_cast<ConvTranspose2d<T>*>(&m)) conv->set_algorithm(algorithm);
  });
}

}  // namespace aegan::nn
