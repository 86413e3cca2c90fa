#pragma once
// Losses as single fused ops: one pass forward, one pass backward, no graph of temporaries.
// Each checks that prediction and target have the same shape and names itself if not.
#include <cmath>

#include "aegan/autograd/ops/arith.hpp"

namespace aegan {

enum class Reduction { Mean, Sum };

namespace autograd {
/// Builds a loss from a per-element value f(p, t) and its derivatives dp(p, t), dt(p, t).
template <Scalar T, class F, class DP, class DT>
Var<T> elementwise_loss(const Var<T>& pred, const Var<T>& target, Reduction r, const char* op, F f, DP dp, DT dt) {
  if (!(pred.shape() == target.shape()))
    throw ShapeError(std::string(op) + ": prediction " + pred.shape().to_string() + " and target " +
                     target.shape().to_string() + " differ");
  if (pred.numel() == 0) throw ShapeError(std::string(op) + ": empty input");
  const double scale = r == Reduction::Mean ? 1.0 / static_cast<double>(pred.numel()) : 1.0;
  Tensor<T> out = Tensor<T>::scalar(static_cast<T>(kernels::binary_sum(pred.value(), target.value(), f) * scale));
  return Var<T>::make(std::move(out), op, {pred, target}, [pred, target, scale, dp, dt](const Tensor<T>& g) {
    const T s = static_cast<T>(g.item() * scale);
    if (pred.requires_grad()) {
      Tensor<T> gp = Tensor<T>::uninitialized(pred.shape());
      kernels::binary(pred.value(), target.value(), gp, [&](auto p, auto t) { return s * dp(p, t); });
      send_grad(pred, std::move(gp));
    }
    if (target.requires_grad()) {
      Tensor<T> gt = Tensor<T>::uninitialized(target.shape());
      kernels::binary(pred.value(), target.value(), gt, [&](auto p, auto t) { return s * dt(p, t); });
      send_grad(target, std::move(gt));
    }
  });
}
}  // namespace autograd

/// Mean (or summed) squared error.
template <Scalar T>
Var<T> mse_loss(const Var<T>& pred, const Var<T>& target, Reduction r = Reduction::Mean) {
  return autograd::elementwise_loss(
      pred, target, r, "mse_loss", [](auto p, auto t) { return (p - t).square(); },
      [](auto p, auto t) { return T(2) * (p - t); }, [](auto p, auto t) { return T(2) * (t - p); });
}

/// Mean (or summed) absolute error; the subgradient at p == t is 0.
template <Scalar T>
Var<T> l1_loss(const Var<T>& pred, const Var<T>& target, Reduction r = Reduction::Mean) {
  return autograd::elementwise_loss(
      pred, target, r, "l1_loss", [](auto p, auto t) { return (p - t).abs(); },
      [](auto p, auto t) { return (p - t).sign(); }, [](auto p, auto t) { return (t - p).sign(); });
}

/// Binary cross-entropy on probabilities in [0, 1]. Logs are clamped at -100 and the gradient's
/// denominator at 1e-12, as PyTorch does, so a saturated prediction gives a large finite loss.
/// Prefer bce_with_logits when the model can output logits.
template <Scalar T>
Var<T> bce_loss(const Var<T>& prob, const Var<T>& target, Reduction r = Reduction::Mean) {
  return autograd::elementwise_loss(
      prob, target, r, "bce_loss",
      [](auto p, auto t) { return -(t * p.log().max(T(-100)) + (T(1) - t) * (T(1) - p).log().max(T(-100))); },
      [](auto p, auto t) { return (p - t) / ((T(1) - p) * p).max(T(1e-12)); },
      [](auto p, auto) { return (T(1) - p).log().max(T(-100)) - p.log().max(T(-100)); });
}

/// Binary cross-entropy on logits, in the stable form max(x, 0) - x·t + log(1 + e^{-|x|}).
template <Scalar T>
Var<T> bce_with_logits(const Var<T>& logits, const Var<T>& target, Reduction r = Reduction::Mean) {
  return autograd::elementwise_loss(
      logits, target, r, "bce_with_logits",
      [](auto x, auto t) { return x.max(T(0)) - x * t + (-x.abs()).exp().log1p(); },
      [](auto x, auto t) { return T(1) / (T(1) + (-x).exp()) - t; }, [](auto x, auto) { return -x; });
}

}  // namespace aegan

namespace aegan {

/// Softmax cross-entropy of logits [N, C] against integer class labels, in the stable
/// log-sum-exp form; the gradient is (softmax - onehot) / N for Mean.
template <Scalar T>
Var<T> cross_entropy(const Var<T>& logits, const std::vector<int>& labels, Reduction r = Reduction::Mean) {
  if (logits.value().rank() != 2 || logits.dim(0) != static_cast<Index>(labels.size()) || logits.dim(0) == 0)
    throw ShapeError("cross_entropy: logits " + logits.shape().to_string() + " for " + std::to_string(labels.size()) +
                     " labels, expected [N, classes] with N = the label count");
  const Index n = logits.dim(0), c = logits.dim(1);
  for (int l : labels)
    if (l < 0 || l >= c) throw ValueError("cross_entropy: label " + std::to_string(l) + " outside [0, " + std::to_string(c) + ")");
  auto probs = std::make_shared<Tensor<T>>(Tensor<T>::uninitialized(logits.shape()));
  double total = 0;
  const auto x = logits.value().matrix(n, c);
  auto p = probs->matrix(n, c);
  for (Index i = 0; i < n; ++i) {
    const T m = x.row(i).maxCoeff();
    p.row(i) = (x.row(i).array() - m).exp().matrix();
    const T s = p.row(i).sum();
    p.row(i) /= s;
    total += static_cast<double>(std::log(s) + m - x(i, labels[static_cast<std::size_t>(i)]));
  }
  const double scale = r == Reduction::Mean ? 1.0 / static_cast<double>(n) : 1.0;
  Tensor<T> out = Tensor<T>::scalar(static_cast<T>(total * scale));
  return Var<T>::make(std::move(out), "cross_entropy", {logits}, [logits, labels, probs, scale, n, c](const Tensor<T>& g) {
    Tensor<T> gx = *probs;
    for (Index i = 0; i < n; ++i) gx[i * c + labels[static_cast<std::size_t>(i)]] -= T(1);
    gx.array() *= static_cast<T>(g.item() * scale);
    autograd::send_grad(logits, std::move(gx));
  });
}

}  // namespace aegan
