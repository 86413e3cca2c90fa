#pragma once
// The rectifier (ReLU, or LeakyReLU with a slope >= 0) that a convolution or batch norm can apply
// in its own output pass, and its derivative, shared by those kernels so that a fused layer gives
// exactly the values and gradients of the layer followed by autograd's relu / leaky_relu.
#include <algorithm>

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

}  // namespace aegan::kernels
