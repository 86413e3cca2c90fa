#pragma once
// ConvJob: which products one convolution pass computes, shared by the engines that run it
// (conv.hpp's im2col engine and winograd.hpp).
#include "aegan/tensor/scalar.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::kernels::detail {

/// The products of one pass over a convolution's samples. Its operands are named by their place
/// in the three products rather than by a layer's tensors: `source` is shaped like the
/// convolution's input [N, Cin, H, W] and read through its im2col matrix rows(source), `map` is
/// shaped like its output [N, Cout, Ho, Wo]. Null pointers switch products off.
///   forward   out      = w · rows(source_n)ᵀ (+ bias, then the rectifier)
///   weight    dw       = Σ_n map_n · rows(source_n)
///   adjoint   adjoint  = row2im(map_nᵀ · w) (+ adjoint_bias)
/// conv2d's forward pass is `forward` with source = x; its backward pass is `weight` and `adjoint`
/// with source = x and map = dy. conv_transpose2d's forward pass is `adjoint` with map = its
/// input; its backward pass is `forward` (its input gradient) and `weight` with source = its
/// output gradient and map = its input, sharing one im2col of that gradient.
template <Scalar T>
struct ConvJob {
  const T* w = nullptr;       // [Cout, Cin·kh·kw]
  const T* source = nullptr;  // [N, Cin, H, W]
  const T* map = nullptr;     // [N, Cout, Ho, Wo]

  T* out = nullptr;           // [N, Cout, Ho, Wo], overwritten
  const T* bias = nullptr;    // [Cout], added to out

  T* dw = nullptr;            // [Cout, Cin·kh·kw], overwritten
  T* map_sums = nullptr;      // [Cout] = Σ map over samples and pixels (conv2d's bias gradient), overwritten
  T* source_sums = nullptr;   // [Cin] = Σ source over samples and pixels (conv_transpose2d's), overwritten

  T* adjoint = nullptr;             // [N, Cin, H, W], overwritten
  const T* adjoint_bias = nullptr;  // [Cin], added to adjoint

  // A rectifier fused into the forward product: out = max(v, 0) + slope·min(v, 0). On a backward
  // pass, rectified_out is that forward's output and map the gradient at it: the map is scaled by
  // the rectifier's derivative (1 where out > 0, slope elsewhere; the same as at v for slope >= 0)
  // as it is gathered for the products.
  bool rectify = false;
  T slope = T(0);
  const T* rectified_out = nullptr;  // [N, Cout, Ho, Wo]

  // Winograd's transform of the source (kernels/winograd.hpp, transformed_input_size values): a
  // forward pass leaves it in keep_source_transform when given, and a later weight product given
  // it as source_transform reads it instead of transforming the source again. The direct engine
  // ignores both.
  T* keep_source_transform = nullptr;
  const T* source_transform = nullptr;
};

}  // namespace aegan::kernels::detail
