#pragma once
// Elementwise kernels. Each takes an Eigen-array functor so one loop body serves every op and
// still vectorizes; large tensors are split across threads with parallel_for.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "aegan/tensor/parallel.hpp"
#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels {

inline constexpr Index kElementwiseGrain = 1 << 15;  // below this, threading costs more than it saves

/// out[i] = f(in[i]). f is either generic, mapping an Eigen array segment to an expression, or
/// takes one scalar T: branchy ops (ReLU masks) use the scalar form, because Eigen 3.4 does not
/// vectorize select() while a forced-SIMD loop over a scalar ternary compiles to masked blends.
template <Scalar T, class F>
void unary(const Tensor<T>& in, Tensor<T>& out, F f) {
  const T* x = in.data();
  T* y = out.data();
  parallel_for(in.numel(), kElementwiseGrain, [&](Index b, Index e) {
    if constexpr (std::is_invocable_v<F, ConstArrayMap<T>>) {
      ArrayMap<T>(y + b, e - b) = f(ConstArrayMap<T>(x + b, e - b));
    } else {
      const F fn = f;  // a local copy keeps captured constants in registers across the loop
#pragma omp simd
      for (Index i = b; i < e; ++i) y[i] = fn(x[i]);
    }
  });
}

/// out[i] = f(a[i], b[i]) for same-shape a and b; f generic over Eigen arrays or scalar, as in unary().
/// out may be a or b itself (each position is read before it is written).
template <Scalar T, class F>
void binary(const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& out, F f) {
  const T* x = a.data();
  const T* z = b.data();
  T* y = out.data();
  parallel_for(a.numel(), kElementwiseGrain, [&](Index lo, Index hi) {
    if constexpr (std::is_invocable_v<F, ConstArrayMap<T>, ConstArrayMap<T>>) {
      ArrayMap<T>(y + lo, hi - lo) = f(ConstArrayMap<T>(x + lo, hi - lo), ConstArrayMap<T>(z + lo, hi - lo));
    } else {
      const F fn = f;
#pragma omp simd
      for (Index i = lo; i < hi; ++i) y[i] = fn(x[i], z[i]);
    }
  });
}

/// How a small operand repeats across a big one: the big tensor read as [outer, mid, inner] and
/// the small one as [mid]. This covers every bias-like shape (a scalar, [C] against [N, C],
/// [1, C, 1, 1] against NCHW, [N, 1] against [N, C]) in one vectorizable pattern.
struct Broadcast {
  Index outer = 1, mid = 1, inner = 1;
};

/// The plan for broadcasting `small` against `big` (right-aligned, as NumPy does), or a
/// ShapeError naming `op` and both shapes.
inline Broadcast broadcast_plan(const Shape& big, const Shape& small, const std::string& op) {
  auto fail = [&](const std::string& why) {
    return ShapeError(op + ": cannot broadcast " + small.to_string() + " against " + big.to_string() + ": " + why);
  };
  if (small.rank() > big.rank()) throw fail("the smaller operand has more dimensions");
  const int offset = big.rank() - small.rank();
  int first = -1, last = -1;
  for (int i = 0; i < small.rank(); ++i) {
    if (small[i] == 1) continue;
    if (small[i] != big[i + offset]) throw fail("dimension " + std::to_string(i) + " is neither 1 nor equal");
    if (first < 0) first = i + offset;
    if (last >= 0 && last != i + offset - 1) throw fail("only one contiguous block of non-1 dimensions is supported");
    last = i + offset;
  }
  Broadcast p;
  if (first < 0) {
    p.outer = big.numel();
    return p;
  }
  for (int i = 0; i < first; ++i) p.outer *= big[i];
  for (int i = first; i <= last; ++i) p.mid *= big[i];
  for (int i = last + 1; i < big.rank(); ++i) p.inner *= big[i];
  return p;
}

/// out = f(big, small broadcast) — or f(small broadcast, big) when small_is_lhs.
template <Scalar T, class F>
void binary_broadcast(const Tensor<T>& big, const Tensor<T>& small, const Broadcast& p, bool small_is_lhs,
                      Tensor<T>& out, F f) {
  const T* x = big.data();
  const T* s = small.data();
  T* y = out.data();
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  if (p.inner == 1) {  // rows of length mid, the small operand is one row
    parallel_for(p.outer, std::max<Index>(1, kElementwiseGrain / p.mid), [&](Index b, Index e) {
      const ConstArrayMap<T> srow(s, p.mid);
      for (Index o = b; o < e; ++o) {
        const ConstArrayMap<T> row(x + o * p.mid, p.mid);
        ArrayMap<T> dst(y + o * p.mid, p.mid);
        if (small_is_lhs)
          dst = f(srow, row);
        else
          dst = f(row, srow);
      }
    });
    return;
  }
  parallel_for(p.outer * p.mid, std::max<Index>(1, kElementwiseGrain / p.inner), [&](Index b, Index e) {
    for (Index r = b; r < e; ++r) {
      const ConstArrayMap<T> seg(x + r * p.inner, p.inner);
      const auto c = Arr::Constant(p.inner, s[r % p.mid]);
      ArrayMap<T> dst(y + r * p.inner, p.inner);
      if (small_is_lhs)
        dst = f(c, seg);
      else
        dst = f(seg, c);
    }
  });
}

