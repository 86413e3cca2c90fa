#pragma once
#include "aegan/autograd/ops/arith.hpp"
#include "aegan/tensor/rng.hpp"

namespace aegan {

/// Inverted dropout: zeroes each element with probability p and scales survivors by 1/(1-p),
/// so evaluation needs no rescaling. Identity when !training or p == 0.
template <Scalar T>
Var<T> dropout(const Var<T>& x, double p, bool training, Rng& rng) {
  if (!(p >= 0.0 && p < 1.0)) throw ValueError("dropout: probability must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  auto mask = std::make_shared<Tensor<T>>(Tensor<T>::uninitialized(x.shape()));
  const T keep_scale = static_cast<T>(1.0 / (1.0 - p));
  for (T& m : *mask) m = rng.bernoulli(p) ? T(0) : keep_scale;
  Tensor<T> out = Tensor<T>::uninitialized(x.shape());
  kernels::binary(x.value(), *mask, out, [](auto a, auto b) { return a * b; });
  return Var<T>::make(std::move(out), "dropout", {x}, [x, mask](const Tensor<T>& g) {
    Tensor<T> gx = Tensor<T>::uninitialized(g.shape());
    kernels::binary(g, *mask, gx, [](auto a, auto b) { return a * b; });
    autograd::send_grad(x, std::move(gx));
  });
}

}  // namespace aegan
