#pragma once
// conv2d and conv_transpose2d on NCHW tensors. The forward pass and both gradients are the
// im2col + GEMM kernels of kernels/conv.hpp; conv_transpose2d is the adjoint of conv2d in its
// input (PyTorch's definition), so it runs the same kernels with the roles swapped.
#include <memory>
#include <optional>
#include <string>

#include "aegan/autograd/ops/arith.hpp"
#include "aegan/tensor/kernels/conv.hpp"

namespace aegan {

namespace autograd {

/// "stride=2, padding=1": the options part of an error message.
inline std::string window_options(Size2 kernel, Size2 stride, Size2 padding) {
  return "kernel=" + kernel.to_string() + ", stride=" + stride.to_string() + ", padding=" + padding.to_string();
}

/// Validates stride / padding / rank / channel count and returns the geometry of the convolution
/// taking `x` ([N, in_channels, H, W]) to out_channels maps with `kernel`. `who` names the layer
/// and its options in every message ("Conv2d(1 -> 64, kernel=4, stride=2, padding=1)").
inline kernels::Conv2dGeometry conv_geometry(const std::string& who, const Shape& x, Index in_channels, Index out_channels,
                                             Size2 kernel, Size2 stride, Size2 padding) {
  const std::string in = ": input " + x.to_string();
  if (stride.h <= 0 || stride.w <= 0) throw ValueError(who + ": stride must be positive, got " + stride.to_string() + in);
  if (padding.h < 0 || padding.w < 0)
    throw ValueError(who + ": padding must be non-negative, got " + padding.to_string() + in);
  if (kernel.h <= 0 || kernel.w <= 0)
    throw ValueError(who + ": kernel size must be positive, got " + kernel.to_string() + in);
  if (x.rank() != 4) throw ShapeError(who + in + " must be 4-D [N, C, H, W]");
  if (x[1] != in_channels)
    throw ShapeError(who + in + " has " + std::to_string(x[1]) + " channels, expected " + std::to_string(in_channels));
  const Index ph = x[2] + 2 * padding.h, pw = x[3] + 2 * padding.w;
  if (ph < kernel.h || pw < kernel.w)
    throw ShapeError(who + in + ": kernel " + kernel.to_string() + " is larger than the padded input [" +
                     std::to_string(ph) + ", " + std::to_string(pw) + "]");
  kernels::Conv2dGeometry g;
  g.batch = x[0], g.in_channels = in_channels, g.in_h = x[2], g.in_w = x[3];
  g.out_channels = out_channels, g.kernel_h = kernel.h, g.kernel_w = kernel.w;
  g.stride_h = stride.h, g.stride_w = stride.w, g.pad_h = padding.h, g.pad_w = padding.w;
  g.out_h = (ph - kernel.h) / stride.h + 1;
  g.out_w = (pw - kernel.w) / stride.w + 1;
  return g;
}

/// The geometry of the convolution whose adjoint is conv_transpose2d of x ([N, in_channels, H, W])
/// to out_channels maps: that convolution maps [N, out_channels, Ho, Wo] back to [N, in_channels, H, W]
/// with Ho = (H - 1)·stride - 2·padding + kernel + output_padding.
inline kernels::Conv2dGeometry conv_transpose_geometry(const std::string& who, const Shape& x, Index in_channels,
                                                       Index out_channels, Size2 kernel, Size2 stride, Size2 padding,
                                                       Size2 output_padding) {
  const std::string in = ": input " + x.to_string();
  if (stride.h <= 0 || stride.w <= 0) throw ValueError(who + ": stride must be positive, got " + stride.to_string() + in);
  if (padding.h < 0 || padding.w < 0)
    throw ValueError(who + ": padding must be non-negative, got " + padding.to_string() + in);
  if (kernel.h <= 0 || kernel.w <= 0)
    throw ValueError(who + ": kernel size must be positive, got " + kernel.to_string() + in);
  if (output_padding.h < 0 || output_padding.w < 0 || output_padding.h >= stride.h || output_padding.w >= stride.w)
    throw ValueError(who + ": output_padding " + output_padding.to_string() + " must be non-negative and smaller than stride " +
                     stride.to_string() + in);
  if (x.rank() != 4) throw ShapeError(who + in + " must be 4-D [N, C, H, W]");
  if (x[1] != in_channels)
    throw ShapeError(who + in + " has " + std::to_string(x[1]) + " channels, expected " + std::to_string(in_channels));
  const Index ho = (x[2] - 1) * stride.h - 2 * padding.h + kernel.h + output_padding.h;
  const Index wo = (x[3] - 1) * stride.w - 2 * padding.w + kernel.w + output_padding.w;
  if (x[2] < 1 || x[3] < 1 || ho < 1 || wo < 1)
    throw ShapeError(who + in + ": the output would be [" + std::to_string(ho) + ", " + std::to_string(wo) +
                     "] (padding too large for the kernel)");
  kernels::Conv2dGeometry g;
  g.batch = x[0], g.in_channels = out_channels, g.in_h = ho, g.in_w = wo;
  g.out_channels = in_channels, g.kernel_h = kernel.h, g.kernel_w = kernel.w;
  g.stride_h = stride.h, g.stride_w = stride.w, g.pad_h = padding.h, g.pad_w = padding.w;
  g.out_h = x[2], g.out_w = x[3];
  return g;
}

template <Scalar T>
void check_conv_params(const std::string& who, const Var<T>& weight, const Var<T>& bias, Index bias_channels) {
  if (weight.value().rank() != 4)
    throw ShapeError(who + ": weight " + weight.shape().to_string() + " must be 4-D");
  if (bias.defined() && !(bias.shape() == Shape{bias_channels}))
    throw ShapeError(who + ": bias " + bias.shape().to_string() + " does not match weight " + weight.shape().to_string() +
                     " (expected [" + std::to_string(bias_channels) + "])");
}

}  // namespace autograd

namespace autograd {
/// Records a convolution-like result over x, weight and the optional bias. `backward_kernel(y, gy,
/// dx, dw, db)` writes the gradients asked for, each pointer null when that input needs none; y is
/// the recorded output, read in place (the closure lives in y's own node and runs while
/// backward() holds it, as in pointwise()).
template <Scalar T, class Kernel>
Var<T> record_conv(Tensor<T> out, const char* op, const Var<T>& x, const Var<T>& weight, const Var<T>& bias,
                   Kernel backward_kernel) {
  std::vector<Var<T>> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  Var<T> y = Var<T>::make(std::move(out), op, std::move(inputs), nullptr);
  if (!y.requires_grad()) return y;
  const Tensor<T>* saved = &y.node()->value;
  y.node()->backward = [x, weight, bias, saved, backward_kernel](const Tensor<T>& gy) {
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
  return y;
}

/// conv2d, optionally followed by a rectifier in the same pass (see conv2d_rectified).
template <Scalar T>
Var<T> conv2d_impl(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Size2 stride, Size2 padding,
                   std::optional<kernels::Rectifier<T>> rectifier) {
  const std::string who = "conv2d(weight " + weight.shape().to_string() + ", stride=" + stride.to_string() +
                          ", padding=" + padding.to_string() + ")";
  check_conv_params(who, weight, bias, weight.value().rank() == 4 ? weight.dim(0) : 0);
  const auto g = conv_geometry(who, x.shape(), weight.dim(1), weight.dim(0), {weight.dim(2), weight.dim(3)}, stride,
                               padding);
  Tensor<T> out = Tensor<T>::uninitialized({g.batch, g.out_channels, g.out_h, g.out_w});
  // On Winograd's path the weight gradient needs the transform of x that the forward pass makes:
  // keep it in the graph (like PyTorch's saved tensors) rather than transform x again.
  std::shared_ptr<Tensor<T>> x_transform;
  if (grad_mode() && weight.requires_grad())
    if (const Index n = kernels::transformed_input_size<T>(g); n > 0)
      x_transform = std::make_shared<Tensor<T>>(Tensor<T>::uninitialized({n}));
  kernels::conv2d_forward(g, x.value().data(), weight.value().data(), bias.defined() ? bias.value().data() : nullptr,
                          out.data(), rectifier, x_transform ? x_transform->data() : nullptr);
  return record_conv(std::move(out), rectifier ? "conv2d_rectified" : "conv2d", x, weight, bias,
                     [x, weight, g, rectifier, x_transform](const Tensor<T>& y, const Tensor<T>& gy, T* dx, T* dw, T* db) {
                       kernels::conv2d_backward(g, x.value().data(), weight.value().data(), gy.data(), dx, dw, db,
                                                rectifier, y.data(), x_transform ? x_transform->data() : nullptr);
                     });
}
}  // namespace autograd

/// 2-D convolution (cross-correlation, as in every framework): x [N, Cin, H, W], weight
/// [Cout, Cin, kh, kw], optional bias [Cout] -> [N, Cout, Ho, Wo] with
/// Ho = (H + 2·padding - kh) / stride + 1.
template <Scalar T>
Var<T> conv2d(const Var<T>& x, const Var<T>& weight, const Var<T>& bias = {}, Size2 stride = 1, Size2 padding = 0) {
  return autograd::conv2d_impl<T>(x, weight, bias, stride, padding, std::nullopt);
}

/// leaky_relu(conv2d(x, weight, bias, stride, padding), negative_slope) (relu for slope 0) with the
/// rectifier applied in the convolution's own output pass, and its derivative while the output
/// gradient is gathered for the products: the same values and gradients, without two passes over
/// the activations. nn::Sequential uses it for a Conv2d followed by ReLU or LeakyReLU.
template <Scalar T>
Var<T> conv2d_rectified(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, Size2 stride, Size2 padding,
                        T negative_slope) {
  if (!(negative_slope >= T(0)))
    throw ValueError("conv2d_rectified: negative_slope must be >= 0, got " + std::to_string(negative_slope));
  return autograd::conv2d_impl<T>(x, weight, bias, stride, padding, kernels::Rectifier<T>{negative_slope});
}

/// 2-D transposed convolution (the adjoint of conv2d in its input, PyTorch's ConvTranspose2d):
/// x [N, Cin, H, W], weight [Cin, Cout, kh, kw], optional bias [Cout] -> [N, Cout, Ho, Wo] with
/// Ho = (H - 1)·stride - 2·padding + kh + output_padding.
template <Scalar T>
Var<T> conv_transpose2d(const Var<T>& x, const Var<T>& weight, const Var<T>& bias = {}, Size2 stride = 1,
                        Size2 padding = 0, Size2 output_padding = 0) {
  const std::string who = "conv_transpose2d(weight " + weight.shape().to_string() + ", stride=" + stride.to_string() +
                          ", padding=" + padding.to_string() + ", output_padding=" + output_padding.to_string() + ")";
  autograd::check_conv_params(who, weight, bias, weight.value().rank() == 4 ? weight.dim(1) : 0);
  const auto g = autograd::conv_transpose_geometry(who, x.shape(), weight.dim(0), weight.dim(1),
                                                   {weight.dim(2), weight.dim(3)}, stride, padding, output_padding);
  Tensor<T> out = Tensor<T>::uninitialized({g.batch, g.in_channels, g.in_h, g.in_w});
  kernels::conv2d_adjoint(g, x.value().data(), weight.value().data(), bias.defined() ? bias.value().data() : nullptr,
                          out.data());
  return autograd::record_conv(std::move(out), "conv_transpose2d", x, weight, bias,
                               [x, weight, g](const Tensor<T>&, const Tensor<T>& gy, T* dx, T* dw, T* db) {
                                 kernels::conv2d_adjoint_backward(g, x.value().data(), weight.value().data(), gy.data(), dx, dw, db);
                               });
}

}  // namespace aegan
