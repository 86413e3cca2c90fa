#pragma once
// Activation functions as modules, for use inside nn::Sequential.
#include "aegan/autograd/ops/activation.hpp"
#include "aegan/nn/layer_registry.hpp"

namespace aegan::nn {

template <Scalar T>
class ReLU : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return relu(x); }
  std::optional<T> rectifier_slope() const override { return T(0); }
  std::string type_name() const override { return "ReLU"; }
  static constexpr const char* kKind = "ReLU";
  LayerSpec spec() const override { return LayerSpec(kKind); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec&) { return std::make_shared<ReLU>(); }
};

template <Scalar T>
class LeakyReLU : public Module<T> {
 public:
  explicit LeakyReLU(T negative_slope = T(0.01)) : slope_(negative_slope) {}
  Var<T> forward(const Var<T>& x) override { return leaky_relu(x, slope_); }
  std::optional<T> rectifier_slope() const override {
    return slope_ >= T(0) ? std::optional<T>(slope_) : std::nullopt;  // a negative slope is not a rectifier
  }
  std::string type_name() const override { return "LeakyReLU(" + std::to_string(slope_) + ")"; }
  static constexpr const char* kKind = "LeakyReLU";
  LayerSpec spec() const override { return LayerSpec(kKind).set_real("negative_slope", static_cast<double>(slope_)); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec& spec) {
    return std::make_shared<LeakyReLU>(static_cast<T>(spec.real("negative_slope")));
  }

 private:
  T slope_;
};

template <Scalar T>
class Sigmoid : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return sigmoid(x); }
  std::string type_name() const override { return "Sigmoid"; }
  static constexpr const char* kKind = "Sigmoid";
  LayerSpec spec() const override { return LayerSpec(kKind); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec&) { return std::make_shared<Sigmoid>(); }
};

template <Scalar T>
class Tanh : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return aegan::tanh(x); }
  std::string type_name() const override { return "Tanh"; }
  static constexpr const char* kKind = "Tanh";
  LayerSpec spec() const override { return LayerSpec(kKind); }
  static std::shared_ptr<Module<T>> from_spec(const LayerSpec&) { return std::make_shared<Tanh>(); }
};

inline const LayerRegistration<ReLU> relu_registration;
inline const LayerRegistration<LeakyReLU> leaky_relu_registration;
inline const LayerRegistration<Sigmoid> sigmoid_registration;
inline const LayerRegistration<Tanh> tanh_registration;

}  // namespace aegan::nn
