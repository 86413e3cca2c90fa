#pragma once
// Operations that move data between shapes without arithmetic.
#include <vector>

#include "aegan/autograd/ops/arith.hpp"

namespace aegan {

/// Resolves one -1 entry in `requested` from the element count, as torch.reshape does.
inline Shape infer_shape(const Shape& from, std::initializer_list<Index> requested, const char* op) {
  std::vector<Index> dims(requested);
  Index known = 1;
  int unknown = -1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (unknown >= 0) throw ShapeError(std::string(op) + ": more than one -1 in the requested shape");
      unknown = static_cast<int>(i);
    } else if (dims[i] < 0) {
      throw ShapeError(std::string(op) + ": negative dimension " + std::to_string(dims[i]));
    } else {
      known *= dims[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || from.numel() % known != 0)
      throw ShapeError(std::string(op) + ": cannot infer -1 when viewing " + from.to_string() + " with " +
                       std::to_string(known) + " known elements");
    dims[static_cast<std::size_t>(unknown)] = from.numel() / known;
  }
  return Shape(std::span<const Index>(dims));
}

template <Scalar T>
Var<T> reshape(const Var<T>& x, const Shape& shape) {
  Tensor<T> out = x.value().reshape(shape);
  return Var<T>::make(std::move(out), "reshape", {x}, [x](Tensor<T>& g) {
    autograd::send_grad(x, std::move(g).reshape(x.shape()));
  });
}
template <Scalar T>
Var<T> reshape(const Var<T>& x, std::initializer_list<Index> dims) {
  return reshape(x, infer_shape(x.shape(), dims, "reshape"));
}

/// [N, ...] -> [N, prod(...)]: the bridge from image layers to dense ones.
template <Scalar T>
Var<T> flatten(const Var<T>& x) {
  if (x.value().rank() < 1) throw ShapeError("flatten: expected at least [N], got a scalar");
  return reshape(x, Shape{x.dim(0), x.shape().numel_from(1)});
}

/// Joins tensors along `axis`; all other dimensions must agree.
template <Scalar T>
Var<T> concat(const std::vector<Var<T>>& xs, int axis) {
  if (xs.empty()) throw ShapeError("concat: no inputs");
  const Shape first = xs[0].shape();
  const int ax = first.normalize_axis(axis);
  Shape out_shape = first;
  out_shape[ax] = 0;
  for (const auto& x : xs) {
    const Shape& s = x.shape();
    bool ok = s.rank() == first.rank();
    for (int d = 0; ok && d < s.rank(); ++d) ok = d == ax || s[d] == first[d];
    if (!ok) throw ShapeError("concat: shape " + s.to_string() + " does not match " + first.to_string() +
                              " outside axis " + std::to_string(ax));
    out_shape[ax] += s[ax];
  }
  const Index outer = first.numel() / first.numel_from(ax);
  const Index inner = first.numel_from(ax + 1);
  Tensor<T> out = Tensor<T>::uninitialized(out_shape);
  Index offset = 0;
  for (const auto& x : xs) {
    const Index chunk = x.dim(ax) * inner;
    for (Index o = 0; o < outer; ++o)
      std::copy_n(x.value().data() + o * chunk, chunk, out.data() + o * out_shape[ax] * inner + offset);
    offset += chunk;
  }
  return Var<T>::make(std::move(out), "concat", xs, [xs, ax, outer, inner, out_shape](const Tensor<T>& g) {
    Index offset = 0;
    for (const auto& x : xs) {
      const Index chunk = x.dim(ax) * inner;
      if (x.requires_grad()) {
        Tensor<T> gx = Tensor<T>::uninitialized(x.shape());
        for (Index o = 0; o < outer; ++o)
          std::copy_n(g.data() + o * out_shape[ax] * inner + offset, chunk, gx.data() + o * chunk);
        autograd::send_grad(x, std::move(gx));
      }
      offset += chunk;
    }
  });
}

}  // namespace aegan
