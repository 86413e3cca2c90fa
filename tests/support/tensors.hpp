#pragma once
// Tensor helpers shared by the layer tests: seeded random tensors and the largest elementwise
// difference between two tensors of one shape.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <aegan/tensor/rng.hpp>
#include <aegan/tensor/tensor.hpp>

namespace aegan::test {

/// A tensor of normal(mean, stddev) draws from `rng`.
template <class T>
Tensor<T> randn(const Shape& s, Rng& rng, double mean = 0.0, double stddev = 1.0) {
  Tensor<T> t = Tensor<T>::uninitialized(s);
  rng.fill_normal(t, mean, stddev);
  return t;
}

/// max_i |a[i] - b[i]| in double; the shapes must match.
template <class T>
double max_abs_diff(const Tensor<T>& a, const Tensor<T>& b) {
  REQUIRE(a.shape() == b.shape());
  double m = 0.0;
  for (Index i = 0; i < a.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return m;
}

}  // namespace aegan::test
