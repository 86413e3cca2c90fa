#pragma once
// conv2d and conv_transpose2d on NCHW tensors. The forward pass and both gradients are the
// im2col + GEMM kernels of kernels/conv.hpp; conv_transpose2d is the adjoint of conv2d in its
// input (PyTorch's definition), so it runs the same kernels with the roles swapped. The layers
// (nn/conv.hpp) and the functional ops below share one set of checks; each names its caller
// through a `who` callable that builds the name only when there is an error to report.
#include <memory>
#include <optional>
#include <string>

#include "aegan/autograd/ops/arith.hpp"
#include "aegan/tensor/kernels/conv.hpp"

namespace aegan {

namespace autograd {

/// A convolution's window: what the layers' options and the functional ops' arguments give.
struct ConvWindow {
  Size2 kernel, stride = 1, padding = 0;
  Size2 output_padding = 0;  // transposed convolutions only
};

/// "kernel=4, stride=2, padding=1": the options part of a layer's name and of error messages.
inline std::string window_options(Size2 kernel, Size2 stride, Size2 padding) {
  return "kernel=" + kernel.to_string() + ", stride=" + stride.to_string() + ", padding=" + padding.to_string();
}

/// Throws ValueError for a window no input could satisfy. `who()` names the caller; `input`, when
/// given, is appended (": input [N, C, H, W]").
template <class Who>
void check_window(const Who& who, const ConvWindow& w, bool transposed, const Shape* input = nullptr) {
  auto fail = [&](const std::string& problem) {
    throw ValueError(who() + ": " + problem + (input ? ": input " + input->to_string() : std::string()));
  };
  if (w.stride.h <= 0 || w.stride.w <= 0) fail("stride must be positive, got " + w.stride.to_string());
  if (w.padding.h < 0 || w.padding.w < 0) fail("padding must be non-negative, got " + w.padding.to_string());
  if (w.kernel.h <= 0 || w.kernel.w <= 0) fail("kernel size must be positive, got " + w.kernel.to_string());
  const Size2 op = w.output_padding;  // always 0 for a convolution that is not transposed
  if (transposed && (op.h < 0 || op.w < 0 || op.h >= w.stride.h || op.w >= w.stride.w))
    fail("output_padding " + op.to_string() + " must be non-negative and smaller than stride " + w.stride.to_string());
}

/// Throws ShapeError unless x is [N, channels, H, W].
template <class Who>
void check_conv_input(const Who& who, const Shape& x, Index channels) {
  if (x.rank() != 4) throw ShapeError(who() + ": input " + x.to_string() + " must be 4-D [N, C, H, W]");
  if (x[1] != channels)
    throw ShapeError(who() + ": input " + x.to_string() + " has " + std::to_string(x[1]) + " channels, expected " +
                     std::to_string(channels));
}

/// Validates the window and `x` ([N, in_channels, H, W]) and returns the geometry of the
/// convolution taking x to out_channels maps. `who()` names the caller in every message
/// ("Conv2d(1 -> 64, kernel=4, stride=2, padding=1, bias=true)").
template <class Who>
kernels::Conv2dGeometry conv_geometry(const Who& who, const Shape& x, Index in_channels, Index out_channels,
                                      const ConvWindow& w) {
  check_window(who, w, false, &x);
  check_conv_input(who, x, in_channels);
  const Index ph = x[2] + 2 * w.padding.h, pw = x[3] + 2 * w.padding.w;
  if (ph < w.kernel.h || pw < w.kernel.w)
    throw ShapeError(who() + ": input " + x.to_string() + ": kernel " + w.kernel.to_string() +
                     " is larger than the padded input [" + std::to_string(ph) + ", " + std::to_string(pw) + "]");
  kernels::Conv2dGeometry g;
  g.batch = x[0], g.in_channels = in_channels, g.in_h = x[2], g.in_w = x[3];
  g.out_channels = out_channels, g.kernel_h = w.kernel.h, g.kernel_w = w.kernel.w;
  g.stride_h = w.stride.h, g.stride_w = w.stride.w, g.pad_h = w.padding.h, g.pad_w = w.padding.w;
  g.out_h = (ph - w.kernel.h) / w.stride.h + 1;
  g.out_w = (pw - w.kernel.w) / w.stride.w + 1;
  return g;
}

/// The geometry of the convolution whose adjoint is conv_transpose2d of x ([N, in_channels, H, W])
/// to out_channels maps: that convolution maps [N, out_channels, Ho, Wo] back to [N, in_channels, H, W]
/// with Ho = (H - 1)·stride - 2·padding + kernel + output_padding.
template <class Who>
kernels::Conv2dGeometry conv_transpose_geometry(const Who& who, const Shape& x, Index in_channels, Index out_channels,
                                                const ConvWindow& w) {
  check_window(who, w, true, &x);
  check_conv_input(who, x, in_channels);
  const Index ho = (x[2] - 1) * w.stride.h - 2 * w.padding.h + w.kernel.h + w.output_padding.h;
  const Index wo = (x[3] - 1) * w.stride.w - 2 * w.padding.w + w.kernel.w + w.output_padding.w;
  if (x[2] < 1 || x[3] < 1 || ho < 1 || wo < 1)
    throw ShapeError(who() + ": input " + x.to_string() + ": the output would be [" + std::to_string(ho) + ", " +
                     std::to_string(wo) + "] (padding too large for the kernel)");
  kernels::Conv2dGeometry g;
  g.batch = x[0], g.in_channels = out_channels, g.in_h = ho, g.in_w = wo;
  g.out_channels = in_channels, g.kernel_h = w.kernel.h, g.kernel_w = w.kernel.w;
  g.stride_h = w.stride.h, g.stride_w = w.stride.w, g.pad_h = w.padding.h, g.pad_w = w.padding.w;
  g.out_h = x[2], g.out_w = x[3];
  return g;
}

/// Throws ShapeError unless weight is 4-D and bias, when defined, is [bias_channels] (dimension
/// `bias_axis` of the weight).
template <Scalar T, class Who>
void check_conv_params(const Who& who, const Var<T>& weight, const Var<T>& bias, int bias_axis) {
  if (weight.value().rank() != 4) throw ShapeError(who() + ": weight " + weight.shape().to_string() + " must be 4-D");
  if (bias.defined() && !(bias.shape() == Shape{weight.dim(bias_axis)}))
    throw ShapeError(who() + ": bias " + bias.shape().to_string() + " does not match weight " + weight.shape().to_string() +
                     " (expected [" + std::to_string(weight.dim(bias_axis)) + "])");
}

/// Records a convolution-like result over x, weight and the optional bias. `backward_kernel(y, gy,
/// dx, dw, db)` writes the gradients asked for, each pointer null when that input needs none; y is
/// the recorded output (Var::make_reading_output).
template <Scalar T, class Kernel>
Var<T> record_conv(Tensor<T> out, const char* op, const Var<T>& x, const Var<T>& weight, const Var<T>& bias,
                   Kernel backward_kernel) {
  std::vector<Var<T>> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return Var<T>::make_reading_output(std::move(out), op, std::move(inputs), [&](const Tensor<T>& y) {
    return [x, weight, bias, saved = &y, backward_kernel](const Tensor<T>& gy) {
      const bool want_db = bias.defined() && bias.requires_grad();
      Tensor<T> dx, dw, db;
      if (x.requires_grad()) dx = Tensor<T>::uninitialized(x.shape());
      if (weight.requires_grad()) dw = Tensor<T>::uninitialized(weight.shape());
      if (want_db) db = Tensor<T>::uninitialized(bias.shape());
      backward_kernel(*saved, gy, dx.data(), dw.data(), db.data());
      if (x.requires_grad()) send_grad(x, std::move(dx));
      if (weight.requires_grad()) send_grad(weight, std::move(dw));
      if (want_db) send_grad(bias, std::move(db));
    };
  });
}

/// conv2d, optionally followed by a rectifier in the same pass (see conv2d_rectified); errors name `who()`.
template <Scalar T, class Who>
Var<T> conv2d_impl(const Who& who, const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Size2 stride, Size2 padding,
                   std::optional<kernels::Rectifier<T>> rectifier, const kernels::ConvSettings& settings) {
  check_conv_params(who, weight, bias, 0);
  const auto g = conv_geometry(who, x.shape(), weight.dim(1), weight.dim(0),
                               ConvWindow{{weight.dim(2), weight.dim(3)}, stride, padding});
  Tensor<T> out = Tensor<T>::uninitialized({g.batch, g.out_channels, g.out_h, g.out_w});
  // On Winograd's path the weight gradient needs the transform of x that the forward pass makes:
  // keep it in the graph (like PyTorch's saved tensors) rather than transform x again.
  std::shared_ptr<Tensor<T>> x_transform;
  if (grad_mode() && weight.requires_grad())
    if (const Index n = kernels::transformed_input_size<T>(g, settings.algorithm); n > 0)
      x_transform = std::make_shared<Tensor<T>>(Tensor<T>::uninitialized({n}));
  kernels::conv2d_forward(g, x.value().data(), weight.value().data(), bias.defined() ? bias.value().data() : nullptr,
                          out.data(), rectifier, x_transform ? x_transform->data() : nullptr, settings);
  return record_conv(std::move(out), rectifier ? "conv2d_rectified" : "conv2d", x, weight, bias,
                     [x, weight, g, rectifier, x_transform, settings](const Tensor<T>& y, const Tensor<T>& gy, T* dx, T* dw, T* db) {
                       kernels::conv2d_backward(g, x.value().data(), weight.value().data(), gy.data(), dx, dw, db,
                                                rectifier, y.data(), x_transform ? x_transform->data() : nullptr, settings);
                     });
}

/// conv_transpose2d; errors name `who()`.
template <Scalar T, class Who>
Var<T> conv_transpose2d_impl(const Who& who, const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Size2 stride,
                             Size2 padding, Size2 output_padding, const kernels::ConvSettings& settings) {
  check_conv_params(who, weight, bias, 1);
  const auto g = conv_transpose_geometry(who, x.shape(), weight.dim(0), weight.dim(1),
                                         ConvWindow{{weight.dim(2), weight.dim(3)}, stride, padding, output_padding});
  Tensor<T> out = Tensor<T>::uninitialized({g.batch, g.in_channels, g.in_h, g.in_w});
  kernels::conv2d_adjoint(g, x.value().data(), weight.value().data(), bias.defined() ? bias.value().data() : nullptr,
                          out.data(), settings);
  return record_conv(std::move(out), "conv_transpose2d", x, weight, bias,
                     [x, weight, g, settings](const Tensor<T>&, const Tensor<T>& gy, T* dx, T* dw, T* db) {
                       kernels::conv2d_adjoint_backward(g, x.value().data(), weight.value().data(), gy.data(), dx, dw, db,
                                                        settings);
                     });
}

}  // namespace autograd

/// 2-D convolution (cross-correlation, as in every framework): x [N, Cin, H, W], weight
/// [Cout, Cin, kh, kw], optional bias [Cout] -> [N, Cout, Ho, Wo] with
/// Ho = (H + 2·padding - kh) / stride + 1. `settings` chooses the algorithm and threading
/// (kernels/conv_settings.hpp).
template <Scalar T>
Var<T> conv2d(const Var<T>& x, const Var<T>& weight, const Var<T>& bias = {}, Size2 stride = 1, Size2 padding = 0,
              const kernels::ConvSettings& settings = {}) {
  auto who = [&] {
    return "conv2d(weight " + weight.shape().to_string() + ", stride=" + stride.to_string() + ", padding=" + padding.to_string() + ")";
  };
  return autograd::conv2d_impl<T>(who, x, weight, bias, stride, padding, std::nullopt, settings);
}

/// leaky_relu(conv2d(x, weight, bias, stride, padding), negative_slope) (relu for slope 0) with the
/// rectifier applied in the convolution's own output pass, and its derivative while the output
/// gradient is gathered for the products: the same values and gradients, without two passes over
/// the activations. nn::Sequential uses it for a Conv2d followed by ReLU or LeakyReLU.
template <Scalar T>
Var<T> conv2d_rectified(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Size2 stride, Size2 padding,
                        T negative_slope, const kernels::ConvSettings& settings = {}) {
  auto who = [&] {
    return "conv2d_rectified(weight " + weight.shape().to_string() + ", stride=" + stride.to_string() +
           ", padding=" + padding.to_string() + ")";
  };
  if (!(negative_slope >= T(0)))
    throw ValueError(who() + ": negative_slope must be >= 0, got " + std::to_string(negative_slope));
  return autograd::conv2d_impl<T>(who, x, weight, bias, stride, padding, kernels::Rectifier<T>{negative_slope}, settings);
}

/// 2-D transposed convolution (the adjoint of conv2d in its input, PyTorch's ConvTranspose2d):
/// x [N, Cin, H, W], weight [Cin, Cout, kh, kw], optional bias [Cout] -> [N, Cout, Ho, Wo] with
/// Ho = (H - 1)·stride - 2·padding + kh + output_padding.
template <Scalar T>
Var<T> conv_transpose2d(const Var<T>& x, const Var<T>& weight, const Var<T>& bias = {}, Size2 stride = 1,
                        Size2 padding = 0, Size2 output_padding = 0, const kernels::ConvSettings& settings = {}) {
  auto who = [&] {
    return "conv_transpose2d(weight " + weight.shape().to_string() + ", stride=" + stride.to_string() +
           ", padding=" + padding.to_string() + ", output_padding=" + output_padding.to_string() + ")";
  };
  return autograd::conv_transpose2d_impl<T>(who, x, weight, bias, stride, padding, output_padding, settings);
}

}  // namespace aegan
