#pragma once
// Batch normalization over tensors read as [outer, C, inner] ([N, C] is inner 1, [N, C, L] and
// NCHW are inner L and H·W). Channels are split across threads; each thread makes all passes
// over one channel back to back while that channel's data (N·inner values) is still in its
// cache, so memory sees about one read of x per pass direction. Sums accumulate in double, in a
// fixed order, so results are bit-identical for a given thread count (and, for inner > 1, for
// any thread count). A ReLU/LeakyReLU after the normalization can ride along: applied in the
// output pass, and its derivative applied to the output gradient as the backward pass reads it.
#include <cmath>
#include <optional>

#include "aegan/tensor/kernels/rectifier.hpp"
#include "aegan/tensor/kernels/scratch.hpp"
#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

/// How a tensor is read for per-channel statistics.
struct ChannelLayout {
  Index outer = 1, channels = 1, inner = 1;
  Index per_channel() const { return outer * inner; }
};

namespace detail {
inline Index channel_grain(const ChannelLayout& l) {
  return std::max<Index>(1, (1 << 14) / std::max<Index>(l.per_channel(), 1));
}

using DoubleArray = Eigen::Array<double, Eigen::Dynamic, 1>;

/// Scratch rows for the output gradient times the rectifier's derivative, dy·rectifier'(y), each
/// at the same offset from a 64-byte boundary as the dy row it replaces: Eigen's vectorized loops
/// split a row into peeled scalars and packets by its alignment, and the rounding of sums follows
/// that split, so this is what keeps a fused batch norm exactly equal to the unfused one.
template <Scalar T>
class RectifiedGradRows {
 public:
  RectifiedGradRows(Index rows, Index len)
      : stride_((len + kAlign - 1) / kAlign * kAlign + kAlign), base_(scratch<T, 11>(rows * stride_)) {}
  /// Row n := dy[offset : offset + len) times the derivative at y[offset : offset + len).
  void fill(Index n, Index offset, Index len, const T* dy, const T* y, T slope) {
    T* out = base_ + n * stride_ + offset % kAlign;
    for (Index i = 0; i < len; ++i) out[i] = dy[offset + i] * rectifier_slope_at(y[offset + i], slope);
  }
  /// Row n, filled from dy at `offset`.
  const T* row(Index n, Index offset) const { return base_ + n * stride_ + offset % kAlign; }

