#pragma once
// The instruction sets aegan's float kernels are written for, which of them this build carries,
// and which one a process runs.
//
// A build pinned to an instruction set by the compiler's target (-march=native on an AVX-512
// host, -march=x86-64-v3, any aarch64 build) carries that set's kernels alone. An x86-64 build at
// the compiler's baseline (a distribution's package, a CI image: no -march) carries the baseline,
// AVX2 and AVX-512 kernels and runs the best one the CPU and the operating system support, chosen
// once per process. The environment variable AEGAN_ISA (baseline, avx2 or avx512) caps that
// choice, as ONEDNN_MAX_CPU_ISA does for oneDNN: to compare instruction sets on one machine, or
// to test the narrower kernels on a wider CPU.
#include <cstdlib>
#include <string>
#include <string_view>

#include "aegan/error.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#if defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512BW__) && defined(__AVX512DQ__)
#define AEGAN_SIMD_PINNED_AVX512 1
#elif defined(__AVX2__) && defined(__FMA__)
#define AEGAN_SIMD_PINNED_AVX2 1
#else
#define AEGAN_SIMD_DISPATCH 1  // baseline x86: carry every x86 set, choose at run time
#endif
#elif defined(__aarch64__)
#define AEGAN_SIMD_PINNED_NEON 1
#else
#define AEGAN_SIMD_PINNED_PORTABLE 1
#endif

namespace aegan::kernels::simd {

/// Ordered by width, so that a cap compares with <.
enum class Isa { Baseline, Neon, Avx2, Avx512 };

inline constexpr std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Baseline: return "baseline";
    case Isa::Neon: return "neon";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "unknown";
}

/// Whether this CPU (and its operating system, which must save the wider registers) runs `isa`.
inline bool cpu_supports([[maybe_unused]] Isa isa) {
#if defined(AEGAN_SIMD_DISPATCH)
  // GCC's and clang's runtime check the OS-enabled register state (XCR0) along with CPUID.
  switch (isa) {
    case Isa::Baseline: return true;
    case Isa::Neon: return false;
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return true;  // a pinned build runs only on the CPUs its compiler target allows
#endif
}

/// The widest set AEGAN_ISA allows (Avx512 when it is unset or empty). An unknown name is an
/// error, not a silent fallback: a benchmark told to run at AVX2 must not run at AVX-512.
inline Isa isa_cap_from_environment() {
  const char* value = std::getenv("AEGAN_ISA");
  if (!value || !*value) return Isa::Avx512;
  const std::string_view name(value);
  for (Isa isa : {Isa::Baseline, Isa::Neon, Isa::Avx2, Isa::Avx512})
    if (name == isa_name(isa)) return isa;
  throw ValueError("AEGAN_ISA=" + std::string(name) + ": expected baseline, avx2 or avx512 (or unset for the best the CPU has)");
}

}  // namespace aegan::kernels::simd
