#pragma once
// Batch normalization over tensors read as [outer, C, inner] ([N, C] is inner 1, [N, C, L] and
// NCHW are inner L and H·W). Channels are split across threads. Sums accumulate in double, in a
// fixed order per channel (each run of `inner` values by lane_sums, then the runs in sample
// order), so results are bit-identical for a given thread count (and, for inner > 1, for any
// thread count). A ReLU/LeakyReLU after the normalization can ride along: applied in the output
// pass, and its derivative applied to the output gradient as the backward pass reads it.
//  - The forward makes its three passes (sum, squared deviations, output) over one channel back
//    to back while that channel's N runs are still in cache.
//  - The backward sweeps its two passes (sums, then dx) sample by sample over the thread's
//    channels: read channel by channel, its 2-3 inputs are N strided runs each (192 streams for a
//    rectified batch of 64) that the hardware prefetchers cannot follow, and the first pass waited
//    on memory (1.2 ms against 0.8 for a [64, 64, 14, 14] batch). dx may overwrite dy.
//  - [N, C] (inner 1) is swept row by row over blocks of channels, both ways.
#include <array>
#include <cmath>
#include <optional>
#include <vector>

#include "aegan/tensor/kernels/rectifier.hpp"
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

inline constexpr int kSumLanes = 16;

/// The S sums of terms(i) (an std::array<T, S>) over i in [0, n), in an order set by n alone:
/// lane l adds the terms at l, l + 16, l + 32, ..., and the 16 lanes are then folded pairwise.
/// Eigen's reductions split a run where its address becomes aligned, so equal values in two
/// buffers could round differently; here a gradient formed on the fly (dy·rectifier'(y)) sums
/// to the bits of the stored one, and the lanes vectorize with no scalar loop at either end of a
/// 196-value (14x14) run.
template <int S, Scalar T, class Terms>
std::array<T, S> lane_sums(Index n, const Terms& terms) {
  T lanes[S][kSumLanes] = {};
  auto add = [&](Index i, int l) {
    const std::array<T, S> t = terms(i);
    for (int s = 0; s < S; ++s) lanes[s][l] += t[s];
  };
  Index i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes)
    for (int l = 0; l < kSumLanes; ++l) add(i + l, l);
  for (int l = 0; i + l < n; ++l) add(i + l, l);
  std::array<T, S> sums;
  for (int s = 0; s < S; ++s) {
    for (int width = kSumLanes / 2; width >= 1; width /= 2)
      for (int l = 0; l < width; ++l) lanes[s][l] += lanes[s][l + width];
    sums[s] = lanes[s][0];
  }
  return sums;
}

/// The gradient at the normalized value: dy, or dy·rectifier'(y) behind a fused rectifier.
template <Scalar T, bool Rectified>
struct GradientAt {
  const T* dy;
  const T* y;  // the rectified output (Rectified only)
  T slope;
  /// At offset `at` of dy and y. (A y chosen at run time, `y ? y + at : nullptr`, would keep
  /// GCC from seeing y's loads as contiguous: it gathers them instead.)
  static GradientAt at(const T* dy, const T* y, Index at, T slope) {
    if constexpr (Rectified)
      return {dy + at, y + at, slope};
    else
      return {dy + at, nullptr, slope};
  }
  T operator()(Index i) const {
    if constexpr (Rectified)
      return dy[i] * rectifier_slope_at(y[i], slope);
    else
      return dy[i];
  }
};

/// out[i] = x[i]·scale + shift, then the rectifier when Rectified.
template <Scalar T, bool Rectified>
void normalize_run(const T* x, Index n, T scale, T shift, T slope, T* out) {
  for (Index i = 0; i < n; ++i) {
    const T v = x[i] * scale + shift;
    if constexpr (Rectified)
      out[i] = rectified(v, slope);
    else
      out[i] = v;
  }
}

template <Scalar T>
double affine_weight(const T* weight, Index c) {
  return weight ? static_cast<double>(weight[c]) : 1.0;
}
template <Scalar T>
double affine_bias(const T* bias, Index c) {
  return bias ? static_cast<double>(bias[c]) : 0.0;
}

/// The per-channel results of the forward statistics, in double: what the output pass and the
/// recorded statistics are made from.
struct ChannelStats {
  double mean, invstd, scale, shift, var_unbiased;
};

