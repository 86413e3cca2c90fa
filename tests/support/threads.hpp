#pragma once
// Thread count for one test scope, shared by the layer tests.
#include <aegan/tensor/kernels/conv.hpp>
#include <aegan/tensor/parallel.hpp>

namespace aegan::test {

/// Sets the thread count; with more than one thread, also makes every convolution, however
/// small, take the threaded path (small ones otherwise stay on one thread).
struct ThreadGuard {
  explicit ThreadGuard(int n) : previous(aegan::num_threads()), threshold(aegan::kernels::detail::conv_min_parallel_flops()) {
    aegan::set_num_threads(n);
    if (n > 1) aegan::kernels::detail::conv_min_parallel_flops() = 0.0;
  }
  ~ThreadGuard() {
    aegan::set_num_threads(previous);
    aegan::kernels::detail::conv_min_parallel_flops() = threshold;
  }
  ThreadGuard(const ThreadGuard&) = delete;
  ThreadGuard& operator=(const ThreadGuard&) = delete;
  int previous;
  double threshold;
};

}  // namespace aegan::test
