#pragma once
// Thread control for the kernels. OpenMP and Eigen's GEMM share one setting, so a program
// asks for N threads once and every kernel honours it.
#include <omp.h>

#include <algorithm>
#include <exception>

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

namespace detail {
/// Whether the caller runs inside a parallel region, a one-thread (inactive) one included: kernels
/// called there run on the calling thread alone.
inline bool inside_parallel_region() { return omp_get_level() > 0; }

/// Runs body() on the calling thread with every kernel it calls single-threaded, and leaves the
/// caller's thread settings untouched: body runs in a one-thread parallel region, which
/// parallel_for and the convolution engine see through inside_parallel_region(). An exception
/// leaves the region and reaches the caller.
template <class Body>
void run_single_threaded(Body&& body) {
  std::exception_ptr error;
#pragma omp parallel num_threads(1)
  {
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}
}  // namespace detail

/// Runs body(begin, end) over [0, n) split into one contiguous chunk per OpenMP thread.
/// Static, thread-count-determined chunks keep results bit-identical from run to run. Small
/// ranges, single-thread runs and calls from inside a parallel region (see
/// detail::inside_parallel_region) run inline, so kernels never nest parallelism.
template <class Body>
void parallel_for(Index n, Index min_per_thread, Body&& body) {
  const int threads = omp_get_max_threads();
  if (n <= 0) return;
  if (threads <= 1 || detail::inside_parallel_region() || n < 2 * min_per_thread) {
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

/// Runs body(i) for every i in [0, n), handing items to threads a few at a time: for independent
/// items of uneven cost (files to decode) whose results do not depend on which thread ran them.
/// body must not throw. Runs inline where parallel_for would.
template <class Body>
void parallel_for_each(Index n, Body&& body) {
  if (n <= 0) return;
  if (omp_get_max_threads() <= 1 || detail::inside_parallel_region() || n < 2) {
    for (Index i = 0; i < n; ++i) body(i);
    return;
  }
#pragma omp parallel for schedule(dynamic, 4)
  for (Index i = 0; i < n; ++i) body(i);
}

}  // namespace aegan
