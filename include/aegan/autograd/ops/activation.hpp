#pragma once
// Pointwise nonlinearities. Each backward reuses what the forward already computed (the output
// for sigmoid/tanh, the input for the ReLUs) instead of recomputing transcendental functions.
#include <memory>

#include "aegan/autograd/ops/arith.hpp"

namespace aegan {

namespace autograd {
/// Records an elementwise op whose gradient is dfn(saved, grad), where `saved` is the input
/// (save_output = false) or the output (save_output = true, read in place: Var::make_reading_output).
template <Scalar T, class Fwd, class Bwd>
Var<T> pointwise(const Var<T>& x, const char* op, bool save_output, Fwd fwd, Bwd bwd) {
  return Var<T>::make_reading_output(map(x.value(), fwd), op, {x}, [&](const Tensor<T>& y) {
    const Tensor<T>* saved = save_output ? &y : nullptr;
    // The input's gradient is computed over g, the node's own to consume (binary reads each value
    // before it writes that position).
    return [x, saved, bwd](Tensor<T>& g) {
      kernels::binary(saved ? *saved : x.value(), g, g, bwd);
      send_grad(x, std::move(g));
    };
  });
}
}  // namespace autograd

template <Scalar T>
Var<T> relu(const Var<T>& x) {
  return autograd::pointwise(
      x, "relu", false, [](auto v) { return v.max(T(0)); }, [](T v, T g) { return g * (v > T(0) ? T(1) : T(0)); });
}

template <Scalar T>
Var<T> leaky_relu(const Var<T>& x, T negative_slope = T(0.01)) {
  return autograd::pointwise(
      x, "leaky_relu", false, [=](auto v) { return v.max(T(0)) + negative_slope * v.min(T(0)); },
      [=](T v, T g) { return g * (v > T(0) ? T(1) : negative_slope); });
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
