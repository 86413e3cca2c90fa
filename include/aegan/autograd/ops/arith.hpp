#pragma once
// Elementwise arithmetic with bias-like broadcasting (see kernels::broadcast_plan), and the
// operator overloads that make model code read like the math.
#include "aegan/autograd/var.hpp"

namespace aegan {

namespace autograd {
/// Hands a freshly computed gradient to `v` if it wants one.
template <Scalar T>
void send_grad(const Var<T>& v, Tensor<T>&& g) {
  if (v.requires_grad()) v.node()->accumulate(std::move(g));
}

/// f(a, b) elementwise, broadcasting whichever operand is bias-like; the result has the larger shape.
template <Scalar T, class F>
Tensor<T> apply_binary(const Tensor<T>& a, const Tensor<T>& b, const char* op, F f) {
  if (a.shape() == b.shape()) {
    Tensor<T> out = Tensor<T>::uninitialized(a.shape());
    kernels::binary(a, b, out, f);
    return out;
  }
  const bool b_small = b.numel() <= a.numel();
  const Tensor<T>& big = b_small ? a : b;
  const Tensor<T>& small = b_small ? b : a;
  const auto plan = kernels::broadcast_plan(big.shape(), small.shape(), op);
  Tensor<T> out = Tensor<T>::uninitialized(big.shape());
  kernels::binary_broadcast(big, small, plan, /*small_is_lhs=*/!b_small, out, f);
  return out;
}

/// Sums a gradient of the broadcast (output) shape down to an operand's shape.
template <Scalar T>
Tensor<T> reduce_to(Tensor<T>&& g, const Shape& target, const char* op) {
  if (g.shape() == target) return std::move(g);
  const auto plan = kernels::broadcast_plan(g.shape(), target, op);
  Tensor<T> out = Tensor<T>::uninitialized(target);
  kernels::reduce_broadcast(g, plan, out.data());
  return out;
}

template <Scalar T, class F>
Tensor<T> map(const Tensor<T>& x, F f) {
  Tensor<T> out = Tensor<T>::uninitialized(x.shape());
  kernels::unary(x, out, f);
  return out;
}
}  // namespace autograd

template <Scalar T>
Var<T> add(const Var<T>& a, const Var<T>& b) {
  using namespace autograd;
  Tensor<T> out = apply_binary(a.value(), b.value(), "add", [](auto x, auto y) { return x + y; });
  return Var<T>::make(std::move(out), "add", {a, b}, [a, b](Tensor<T>& g) {
    if (a.requires_grad()) send_grad(a, reduce_to(b.requires_grad() ? Tensor<T>(g) : std::move(g), a.shape(), "add"));
    if (b.requires_grad()) send_grad(b, reduce_to(std::move(g), b.shape(), "add"));
  });
}

template <Scalar T>
Var<T> sub(const Var<T>& a, const Var<T>& b) {
  using namespace autograd;
  Tensor<T> out = apply_binary(a.value(), b.value(), "sub", [](auto x, auto y) { return x - y; });
  return Var<T>::make(std::move(out), "sub", {a, b}, [a, b](Tensor<T>& g) {
    Tensor<T> gb = b.requires_grad() ? map(g, [](auto x) { return -x; }) : Tensor<T>();
    if (a.requires_grad()) send_grad(a, reduce_to(std::move(g), a.shape(), "sub"));
    if (b.requires_grad()) send_grad(b, reduce_to(std::move(gb), b.shape(), "sub"));
  });
}

template <Scalar T>
Var<T> mul(const Var<T>& a, const Var<T>& b) {
  using namespace autograd;
  auto times = [](auto x, auto y) { return x * y; };
  Tensor<T> out = apply_binary(a.value(), b.value(), "mul", times);
  return Var<T>::make(std::move(out), "mul", {a, b}, [a, b, times](const Tensor<T>& g) {
    if (a.requires_grad()) send_grad(a, reduce_to(apply_binary(g, b.value(), "mul", times), a.shape(), "mul"));
    if (b.requires_grad()) send_grad(b, reduce_to(apply_binary(g, a.value(), "mul", times), b.shape(), "mul"));
  });
}

template <Scalar T>
Var<T> div(const Var<T>& a, const Var<T>& b) {
  using namespace autograd;
  Tensor<T> out = apply_binary(a.value(), b.value(), "div", [](auto x, auto y) { return x / y; });
  return Var<T>::make_reading_output(std::move(out), "div", {a, b}, [&](const Tensor<T>& quotient) {
    return [a, b, q = &quotient](const Tensor<T>& g) {
      if (a.requires_grad())
        send_grad(a, reduce_to(apply_binary(g, b.value(), "div", [](auto x, auto y) { return x / y; }), a.shape(), "div"));
      if (b.requires_grad()) {  // d(a/b)/db = -(a/b)/b
        Tensor<T> go = apply_binary(g, *q, "div", [](auto x, auto y) { return -x * y; });
        send_grad(b, reduce_to(apply_binary(go, b.value(), "div", [](auto x, auto y) { return x / y; }), b.shape(), "div"));
      }
    };
  });
}

/// a * s + t for scalars s and t, in one pass.
template <Scalar T>
Var<T> affine(const Var<T>& a, T scale, T shift) {
  using namespace autograd;
  Tensor<T> out = map(a.value(), [=](auto x) { return x * scale + shift; });
  return Var<T>::make(std::move(out), "affine", {a}, [a, scale](const Tensor<T>& g) {
    send_grad(a, map(g, [=](auto x) { return x * scale; }));
  });
}

template <Scalar T> Var<T> operator+(const Var<T>& a, const Var<T>& b) { return add(a, b); }
template <Scalar T> Var<T> operator-(const Var<T>& a, const Var<T>& b) { return sub(a, b); }
template <Scalar T> Var<T> operator*(const Var<T>& a, const Var<T>& b) { return mul(a, b); }
template <Scalar T> Var<T> operator/(const Var<T>& a, const Var<T>& b) { return div(a, b); }
template <Scalar T> Var<T> operator-(const Var<T>& a) { return affine(a, T(-1), T(0)); }
template <Scalar T> Var<T> operator*(const Var<T>& a, std::type_identity_t<T> s) { return affine(a, s, T(0)); }
template <Scalar T> Var<T> operator*(std::type_identity_t<T> s, const Var<T>& a) { return affine(a, s, T(0)); }
template <Scalar T> Var<T> operator/(const Var<T>& a, std::type_identity_t<T> s) { return affine(a, T(1) / s, T(0)); }
template <Scalar T> Var<T> operator+(const Var<T>& a, std::type_identity_t<T> s) { return affine(a, T(1), s); }
template <Scalar T> Var<T> operator+(std::type_identity_t<T> s, const Var<T>& a) { return affine(a, T(1), s); }
template <Scalar T> Var<T> operator-(const Var<T>& a, std::type_identity_t<T> s) { return affine(a, T(1), -s); }
template <Scalar T> Var<T> operator-(std::type_identity_t<T> s, const Var<T>& a) { return affine(a, T(-1), s); }

}  // namespace aegan
