#pragma once
// One vector of floats per instruction set, behind the same few operations, so that a kernel is
// written once (for a `Lanes` type) and compiled for each set: kWidth floats, zero, broadcast,
// unaligned load and store, the first n lanes loaded or stored (the rest read as zero), and a
// fused multiply-add. A set may also offer transpose(r): kWidth vectors (rows) transposed in
// registers, which kernels use when present and replace with scalar loops when not.
//
// In a baseline x86 build (isa.hpp: AEGAN_SIMD_DISPATCH) the AVX2 and AVX-512 operations carry
// their instruction set as a function attribute, so that the build compiles them without a
// -march and runs them only where the CPU has them.
#include <cstring>

#include "aegan/tensor/kernels/simd/isa.hpp"
#include "aegan/tensor/shape.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#if defined(AEGAN_SIMD_DISPATCH)
#define AEGAN_SIMD_AVX2_TARGETS "avx2,fma"
#define AEGAN_SIMD_AVX512_TARGETS "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"
#define AEGAN_SIMD_TARGET_AVX2 [[gnu::target(AEGAN_SIMD_AVX2_TARGETS)]]
#define AEGAN_SIMD_TARGET_AVX512 [[gnu::target(AEGAN_SIMD_AVX512_TARGETS)]]
#else
#define AEGAN_SIMD_TARGET_AVX2
#define AEGAN_SIMD_TARGET_AVX512
#endif

namespace aegan::kernels::simd {

/// Whether a vector type offers transpose(r) of kWidth rows.
template <class L>
concept HasTranspose = requires(typename L::Vec* rows) { L::transpose(rows); };

/// The vector extension every GCC and clang target has: 4 floats (SSE2 on baseline x86-64).
/// Without a fused multiply-add instruction fma() is a multiply and an add.
struct Portable {
  static constexpr Isa kIsa = Isa::Baseline;
  static constexpr int kWidth = 4;
  using Vec = float __attribute__((vector_size(16)));
  static Vec zero() { return Vec{}; }
  static Vec broadcast(float x) { return Vec{} + x; }
  static Vec load(const float* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }
  static Vec fma(Vec a, Vec b, Vec c) { return a * b + c; }
  static Vec load_first(const float* p, Index n) {
    Vec v{};
    std::memcpy(&v, p, static_cast<std::size_t>(n < kWidth ? n : kWidth) * sizeof(float));
    return v;
  }
  static void store_first(float* p, Vec v, Index n) {
    std::memcpy(p, &v, static_cast<std::size_t>(n < kWidth ? n : kWidth) * sizeof(float));
  }
};

#if defined(__x86_64__) || defined(__i386__)
#if defined(AEGAN_SIMD_DISPATCH) || defined(AEGAN_SIMD_PINNED_AVX2)
struct Avx2 {
  static constexpr Isa kIsa = Isa::Avx2;
  static constexpr int kWidth = 8;
  using Vec = __m256;
  AEGAN_SIMD_TARGET_AVX2 static Vec zero() { return _mm256_setzero_ps(); }
  AEGAN_SIMD_TARGET_AVX2 static Vec broadcast(float x) { return _mm256_set1_ps(x); }
  AEGAN_SIMD_TARGET_AVX2 static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  AEGAN_SIMD_TARGET_AVX2 static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  AEGAN_SIMD_TARGET_AVX2 static Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  /// All ones in the lanes below n: vmaskmov's lane mask.
  AEGAN_SIMD_TARGET_AVX2 static __m256i first(Index n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < kWidth ? n : kWidth)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  AEGAN_SIMD_TARGET_AVX2 static Vec load_first(const float* p, Index n) { return _mm256_maskload_ps(p, first(n)); }
  AEGAN_SIMD_TARGET_AVX2 static void store_first(float* p, Vec v, Index n) { _mm256_maskstore_ps(p, first(n), v); }
  /// 8 rows of 8 floats transposed: unpack pairs, then 64-bit pairs, then 128-bit halves.
  AEGAN_SIMD_TARGET_AVX2 static void transpose(Vec r[8]) {
    Vec t[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
      r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; ++i) {
      t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
      t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
    }
    for (int i = 0; i < 8; ++i) r[i] = t[i];
  }
};
#endif

#if defined(AEGAN_SIMD_DISPATCH) || defined(AEGAN_SIMD_PINNED_AVX512)
struct Avx512 {
  static constexpr Isa kIsa = Isa::Avx512;
  static constexpr int kWidth = 16;
  using Vec = __m512;
  AEGAN_SIMD_TARGET_AVX512 static Vec zero() { return _mm512_setzero_ps(); }
  AEGAN_SIMD_TARGET_AVX512 static Vec broadcast(float x) { return _mm512_set1_ps(x); }
  AEGAN_SIMD_TARGET_AVX512 static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  AEGAN_SIMD_TARGET_AVX512 static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  AEGAN_SIMD_TARGET_AVX512 static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  AEGAN_SIMD_TARGET_AVX512 static __mmask16 first(Index n) {
    return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1u);
  }
  AEGAN_SIMD_TARGET_AVX512 static Vec load_first(const float* p, Index n) { return _mm512_maskz_loadu_ps(first(n), p); }
  AEGAN_SIMD_TARGET_AVX512 static void store_first(float* p, Vec v, Index n) { _mm512_mask_storeu_ps(p, first(n), v); }

