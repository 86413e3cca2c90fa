#pragma once
#include <optional>

#include "aegan/autograd/ops/matmul.hpp"
#include "aegan/nn/init.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

struct LinearOptions {
  LinearOptions(Index in_features, Index out_features) : in_features_(in_features), out_features_(out_features) {}
  LinearOptions& bias(bool on) { bias_ = on; return *this; }
  Index in_features() const { return in_features_; }
  Index out_features() const { return out_features_; }
  bool bias() const { return bias_; }

 private:
  Index in_features_, out_features_;
  bool bias_ = true;
};

/// y = x Wᵀ + b with W [out, in]. Initialized as PyTorch does: U(-1/sqrt(in), 1/sqrt(in)) for
/// weight and bias.
template <Scalar T>
class Linear : public Module<T> {
 public:
  explicit Linear(const LinearOptions& options, Rng& rng = default_rng()) : options_(options) {
    if (options.in_features() <= 0 || options.out_features() <= 0)
      throw ValueError("Linear: features must be positive, got in=" + std::to_string(options.in_features()) +
                       " out=" + std::to_string(options.out_features()));
    const double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features()));
    Tensor<T> w = Tensor<T>::uninitialized({options.out_features(), options.in_features()});
    init::uniform(w, -bound, bound, rng);
    weight = this->register_parameter("weight", std::move(w));
    if (options.bias()) {
      Tensor<T> b = Tensor<T>::uninitialized({options.out_features()});
      init::uniform(b, -bound, bound, rng);
      bias = this->register_parameter("bias", std::move(b));
    }
  }
  Linear(Index in_features, Index out_features, Rng& rng = default_rng())
      : Linear(LinearOptions(in_features, out_features), rng) {}

  Var<T> forward(const Var<T>& x) override {
    if (x.value().rank() != 2 || x.dim(1) != options_.in_features())
      throw ShapeError(type_name() + ": input " + x.shape().to_string() + ", expected [N, " +
                       std::to_string(options_.in_features()) + "]");
    return linear(x, weight, bias);
  }
  /// A Flatten before this layer, fused: x [N, ...] read as [N, in_features] where it lies.
  /// Other inputs take the unfused path, so its errors name the layer that rejects them.
  std::optional<Var<T>> forward_flattened(const Var<T>& x) override {
    if (x.value().rank() < 2 || x.shape().numel_from(1) != options_.in_features()) return std::nullopt;
    return autograd::linear_impl(x, weight, bias, /*flatten_input=*/true);
  }
  std::string type_name() const override {
    return "Linear(" + std::to_string(options_.in_features()) + " -> " + std::to_string(options_.out_features()) + ")";
  }
  const LinearOptions& options() const { return options_; }

  static constexpr const char* kKind = "Linear";
  LayerSpec spec() const override {
    const auto& o = options_;
    return LayerSpec(kKind).set("in_features", o.in_features()).set("out_features", o.out_features()).set_flag("bias", o.bias());
  }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    const auto o = LinearOptions(spec.size("in_features"), spec.size("out_features")).bias(spec.flag("bias"));
    spec.check_stored("weight", {o.out_features(), o.in_features()});
    if (o.bias()) spec.check_stored("bias", {o.out_features()});
    Rng unused_init(0);  // the weights are read after
    return std::make_shared<Linear>(o, unused_init);
  }

  Var<T> weight;
  Var<T> bias;  // undefined when options.bias(false)

 private:
  LinearOptions options_;
};

inline const LayerRegistration<Linear> linear_registration;

}  // namespace aegan::nn
