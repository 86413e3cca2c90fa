#pragma once
// max_pool2d and avg_pool2d on NCHW tensors (floor mode, as PyTorch's default).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aegan/autograd/ops/arith.hpp"
#include "aegan/autograd/ops/conv.hpp"
#include "aegan/tensor/kernels/pool.hpp"

namespace aegan {

namespace autograd {
/// Throws ValueError for a pooling window no input could satisfy: a convolution window's rules,
/// and padding at most half the kernel (as in PyTorch), so every window holds a real input.
template <class Who>
void check_pool_window(const Who& who, Size2 kernel, Size2 stride, Size2 padding, const Shape* input = nullptr) {
  check_window(who, ConvWindow{kernel, stride, padding}, false, input);
  if (2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    throw ValueError(who() + ": padding " + padding.to_string() + " must be at most half the kernel " + kernel.to_string() +
                     (input ? ": input " + input->to_string() : std::string()));
}

/// Validates a pooling window over x [N, C, H, W] and returns its geometry.
template <class Who>
kernels::Conv2dGeometry pool_geometry(const Who& who, const Shape& x, Size2 kernel, Size2 stride, Size2 padding) {
  if (x.rank() != 4) throw ShapeError(who() + ": input " + x.to_string() + " must be 4-D [N, C, H, W]");
  check_pool_window(who, kernel, stride, padding, &x);
  return conv_geometry(who, x, x[1], x[1], ConvWindow{kernel, stride, padding});
}

inline std::string pool_name(const char* op, Size2 kernel, Size2 stride, Size2 padding) {
  return std::string(op) + "(" + window_options(kernel, stride, padding) + ")";
}

/// max_pool2d; errors name `who()`.
template <Scalar T, class Who>
Var<T> max_pool2d_impl(const Who& who, const Var<T>& x, Size2 kernel, Size2 stride, Size2 padding) {
  const auto g = pool_geometry(who, x.shape(), kernel, stride, padding);
  Tensor<T> out = Tensor<T>::uninitialized({g.batch, g.out_channels, g.out_h, g.out_w});
  auto argmax = std::make_shared<std::vector<std::int32_t>>(static_cast<std::size_t>(out.numel()));
  kernels::max_pool2d_forward(g, x.value().data(), out.data(), argmax->data());
  return Var<T>::make(std::move(out), "max_pool2d", {x}, [x, g, argmax](const Tensor<T>& gy) {
    Tensor<T> dx = Tensor<T>::uninitialized(x.shape());
    kernels::max_pool2d_backward(g, gy.data(), argmax->data(), dx.data());
    send_grad(x, std::move(dx));
  });
}

/// avg_pool2d; errors name `who()`.
template <Scalar T, class Who>
Var<T> avg_pool2d_impl(const Who& who, const Var<T>& x, Size2 kernel, Size2 stride, Size2 padding, bool count_include_pad) {
  const auto g = pool_geometry(who, x.shape(), kernel, stride, padding);
  Tensor<T> out = Tensor<T>::uninitialized({g.batch, g.out_channels, g.out_h, g.out_w});
  kernels::avg_pool2d_forward(g, x.value().data(), out.data(), count_include_pad);
  return Var<T>::make(std::move(out), "avg_pool2d", {x}, [x, g, count_include_pad](const Tensor<T>& gy) {
    Tensor<T> dx = Tensor<T>::uninitialized(x.shape());
    kernels::avg_pool2d_backward(g, gy.data(), dx.data(), count_include_pad);
    send_grad(x, std::move(dx));
  });
}
}  // namespace autograd

/// Max over kernel windows; stride defaults to the kernel. The gradient goes to the input that
/// won each window (the first on ties).
template <Scalar T>
Var<T> max_pool2d(const Var<T>& x, Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0) {
  const Size2 s = stride.value_or(kernel);
  return autograd::max_pool2d_impl(
      [&] { return autograd::pool_name("max_pool2d", kernel, s, padding); }, x, kernel, s, padding);
}

/// Mean over kernel windows; stride defaults to the kernel. With count_include_pad (PyTorch's
/// default) padded zeros count in the divisor.
template <Scalar T>
Var<T> avg_pool2d(const Var<T>& x, Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  bool count_include_pad = true) {
  const Size2 s = stride.value_or(kernel);
  return autograd::avg_pool2d_impl(
      [&] { return autograd::pool_name("avg_pool2d", kernel, s, padding); }, x, kernel, s, padding, count_include_pad);
}

}  // namespace aegan