/// From the channel's sum, its sum of squared deviations, its value count and its affine weight
/// and bias (1 and 0 without them).
inline ChannelStats channel_stats(double sum, double squares, double count, double eps, double weight, double bias) {
  ChannelStats st;
  st.mean = sum / count;
  st.invstd = 1.0 / std::sqrt(squares / count + eps);
  st.scale = weight * st.invstd;
  st.shift = bias - st.mean * st.scale;
  st.var_unbiased = count > 1 ? squares / (count - 1) : std::nan("");
  return st;
}

/// What the backward pass makes of a channel's two gradient sums: its weight and bias gradients
/// and the factors of dx = k·dy + c1·(x - mean) + c0 (c1 = c0 = 0 for constant statistics).
template <Scalar T>
struct ChannelGradient {
  T dweight, dbias, k, c1, c0;
};

template <Scalar T>
ChannelGradient<T> channel_gradient(double sum_dy, double sum_dy_xmu, double invstd, double weight, bool batch_stats,
                                    double count) {
  const double k = weight * invstd;
  return {static_cast<T>(sum_dy_xmu * invstd), static_cast<T>(sum_dy), static_cast<T>(k),
          static_cast<T>(batch_stats ? -k * invstd * invstd * sum_dy_xmu / count : 0.0),
          static_cast<T>(batch_stats ? -k * sum_dy / count : 0.0)};
}

/// The forward pass for inner > 1: each channel's N runs of `inner` values in turn.
template <Scalar T, bool Rectified>
void forward_planes(const ChannelLayout& l, const T* x, const T* weight, const T* bias, double eps, T* y, T* mean,
                    T* invstd, T* var_unbiased, T slope) {
  const Index C = l.channels, inner = l.inner, outer = l.outer;
  parallel_for(C, channel_grain(l), [&](Index b, Index e) {
    for (Index c = b; c < e; ++c) {
      auto run = [&](Index n) { return x + (n * C + c) * inner; };
      double s = 0.0;
      for (Index n = 0; n < outer; ++n) {
        const T* xs = run(n);
        s += static_cast<double>(lane_sums<1, T>(inner, [&](Index i) { return std::array<T, 1>{xs[i]}; })[0]);
      }
      const T mu = static_cast<T>(s / static_cast<double>(l.per_channel()));
      double q = 0.0;
      for (Index n = 0; n < outer; ++n) {
        const T* xs = run(n);
        q += static_cast<double>(lane_sums<1, T>(inner, [&](Index i) {
          const T d = xs[i] - mu;
          return std::array<T, 1>{d * d};
        })[0]);
      }
      const ChannelStats st = channel_stats(s, q, static_cast<double>(l.per_channel()), eps, affine_weight(weight, c),
                                            affine_bias(bias, c));
      mean[c] = mu;
      invstd[c] = static_cast<T>(st.invstd);
      var_unbiased[c] = static_cast<T>(st.var_unbiased);
      for (Index n = 0; n < outer; ++n)
        normalize_run<T, Rectified>(run(n), inner, static_cast<T>(st.scale), static_cast<T>(st.shift), slope,
                                    y + (n * C + c) * inner);
    }
  });
}

/// Channels per sweep of the rows of [N, C]: the sweep's per-channel sums stay in L1.
inline constexpr Index kRowBlock = 256;

