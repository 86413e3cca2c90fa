#pragma once
// Nearest-neighbour upsampling of NCHW tensors by integer factors.
#include <string>

#include "aegan/autograd/ops/arith.hpp"
#include "aegan/tensor/kernels/resample.hpp"

namespace aegan {

/// x [N, C, H, W] -> [N, C, H·scale.h, W·scale.w], each pixel repeated over a scale.h x scale.w
/// block. The gradient sums each block.
template <Scalar T>
Var<T> upsample_nearest2d(const Var<T>& x, Size2 scale) {
  if (x.value().rank() != 4)
    throw ShapeError("upsample_nearest2d(scale=" + scale.to_string() + "): input " + x.shape().to_string() +
                     " must be 4-D [N, C, H, W]");
  if (scale.h < 1 || scale.w < 1)
    throw ValueError("upsample_nearest2d: scale must be a positive integer, got " + scale.to_string() + ": input " +
                     x.shape().to_string());
  const Index planes = x.dim(0) * x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor<T> out = Tensor<T>::uninitialized({x.dim(0), x.dim(1), H * scale.h, W * scale.w});
  kernels::upsample_nearest2d_forward(x.value().data(), planes, H, W, scale.h, scale.w, out.data());
  return Var<T>::make(std::move(out), "upsample_nearest2d", {x}, [x, planes, H, W, scale](const Tensor<T>& gy) {
    Tensor<T> dx = Tensor<T>::uninitialized(x.shape());
    kernels::upsample_nearest2d_backward(gy.data(), planes, H, W, scale.h, scale.w, dx.data());
    autograd::send_grad(x, std::move(dx));
  });
}

}  // namespace aegan
