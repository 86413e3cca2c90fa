#pragma once
// The rectifier (ReLU, or LeakyReLU with a slope >= 0) that a convolution or batch norm can apply
// in its own output pass, and its derivative, shared by those kernels so that a fused layer gives
// exactly the values and gradients of the layer followed by autograd's relu / leaky_relu.
#include <algorithm>
#include <cstring>

#include "aegan/tensor/scalar.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::kernels {

/// y = max(v, 0) + slope·min(v, 0): ReLU for slope 0, LeakyReLU otherwise (slope >= 0).
template <Scalar T>
struct Rectifier {
  T slope = T(0);
};

/// The rectifier in the branch-free form of autograd's leaky_relu: the signs of activations are
/// random, and a branch on them would be mispredicted half the time.
template <Scalar T>
T rectified(T v, T slope) {
  return std::max(v, T(0)) + slope * std::min(v, T(0));
}

/// values[0:n) = rectified(values[0:n)), in place.
template <Scalar T>
void rectify_run(T* values, Index n, T slope) {
  for (Index i = 0; i < n; ++i) values[i] = rectified(values[i], slope);
}

/// The derivative at a rectified output y: 1 where y > 0, slope elsewhere (for slope >= 0 the same
/// as at the input, so the backward pass needs only the output).
template <Scalar T>
T rectifier_slope_at(T y, T slope) {
  return y > T(0) ? T(1) : slope;
}

/// out[0:n) = g[0:n)·rectifier_slope_at(y[0:n)): the rectifier's backward pass over a run. Written
/// on vectors (32 bytes, split in two where the target's are 16) because GCC keeps a float
/// comparison as a branch in a scalar loop (it may trap, so it is not if-converted) unless the
/// target has AVX-512's masks; the values are the scalar form's (g·1 = g exactly).
template <Scalar T>
void rectifier_backward_run(const T* g, const T* y, Index n, T slope, T* out) {
  using Vec [[gnu::vector_size(32)]] = T;
  constexpr Index kWidth = 32 / sizeof(T);
  Index i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    Vec gv, yv;
    std::memcpy(&gv, g + i, sizeof gv);
    std::memcpy(&yv, y + i, sizeof yv);
    const Vec r = yv > T(0) ? gv : gv * slope;
    std::memcpy(out + i, &r, sizeof r);
  }
  for (; i < n; ++i) out[i] = g[i] * rectifier_slope_at(y[i], slope);
}

}  // namespace aegan::kernels