 private:
  static constexpr Index kAlign = 64 / static_cast<Index>(sizeof(T));
  Index stride_;
  T* base_;
};

/// batch_norm_forward_train for inner == 1 ([N, C], BatchNorm1d after a Linear layer): each
/// thread takes a block of channels and sweeps the N contiguous row segments, per channel in
/// the same order as the general path.
template <Scalar T>
void batch_norm_forward_train_rows(const ChannelLayout& l, const T* x, const T* weight, const T* bias, double eps, T* y,
                                   T* mean, T* invstd, T* var_unbiased, std::optional<Rectifier<T>> rectifier) {
  const Index C = l.channels, N = l.outer;
  const double count = static_cast<double>(N);
  parallel_for(C, std::max<Index>(16, (1 << 14) / std::max<Index>(N, 1)), [&](Index b, Index e) {
    const Index len = e - b;
    DoubleArray s = DoubleArray::Zero(len), q = DoubleArray::Zero(len);
    for (Index n = 0; n < N; ++n) s += ConstArrayMap<T>(x + n * C + b, len).template cast<double>();
    const DoubleArray mu = s / count;
    for (Index n = 0; n < N; ++n) q += (ConstArrayMap<T>(x + n * C + b, len).template cast<double>() - mu).square();
    const DoubleArray is = ((q / count) + eps).sqrt().inverse();  // exact ops: no vector/scalar rsqrt difference
    DoubleArray scale = is, shift = -mu * is;
    if (weight) {
      scale *= ConstArrayMap<T>(weight + b, len).template cast<double>();
      shift = -mu * scale;
    }
    if (bias) shift += ConstArrayMap<T>(bias + b, len).template cast<double>();
    ArrayMap<T>(mean + b, len) = mu.template cast<T>();
    ArrayMap<T>(invstd + b, len) = is.template cast<T>();
    if (count > 1)
      ArrayMap<T>(var_unbiased + b, len) = (q / (count - 1)).template cast<T>();
    else
      ArrayMap<T>(var_unbiased + b, len).setConstant(static_cast<T>(std::nan("")));
    const Eigen::Array<T, Eigen::Dynamic, 1> sc = scale.template cast<T>(), sh = shift.template cast<T>();
    for (Index n = 0; n < N; ++n) {
      ArrayMap<T>(y + n * C + b, len) = ConstArrayMap<T>(x + n * C + b, len) * sc + sh;
      if (rectifier) rectify_run(y + n * C + b, len, rectifier->slope);
    }
  });
}

/// batch_norm_backward for inner == 1, by channel blocks as above.
template <Scalar T>
void batch_norm_backward_rows(const ChannelLayout& l, const T* x, const T* dy, const T* mean, const T* invstd,
                              const T* weight, bool batch_stats, T* dx, T* dweight, T* dbias,
                              std::optional<Rectifier<T>> rectifier, const T* y) {
  const Index C = l.channels, N = l.outer;
  const double count = static_cast<double>(N);
  parallel_for(C, std::max<Index>(16, (1 << 14) / std::max<Index>(N, 1)), [&](Index b, Index e) {
    using TArray = Eigen::Array<T, Eigen::Dynamic, 1>;
    const Index len = e - b;
    // Row n of this block's gradient at the normalized value: dy's own, or dy·rectifier'(y)
    // computed once for both passes below.
    std::optional<RectifiedGradRows<T>> scaled;
    if (rectifier) {
      scaled.emplace(N, len);
      for (Index n = 0; n < N; ++n) scaled->fill(n, n * C + b, len, dy, y, rectifier->slope);
    }
    auto grad_row = [&](Index n) { return scaled ? scaled->row(n, n * C + b) : dy + n * C + b; };
    const TArray mu = ConstArrayMap<T>(mean + b, len);
    const DoubleArray is = ConstArrayMap<T>(invstd + b, len).template cast<double>();
    DoubleArray sum_dy = DoubleArray::Zero(len), sum_dy_xmu = DoubleArray::Zero(len);
    if (dweight || dbias || (dx && batch_stats)) {
      for (Index n = 0; n < N; ++n) {
        const ConstArrayMap<T> xs(x + n * C + b, len), gs(grad_row(n), len);
        sum_dy += gs.template cast<double>();
        sum_dy_xmu += (gs * (xs - mu)).template cast<double>();
      }
    }
    if (dweight) ArrayMap<T>(dweight + b, len) = (sum_dy_xmu * is).template cast<T>();
    if (dbias) ArrayMap<T>(dbias + b, len) = sum_dy.template cast<T>();
    if (!dx) return;
    DoubleArray k = is;
    if (weight) k *= ConstArrayMap<T>(weight + b, len).template cast<double>();
    const TArray kt = k.template cast<T>();
    if (!batch_stats) {
      for (Index n = 0; n < N; ++n) ArrayMap<T>(dx + n * C + b, len) = ConstArrayMap<T>(grad_row(n), len) * kt;
      return;
    }
    const TArray c1 = (-k * is * is * sum_dy_xmu / count).template cast<T>();
    const TArray c0 = (-k * sum_dy / count).template cast<T>();
    for (Index n = 0; n < N; ++n)
      ArrayMap<T>(dx + n * C + b, len) =
          ConstArrayMap<T>(grad_row(n), len) * kt + (ConstArrayMap<T>(x + n * C + b, len) - mu) * c1 + c0;
  });
}
}  // namespace detail

/// Training-mode forward: per channel, the batch mean and biased variance, invstd =
/// 1/sqrt(var + eps), and y = (x - mean)·invstd·weight + bias (weight/bias null = 1/0).
/// Writes mean, invstd and the unbiased variance (for the running estimate; NaN when a channel
/// has a single value) per channel.
template <Scalar T>
void batch_norm_forward_train(const ChannelLayout& l, const T* x, const T* weight, const T* bias, double eps, T* y,
                              T* mean, T* invstd, T* var_unbiased, std::optional<Rectifier<T>> rectifier = std::nullopt) {
  const Index C = l.channels, inner = l.inner, outer = l.outer;
  const double count = static_cast<double>(l.per_channel());
  if (inner == 1) {  // [N, C]: a channel is a strided column, so sweep rows over a block of channels
    detail::batch_norm_forward_train_rows(l, x, weight, bias, eps, y, mean, invstd, var_unbiased, rectifier);
    return;
  }
  parallel_for(C, detail::channel_grain(l), [&](Index b, Index e) {
    for (Index c = b; c < e; ++c) {
      double s = 0.0;
      for (Index n = 0; n < outer; ++n) s += static_cast<double>(ConstArrayMap<T>(x + (n * C + c) * inner, inner).sum());
      const double mu = s / count;
      const T mu_t = static_cast<T>(mu);
      double q = 0.0;
      for (Index n = 0; n < outer; ++n)
        q += static_cast<double>((ConstArrayMap<T>(x + (n * C + c) * inner, inner) - mu_t).square().sum());
      const double var = q / count;
      const double is = 1.0 / std::sqrt(var + eps);
      mean[c] = mu_t;
      invstd[c] = static_cast<T>(is);
      var_unbiased[c] = static_cast<T>(count > 1 ? q / (count - 1) : std::nan(""));
      const double scale = (weight ? static_cast<double>(weight[c]) : 1.0) * is;
      const double shift = (bias ? static_cast<double>(bias[c]) : 0.0) - mu * scale;
      const T sc = static_cast<T>(scale), sh = static_cast<T>(shift);
      for (Index n = 0; n < outer; ++n) {
        ArrayMap<T>(y + (n * C + c) * inner, inner) = ConstArrayMap<T>(x + (n * C + c) * inner, inner) * sc + sh;
        if (rectifier) rectify_run(y + (n * C + c) * inner, inner, rectifier->slope);
      }
    }
  });
}

