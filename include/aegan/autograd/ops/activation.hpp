#pragma once
// Pointwise nonlinearities. Each backward reuses what the forward already computed (the output
// for sigmoid/tanh, the input for the ReLUs) instead of recomputing transcendental functions.
#include <memory>

#include "aegan/autograd/ops/arith.hpp"

namespace aegan {

namespace autograd {
/// Records an elementwise op whose gradient is dfn(saved, grad), where `saved` is the input
/// (save_output = false) or the output (save_output = true).
template <Scalar T, class Fwd, class Bwd>
Var<T> pointwise(const Var<T>& x, const char* op, bool save_output, Fwd fwd, Bwd bwd) {
  Tensor<T> out = map(x.value(), fwd);
  if (!autograd::grad_mode() || !x.requires_grad()) return Var<T>::make(std::move(out), op, {}, nullptr);
  auto saved = save_output ? std::make_shared<Tensor<T>>(out) : nullptr;
  return Var<T>::make(std::move(out), op, {x}, [x, saved, bwd](const Tensor<T>& g) {
    Tensor<T> gx = Tensor<T>::uninitialized(g.shape());
    kernels::binary(saved ? *saved : x.value(), g, gx, bwd);
    send_grad(x, std::move(gx));
  });
}
}  // namespace autograd

template <Scalar T>
Var<T> relu(const Var<T>& x) {
  return autograd::pointwise(
      x, "relu", false, [](auto v) { return v.max(T(0)); },
      [](auto v, auto g) { return (v > T(0)).select(g, T(0)); });
}

template <Scalar T>
Var<T> leaky_relu(const Var<T>& x, T negative_slope = T(0.01)) {
  return autograd::pointwise(
      x, "leaky_relu", false, [=](auto v) { return (v > T(0)).select(v, v * negative_slope); },
      [=](auto v, auto g) { return (v > T(0)).select(g, g * negative_slope); });
}

template <Scalar T>
Var<T> sigmoid(const Var<T>& x) {
  return autograd::pointwise(
      x, "sigmoid", true, [](auto v) { return T(1) / (T(1) + (-v).exp()); },
      [](auto y, auto g) { return g * y * (T(1) - y); });
}

template <Scalar T>
Var<T> tanh(const Var<T>& x) {
  return autograd::pointwise(
      x, "tanh", true, [](auto v) { return v.tanh(); }, [](auto y, auto g) { return g * (T(1) - y * y); });
}

template <Scalar T>
Var<T> exp(const Var<T>& x) {
  return autograd::pointwise(
      x, "exp", true, [](auto v) { return v.exp(); }, [](auto y, auto g) { return g * y; });
}

/// Natural log; the caller keeps inputs positive (use bce_loss for probabilities).
template <Scalar T>
Var<T> log(const Var<T>& x) {
  return autograd::pointwise(
      x, "log", false, [](auto v) { return v.log(); }, [](auto v, auto g) { return g / v; });
}

template <Scalar T>
Var<T> square(const Var<T>& x) {
  return autograd::pointwise(
      x, "square", false, [](auto v) { return v * v; }, [](auto v, auto g) { return T(2) * g * v; });
}

}  // namespace aegan
