#pragma once
// Per-thread scratch buffers for the kernels' temporaries (im2col matrices, packed weights,
// rectifier-scaled gradients), so that the steady state of a training loop allocates nothing.
#include <memory>

#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels::detail {

/// A grow-only, 64-byte aligned scratch buffer per thread, scalar type and slot. Reused by every
/// call on that thread; it lives as long as the thread. Two buffers in use at the same time need
/// different slots: conv.hpp uses 0-10, batchnorm.hpp 11, winograd.hpp 13-18, the AVX-512 sgemm (called inside
/// the conv loops) 12.
template <Scalar T, int Slot>
T* scratch(Index n) {
  thread_local std::unique_ptr<T[], aegan::detail::AlignedFree> buffer;
  thread_local Index capacity = 0;
  if (n > capacity) {
    buffer = aegan::detail::aligned_array<T>(n);
    capacity = n;
  }
  return buffer.get();
}

}  // namespace aegan::kernels::detail
