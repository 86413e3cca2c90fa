#pragma once
#include "aegan/autograd/ops/arith.hpp"

namespace aegan {

/// Sum of all elements, as a scalar (rank-0) Var.
template <Scalar T>
Var<T> sum(const Var<T>& x) {
  Tensor<T> out = Tensor<T>::scalar(static_cast<T>(kernels::sum(x.value())));
  return Var<T>::make(std::move(out), "sum", {x}, [x](const Tensor<T>& g) {
    autograd::send_grad(x, Tensor<T>::full(x.shape(), g.item()));
  });
}

/// Mean of all elements, as a scalar Var.
template <Scalar T>
Var<T> mean(const Var<T>& x) {
  if (x.numel() == 0) throw ShapeError("mean: empty input of shape " + x.shape().to_string());
  const double n = static_cast<double>(x.numel());
  Tensor<T> out = Tensor<T>::scalar(static_cast<T>(kernels::sum(x.value()) / n));
  return Var<T>::make(std::move(out), "mean", {x}, [x, n](const Tensor<T>& g) {
    autograd::send_grad(x, Tensor<T>::full(x.shape(), static_cast<T>(g.item() / n)));
  });
}

}  // namespace aegan