/// y = x·scale[c] + shift[c] (then the rectifier when given): the evaluation-mode forward with
/// precomputed per-channel factors.
template <Scalar T>
void batch_norm_apply(const ChannelLayout& l, const T* x, const T* scale, const T* shift, T* y,
                      std::optional<Rectifier<T>> rectifier = std::nullopt) {
  const Index C = l.channels, inner = l.inner;
  parallel_for(l.outer * C, std::max<Index>(1, (1 << 15) / std::max<Index>(inner, 1)), [&](Index b, Index e) {
    for (Index r = b; r < e; ++r) {
      ArrayMap<T>(y + r * inner, inner) = ConstArrayMap<T>(x + r * inner, inner) * scale[r % C] + shift[r % C];
      if (rectifier) rectify_run(y + r * inner, inner, rectifier->slope);
    }
  });
}

/// Gradients of y = (x - mean)·invstd·weight + bias. With batch_stats, mean and invstd are the
/// batch's own (training mode) and depend on x; otherwise they are constants (running stats).
/// Any of dx, dweight, dbias may be null; weight null means 1. For a forward pass with a
/// rectifier, `rectified` is its output (required) and dy the gradient there.
template <Scalar T>
void batch_norm_backward(const ChannelLayout& l, const T* x, const T* dy, const T* mean, const T* invstd, const T* weight,
                         bool batch_stats, T* dx, T* dweight, T* dbias,
                         std::optional<Rectifier<T>> rectifier = std::nullopt, const T* rectified = nullptr) {
  if (rectifier && !rectified) throw ValueError("batch_norm_backward: a rectified batch norm needs its output");
  const Index C = l.channels, inner = l.inner, outer = l.outer;
  const double count = static_cast<double>(l.per_channel());
  const bool need_sums = dweight || dbias || (dx && batch_stats);
  if (inner == 1) {
    detail::batch_norm_backward_rows(l, x, dy, mean, invstd, weight, batch_stats, dx, dweight, dbias, rectifier, rectified);
    return;
  }
  parallel_for(C, detail::channel_grain(l), [&](Index b, Index e) {
    for (Index c = b; c < e; ++c) {
      // Row n of channel c's gradient at the normalized value: dy's own, or dy·rectifier'(y)
      // computed once for both passes below.
      std::optional<detail::RectifiedGradRows<T>> scaled;
      if (rectifier) {
        scaled.emplace(outer, inner);
        for (Index n = 0; n < outer; ++n) scaled->fill(n, (n * C + c) * inner, inner, dy, rectified, rectifier->slope);
      }
      auto grad_row = [&](Index n) { return scaled ? scaled->row(n, (n * C + c) * inner) : dy + (n * C + c) * inner; };
      const T mu = mean[c];
      const double is = static_cast<double>(invstd[c]);
      double sum_dy = 0.0, sum_dy_xmu = 0.0;
      if (need_sums) {
        for (Index n = 0; n < outer; ++n) {
          const ConstArrayMap<T> xs(x + (n * C + c) * inner, inner), gs(grad_row(n), inner);
          sum_dy += static_cast<double>(gs.sum());
          sum_dy_xmu += static_cast<double>((gs * (xs - mu)).sum());
        }
      }
      if (dweight) dweight[c] = static_cast<T>(sum_dy_xmu * is);
      if (dbias) dbias[c] = static_cast<T>(sum_dy);
      if (!dx) continue;
      const double k = (weight ? static_cast<double>(weight[c]) : 1.0) * is;
      // dx = k·dy + c1·(x - mean) + c0, with c1 = c0 = 0 for constant statistics.
      const double c1 = batch_stats ? -k * is * is * sum_dy_xmu / count : 0.0;
      const double c0 = batch_stats ? -k * sum_dy / count : 0.0;
      const T kt = static_cast<T>(k), c1t = static_cast<T>(c1), c0t = static_cast<T>(c0);
      for (Index n = 0; n < outer; ++n) {
        const ConstArrayMap<T> xs(x + (n * C + c) * inner, inner), gs(grad_row(n), inner);
        ArrayMap<T> out(dx + (n * C + c) * inner, inner);
        if (batch_stats)
          out = gs * kt + (xs - mu) * c1t + c0t;
        else
          out = gs * kt;
      }
    }
  });
}

}  // namespace aegan::kernels
