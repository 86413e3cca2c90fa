#pragma once
// aegan's float GEMM for every instruction set it carries (simd/isa.hpp), and the choice among
// them. sgemm_body.inc is the one source; each instruction set includes it in its own namespace
// with its vector type and micro-tile. A pinned build carries one set and calls it directly; a
// baseline x86 build compiles the AVX2 and AVX-512 copies under their function targets and
// chooses once per process (kernels()).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "aegan/tensor/kernels/scratch.hpp"
#include "aegan/tensor/kernels/sgemm_interface.hpp"
#include "aegan/tensor/kernels/simd/lanes.hpp"
#include "aegan/tensor/parallel.hpp"

// Every function of a section compiled for an instruction set the build's compiler target lacks.
#if defined(AEGAN_SIMD_DISPATCH) && defined(__clang__)
#define AEGAN_SIMD_BEGIN_AVX2 _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define AEGAN_SIMD_BEGIN_AVX512 \
  _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512vl,avx512bw,avx512dq,avx2,fma\"))), apply_to = function)")
#define AEGAN_SIMD_END _Pragma("clang attribute pop")
#elif defined(AEGAN_SIMD_DISPATCH)
#define AEGAN_SIMD_BEGIN_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define AEGAN_SIMD_BEGIN_AVX512 _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512vl,avx512bw,avx512dq,avx2,fma\")")
#define AEGAN_SIMD_END _Pragma("GCC pop_options")
#else
#define AEGAN_SIMD_BEGIN_AVX2
#define AEGAN_SIMD_BEGIN_AVX512
#define AEGAN_SIMD_END
#endif

#if defined(AEGAN_SIMD_DISPATCH) || defined(AEGAN_SIMD_PINNED_PORTABLE)
namespace aegan::kernels::detail::sgemm::portable {
using Lanes = simd::Portable;
inline constexpr Index kMR = 6, kPanelVectors = 2;  // 12 accumulators of 16 xmm registers
#include "aegan/tensor/kernels/sgemm_body.inc"
}  // namespace aegan::kernels::detail::sgemm::portable
#endif

#if defined(AEGAN_SIMD_DISPATCH) || defined(AEGAN_SIMD_PINNED_AVX2)
AEGAN_SIMD_BEGIN_AVX2
namespace aegan::kernels::detail::sgemm::avx2 {
using Lanes = simd::Avx2;
inline constexpr Index kMR = 6, kPanelVectors = 2;  // 6 x 16: 12 accumulators of 16 ymm registers
#include "aegan/tensor/kernels/sgemm_body.inc"
}  // namespace aegan::kernels::detail::sgemm::avx2
AEGAN_SIMD_END
#endif

#if defined(AEGAN_SIMD_DISPATCH) || defined(AEGAN_SIMD_PINNED_AVX512)
AEGAN_SIMD_BEGIN_AVX512
namespace aegan::kernels::detail::sgemm::avx512 {
using Lanes = simd::Avx512;
inline constexpr Index kMR = 8, kPanelVectors = 3;  // 8 x 48: 24 accumulators of 32 zmm registers
#include "aegan/tensor/kernels/sgemm_body.inc"
}  // namespace aegan::kernels::detail::sgemm::avx512
AEGAN_SIMD_END
#endif

#if defined(AEGAN_SIMD_PINNED_NEON)
namespace aegan::kernels::detail::sgemm::neon {
using Lanes = simd::Neon;
inline constexpr Index kMR = 8, kPanelVectors = 3;  // 8 x 12: 24 accumulators of 32 q registers
#include "aegan/tensor/kernels/sgemm_body.inc"
}  // namespace aegan::kernels::detail::sgemm::neon
#endif

#undef AEGAN_SIMD_BEGIN_AVX2
#undef AEGAN_SIMD_BEGIN_AVX512
#undef AEGAN_SIMD_END

namespace aegan::kernels::detail::sgemm {

#if defined(AEGAN_SIMD_DISPATCH)
/// The widest instruction set that the CPU supports and AEGAN_ISA allows, chosen on the first call.
inline const Kernels& choose_kernels() {
  const simd::Isa cap = simd::isa_cap_from_environment();
  for (const Kernels* k : {&avx512::kKernels, &avx2::kKernels})
    if (k->isa <= cap && simd::cpu_supports(k->isa)) return *k;
  return portable::kKernels;
}
#else
/// The one instruction set this build carries. AEGAN_ISA naming a narrower one is an error: the
/// narrower kernels are not in this program (build without -march to choose at run time).
inline const Kernels& pinned_kernels() {
#if defined(AEGAN_SIMD_PINNED_AVX512)
  const Kernels& pinned = avx512::kKernels;
#elif defined(AEGAN_SIMD_PINNED_AVX2)
  const Kernels& pinned = avx2::kKernels;
#elif defined(AEGAN_SIMD_PINNED_NEON)
  const Kernels& pinned = neon::kKernels;
#else
  const Kernels& pinned = portable::kKernels;
#endif
  static const bool allowed = [&] {
    if (const simd::Isa cap = simd::isa_cap_from_environment(); cap < pinned.isa && pinned.isa != simd::Isa::Neon)
      throw ValueError("AEGAN_ISA=" + std::string(simd::isa_name(cap)) + ": this program was compiled for " +
                       std::string(simd::isa_name(pinned.isa)) +
                       " only (a -march target); build it without -march to choose kernels at run time");
    return true;
  }();
  (void)allowed;
  return pinned;
}
#endif

/// The GEMM this process runs.
inline const Kernels& kernels() {
#if defined(AEGAN_SIMD_DISPATCH)
  static const Kernels& chosen = choose_kernels();
  return chosen;
#else
  return pinned_kernels();
#endif
}

}  // namespace aegan::kernels::detail::sgemm

namespace aegan::kernels {
/// The instruction set of the float kernels this process runs (simd/isa.hpp).
inline simd::Isa active_isa() { return detail::sgemm::kernels().isa; }
}  // namespace aegan::kernels
