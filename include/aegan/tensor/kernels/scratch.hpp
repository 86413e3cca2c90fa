#pragma once
// Per-thread scratch buffers for the kernels' temporaries (im2col matrices, packed weights,
// rectifier-scaled gradients), so that the steady state of a training loop allocates nothing.
#include <memory>

#include "aegan/tensor/tensor.hpp"

namespace aegan::kernels::detail {

/// A grow-only, 64-byte aligned scratch buffer per thread, tag type and scalar type, reused by
/// every call on that thread for as long as the thread lives. The tag is an empty struct declared
/// next to the code that uses the buffer (`struct PatchRows;` in conv.hpp): two buffers in use at
/// the same time have different tags by construction, so no kernel can take another's buffer
/// unless it names that kernel's tag.
template <class Tag, Scalar T>
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