/// The forward pass for inner == 1 ([N, C], BatchNorm1d after a Linear layer): a channel is a
/// strided column, so each thread sweeps the N rows over blocks of kRowBlock channels, per channel
/// in row order whatever the block.
template <Scalar T, bool Rectified>
void forward_rows(const ChannelLayout& l, const T* x, const T* weight, const T* bias, double eps, T* y, T* mean,
                  T* invstd, T* var_unbiased, T slope) {
  const Index C = l.channels, N = l.outer;
  parallel_for(C, std::max<Index>(16, (1 << 14) / std::max<Index>(N, 1)), [&](Index b, Index e) {
    std::array<double, kRowBlock> s, mu, q;
    std::array<T, kRowBlock> scale, shift;
    for (Index first = b; first < e; first += kRowBlock) {
      const Index len = std::min(kRowBlock, e - first);
      std::fill_n(s.begin(), len, 0.0);
      std::fill_n(q.begin(), len, 0.0);
      for (Index n = 0; n < N; ++n)
        for (Index j = 0; j < len; ++j) s[j] += static_cast<double>(x[n * C + first + j]);
      for (Index j = 0; j < len; ++j) mu[j] = s[j] / static_cast<double>(N);
      for (Index n = 0; n < N; ++n)
        for (Index j = 0; j < len; ++j) {
          const double d = static_cast<double>(x[n * C + first + j]) - mu[j];
          q[j] += d * d;
        }
      for (Index j = 0; j < len; ++j) {
        const Index c = first + j;
        const ChannelStats st =
            channel_stats(s[j], q[j], static_cast<double>(N), eps, affine_weight(weight, c), affine_bias(bias, c));
        mean[c] = static_cast<T>(st.mean);
        invstd[c] = static_cast<T>(st.invstd);
        var_unbiased[c] = static_cast<T>(st.var_unbiased);
        scale[j] = static_cast<T>(st.scale);
        shift[j] = static_cast<T>(st.shift);
      }
      for (Index n = 0; n < N; ++n) {
        const T* xs = x + n * C + first;
        T* out = y + n * C + first;
        for (Index j = 0; j < len; ++j) {
          const T v = xs[j] * scale[j] + shift[j];
          if constexpr (Rectified)
            out[j] = rectified(v, slope);
          else
            out[j] = v;
        }
      }
    }
  });
}

/// The backward pass for inner > 1, channel by channel.
template <Scalar T, bool Rectified>
void backward_planes(const ChannelLayout& l, const T* x, const T* dy, const T* mean, const T* invstd, const T* weight,
                     bool batch_stats, T* dx, T* dweight, T* dbias, T slope, const T* y) {
  const Index C = l.channels, inner = l.inner, outer = l.outer;
  const double count = static_cast<double>(l.per_channel());
  const bool need_sums = dweight || dbias || (dx && batch_stats);
  parallel_for(C, channel_grain(l), [&](Index b, Index e) {
    const Index len = e - b;
    std::vector<double> sum_dy(static_cast<std::size_t>(len), 0.0), sum_dy_xmu(static_cast<std::size_t>(len), 0.0);
    std::vector<T> k(static_cast<std::size_t>(len)), c1(static_cast<std::size_t>(len)), c0(static_cast<std::size_t>(len));
    if (need_sums)
      for (Index n = 0; n < outer; ++n)
        for (Index c = b; c < e; ++c) {
          const Index at = (n * C + c) * inner;
          const T* xs = x + at;
          const T mu = mean[c];
          const auto g = GradientAt<T, Rectified>::at(dy, y, at, slope);
          const std::array<T, 2> sums = lane_sums<2, T>(inner, [&](Index i) {
            const T gi = g(i);
            return std::array<T, 2>{gi, gi * (xs[i] - mu)};
          });
          sum_dy[c - b] += static_cast<double>(sums[0]);
          sum_dy_xmu[c - b] += static_cast<double>(sums[1]);
        }
    for (Index c = b; c < e; ++c) {
      const std::size_t j = static_cast<std::size_t>(c - b);
      const auto cg = channel_gradient<T>(sum_dy[j], sum_dy_xmu[j], static_cast<double>(invstd[c]),
                                          affine_weight(weight, c), batch_stats, count);
      if (dweight) dweight[c] = cg.dweight;
      if (dbias) dbias[c] = cg.dbias;
      k[j] = cg.k, c1[j] = cg.c1, c0[j] = cg.c0;
    }
    if (!dx) return;
    for (Index n = 0; n < outer; ++n)
      for (Index c = b; c < e; ++c) {
        const Index at = (n * C + c) * inner;
        const std::size_t j = static_cast<std::size_t>(c - b);
        const T* xs = x + at;
        const T mu = mean[c], kt = k[j], c1t = c1[j], c0t = c0[j];
        const auto g = GradientAt<T, Rectified>::at(dy, y, at, slope);
        T* out = dx + at;
        for (Index i = 0; i < inner; ++i) out[i] = g(i) * kt + (xs[i] - mu) * c1t + c0t;
      }
  });
}

