#pragma once
// Thread control for the kernels. OpenMP and Eigen's GEMM share one setting, so a program
// asks for N threads once and every kernel honours it.
#include <omp.h>

#include <algorithm>

#include "aegan/error.hpp"
#include "aegan/tensor/eigen.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan {

/// Sets the number of threads used by every kernel (OpenMP loops and Eigen's GEMM).
inline void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: expected at least 1 thread, got " + std::to_string(n));
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}

inline int num_threads() { return omp_get_max_threads(); }

}  // namespace aegan

namespace aegan {

/// Runs body(begin, end) over [0, n) split into one contiguous chunk per OpenMP thread.
/// Static, thread-count-determined chunks keep results bit-identical from run to run. Small
/// ranges, single-thread runs and calls from inside a parallel region run inline, so kernels
/// never nest parallelism.
template <class Body>
void parallel_for(Index n, Index min_per_thread, Body&& body) {
  const int threads = omp_get_max_threads();
  if (n <= 0) return;
  if (threads <= 1 || omp_in_parallel() || n < 2 * min_per_thread) {
    body(Index(0), n);
    return;
  }
  const int used = static_cast<int>(std::min<Index>(threads, n / std::max<Index>(min_per_thread, 1)));
#pragma omp parallel num_threads(used)
  {
    const Index t = omp_get_thread_num();
    const Index chunk = (n + used - 1) / used;
    const Index begin = std::min(n, t * chunk);
    const Index end = std::min(n, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

}  // namespace aegan
