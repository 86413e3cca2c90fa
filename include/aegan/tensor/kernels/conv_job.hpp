#pragma once
// ConvJob: which products one convolution pass computes, shared by the engines that run it
// (conv.hpp's im2col engine and winograd.hpp).
#include "aegan/tensor/scalar.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::kernels::detail {

/// Which products one pass over the samples computes; null pointers switch parts off.
template <Scalar T>
struct ConvJob {
  const T* x = nullptr;       // [N, Cin, H, W]: im2col source (forward and weight gradient)
  const T* w = nullptr;       // [Cout, Cin·kh·kw]
  const T* bias = nullptr;    // [Cout], added to y
  T* y = nullptr;             // [N, Cout, Ho, Wo] = w · rows(x)ᵀ (+ bias)
  const T* gy = nullptr;      // [N, Cout, Ho, Wo]: the operand of the weight and data gradients
  T* dw = nullptr;            // [Cout, Cin·kh·kw] = Σ gy_n · rows(x_n) (overwritten)
  T* dx = nullptr;            // [N, Cin, H, W] = row2im(gy_nᵀ · w) (overwritten)
  T* db = nullptr;            // [Cout] = Σ gy over samples and pixels (overwritten)
  const T* dx_bias = nullptr; // [Cin], added to dx
  T* dbx = nullptr;           // [Cin] = Σ x over samples and pixels (overwritten)
  // A rectifier fused into the output pass: y = max(v, 0) + slope·min(v, 0). On the backward pass
  // y_rectified is that output, and gy is scaled by the rectifier's derivative (1 where y > 0,
  // slope elsewhere; the same as at v for slope >= 0) as it is gathered for the products.
  bool rectify = false;
  T slope = T(0);
  const T* y_rectified = nullptr;  // [N, Cout, Ho, Wo]
  // Winograd's transform of x (kernels/winograd.hpp, transformed_input_size values): the forward
  // pass leaves it in keep_x_transform when given, and a backward pass given it as x_transform
  // reads it instead of transforming x again. The direct engine ignores both.
  T* keep_x_transform = nullptr;
  const T* x_transform = nullptr;
};

}  // namespace aegan::kernels::detail