/// The backward pass for inner == 1, by blocks of channels as in forward_rows.
template <Scalar T, bool Rectified>
void backward_rows(const ChannelLayout& l, const T* x, const T* dy, const T* mean, const T* invstd, const T* weight,
                   bool batch_stats, T* dx, T* dweight, T* dbias, T slope, const T* y) {
  const Index C = l.channels, N = l.outer;
  const double count = static_cast<double>(N);
  const bool need_sums = dweight || dbias || (dx && batch_stats);
  parallel_for(C, std::max<Index>(16, (1 << 14) / std::max<Index>(N, 1)), [&](Index b, Index e) {
    std::array<double, kRowBlock> sum_dy, sum_dy_xmu;
    std::array<T, kRowBlock> k, c1, c0;
    for (Index first = b; first < e; first += kRowBlock) {
      const Index len = std::min(kRowBlock, e - first);
      const T* mu = mean + first;
      std::fill_n(sum_dy.begin(), len, 0.0);
      std::fill_n(sum_dy_xmu.begin(), len, 0.0);
      if (need_sums)
        for (Index n = 0; n < N; ++n) {
          const Index at = n * C + first;
          const auto g = GradientAt<T, Rectified>::at(dy, y, at, slope);
          const T* xs = x + at;
          for (Index j = 0; j < len; ++j) {
            const T gj = g(j);
            sum_dy[j] += static_cast<double>(gj);
            sum_dy_xmu[j] += static_cast<double>(gj * (xs[j] - mu[j]));
          }
        }
      for (Index j = 0; j < len; ++j) {
        const Index c = first + j;
        const auto cg = channel_gradient<T>(sum_dy[j], sum_dy_xmu[j], static_cast<double>(invstd[c]),
                                            affine_weight(weight, c), batch_stats, count);
        if (dweight) dweight[c] = cg.dweight;
        if (dbias) dbias[c] = cg.dbias;
        k[j] = cg.k, c1[j] = cg.c1, c0[j] = cg.c0;
      }
      if (!dx) continue;
      for (Index n = 0; n < N; ++n) {
        const Index at = n * C + first;
        const auto g = GradientAt<T, Rectified>::at(dy, y, at, slope);
        const T* xs = x + at;
        T* out = dx + at;
        for (Index j = 0; j < len; ++j) out[j] = g(j) * k[j] + (xs[j] - mu[j]) * c1[j] + c0[j];
      }
    }
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
  const T slope = rectifier ? rectifier->slope : T(0);
  if (l.inner == 1) {
    if (rectifier)
      detail::forward_rows<T, true>(l, x, weight, bias, eps, y, mean, invstd, var_unbiased, slope);
    else
      detail::forward_rows<T, false>(l, x, weight, bias, eps, y, mean, invstd, var_unbiased, slope);
  } else if (rectifier) {
    detail::forward_planes<T, true>(l, x, weight, bias, eps, y, mean, invstd, var_unbiased, slope);
  } else {
    detail::forward_planes<T, false>(l, x, weight, bias, eps, y, mean, invstd, var_unbiased, slope);
  }
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
/// Any of dx, dweight, dbias may be null; weight null means 1; dx may be dy itself (every dy is
/// read before its position is written). For a forward pass with a rectifier, `rectified` is its
/// output (required) and dy the gradient there.
template <Scalar T>
void batch_norm_backward(const ChannelLayout& l, const T* x, const T* dy, const T* mean, const T* invstd, const T* weight,
                         bool batch_stats, T* dx, T* dweight, T* dbias,
                         std::optional<Rectifier<T>> rectifier = std::nullopt, const T* rectified = nullptr) {
  if (rectifier && !rectified) throw ValueError("batch_norm_backward: a rectified batch norm needs its output");
  const T slope = rectifier ? rectifier->slope : T(0);
  const T* y = rectifier ? rectified : nullptr;
  if (l.inner == 1) {
    if (rectifier)
      detail::backward_rows<T, true>(l, x, dy, mean, invstd, weight, batch_stats, dx, dweight, dbias, slope, y);
    else
      detail::backward_rows<T, false>(l, x, dy, mean, invstd, weight, batch_stats, dx, dweight, dbias, slope, y);
  } else if (rectifier) {
    detail::backward_planes<T, true>(l, x, dy, mean, invstd, weight, batch_stats, dx, dweight, dbias, slope, y);
  } else {
    detail::backward_planes<T, false>(l, x, dy, mean, invstd, weight, batch_stats, dx, dweight, dbias, slope, y);
  }
}

}  // namespace aegan::kernels