/// Sums `big` (read as [outer, mid, inner]) down to [mid]: the gradient of a broadcast operand.
/// Accumulates in T, per mid slot in a fixed order, so the result does not depend on threads.
template <Scalar T>
void reduce_broadcast(const Tensor<T>& big, const Broadcast& p, T* out) {
  const T* x = big.data();
  if (p.inner == 1) {
    ArrayMap<T> acc(out, p.mid);
    acc.setZero();
    for (Index o = 0; o < p.outer; ++o) acc += ConstArrayMap<T>(x + o * p.mid, p.mid);
    return;
  }
  parallel_for(p.mid, 1, [&](Index b, Index e) {
    for (Index m = b; m < e; ++m) {
      T total = 0;
      for (Index o = 0; o < p.outer; ++o) total += ConstArrayMap<T>(x + (o * p.mid + m) * p.inner, p.inner).sum();
      out[m] = total;
    }
  });
}

/// dst += src, elementwise; the gradient accumulation primitive.
template <Scalar T>
void add_into(Tensor<T>& dst, const Tensor<T>& src) {
  T* y = dst.data();
  const T* x = src.data();
  parallel_for(dst.numel(), kElementwiseGrain, [&](Index b, Index e) {
    ArrayMap<T>(y + b, e - b) += ConstArrayMap<T>(x + b, e - b);
  });
}

inline constexpr Index kSumBlock = 1 << 13;  // sums are taken per fixed block, then blocks in order

namespace detail {
/// Adds x[0, n) into eight double lanes, element i into lane i % 8: a loop compilers vectorize
/// (float -> double converts and adds), unlike one serial double accumulator.
template <Scalar T>
void add_to_lanes(const T* x, Index n, double (&lanes)[8]) {
  Index i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) lanes[j] += static_cast<double>(x[i + j]);
  for (int j = 0; i < n; ++i, ++j) lanes[j] += static_cast<double>(x[i]);
}

inline double sum_lanes(const double (&lanes)[8]) {
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// Sum over [0, n) of block_sum(begin, end) for fixed kSumBlock-sized blocks, the blocks computed
/// in parallel and added in order, so the result is the same for every thread count.
template <class BlockSum>
double blocked_sum(Index n, BlockSum&& block_sum) {
  const Index blocks = (n + kSumBlock - 1) / kSumBlock;
  if (blocks <= 1) return n > 0 ? block_sum(Index(0), n) : 0.0;
  double local[64];
  std::vector<double> heap;
  double* partial = local;
  if (blocks > 64) {
    heap.resize(static_cast<std::size_t>(blocks));
    partial = heap.data();
  }
  parallel_for(blocks, std::max<Index>(1, kElementwiseGrain / kSumBlock), [&](Index b, Index e) {
    for (Index k = b; k < e; ++k) partial[k] = block_sum(k * kSumBlock, std::min(n, (k + 1) * kSumBlock));
  });
  double total = 0;
  for (Index k = 0; k < blocks; ++k) total += partial[k];
  return total;
}
}  // namespace detail

/// Sum of all elements, accumulated in double for float tensors so large means stay accurate.
/// Deterministic: the same bits for every thread count.
template <Scalar T>
double sum(const Tensor<T>& t) {
  const T* x = t.data();
  return detail::blocked_sum(t.numel(), [x](Index lo, Index hi) {
    double lanes[8] = {};
    detail::add_to_lanes(x + lo, hi - lo, lanes);
    return detail::sum_lanes(lanes);
  });
}

/// Sum over i of f(a[i], b[i]) for same-shape a and b, without materializing f(a, b): the fused
/// form of binary() followed by sum(), accumulated in double like sum(). f as in binary().
template <Scalar T, class F>
double binary_sum(const Tensor<T>& a, const Tensor<T>& b, F f) {
  const T* x = a.data();
  const T* z = b.data();
  return detail::blocked_sum(a.numel(), [&](Index lo, Index hi) {
    constexpr Index kChunk = 256;  // a multiple of 8, so lanes line up across chunks
    alignas(64) T tmp[kChunk];
    double lanes[8] = {};
    for (Index c = lo; c < hi; c += kChunk) {
      const Index len = std::min(kChunk, hi - c);
      if constexpr (std::is_invocable_v<F, ConstArrayMap<T>, ConstArrayMap<T>>) {
        ArrayMap<T>(tmp, len) = f(ConstArrayMap<T>(x + c, len), ConstArrayMap<T>(z + c, len));
      } else {
        for (Index i = 0; i < len; ++i) tmp[i] = f(x[c + i], z[c + i]);
      }
      detail::add_to_lanes(tmp, len, lanes);
    }
    return detail::sum_lanes(lanes);
  });
}

}  // namespace aegan::kernels
