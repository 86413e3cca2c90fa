#pragma once
// Copies of the short contiguous runs that the convolution loops move by the thousand: one row of
// a padded image (14 floats), one 7x7 plane. GCC turns a plain copy loop, std::copy_n included,
// into a call to memcpy, whose call and size dispatch cost more than copying 14 floats; on an
// AVX-512 host a run is instead a few masked vector moves, inline.
#include <algorithm>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "aegan/tensor/scalar.hpp"
#include "aegan/tensor/shape.hpp"

namespace aegan::kernels {

/// dst[0:n) = src[0:n); the ranges must not overlap.
template <Scalar T>
void copy_run(const T* __restrict src, Index n, T* __restrict dst) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    for (Index i = 0; i < n; i += 16) {
      const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1u);
      _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
  } else {
    for (Index i = 0; i < n; i += 8) {
      const __mmask8 m = n - i >= 8 ? __mmask8(0xFF) : __mmask8((1u << (n - i)) - 1u);
      _mm512_mask_storeu_pd(dst + i, m, _mm512_maskz_loadu_pd(m, src + i));
    }
  }
#else
  std::copy_n(src, n, dst);
#endif
}

}  // namespace aegan::kernels