  // Full-mask forms of the shuffles: GCC 12's unmasked intrinsics pass _mm512_undefined_*() as the
  // merge source and -Wuninitialized flags that at -O1/-O2 once inlined.
  AEGAN_SIMD_TARGET_AVX512 static Vec unpacklo(Vec a, Vec b) { return _mm512_mask_unpacklo_ps(a, __mmask16(0xFFFF), a, b); }
  AEGAN_SIMD_TARGET_AVX512 static Vec unpackhi(Vec a, Vec b) { return _mm512_mask_unpackhi_ps(a, __mmask16(0xFFFF), a, b); }
  AEGAN_SIMD_TARGET_AVX512 static Vec unpacklo64(Vec a, Vec b) {
    const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
    return _mm512_castpd_ps(_mm512_mask_unpacklo_pd(x, __mmask8(0xFF), x, y));
  }
  AEGAN_SIMD_TARGET_AVX512 static Vec unpackhi64(Vec a, Vec b) {
    const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
    return _mm512_castpd_ps(_mm512_mask_unpackhi_pd(x, __mmask8(0xFF), x, y));
  }
  template <int Imm>
  AEGAN_SIMD_TARGET_AVX512 static Vec shuffle128(Vec a, Vec b) {
    return _mm512_mask_shuffle_f32x4(a, __mmask16(0xFFFF), a, b, Imm);
  }
  /// 16 rows of 16 floats transposed in registers.
  AEGAN_SIMD_TARGET_AVX512 static void transpose(Vec r[16]) {
    Vec t[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = unpacklo(r[i], r[i + 1]);
      t[i + 1] = unpackhi(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      r[i] = unpacklo64(t[i], t[i + 2]);
      r[i + 1] = unpackhi64(t[i], t[i + 2]);
      r[i + 2] = unpacklo64(t[i + 1], t[i + 3]);
      r[i + 3] = unpackhi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; ++i) {
      const Vec ab_lo = shuffle128<0x88>(r[i], r[4 + i]), ab_hi = shuffle128<0xDD>(r[i], r[4 + i]);
      const Vec cd_lo = shuffle128<0x88>(r[8 + i], r[12 + i]), cd_hi = shuffle128<0xDD>(r[8 + i], r[12 + i]);
      t[i] = shuffle128<0x88>(ab_lo, cd_lo);
      t[4 + i] = shuffle128<0x88>(ab_hi, cd_hi);
      t[8 + i] = shuffle128<0xDD>(ab_lo, cd_lo);
      t[12 + i] = shuffle128<0xDD>(ab_hi, cd_hi);
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
  }
};
#endif
#endif  // x86

#if defined(__aarch64__)
/// Advanced SIMD, which every aarch64 CPU has: 4 floats, with a fused multiply-add.
struct Neon {
  static constexpr Isa kIsa = Isa::Neon;
  static constexpr int kWidth = 4;
  using Vec = float32x4_t;
  static Vec zero() { return vdupq_n_f32(0.0f); }
  static Vec broadcast(float x) { return vdupq_n_f32(x); }
  static Vec load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, Vec v) { vst1q_f32(p, v); }
  static Vec fma(Vec a, Vec b, Vec c) { return vfmaq_f32(c, a, b); }
  static Vec load_first(const float* p, Index n) {
    float lanes[kWidth] = {};
    std::memcpy(lanes, p, static_cast<std::size_t>(n < kWidth ? n : kWidth) * sizeof(float));
    return vld1q_f32(lanes);
  }
  static void store_first(float* p, Vec v, Index n) {
    float lanes[kWidth];
    vst1q_f32(lanes, v);
    std::memcpy(p, lanes, static_cast<std::size_t>(n < kWidth ? n : kWidth) * sizeof(float));
  }
};
#endif

}  // namespace aegan::kernels::simd
