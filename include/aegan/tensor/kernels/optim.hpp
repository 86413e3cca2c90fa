#pragma once
// Fused optimizer updates: one pass over parameter, gradient and state per step, split across
// threads. These are the whole cost of an optimizer step, so they read each array once.
#include <algorithm>
#include <cmath>

#include "aegan/tensor/kernels/elementwise.hpp"

namespace aegan::kernels {

/// Elements per pass of a multi-statement update: every array's chunk stays in L1 between statements.
inline constexpr Index kOptimChunk = 512;

struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;  // AdamW: decay the weights directly instead of adding to the gradient
  long step;       // 1-based, for bias correction
};

/// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction and eps outside the square root:
///   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;  p -= lr · m̂ / (sqrt(v̂) + eps)
template <Scalar T>
void adam_update(Tensor<T>& param, const Tensor<T>& grad, Tensor<T>& m, Tensor<T>& v, const AdamStep& s) {
  const T b1 = static_cast<T>(s.beta1), b2 = static_cast<T>(s.beta2);
  const T step_size = static_cast<T>(s.lr / (1.0 - std::pow(s.beta1, static_cast<double>(s.step))));
  const T inv_sqrt_bc2 = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(s.beta2, static_cast<double>(s.step))));
  const T eps = static_cast<T>(s.eps);
  const T l2 = s.decoupled ? T(0) : static_cast<T>(s.weight_decay);
  const T shrink = s.decoupled ? static_cast<T>(1.0 - s.lr * s.weight_decay) : T(1);
  T* p = param.data();
  const T* g = grad.data();
  T* mp = m.data();
  T* vp = v.data();
  parallel_for(param.numel(), kElementwiseGrain, [&](Index lo, Index hi) {
    // The three statements run chunk by chunk so each array streams through the cache once.
    for (Index c = lo; c < hi; c += kOptimChunk) {
      const Index n = std::min(kOptimChunk, hi - c);
      ArrayMap<T> P(p + c, n), M(mp + c, n), V(vp + c, n);
      const ConstArrayMap<T> G(g + c, n);
      if (l2 != T(0)) {
        const auto gd = G + l2 * P;
        M = b1 * M + (T(1) - b1) * gd;
        V = b2 * V + (T(1) - b2) * gd.square();
      } else {
        M = b1 * M + (T(1) - b1) * G;
        V = b2 * V + (T(1) - b2) * G.square();
      }
      if (shrink != T(1)) P *= shrink;
      P -= step_size * M / (V.sqrt() * inv_sqrt_bc2 + eps);
    }
  });
}

/// SGD with momentum (PyTorch's form): buf = μ buf + g (+ wd p); p -= lr · (nesterov ? g + μ buf : buf).
template <Scalar T>
void sgd_update(Tensor<T>& param, const Tensor<T>& grad, Tensor<T>* buf, double lr, double momentum,
                double weight_decay, bool nesterov) {
  const T lr_t = static_cast<T>(lr), mu = static_cast<T>(momentum), wd = static_cast<T>(weight_decay);
  T* p = param.data();
  const T* g = grad.data();
  T* b = buf ? buf->data() : nullptr;
  parallel_for(param.numel(), kElementwiseGrain, [&](Index lo, Index hi) {
    alignas(64) T d[kOptimChunk];  // the decayed gradient, chunk by chunk: no heap temporary
    for (Index c = lo; c < hi; c += kOptimChunk) {
      const Index n = std::min(kOptimChunk, hi - c);
      ArrayMap<T> P(p + c, n), D(d, n);
      D = ConstArrayMap<T>(g + c, n) + wd * P;
      if (!b) {
        P -= lr_t * D;
        continue;
      }
      ArrayMap<T> B(b + c, n);
      B = mu * B + D;
      if (nesterov)
        P -= lr_t * (D + mu * B);
      else
        P -= lr_t * B;
    }
  });
}

/// shadow = decay · shadow + (1 - decay) · value, the exponential moving average of weights.
template <Scalar T>
void ema_update(Tensor<T>& shadow, const Tensor<T>& value, double decay) {
  const T d = static_cast<T>(decay);
  T* s = shadow.data();
  const T* x = value.data();
  parallel_for(shadow.numel(), kElementwiseGrain, [&](Index lo, Index hi) {
    ArrayMap<T> S(s + lo, hi - lo);
    S = d * S + (T(1) - d) * ConstArrayMap<T>(x + lo, hi - lo);
  });
}

}  // namespace aegan::kernels
