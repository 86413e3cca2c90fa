#pragma once
// Working through a large tensor a batch of rows at a time: inference, encoding and scoring of
// thousands of images keep memory bounded by one batch's activations instead of the whole set's.
#include <algorithm>
#include <string>

#include "aegan/tensor/tensor.hpp"

namespace aegan {

/// A copy of rows [first, first + count) of x along dimension 0.
template <Scalar T>
Tensor<T> slice_rows(const Tensor<T>& x, Index first, Index count) {
  if (x.rank() < 1 || first < 0 || count < 0 || first + count > x.dim(0))
    throw ShapeError("slice_rows: rows [" + std::to_string(first) + ", " + std::to_string(first + count) + ") of a tensor of shape " +
                     x.shape().to_string());
  Shape s = x.shape();
  s[0] = count;
  Tensor<T> out = Tensor<T>::uninitialized(s);
  const Index per = x.shape().numel_from(1);
  std::copy_n(x.data() + first * per, count * per, out.data());
  return out;
}

/// f applied to x in batches of at most `batch` rows, the results stacked along dimension 0:
/// f maps a [m, ...] tensor to a [m, ...] tensor whose trailing shape does not depend on m.
template <Scalar T, class F>
Tensor<T> map_batches(const Tensor<T>& x, Index batch, F f) {
  if (x.rank() < 1) throw ShapeError("map_batches: expected a batch [N, ...], got a scalar");
  if (batch < 1) throw ValueError("map_batches: batch size must be positive, got " + std::to_string(batch));
  const Index n = x.dim(0);
  if (n == 0) return f(slice_rows(x, 0, 0));
  Tensor<T> out;
  for (Index start = 0; start < n; start += batch) {
    const Index m = std::min(batch, n - start);
    const Tensor<T> y = f(slice_rows(x, start, m));
    if (y.rank() < 1 || y.dim(0) != m)
      throw ShapeError("map_batches: a batch of " + std::to_string(m) + " rows gave " + y.shape().to_string());
    if (start == 0) {
      Shape s = y.shape();
      s[0] = n;
      out = Tensor<T>::uninitialized(s);
    } else if (y.shape().numel_from(1) != out.shape().numel_from(1)) {
      throw ShapeError("map_batches: batches gave different row shapes, " + y.shape().to_string() + " after " +
                       out.shape().to_string());
    }
    std::copy_n(y.data(), y.numel(), out.data() + start * out.shape().numel_from(1));
  }
  return out;
}

}  // namespace aegan
