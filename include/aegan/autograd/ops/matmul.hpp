#pragma once
// Matrix products. linear() fuses x·Wᵀ + b into one GEMM (kernels::gemm_bias adds the bias as the
// kernel stores C), the shape PyTorch's nn.Linear uses.
#include "aegan/autograd/ops/arith.hpp"
#include "aegan/tensor/kernels/gemm.hpp"

namespace aegan {

/// [M, K] x [K, N] -> [M, N].
template <Scalar T>
Var<T> matmul(const Var<T>& a, const Var<T>& b) {
  using kernels::Trans;
  if (a.value().rank() != 2 || b.value().rank() != 2 || a.dim(1) != b.dim(0))
    throw ShapeError("matmul: expected [M, K] x [K, N], got " + a.shape().to_string() + " x " + b.shape().to_string());
  const Index M = a.dim(0), K = a.dim(1), N = b.dim(1);
  Tensor<T> out = Tensor<T>::uninitialized({M, N});
  kernels::gemm(Trans::No, Trans::No, M, N, K, T(1), a.value().data(), b.value().data(), T(0), out.data());
  return Var<T>::make(std::move(out), "matmul", {a, b}, [a, b, M, N, K](const Tensor<T>& g) {
    if (a.requires_grad()) {
      Tensor<T> ga = Tensor<T>::uninitialized({M, K});
      kernels::gemm(Trans::No, Trans::Yes, M, K, N, T(1), g.data(), b.value().data(), T(0), ga.data());
      autograd::send_grad(a, std::move(ga));
    }
    if (b.requires_grad()) {
      Tensor<T> gb = Tensor<T>::uninitialized({K, N});
      kernels::gemm(Trans::Yes, Trans::No, K, N, M, T(1), a.value().data(), g.data(), T(0), gb.data());
      autograd::send_grad(b, std::move(gb));
    }
  });
}

namespace autograd {
/// linear() below; with flatten_input, x may be [N, ...] with in values after its first
/// dimension, read as [N, in] in place (nn::Sequential's Flatten + Linear), and its gradient
/// arrives in x's shape.
template <Scalar T>
Var<T> linear_impl(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, bool flatten_input) {
  using kernels::Trans;
  if (weight.value().rank() != 2) throw ShapeError("linear: weight must be [out, in], got " + weight.shape().to_string());
  const Index out_f = weight.dim(0), in_f = weight.dim(1);
  const bool rows = flatten_input ? x.value().rank() >= 2 && x.shape().numel_from(1) == in_f
                                  : x.value().rank() == 2 && x.dim(1) == in_f;
  if (!rows)
    throw ShapeError("linear: input " + x.shape().to_string() + " does not match weight " + weight.shape().to_string() +
                     " (expected [N, " + std::to_string(in_f) + "]" + (flatten_input ? ", flattened" : "") + ")");
  if (bias.defined() && !(bias.shape() == Shape{out_f}))
    throw ShapeError("linear: bias " + bias.shape().to_string() + " does not match weight " +
                     weight.shape().to_string() + " (expected [" + std::to_string(out_f) + "])");
  const Index N = x.dim(0);
  Tensor<T> out = Tensor<T>::uninitialized({N, out_f});
  if (bias.defined())
    kernels::gemm_bias(Trans::No, Trans::Yes, N, out_f, in_f, x.value().data(), weight.value().data(),
                       bias.value().data(), out.data());
  else
    kernels::gemm(Trans::No, Trans::Yes, N, out_f, in_f, T(1), x.value().data(), weight.value().data(), T(0), out.data());
  std::vector<Var<T>> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return Var<T>::make(std::move(out), "linear", std::move(inputs), [x, weight, bias, N, in_f, out_f](const Tensor<T>& g) {
    if (x.requires_grad()) {
      Tensor<T> gx = Tensor<T>::uninitialized({N, in_f});
      kernels::gemm(Trans::No, Trans::No, N, in_f, out_f, T(1), g.data(), weight.value().data(), T(0), gx.data());
      autograd::send_grad(x, std::move(gx).reshape(x.shape()));
    }
    if (weight.requires_grad()) {
      Tensor<T> gw = Tensor<T>::uninitialized({out_f, in_f});
      kernels::gemm(Trans::Yes, Trans::No, out_f, in_f, N, T(1), g.data(), x.value().data(), T(0), gw.data());
      autograd::send_grad(weight, std::move(gw));
    }
    if (bias.defined() && bias.requires_grad()) {
      Tensor<T> gb = Tensor<T>::uninitialized({out_f});
      kernels::reduce_broadcast(g, kernels::Broadcast{N, out_f, 1}, gb.data());  // column sums, row by row
      autograd::send_grad(bias, std::move(gb));
    }
  });
}
}  // namespace autograd

/// x [N, in] · weight[out, in]ᵀ + bias[out] -> [N, out]. Pass an undefined Var for no bias.
template <Scalar T>
Var<T> linear(const Var<T>& x, const Var<T>& weight, const Var<T>& bias = {}) {
  return autograd::linear_impl(x, weight, bias, /*flatten_input=*/false);
}

}  // namespace aegan
