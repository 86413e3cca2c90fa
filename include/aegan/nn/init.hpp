#pragma once
// Weight initializers (PyTorch's names and formulas). fan_in / fan_out follow PyTorch: for a
// weight [out, in, k...] fan_in = in * prod(k) and fan_out = out * prod(k).
#include <cmath>

#include "aegan/tensor/rng.hpp"

namespace aegan::nn::init {

struct Fans {
  double in, out;
};

template <Scalar T>
Fans fans(const Tensor<T>& w) {
  if (w.rank() < 2) throw ShapeError("init: fan in/out need a weight of rank >= 2, got " + w.shape().to_string());
  const double receptive = static_cast<double>(w.shape().numel_from(2));
  return {static_cast<double>(w.dim(1)) * receptive, static_cast<double>(w.dim(0)) * receptive};
}

template <Scalar T> void zeros(Tensor<T>& t) { t.fill(T(0)); }
template <Scalar T> void constant(Tensor<T>& t, T v) { t.fill(v); }
template <Scalar T> void uniform(Tensor<T>& t, double lo, double hi, Rng& rng = default_rng()) { rng.fill_uniform(t, lo, hi); }
template <Scalar T> void normal(Tensor<T>& t, double mean, double stddev, Rng& rng = default_rng()) { rng.fill_normal(t, mean, stddev); }

/// Glorot & Bengio: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
template <Scalar T>
void xavier_uniform(Tensor<T>& w, double gain = 1.0, Rng& rng = default_rng()) {
  const auto f = fans(w);
  const double a = gain * std::sqrt(6.0 / (f.in + f.out));
  rng.fill_uniform(w, -a, a);
}
template <Scalar T>
void xavier_normal(Tensor<T>& w, double gain = 1.0, Rng& rng = default_rng()) {
  const auto f = fans(w);
  rng.fill_normal(w, 0.0, gain * std::sqrt(2.0 / (f.in + f.out)));
}

/// He et al.: N(0, gain / sqrt(fan_in)) with gain sqrt(2 / (1 + a²)) for a (leaky) ReLU of slope a.
template <Scalar T>
void kaiming_normal(Tensor<T>& w, double negative_slope = 0.0, Rng& rng = default_rng()) {
  const double gain = std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  rng.fill_normal(w, 0.0, gain / std::sqrt(fans(w).in));
}
template <Scalar T>
void kaiming_uniform(Tensor<T>& w, double negative_slope = 0.0, Rng& rng = default_rng()) {
  const double gain = std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  const double bound = gain * std::sqrt(3.0 / fans(w).in);
  rng.fill_uniform(w, -bound, bound);
}

}  // namespace aegan::nn::init
