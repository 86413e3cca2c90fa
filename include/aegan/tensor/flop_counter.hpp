#pragma once
// How much arithmetic a piece of work does: the multiply-adds of every matrix product.
//
// Nearly all of a network's arithmetic is matrix products (dense layers, and convolutions in both
// directions, which aegan runs as GEMMs), and a product of op(A) [M, K] by op(B) [K, N] is
// 2·M·N·K floating-point operations whatever kernel runs it. Counting them tells how close a step
// comes to the machine's peak, and so the fastest any implementation could run it: a step's FLOPs
// over one core's FMA peak (docs/benchmarks.md, "Floors"). Elementwise work (activations,
// batch norm, the optimizer) is not counted; it is a few FLOPs per value against thousands per
// output of a product. What is counted is the products that run: a convolution on Winograd's
// algorithm (kernels/winograd.hpp) counts its 64 point products, 64/196 of the direct ones.
#include <atomic>
#include <cstdint>

#include "aegan/tensor/shape.hpp"

namespace aegan {

namespace detail {
inline std::atomic<int>& open_flop_counters() {
  static std::atomic<int> open{0};
  return open;
}
inline std::atomic<std::int64_t>& counted_flops() {
  static std::atomic<std::int64_t> flops{0};
  return flops;
}
/// Called by every matrix-product entry point (kernels/gemm.hpp); free while no counter is open.
inline void count_product(Index M, Index N, Index K) {
  if (open_flop_counters().load(std::memory_order_relaxed) > 0)
    counted_flops().fetch_add(2 * M * N * K, std::memory_order_relaxed);
}
}  // namespace detail

/// Counts the floating-point operations of the matrix products run by any thread (2·M·N·K each;
/// float and double) from its construction on. Counters may nest and overlap: each sees every
/// product done while it is open.
///
///   aegan::FlopCounter counter;
///   trainer.step(batch);
///   double gflop = counter.flops() / 1e9;
class FlopCounter {
 public:
  FlopCounter() : start_(detail::counted_flops().load()) { detail::open_flop_counters().fetch_add(1); }
  ~FlopCounter() { detail::open_flop_counters().fetch_sub(1); }
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;

  /// Operations counted since this counter was made.
  double flops() const { return static_cast<double>(detail::counted_flops().load() - start_); }

 private:
  std::int64_t start_;
};

}  // namespace aegan
