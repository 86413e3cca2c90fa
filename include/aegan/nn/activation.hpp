#pragma once
// Activation functions as modules, for use inside nn::Sequential.
#include "aegan/autograd/ops/activation.hpp"
#include "aegan/nn/module.hpp"

namespace aegan::nn {

template <Scalar T>
class ReLU : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return relu(x); }
  std::optional<T> rectifier_slope() const override { return T(0); }
  std::string type_name() const override { return "ReLU"; }
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

 private:
  T slope_;
};

template <Scalar T>
class Sigmoid : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return sigmoid(x); }
  std::string type_name() const override { return "Sigmoid"; }
};

template <Scalar T>
class Tanh : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return aegan::tanh(x); }
  std::string type_name() const override { return "Tanh"; }
};

}  // namespace aegan::nn
